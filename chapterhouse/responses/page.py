"""What the work page shows of readers' answers, gathered in one place.

``works.views.reading`` calls ``feedback_for`` once per work or chapter page
and hands the dict to its template as ``feedback``; each part comes from its
feature's selector. For a signed-in reader, what those parts need to know
about her (her pseuds, bookmark, subscription, reading place, whether the
creators blocked her, her unread inbox count) and the kudos counts are read
in one query first (``selectors/reader.py``) and handed to each selector. It
also records the visit (hits, reading history).
"""

from __future__ import annotations

from chapterhouse.works.selectors.visibility import is_signed_in

from .selectors.bookmarks import bookmark_panel
from .selectors.comments import comments_panel
from .selectors.inbox import inbox_unread_known
from .selectors.kudos import kudos_panel
from .selectors.reader import reader_state
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
    if not is_signed_in(viewer):
        return {
            "kudos": kudos_panel(request=request, viewer=viewer, work=work, page=page),
            "comments": comments_panel(request=request, page=page, chapter=chapter, mode=mode),
            "bookmark": {},
            "subscription": {},
            "reading": reading_panel(request=request, viewer=viewer, work=work, chapter=chapter),
        }
    state = reader_state(
        user=viewer, work_id=work.pk, creator_ids={c.pseud.user_id for c in page.creators}
    )
    inbox_unread_known(viewer, state.inbox_unread)
    return {
        "kudos": kudos_panel(
            request=request,
            viewer=viewer,
            work=work,
            page=page,
            counts=(state.kudos_users, state.kudos_guests),
        ),
        "comments": comments_panel(
            request=request,
            page=page,
            chapter=chapter,
            mode=mode,
            pseuds=state.pseuds,
            blocked=state.blocked,
        ),
        "bookmark": bookmark_panel(
            viewer=viewer, work=work, pseuds=state.pseuds, existing=state.bookmark
        ),
        "subscription": subscription_panel(
            viewer=viewer, work=work, subscription_id=state.subscription_id
        ),
        "reading": reading_panel(
            request=request, viewer=viewer, work=work, chapter=chapter, reading=state.reading
        ),
    }


def visit_record(request, page, *, chapter) -> None:
    """Count the hit and remember the visit; never fails the page."""
    hit_record(request=request, page=page)
    reading_visit(viewer=request.user, page=page, chapter=chapter)
