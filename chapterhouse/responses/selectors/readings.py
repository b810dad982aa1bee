"""Reads for reading history: the work page's Mark for Later button and
"Continue where you left off" notice, and the reader's history page."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F

from chapterhouse.accounts.selectors import preference_for
from chapterhouse.works.models import Chapter, Creatorship
from chapterhouse.works.selectors import listing
from chapterhouse.works.selectors.visibility import (
    chapter_is_live_q,
    is_signed_in,
    works_visible_to,
)

from ..models import Reading

#: A place less than this far into a chapter is "the chapter", not "N% in".
NEAR_START = 0.05


def _history_on(viewer) -> bool:
    preference = preference_for(viewer)
    return preference is None or preference.history_enabled


@dataclass
class Progress:
    """Where a reader left off: the chapter (numbered as readers count them)
    and how far into it."""

    work_id: int
    chapter_id: int
    chapter_number: int
    position: float

    @property
    def percent(self) -> int:
        return int(round(self.position * 100))

    @property
    def url(self) -> str:
        return f"/works/{self.work_id}/chapters/{self.chapter_id}#progress={self.position:.2f}"

    @property
    def phrase(self) -> str:
        """"Chapter 3, about 40% in", or just "Chapter 3" near its start."""
        if self.position < NEAR_START:
            return f"Chapter {self.chapter_number}"
        return f"Chapter {self.chapter_number}, about {self.percent}% in"


def _progress(viewer, work, reading: Reading) -> Progress | None:
    """The reader's place, if its chapter is still one she may read."""
    if reading.chapter_id is None or reading.chapter is None:
        return None
    live = list(
        Chapter.objects.filter(work=work, position__lte=reading.chapter.position)
        .filter(chapter_is_live_q())
        .values_list("pk", flat=True)
    )
    if reading.chapter_id not in live:
        return None
    return Progress(work.pk, reading.chapter_id, len(live), reading.position)


#: ``reading_panel``'s ``reading`` when the caller has not read it.
UNKNOWN = object()


def reading_panel(*, request, viewer, work, chapter, reading=UNKNOWN) -> dict:
    """For ``responses/_actions_reading.html``: the Mark for Later / Mark as
    Read button, the progress notice and what ``progress.js`` needs.

    Guests get the script alone (it keeps their place in the browser);
    creators get nothing; a reader with history off gets the button but no
    progress. One query for a signed-in reader (none when the caller passes
    ``reading``: her Reading of the work with its chapter's position, or
    None), one more when she has a place further on to return to."""
    first = chapter is None or getattr(chapter, "number", 1) == 1
    script = {
        "work_id": work.pk,
        "chapter_id": chapter.pk if chapter is not None else "",
        "chapter_number": getattr(chapter, "number", 1) if chapter is not None else 1,
        "first": first,
    }
    if not is_signed_in(viewer):
        return {"signed_in": False, "script": script, "progress_url": ""}
    creator = getattr(work, "viewer_is_creator", None)
    if creator is None:
        creator = Creatorship.objects.filter(
            work=work, pseud__user=viewer, accepted=True
        ).exists()
    if creator or not work.posted:
        return {}
    if reading is UNKNOWN:
        reading = (
            Reading.objects.filter(user=viewer, work=work)
            .select_related("chapter")
            .only("pk", "to_read", "chapter_id", "position", "chapter__position")
            .first()
        )
    panel = {
        "signed_in": True,
        "to_read": bool(reading and reading.to_read),
        "work_id": work.pk,
        "script": None,
        "progress": None,
    }
    if not _history_on(viewer):
        return panel
    panel["script"] = script
    panel["progress_url"] = f"/works/{work.pk}/progress"
    if reading is not None and first and reading.chapter_id:
        shown = chapter.position if chapter is not None else 1
        further = reading.chapter.position > shown or (
            reading.chapter_id == getattr(chapter, "pk", None) and reading.position >= NEAR_START
        )
        if further:
            panel["progress"] = _progress(viewer, work, reading)
    return panel


# The history page ------------------------------------------------------------------------


@dataclass
class ReadingRow:
    reading: Reading
    blurb: listing.Blurb
    progress: Progress | None


def readings_of(*, user, show: str = "", page=1) -> listing.Page:
    """``user``'s history, last visited first, as blurbs with their visits
    and where she left off; ``show="to-read"`` keeps Marked for Later only.
    Only works she may still see. A fixed number of queries per page."""
    readings = Reading.objects.filter(
        user=user, work__in=works_visible_to(user).filter(posted=True)
    )
    if show == "to-read":
        readings = readings.filter(to_read=True)
    readings = readings.select_related("chapter").only(
        "pk", "user_id", "work_id", "first_visited_at", "last_visited_at", "visit_count",
        "to_read", "chapter_id", "position", "progress_at", "chapter__position",
    ).order_by(F("last_visited_at").desc(nulls_last=True), "-pk")

    def prepare(items: list[Reading]) -> list[ReadingRow]:
        ids = [r.work_id for r in items]
        works = {
            b.work.pk: b
            for b in listing.blurbs(
                listing.blurb_queryset(works_visible_to(user).filter(pk__in=ids))
            )
        }
        live: dict[int, list[tuple[int, int]]] = {}
        with_place = [r.work_id for r in items if r.chapter_id]
        if with_place:
            rows = (
                Chapter.objects.filter(work_id__in=with_place)
                .filter(chapter_is_live_q())
                .order_by("work_id", "position", "pk")
                .values_list("work_id", "pk")
            )
            for work_id, chapter_id in rows:
                live.setdefault(work_id, []).append(chapter_id)
        out = []
        for reading in items:
            blurb = works.get(reading.work_id)
            if blurb is None:
                continue
            progress = None
            chapters = live.get(reading.work_id, [])
            if reading.chapter_id in chapters:
                progress = Progress(
                    reading.work_id, reading.chapter_id,
                    chapters.index(reading.chapter_id) + 1, reading.position,
                )
            out.append(ReadingRow(reading=reading, blurb=blurb, progress=progress))
        return out

    return listing.paginate(readings, page, prepare=prepare)
