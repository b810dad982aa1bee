"""The one door from a parsed file to a work here: ``work_import``.

It goes through the works services (``work_create``, ``chapter_create``), so
an imported work obeys every rule a typed one does: limits, sanitising,
required tags. Everything happens in one transaction: an import that fails
part-way leaves nothing behind.
"""

from __future__ import annotations

import datetime
import time
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from chapterhouse.accounts.models import User
from chapterhouse.tags.fixed import CATEGORIES, CHOSE_NOT_TO_WARN, NOT_RATED, RATINGS, WARNINGS
from chapterhouse.works.languages import LANGUAGES
from chapterhouse.works.models import Chapter, Creatorship, Work
from chapterhouse.works.services import creators as creator_services
from chapterhouse.works.services import series as series_services
from chapterhouse.works.services.chapters import ChapterFields, chapter_create, chapter_update
from chapterhouse.works.services.posting import WorkFields, work_create, work_post
from chapterhouse.works.services.stats import work_refresh_stats
from chapterhouse.works.services.tagging import TagChoice
from chapterhouse.works.text import TextFormat, render_ahead, texts_ahead

from ..models import ImportedWork
from .parsed import ImportProblem, ParsedChapter, ParsedWork


def _by_name(table: dict[int, str]) -> dict[str, int]:
    return {name.casefold(): tag_id for tag_id, name in table.items()}


_RATING_IDS = _by_name(RATINGS)
_WARNING_IDS = _by_name(WARNINGS)
_CATEGORY_IDS = _by_name(CATEGORIES)
_LANGUAGE_CODES = {name.casefold(): code for code, name in LANGUAGES.items()}
# AO3 downloads name languages in English; ours are in their own language.
_LANGUAGE_CODES.update({"english": "en", "german": "de", "french": "fr", "spanish": "es",
                        "italian": "it", "portuguese": "pt", "russian": "ru",
                        "japanese": "ja", "chinese": "zh", "korean": "ko", "polish": "pl",
                        "dutch": "nl", "swedish": "sv", "finnish": "fi"})


def language_code(value: str) -> str | None:
    """"en", "English" or "Deutsch" → a code we know, or None."""
    value = (value or "").strip()
    if value in LANGUAGES:
        return value
    code = _LANGUAGE_CODES.get(value.casefold())
    return code if code in LANGUAGES else None


def _fixed_ids(names: list[str], table: dict[str, int], what: str,
               remarks: list[str]) -> list[int]:
    ids = []
    for name in names:
        tag_id = table.get(name.strip().casefold())
        if tag_id is None:
            remarks.append(f"Unknown {what} left out: {name}")
        elif tag_id not in ids:
            ids.append(tag_id)
    return ids


def tag_choice_for(parsed: ParsedWork) -> TagChoice:
    """The fixed tags by name, and the typed tags joined as the form joins them.
    Names we do not know are left out and noted in ``parsed.remarks``. With no
    rating or warning given, the work is Not Rated and its creator chose not to
    use warnings; a fandom must come from the file or the import form."""
    rating = NOT_RATED  # as AO3's importer: unrated and no warnings chosen, unless given
    if parsed.rating:
        rating = _RATING_IDS.get(parsed.rating.strip().casefold())
        if rating is None:
            parsed.remarks.append(f"Unknown rating {parsed.rating!r}; imported as Not Rated.")
            rating = NOT_RATED
    return TagChoice(
        rating=rating,
        warnings=_fixed_ids(parsed.warnings, _WARNING_IDS, "warning", parsed.remarks)
        or [CHOSE_NOT_TO_WARN],
        categories=_fixed_ids(parsed.categories, _CATEGORY_IDS, "category", parsed.remarks),
        fandoms=", ".join(parsed.fandoms),
        relationships=", ".join(parsed.relationships),
        characters=", ".join(parsed.characters),
        freeforms=", ".join(parsed.freeforms),
    )


def _matched_pseuds(names: list[str]):
    pseuds = []
    for name in names:
        pseud = creator_services.pseud_find(name)
        if pseud is not None and pseud not in pseuds:
            pseuds.append(pseud)
    return pseuds


def _series_id(owner: User, parsed: ParsedWork) -> tuple[int | None, str]:
    if not parsed.series:
        return None, ""
    title = " ".join(parsed.series[0].title.split())
    existing = series_services.series_of_user(owner).filter(title=title).first()
    return (existing.pk, "") if existing else (None, title)


def _web_address(url: str) -> str:
    """The file's link to the original, kept only when it is a plain web address
    (a file could carry ``javascript:`` or worse; the work page links it)."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
        return ""
    return url


def _past(day: datetime.date | None) -> datetime.date | None:
    return day if day and day <= timezone.localdate() else None


def _chapter_fields(chapter: ParsedChapter) -> ChapterFields:
    return ChapterFields(
        title=chapter.title, summary=chapter.summary, notes=chapter.notes,
        endnotes=chapter.endnotes, content=chapter.content,
        content_format=chapter.content_format,
    )


def _set_dates(work: Work, parsed: ParsedWork) -> None:
    """Keep the file's dates: each chapter's, Published and Updated."""
    chapters = list(work.chapters.order_by("position"))
    for chapter, source in zip(chapters, parsed.chapters, strict=False):
        day = _past(source.published_on) or (
            _past(parsed.published_on) if chapter.position == 1 else None
        )
        if day and chapter.posted:
            Chapter.objects.filter(pk=chapter.pk).update(published_on=day)
    updated = _past(parsed.updated_on) or _past(parsed.published_on)
    if work.posted and updated:
        work.revised_at = timezone.make_aware(
            datetime.datetime.combine(updated, datetime.time(12))
        )
        Work.objects.filter(pk=work.pk).update(revised_at=work.revised_at)


#: The longest an import may spend sanitising its texts, in seconds. Every text is
#: bounded on its own (see works/text_limits.py); this bounds a file of many chapters.
IMPORT_MAX_SECONDS = 20


def _render_ahead(parsed: ParsedWork) -> dict:
    """Every text of ``parsed`` sanitised before the import's transaction opens (see
    ``texts_ahead``), so the transaction holds no lock while that work is done.
    Refuses a file that takes longer than ``IMPORT_MAX_SECONDS``."""
    deadline = time.monotonic() + IMPORT_MAX_SECONDS
    texts = [(parsed.summary, parsed.text_format), (parsed.notes, parsed.text_format),
             (parsed.endnotes, parsed.text_format)]
    for chapter in parsed.chapters:
        texts += [(chapter.content, chapter.content_format), (chapter.summary, TextFormat.HTML),
                  (chapter.notes, TextFormat.HTML), (chapter.endnotes, TextFormat.HTML)]
    memo: dict = {}
    for text, text_format in texts:
        if time.monotonic() > deadline:
            raise ImportProblem(
                f"This file takes too long to import (more than {IMPORT_MAX_SECONDS} "
                "seconds of work); try splitting it into several works."
            )
        if text and text_format in TextFormat.values:
            render_ahead(memo, [(text, text_format)])
    return memo


def work_import(
    *, actor: User, parsed: ParsedWork, owner: User | None = None, post: bool = True,
    match_creators: bool = False,
) -> Work:
    """Make a work from ``parsed``, credited to ``owner`` (default: ``actor``).

    ``match_creators`` (admins only) credits the accounts here whose pseuds
    carry the creators' names instead; names with no account stay as text on
    the import record. ``post`` posts the work with its file's dates;
    otherwise it is a draft to complete. Raises ``ValidationError`` with the
    form's messages when the work breaks a rule, ``ImportProblem`` when the
    file had no text at all.
    """
    owner = owner or actor
    if (owner != actor or match_creators) and not actor.is_staff:
        raise PermissionDenied("Only an admin may import works for other people.")
    if not parsed.chapters or not any(c.content.strip() for c in parsed.chapters):
        raise ImportProblem("The file has no chapter text to import.")
    with texts_ahead(_render_ahead(parsed)), transaction.atomic():
        return _work_import(actor=actor, parsed=parsed, owner=owner, post=post,
                            match_creators=match_creators)


def _work_import(
    *, actor: User, parsed: ParsedWork, owner: User, post: bool, match_creators: bool
) -> Work:

    pseuds = _matched_pseuds(parsed.creators) if match_creators else []
    if pseuds:
        owner = pseuds[0].user
    series_id, new_series = _series_id(owner, parsed)
    first = parsed.chapters[0]
    expected = parsed.expected_chapters
    if expected is not None and expected < len(parsed.chapters):
        expected = None
    fields = WorkFields(
        title=parsed.title,
        summary=parsed.summary, summary_format=parsed.text_format,
        notes=parsed.notes, notes_format=parsed.text_format,
        endnotes=parsed.endnotes, endnotes_format=parsed.text_format,
        language=language_code(parsed.language) or "en",
        tags=tag_choice_for(parsed),
        series_id=series_id, new_series_title=new_series,
        published_on=_past(parsed.published_on) if post else None,
        expected_chapters=expected,
        pseud_id=pseuds[0].pk if pseuds else None,
        chapter_title=first.title,
        content=first.content, content_format=first.content_format,
    )
    work = work_create(user=owner, fields=fields, post=False)
    for position, pseud in enumerate(pseuds[1:], start=1):
        Creatorship.objects.create(work=work, pseud=pseud, accepted=True, position=position)

    if first.summary or first.notes or first.endnotes:
        chapter_update(user=owner, chapter=work.chapters.get(position=1),
                       fields=_chapter_fields(first))
    for chapter in parsed.chapters[1:]:
        chapter_create(user=owner, work=work, fields=_chapter_fields(chapter), post=False)

    if post:
        work = work_post(user=owner, work=work)
        work.refresh_from_db()
        _set_dates(work, parsed)
        work_refresh_stats(work=work)
        work.refresh_from_db()

    matched_names = {p.name.casefold() for p in pseuds}
    ImportedWork.objects.create(
        work=work, source=parsed.source or "", original_url=_web_address(parsed.original_url),
        original_creators=", ".join(parsed.creators)[:500]
        if not pseuds or any(n.casefold() not in matched_names for n in parsed.creators)
        else "",
        imported_by=actor,
    )
    return work


__all__ = ["ImportProblem", "ParsedWork", "language_code", "tag_choice_for", "work_import"]
