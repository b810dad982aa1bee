"""Importing a whole eFiction 3.5 archive: ``archive_import``.

Authors become placeholder accounts (claims.py), stories works (through
``work_import``, so every posting rule applies), series series, reviews
comments. All of it runs in one transaction: when anything fails, nothing is
left behind. Every object made is recorded in ``ImportedRecord`` under the
archive's name, so running the same archive again makes nothing twice (and
brings in only what is new, e.g. later reviews).

How eFiction's fields map is in docs/importing-efiction.md.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from chapterhouse.accounts import selectors as people
from chapterhouse.accounts.models import User
from chapterhouse.responses.models import Comment
from chapterhouse.responses.services.comments import GUEST_NAME_MAX_LENGTH, comment_count_refresh
from chapterhouse.tags.fixed import CATEGORIES, RATINGS, WARNINGS
from chapterhouse.works.models import Chapter, Creatorship, Series, SeriesWork
from chapterhouse.works.services.chapters import ChapterFields, chapter_create
from chapterhouse.works.services.tagging import FORBIDDEN_TAG_CHARACTERS, TAG_NAME_MAX
from chapterhouse.works.text import TextTooComplex, html_to_html, strip_html

from ...models import ImportedRecord, ImportedWork, ImportJob, ImportSource, PlaceholderAccount
from ..parsed import ImportProblem, ParsedChapter, ParsedWork
from ..services import work_import
from .claims import placeholder_create
from .source import ArchiveSource

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]

_RATING_NAMES = {name.casefold(): name for name in RATINGS.values()}
_WARNING_NAMES = {name.casefold(): name for name in WARNINGS.values()}
_CATEGORY_NAMES = {name.casefold(): name for name in CATEGORIES.values()}


@dataclass
class ImportResult:
    """What an import made; ``remarks`` lists what it left out and why."""

    authors: int = 0
    stories: int = 0
    drafts: int = 0
    chapters: int = 0
    series: int = 0
    reviews: int = 0
    remarks: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"Imported {self.authors} authors, {self.stories} stories "
            f"({self.chapters} chapters), {self.series} series, {self.reviews} reviews."
        )

    def as_dict(self) -> dict:
        return {
            "authors": self.authors, "stories": self.stories, "drafts": self.drafts,
            "chapters": self.chapters, "series": self.series, "reviews": self.reviews,
            "remarks": self.remarks[:200], "summary": self.summary(),
        }


# --- reading eFiction's values ------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def _html(value: str, what: str) -> str:
    """``value`` sanitised; a text the pipeline refuses stops the import naming the row."""
    try:
        return html_to_html(value)
    except TextTooComplex as error:
        raise ImportProblem(f"{what} cannot be imported: {' '.join(error.messages)}") from error


def _int(value, default: int = 0) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def _ids(value) -> list[int]:
    """eFiction keeps lists as "1,4,7"."""
    found = []
    for part in _text(value).split(","):
        number = _int(part, -1)
        if number > 0 and number not in found:
            found.append(number)
    return found


def _when(value) -> datetime.datetime | None:
    """A DATETIME, a "YYYY-MM-DD HH:MM:SS" text or a Unix time (older
    eFiction versions) as an aware datetime; None for zero dates."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time(12))
    else:
        text = _text(value).strip()
        if not text or text.startswith("0000"):
            return None
        if text.isdigit():
            number = int(text)
            if number <= 0:
                return None
            return datetime.datetime.fromtimestamp(number, tz=datetime.UTC)
        try:
            moment = datetime.datetime.fromisoformat(text.replace(" ", "T", 1))
        except ValueError:
            return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    return moment


def _day(value) -> datetime.date | None:
    moment = _when(value)
    return timezone.localtime(moment).date() if moment else None


def _flag(value) -> bool:
    return _text(value).strip() not in ("", "0")


def tag_name(name: str) -> str:
    """A name from the archive made fit to be a tag: AO3's restricted
    characters dropped, spaces collapsed, cut to the length limit."""
    cleaned = "".join(" " if ch in FORBIDDEN_TAG_CHARACTERS else ch for ch in _text(name))
    return " ".join(cleaned.split())[:TAG_NAME_MAX].strip()


# --- the archive's lookup tables ----------------------------------------------------


@dataclass
class Lookups:
    fandoms: dict[int, str]
    characters: dict[int, str]
    ratings: dict[int, str]
    classes: dict[int, tuple[str, str]]  # id → (name, type name)


def _lookups(source: ArchiveSource) -> Lookups:
    categories = {_int(r.get("catid")): r for r in source.rows("categories")}
    names = defaultdict(int)
    for row in categories.values():
        names[_text(row.get("category")).strip().casefold()] += 1
    fandoms = {}
    for catid, row in categories.items():
        name = _text(row.get("category")).strip()
        parent = categories.get(_int(row.get("parentcatid"), -1))
        if names[name.casefold()] > 1 and parent is not None:
            # Two categories of the same name under different parents: say which.
            name = f"{name} ({_text(parent.get('category')).strip()})"
        fandoms[catid] = tag_name(name)
    types = {
        _int(r.get("classtype_id")): _text(r.get("classtype_name")).strip().casefold()
        for r in source.rows("classtypes")
    }
    return Lookups(
        fandoms=fandoms,
        characters={
            _int(r.get("charid")): tag_name(_text(r.get("charname")))
            for r in source.rows("characters")
        },
        ratings={_int(r.get("rid")): _text(r.get("rating")).strip()
                 for r in source.rows("ratings")},
        classes={
            _int(r.get("class_id")): (
                _text(r.get("class_name")).strip(), types.get(_int(r.get("class_type")), "")
            )
            for r in source.rows("classes")
        },
    )


# --- the import ---------------------------------------------------------------------


class _Import:
    def __init__(self, *, source: ArchiveSource, archive: str, actor: User | None,
                 job: ImportJob | None, progress: Progress | None,
                 stories_dir: str | Path | None, fallback_fandom: str):
        self.source = source
        self.archive = archive
        self.actor = actor
        self.job = job
        self.progress = progress or (lambda done, total, stage: None)
        self.stories_dir = Path(stories_dir) if stories_dir else None
        self.fallback_fandom = tag_name(fallback_fandom or archive)
        self.result = ImportResult()
        self.done = 0
        self.total = 0
        self.users: dict[int, User] = {}
        self.works: dict[int, int] = {}
        self.chapters: dict[int, int] = {}

    # records ----------------------------------------------------------------------

    def _recorded(self, kind: str) -> dict[str, int]:
        return dict(
            ImportedRecord.objects.filter(archive=self.archive, kind=kind)
            .values_list("original_id", "object_id")
        )

    def _record(self, kind: str, original_id, object_id: int) -> None:
        ImportedRecord.objects.create(
            job=self.job, archive=self.archive, kind=kind, original_id=str(original_id),
            object_id=object_id,
        )

    def _step(self, stage: str) -> None:
        self.done += 1
        if self.done == self.total or self.done % 10 == 0:
            self.progress(self.done, self.total, stage)

    # stages -----------------------------------------------------------------------

    def run(self) -> ImportResult:
        authors = sorted(self.source.rows("authors"), key=lambda r: _int(r.get("uid")))
        stories = sorted(self.source.rows("stories"), key=lambda r: _int(r.get("sid")))
        series = sorted(self.source.rows("series"), key=lambda r: _int(r.get("seriesid")))
        reviews = sorted(self.source.rows("reviews"), key=lambda r: _int(r.get("reviewid")))
        self.total = len(authors) + len(stories) + len(series) + len(reviews)
        self.progress(0, self.total, "Reading the archive")
        self.lookups = _lookups(self.source)
        self._authors(authors)
        self._stories(stories)
        self._series(series)
        self._reviews(reviews)
        self.progress(self.total, self.total, "Finished")
        return self.result

    def _authors(self, rows: list[dict]) -> None:
        known = self._recorded("author")
        existing = {
            u.pk: u for u in User.objects.filter(pk__in=[int(v) for v in known.values()])
        }
        for row in rows:
            uid = _int(row.get("uid"))
            user = existing.get(known.get(str(uid), 0))
            if user is None:
                penname = _text(row.get("penname")).strip() or f"Author {uid}"
                placeholder = placeholder_create(
                    archive=self.archive, original_id=str(uid), penname=penname,
                    email=_text(row.get("email")), job=self.job,
                )
                user = placeholder.user
                self._record("author", uid, user.pk)
                self.result.authors += 1
            self.users[uid] = user
            self._step("Authors")

    def _chapter_text(self, row: dict) -> str:
        text = _text(row.get("storytext"))
        if not text.strip() and self.stories_dir is not None:
            path = self.stories_dir / str(_int(row.get("uid"))) / f"{_int(row.get('chapid'))}.txt"
            if path.is_file():
                text = path.read_bytes().decode("utf-8", errors="replace")
        return text

    def _parsed(self, row: dict, chapters: list[dict]) -> ParsedWork:
        lookups = self.lookups
        sid = _int(row.get("sid"))
        rating_name = ""
        freeforms: list[str] = []
        rid = (_ids(row.get("rid")) or [0])[0]
        original_rating = lookups.ratings.get(rid, "")
        if original_rating:
            rating_name = _RATING_NAMES.get(original_rating.casefold(), "")
            if not rating_name:
                freeforms.append(tag_name(f"eFiction rating: {original_rating}"))
        warnings, categories = [], []
        for class_id in _ids(row.get("classes")):
            name, _kind = lookups.classes.get(class_id, ("", ""))
            if not name:
                continue
            if name.casefold() in _WARNING_NAMES:
                warnings.append(_WARNING_NAMES[name.casefold()])
            elif name.casefold() in _CATEGORY_NAMES:
                categories.append(_CATEGORY_NAMES[name.casefold()])
            else:
                freeforms.append(tag_name(name))
        fandoms = [lookups.fandoms[c] for c in _ids(row.get("catid")) if lookups.fandoms.get(c)]
        characters = [
            lookups.characters[c] for c in _ids(row.get("charid")) if lookups.characters.get(c)
        ]
        published, updated = _day(row.get("date")), _day(row.get("updated"))
        parsed_chapters = []
        for position, chapter in enumerate(chapters, start=1):
            content = self._chapter_text(chapter)
            if not strip_html(content).strip():
                raise ImportProblem(
                    f"Story {sid} ({_text(row.get('title'))!r}), chapter "
                    f"{_int(chapter.get('chapid'))}, has no text. If the archive kept its "
                    "texts in files, give their folder (--stories-dir)."
                )
            parsed_chapters.append(ParsedChapter(
                title=_text(chapter.get("title")).strip(),
                notes=_text(chapter.get("notes")),
                endnotes=_text(chapter.get("endnotes")),
                content=content,
                published_on=published if position == 1 else (updated or published),
            ))
        return ParsedWork(
            title=_text(row.get("title")).strip() or "Untitled",
            rating=rating_name,
            warnings=warnings,
            categories=categories,
            fandoms=fandoms or [self.fallback_fandom],
            characters=characters,
            freeforms=[f for f in freeforms if f],
            summary=_text(row.get("summary")),
            notes=_text(row.get("storynotes")),
            chapters=parsed_chapters,
            published_on=published,
            updated_on=updated or published,
            expected_chapters=len(parsed_chapters) if _flag(row.get("completed")) else None,
            source=ImportSource.EFICTION,
        )

    def _stories(self, rows: list[dict]) -> None:
        known = self._recorded("story")
        self.works = {int(k): v for k, v in known.items()}
        self.chapters = {int(k): v for k, v in self._recorded("chapter").items()}
        by_story: dict[int, list[dict]] = defaultdict(list)
        for chapter in self.source.rows("chapters"):
            by_story[_int(chapter.get("sid"))].append(chapter)
        coauthors: dict[int, list[int]] = defaultdict(list)
        for link in self.source.rows("coauthors"):
            coauthors[_int(link.get("sid"))].append(_int(link.get("uid")))
        for row in rows:
            sid = _int(row.get("sid"))
            if sid not in self.works:
                self._story(row, by_story.get(sid, []), coauthors.get(sid, []))
            self._step("Stories")

    def _story(self, row: dict, chapters: list[dict], coauthor_ids: list[int]) -> None:
        sid = _int(row.get("sid"))
        title = _text(row.get("title"))
        owner = self.users.get(_int(row.get("uid")))
        if owner is None:
            self.result.remarks.append(
                f"Story {sid} ({title!r}) left out: its author {_int(row.get('uid'))} is not "
                "in the archive."
            )
            return
        chapters = sorted(chapters, key=lambda c: (_int(c.get("inorder")), _int(c.get("chapid"))))
        validated = _flag(row.get("validated"))
        # In a posted story, chapters the archive had not validated yet stay drafts.
        live = [c for c in chapters if _flag(c.get("validated"))] if validated else chapters
        waiting = [c for c in chapters if c not in live]
        if not live:
            self.result.remarks.append(f"Story {sid} ({title!r}) left out: it has no chapters.")
            return
        parsed = self._parsed(row, live)
        try:
            work = work_import(actor=self.actor or owner, parsed=parsed, owner=owner,
                               post=validated)
        except ValidationError as error:
            raise ImportProblem(
                f"Story {sid} ({title!r}) cannot be imported: {' '.join(error.messages)}"
            ) from error
        for remark in parsed.remarks:
            self.result.remarks.append(f"Story {sid}: {remark}")
        for position, uid in enumerate(coauthor_ids, start=1):
            cocreator = self.users.get(uid)
            if cocreator is None or cocreator.pk == owner.pk:
                continue
            Creatorship.objects.get_or_create(
                work=work, pseud=people.default_pseud(cocreator),
                defaults={"accepted": True, "position": position},
            )
        ImportedWork.objects.filter(work=work).update(original_creators="")
        made = list(work.chapters.order_by("position"))
        for source_row, chapter in zip(live, made, strict=False):
            self._record("chapter", _int(source_row.get("chapid")), chapter.pk)
            self.chapters[_int(source_row.get("chapid"))] = chapter.pk
        for source_row in waiting:
            content = self._chapter_text(source_row)
            if not strip_html(content).strip():
                self.result.remarks.append(
                    f"Story {sid}: an unvalidated chapter {_int(source_row.get('chapid'))} "
                    "with no text was left out."
                )
                continue
            chapter = chapter_create(user=owner, work=work, fields=ChapterFields(
                title=_text(source_row.get("title")).strip(),
                notes=_text(source_row.get("notes")),
                endnotes=_text(source_row.get("endnotes")),
                content=content,
            ), post=False)
            self._record("chapter", _int(source_row.get("chapid")), chapter.pk)
            self.chapters[_int(source_row.get("chapid"))] = chapter.pk
            made.append(chapter)
        self._record("story", sid, work.pk)
        self.works[sid] = work.pk
        self.result.stories += 1
        self.result.drafts += not work.posted
        self.result.chapters += len(made)

    def _series(self, rows: list[dict]) -> None:
        known = {int(k): v for k, v in self._recorded("series").items()}
        parts: dict[int, list[dict]] = defaultdict(list)
        for link in self.source.rows("inseries"):
            parts[_int(link.get("seriesid"))].append(link)
        for row in rows:
            seriesid = _int(row.get("seriesid"))
            links = sorted(parts.get(seriesid, []),
                           key=lambda r: (_int(r.get("inorder")), _int(r.get("sid"))))
            work_ids = []
            for link in links:
                if _int(link.get("subseriesid")):
                    self.result.remarks.append(
                        f"Series {seriesid}: a series inside it was left out (series here "
                        "hold works only)."
                    )
                    continue
                work_id = self.works.get(_int(link.get("sid")))
                if work_id and work_id not in work_ids:
                    work_ids.append(work_id)
            series = Series.objects.filter(pk=known.get(seriesid, 0)).first()
            if series is None:
                if not work_ids:
                    self.result.remarks.append(
                        f"Series {seriesid} ({_text(row.get('title'))!r}) left out: none of "
                        "its stories was imported."
                    )
                    self._step("Series")
                    continue
                series = Series.objects.create(
                    title=" ".join(_text(row.get("title")).split())[:255] or "Untitled Series",
                    summary=_html(_text(row.get("summary")), f"Series {seriesid}"),
                )
                owner = self.users.get(_int(row.get("uid")))
                if owner is not None:
                    series.creators.add(people.default_pseud(owner))
                self._record("series", seriesid, series.pk)
                self.result.series += 1
            self._series_parts(series, work_ids)
            self._step("Series")

    def _series_parts(self, series: Series, work_ids: list[int]) -> None:
        present = set(series.parts.values_list("work_id", flat=True))
        last = series.parts.aggregate(last=Max("position"))["last"] or 0
        for work_id in work_ids:
            if work_id in present:
                continue
            last += 1
            SeriesWork.objects.create(series=series, work_id=work_id, position=last)
            series.creators.add(*[
                c.pseud for c in Creatorship.objects.filter(work_id=work_id, accepted=True)
                .select_related("pseud")
            ])

    def _reviews(self, rows: list[dict]) -> None:
        known = self._recorded("review")
        touched: set[int] = set()
        skipped_series = skipped_empty = 0
        for row in rows:
            reviewid = _int(row.get("reviewid"))
            self._step("Reviews")
            if str(reviewid) in known:
                continue
            if _text(row.get("type")).strip().upper() not in ("", "ST"):
                skipped_series += 1
                continue
            work_id = self.works.get(_int(row.get("item")))
            if work_id is None:
                self.result.remarks.append(
                    f"Review {reviewid} left out: its story {_int(row.get('item'))} was not "
                    "imported."
                )
                continue
            content = _html(_text(row.get("review")), f"Review {reviewid}")
            if not strip_html(content).strip():
                skipped_empty += 1
                continue
            chapter_id = self.chapters.get(_int(row.get("chapid")))
            if chapter_id and not Chapter.objects.filter(pk=chapter_id, work_id=work_id).exists():
                chapter_id = None
            reviewer = self.users.get(_int(row.get("uid"))) if _int(row.get("uid")) else None
            guest_name = ""
            if reviewer is None:
                guest_name = (_text(row.get("reviewer")).strip() or "Anonymous")
                guest_name = guest_name[:GUEST_NAME_MAX_LENGTH]
            comment = Comment.objects.create(
                work_id=work_id, chapter_id=chapter_id, user=reviewer,
                pseud=people.default_pseud(reviewer) if reviewer else None,
                guest_name=guest_name, content=content, approved=True, depth=0,
            )
            Comment.objects.filter(pk=comment.pk).update(
                thread=comment, created_at=_when(row.get("date")) or comment.created_at
            )
            self._record("review", reviewid, comment.pk)
            self.result.reviews += 1
            touched.add(work_id)
        for work_id in sorted(touched):
            comment_count_refresh(work_id=work_id)
        if skipped_series:
            self.result.remarks.append(
                f"{skipped_series} review(s) of series (not of stories) left out."
            )
        if skipped_empty:
            self.result.remarks.append(
                f"{skipped_empty} review(s) with a score but no text left out."
            )


def archive_import(
    *, source: ArchiveSource, archive: str, actor: User | None = None,
    job: ImportJob | None = None, progress: Progress | None = None,
    stories_dir: str | Path | None = None, fallback_fandom: str = "",
) -> ImportResult:
    """Import the eFiction archive ``source`` under the name ``archive``.

    ``actor`` (an admin) is recorded as the importer; without one each work
    is imported by its own placeholder author. ``progress(done, total,
    stage)`` is called as rows are handled. Raises ``ImportProblem`` (a
    ``ValidationError``) naming the row when something cannot be imported;
    then nothing of this run is kept.
    """
    archive = " ".join((archive or "").split())[:200]
    if not archive:
        raise ImportProblem("Please give the archive a name.")
    with transaction.atomic():
        return _Import(
            source=source, archive=archive, actor=actor, job=job, progress=progress,
            stories_dir=stories_dir, fallback_fandom=fallback_fandom,
        ).run()


__all__ = ["ImportResult", "PlaceholderAccount", "archive_import", "tag_name"]
