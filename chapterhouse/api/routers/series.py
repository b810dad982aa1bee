"""Reads of series: ``GET /series/{id}``, with the works the caller may see, in order."""

from __future__ import annotations

from ninja import Query, Router
from ninja.errors import HttpError

from chapterhouse.works.selectors.listing import series_page

from ..auth import READ_AUTH, viewer_of
from ..pagination import envelope
from ..schemas import READ_ERRORS, SeriesOut, absolute, creators_of, local_date, work_summary
from .works import MAX_ID, PageParams

PREFIX = "/series"
router = Router(tags=["series"])


@router.get("/{int:series_id}", response={200: SeriesOut, **READ_ERRORS}, auth=READ_AUTH,
            summary="A series")
def series_detail(request, series_id: int, params: Query[PageParams]):
    """As the series page shows it: a series holding no work the caller may see
    is not there (unless the caller is one of its creators). A series holding
    an anonymous work names no creator. ``works`` is paginated, 20 a page."""
    found = None
    if series_id <= MAX_ID:
        found = series_page(viewer=viewer_of(request), series_id=series_id,
                            page=params.page or 1)
    if found is None:
        raise HttpError(404, "We couldn't find that series.")
    series = found.series
    return {
        "id": series.pk,
        "url": absolute(f"/series/{series.pk}"),
        "title": series.title,
        "creators": creators_of(found.creators, anonymous=found.anonymous),
        "summary": series.summary,
        "notes": series.notes,
        "complete": series.complete,
        "began": local_date(found.began),
        "updated": local_date(found.updated),
        "words": found.word_count,
        "work_count": found.work_count,
        "works": envelope(request, found.works, work_summary),
    }
