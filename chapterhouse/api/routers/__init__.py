"""One router per resource, one module per router: ``routers/works.py`` holds
the reads of ``/works…`` and defines ``router`` (and ``PREFIX``, default
``/<name>``). Writes live in ``routers/<name>_writes.py`` and add their
operations to the same router (``from .works import router``), because one
path (``/works/{id}/bookmarks``) can take several methods only within one
router. ``load_all`` imports every module, then mounts each router once.
"""

from __future__ import annotations

import importlib

READS = ["works", "chapters", "tags", "series", "users", "bookmarks", "me"]
WRITES = ["works_writes", "chapters_writes", "bookmarks_writes", "comments", "kudos",
          "subscriptions"]


def load_all(api) -> None:
    mounted: set[int] = set()
    modules = []
    for name in READS + WRITES:
        try:
            modules.append((name, importlib.import_module(f"{__name__}.{name}")))
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
    for name, module in modules:
        router = getattr(module, "router", None)
        if router is None or id(router) in mounted:
            continue
        mounted.add(id(router))
        api.add_router(getattr(module, "PREFIX", f"/{name}"), router)
