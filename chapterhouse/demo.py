"""Demo content, so that a new site looks lived-in.

Each app adds its part in its own ``demo.py`` with a ``load()`` function; this
module runs them in order. Loading twice changes nothing.
"""

from __future__ import annotations

from django.db import transaction

from chapterhouse.accounts import demo as accounts_demo
from chapterhouse.responses import demo as responses_demo
from chapterhouse.tags import demo as tags_demo
from chapterhouse.works import demo as works_demo

DEMO_LOGIN = accounts_demo.DEMO_LOGIN
DEMO_PASSWORD = accounts_demo.DEMO_PASSWORD

#: Loaders in the order they must run (works need people, responses need works…).
LOADERS = [accounts_demo.load, works_demo.load, tags_demo.load, responses_demo.load]


def is_loaded() -> bool:
    return accounts_demo.is_loaded()


@transaction.atomic
def load() -> bool:
    """Load the demo content; returns False if it was already there."""
    if is_loaded():
        return False
    for loader in LOADERS:
        loader()
    return True
