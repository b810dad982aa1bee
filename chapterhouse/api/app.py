"""The public API, ``/api/v1/``: one NinjaAPI, one router per area.

Routers are thin: they read through the same selectors the pages use (one
door for visibility) and write through the same services. ``auth.py`` reads
personal access tokens; ``limits.py`` rate-limits per token and per address.
The OpenAPI document is at ``/api/v1/openapi.json``, browsable docs at
``/api/v1/docs``.
"""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(
    title="Chapterhouse API",
    version="1",
    urls_namespace="api-v1",
    description=(
        "Read works, chapters, tags, series, bookmarks and search as the site shows "
        "them; write kudos, comments, bookmarks, subscriptions and works with a "
        "personal access token (Authorization: Bearer TOKEN)."
    ),
)

# Each router module registers itself on import: ``api.add_router(prefix, router)``.
from .routers import load_all  # noqa: E402

load_all(api)
