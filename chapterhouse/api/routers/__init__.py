"""One module per area. ``load_all`` mounts each module's ``router`` at its
``PREFIX``; a module without a router (not written yet) is skipped."""

from __future__ import annotations

import importlib

MODULES = [
    "works", "chapters", "tags", "series", "users", "bookmarks", "search",
    "kudos", "comments", "subscriptions", "posting", "me",
]


def load_all(api) -> None:
    for name in MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"{__name__}.{name}":
                continue
            raise
        router = getattr(module, "router", None)
        if router is not None:
            api.add_router(getattr(module, "PREFIX", f"/{name}"), router)
