"""What the work page shows of readers' answers, gathered in one place.

``works.views.reading`` calls ``feedback_for`` once per work or chapter page
and hands the dict to its template as ``feedback``; each part comes from its
feature's selector. It also records the visit (hits, reading history).
"""

from __future__ import annotations

from chapterhouse.accounts.selectors import pseuds_of

from .selectors.bookmarks import bookmark_panel
from .selectors.comments import comments_panel
from .selectors.kudos import kudos_panel
from .selectors.readings import reading_panel
from .selectors.subscriptions import subscription_panel
from .services.hits import hit_record
from .services.readings import reading_visit


def feedback_for(request, page, *, chapter, mode: str) -> dict:
    """``page`` is ``works.selectors.reading.WorkPage``; ``mode`` is "oneshot",
    "entire" or "chapter"; ``chapter`` is the chapter shown (the first one for
    "oneshot"/"entire"), or None."""
    viewer = request.user
    work = page.work
    # The comment and bookmark forms both offer the reader's pseuds: read them once.
    pseuds = pseuds_of(viewer) if getattr(viewer, "is_authenticated", False) else None
    return {
        "kudos": kudos_panel(request=request, viewer=viewer, work=work, page=page),
        "comments": comments_panel(
            request=request, page=page, chapter=chapter, mode=mode, pseuds=pseuds
        ),
        "bookmark": bookmark_panel(viewer=viewer, work=work, pseuds=pseuds),
        "subscription": subscription_panel(viewer=viewer, work=work),
        "reading": reading_panel(request=request, viewer=viewer, work=work, chapter=chapter),
    }


def visit_record(request, page, *, chapter) -> None:
    """Count the hit and remember the visit; never fails the page."""
    hit_record(request=request, page=page)
    reading_visit(viewer=request.user, page=page, chapter=chapter)
