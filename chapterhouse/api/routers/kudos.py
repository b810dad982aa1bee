"""``POST /works/{id}/kudos``: leave kudos, through ``kudos_give`` (the same
rules as the button on the work page). Added to the works router, which owns
every ``/works/{id}/…`` path."""

from django.http import HttpRequest
from ninja import Status

from chapterhouse.responses.selectors.kudos import kudos_summary
from chapterhouse.responses.services.kudos import kudos_give

from ..auth import WRITE_AUTH, viewer_of
from ..schemas_writes import WRITE_ERRORS, KudosOut, visible_work, write_operation
from .works import router


@router.post(
    "/{int:work_id}/kudos", auth=WRITE_AUTH, response={201: KudosOut, **WRITE_ERRORS},
    tags=["kudos"], summary="Leave kudos on a work",
)
@write_operation
def kudos_leave(request: HttpRequest, work_id: int):
    """Refused (422, with the site's sentence) on your own work, a second time,
    or whenever the site's rules refuse it."""
    viewer = viewer_of(request)
    work = visible_work(viewer, work_id)
    kudos_give(work=work, viewer=viewer)
    summary = kudos_summary(work_id=work.pk, names=0)
    return Status(201, KudosOut(
        work_id=work.pk, kudos_count=summary.total, users=summary.users, guests=summary.guests
    ))
