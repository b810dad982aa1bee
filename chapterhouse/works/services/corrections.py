"""Reader corrections: a signed-in reader proposes a fix to a passage of a
posted chapter; the work's creators accept it (a new revision) or dismiss it.

Passages are matched against the chapter's *visible* text with runs of
whitespace collapsed, so a selection copied from the page matches however the
HTML is laid out. See docs/revisions-and-corrections.md.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from markupsafe import Markup, escape

from chapterhouse.web.ratelimit import RateLimited, rate_limit_check, rate_limit_record

from ..models import Chapter, Correction, CorrectionStatus, Work
from ..selectors.visibility import chapters_visible_to, is_creator, works_visible_to
from ..text import BLOCK_TAGS, sanitize_html, strip_html, word_count
from .creators import creator_required
from .revisions import REASON_CORRECTION_PREFIX, chapter_revision_record
from .stats import work_refresh_stats

PASSAGE_MAX_LENGTH = 2000
MESSAGE_MAX_LENGTH = 1000
CONTEXT_MAX_LENGTH = 200
#: Proposals one reader may make in RATE_WINDOW seconds.
RATE_LIMIT = 10
RATE_WINDOW = 3600
RATE_SCOPE = "corrections_proposed"
RATE_MESSAGE = (
    f"You have suggested {RATE_LIMIT} corrections in the past hour, the most we take from one "
    "reader. Please try again in {wait}; nothing you typed has been lost."
)


class CorrectionRateLimited(RateLimited):
    """Too many proposals lately; ``retry_after`` is in seconds."""


def normalize(text: str | None) -> str:
    """Runs of whitespace (line breaks, no-break spaces) become one space."""
    return " ".join((text or "").split())


# --- proposing ----------------------------------------------------------------


def _check_rate(reader) -> None:
    try:
        rate_limit_check(scope=RATE_SCOPE, who=reader.pk, count=RATE_LIMIT, window=RATE_WINDOW,
                         message=RATE_MESSAGE)
    except RateLimited as limited:
        raise CorrectionRateLimited(limited.messages[0], retry_after=limited.retry_after) from None


def chapter_open_to_corrections(*, reader, chapter: Chapter) -> None:
    """Raise unless ``reader`` may propose corrections to ``chapter`` at all
    (PermissionDenied when they may not see it; ValidationError otherwise)."""
    if not getattr(reader, "is_authenticated", False):
        raise PermissionDenied("Please log in to suggest a correction.")
    work = chapter.work
    if not works_visible_to(reader, Work.objects.filter(pk=work.pk)).exists():
        raise PermissionDenied("Sorry, you don't have permission to access that chapter.")
    creator = is_creator(reader, work)
    if not creator and not chapters_visible_to(reader, work, creator=False).filter(
        pk=chapter.pk
    ).exists():
        raise PermissionDenied("Sorry, you don't have permission to access that chapter.")
    if creator:
        raise ValidationError(
            "You are a creator of this work: edit the chapter instead of suggesting a correction."
        )
    if not work.corrections_enabled:
        raise ValidationError("The creator of this work has turned off reader corrections.")


@transaction.atomic
def correction_propose(
    *, reader, chapter: Chapter, passage: str, replacement: str, message: str = "",
    context_before: str = "", context_after: str = "",
) -> Correction:
    """Keep a reader's suggestion for the creators to accept or dismiss."""
    chapter_open_to_corrections(reader=reader, chapter=chapter)
    _check_rate(reader)
    passage, replacement = normalize(passage), normalize(replacement)
    message = (message or "").strip()
    errors: dict[str, list[str]] = {}
    if not passage:
        errors["passage"] = ["Please paste the passage you want to correct."]
    elif len(passage) > PASSAGE_MAX_LENGTH:
        errors["passage"] = [
            f"Please quote at most {PASSAGE_MAX_LENGTH:,} characters (this has {len(passage):,})."
        ]
    elif passage not in visible_text(chapter.content):
        errors["passage"] = [
            "We could not find this passage in the chapter. Please copy it exactly as it "
            "appears on the page."
        ]
    if len(replacement) > PASSAGE_MAX_LENGTH:
        errors["replacement"] = [
            f"Please keep the suggestion to at most {PASSAGE_MAX_LENGTH:,} characters."
        ]
    elif passage and replacement == passage:
        errors["replacement"] = [
            "Your suggestion is the same as the passage; please write the corrected text."
        ]
    if len(message) > MESSAGE_MAX_LENGTH:
        errors["message"] = [
            f"Messages can be at most {MESSAGE_MAX_LENGTH:,} characters long "
            f"(this one has {len(message):,})."
        ]
    if not errors and Correction.objects.filter(
        chapter=chapter, reader=reader, passage=passage, replacement=replacement,
        status=CorrectionStatus.PENDING,
    ).exists():
        errors["passage"] = ["You have already suggested this correction; it is waiting for "
                             "the creator."]
    if errors:
        raise ValidationError(errors)
    correction = Correction.objects.create(
        chapter=chapter,
        reader=reader,
        passage=passage,
        replacement=replacement,
        message=message,
        context_before=normalize(context_before)[-CONTEXT_MAX_LENGTH:],
        context_after=normalize(context_after)[:CONTEXT_MAX_LENGTH],
    )
    rate_limit_record(scope=RATE_SCOPE, who=reader.pk, count=RATE_LIMIT, window=RATE_WINDOW)
    _tell_creators(correction)
    return correction


def _tell_creators(correction: Correction) -> None:
    from chapterhouse.responses.services.inbox import correction_proposed_deliver

    correction_proposed_deliver(correction=correction)


def _tell_reader(correction: Correction) -> None:
    from chapterhouse.responses.services.inbox import correction_resolved_deliver

    correction_resolved_deliver(correction=correction)


# --- finding a passage in the HTML ---------------------------------------------

# A tag in nh3's output: attribute values are always double-quoted.
_TAG_RE = re.compile(r'(<[^>"]*(?:"[^"]*"[^>"]*)*>)')
_TAG_NAME_RE = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")
#: Tags that separate text the way a paragraph break does: a correction may not cross them.
_BARRIERS = BLOCK_TAGS | {"br", "img"}
_BARRIER = -1


@dataclass
class _Segment:
    text: str  # decoded text, or the raw tag
    tag: bool
    barrier: bool = False


def _segments(content: str) -> list[_Segment]:
    segments = []
    for piece in _TAG_RE.split(content or ""):
        if not piece:
            continue
        if piece.startswith("<") and _TAG_RE.fullmatch(piece):
            name = _TAG_NAME_RE.match(piece)
            barrier = bool(name) and name.group(1).lower() in _BARRIERS
            segments.append(_Segment(piece, tag=True, barrier=barrier))
        else:
            segments.append(_Segment(html.unescape(piece), tag=False))
    return segments


def _index(segments: list[_Segment]) -> tuple[str, list[tuple[int, int]]]:
    """The visible text, whitespace collapsed, and for each of its characters
    where it comes from: (segment, offset), offset -1 for a block boundary."""
    chars: list[str] = []
    where: list[tuple[int, int]] = []
    pending: tuple[int, int] | None = None
    for number, segment in enumerate(segments):
        if segment.tag:
            if segment.barrier:
                pending = (number, _BARRIER)
            continue
        for offset, char in enumerate(segment.text):
            if char.isspace():
                if pending is None:
                    pending = (number, offset)
                continue
            if pending is not None and chars:
                chars.append(" ")
                where.append(pending)
            pending = None
            chars.append(char)
            where.append((number, offset))
    return "".join(chars), where


def visible_text(content: str) -> str:
    """The chapter's visible text as passages are matched against it."""
    return _index(_segments(content))[0]


def _best_match(text: str, passage: str, before: str, after: str) -> int | None:
    """Where ``passage`` occurs in ``text``; with several, the one whose
    surroundings agree best with the context the reader's selection had."""
    starts = []
    at = text.find(passage)
    while at != -1:
        starts.append(at)
        at = text.find(passage, at + 1)
    if not starts:
        return None
    if len(starts) == 1:
        return starts[0]
    before, after = before.strip(), after.strip()

    def agreement(start: int) -> int:
        head = text[:start].rstrip()
        tail = text[start + len(passage):].lstrip()
        score = 0
        while score < min(len(head), len(before)) and head[-1 - score] == before[-1 - score]:
            score += 1
        same = 0
        while same < min(len(tail), len(after)) and tail[same] == after[same]:
            same += 1
        return score + same

    return max(starts, key=lambda s: (agreement(s), -s))


class PassageNotFound(ValidationError):
    pass


def correction_apply_to_html(
    content: str, *, passage: str, replacement: str, context_before: str = "",
    context_after: str = "",
) -> str:
    """``content`` with ``passage`` replaced (sanitised HTML). Only the part that
    differs is changed, so markup around the unchanged words stays where it was;
    a change that crosses inline tags puts the new words in the first text
    piece. Raises ValidationError when the passage is gone or the change would
    cross a paragraph or line break."""
    segments = _segments(content)
    text, where = _index(segments)
    passage, replacement = normalize(passage), normalize(replacement)
    start = _best_match(text, passage, context_before, context_after)
    if start is None:
        raise PassageNotFound(
            "This passage is no longer in the chapter (it may have been edited since). "
            "Edit the chapter by hand, or dismiss the suggestion."
        )
    prefix, suffix = _unchanged_ends(passage, replacement)
    cut_from, cut_to = start + prefix, start + len(passage) - suffix
    new = replacement[prefix:len(replacement) - suffix]
    across = ValidationError(
        "This correction runs across a paragraph or line break, so it cannot be applied "
        "automatically. Please edit the chapter by hand, or dismiss the suggestion."
    )
    if cut_from == cut_to:  # a pure insertion
        # Insert just after the last unchanged character (or before the first).
        number, offset = where[cut_from - 1] if prefix else where[cut_from]
        if offset == _BARRIER:
            raise across
        if prefix:
            offset += 1
        piece = segments[number]
        piece.text = piece.text[:offset] + new + piece.text[offset:]
    else:
        span = where[cut_from:cut_to]
        if any(offset == _BARRIER for _, offset in span):
            raise across
        (first, first_offset), (last, last_offset) = span[0], span[-1]
        if first == last:
            piece = segments[first]
            piece.text = piece.text[:first_offset] + new + piece.text[last_offset + 1:]
        else:
            segments[first].text = segments[first].text[:first_offset] + new
            for between in segments[first + 1:last]:
                if not between.tag:
                    between.text = ""
            segments[last].text = segments[last].text[last_offset + 1:]
    rebuilt = "".join(
        s.text if s.tag else html.escape(s.text, quote=False) for s in segments
    )
    # Inline elements whose words all went leave no empty shell behind.
    return sanitize_html(_EMPTY_INLINE_RE.sub("", rebuilt))


_WORD_RE = re.compile(r"\w+|\W", re.UNICODE)
_EMPTY_INLINE_RE = re.compile(
    r"<(b|big|cite|code|del|dfn|em|i|ins|kbd|q|s|samp|small|span|strike|strong|sub|sup|tt"
    r"|u|var)(?:\s[^>]*)?></\1>"
)


def _unchanged_ends(passage: str, replacement: str) -> tuple[int, int]:
    """How many characters at the start and the end of ``passage`` stay, in whole
    words, so a fixed typo changes one word and not its neighbours' markup."""
    old, new = _WORD_RE.findall(passage), _WORD_RE.findall(replacement)
    limit = min(len(old), len(new))
    head = 0
    while head < limit and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < limit - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return sum(map(len, old[:head])), sum(map(len, old[len(old) - tail:]))


# --- the creator's decisions --------------------------------------------------


def _pending_for_creator(*, user, correction: Correction) -> Correction:
    correction = (
        Correction.objects.select_for_update()
        .select_related("chapter__work", "reader")
        .get(pk=correction.pk)
    )
    creator_required(user=user, work=correction.chapter.work)
    if correction.status != CorrectionStatus.PENDING:
        raise ValidationError(
            f"This correction was already {correction.get_status_display().lower()}."
        )
    return correction


@transaction.atomic
def correction_accept(*, user, correction: Correction) -> Correction:
    """Apply the suggestion to the chapter (keeping the old text as a revision),
    and mark it accepted so the reader is thanked."""
    correction = _pending_for_creator(user=user, correction=correction)
    chapter = Chapter.objects.select_for_update().get(pk=correction.chapter_id)
    content = correction_apply_to_html(
        chapter.content,
        passage=correction.passage,
        replacement=correction.replacement,
        context_before=correction.context_before,
        context_after=correction.context_after,
    )
    chapter_revision_record(
        chapter=chapter, editor=user,
        reason=f"{REASON_CORRECTION_PREFIX}{correction.reader.username}",
    )
    chapter.content = content
    chapter.word_count = word_count(content)
    chapter.save(update_fields=["content", "word_count", "updated_at"])
    work_refresh_stats(work=correction.chapter.work)
    correction.status = CorrectionStatus.ACCEPTED
    correction.resolved_at = timezone.now()
    correction.save(update_fields=["status", "resolved_at"])
    _tell_reader(correction)
    return correction


@transaction.atomic
def correction_dismiss(*, user, correction: Correction) -> Correction:
    correction = _pending_for_creator(user=user, correction=correction)
    correction.status = CorrectionStatus.DISMISSED
    correction.resolved_at = timezone.now()
    correction.save(update_fields=["status", "resolved_at"])
    _tell_reader(correction)
    return correction


@transaction.atomic
def work_corrections_set(*, user, work: Work, enabled: bool) -> Work:
    """Turn reader corrections on or off for ``work``. Pending ones stay."""
    creator_required(user=user, work=work)
    work.corrections_enabled = bool(enabled)
    work.save(update_fields=["corrections_enabled", "updated_at"])
    return work


# --- reads for the correction pages -------------------------------------------


@dataclass
class CorrectionInContext:
    correction: Correction
    #: The paragraph(s) with the passage in ``<mark>``; None when it is gone.
    in_context: Markup | None


def passage_in_context(content: str, correction: Correction) -> Markup | None:
    """The paragraph(s) holding the passage, escaped, the passage marked."""
    paragraphs = [normalize(p) for p in strip_html(content).split("\n") if p.strip()]
    joined = " ".join(paragraphs)
    start = _best_match(joined, correction.passage, correction.context_before,
                        correction.context_after)
    if start is None:
        return None
    end = start + len(correction.passage)
    shown = []
    at = 0
    for paragraph in paragraphs:
        p_start, p_end = at, at + len(paragraph)
        at = p_end + 1
        if p_end <= start or p_start >= end:
            continue
        lo, hi = max(start, p_start) - p_start, min(end, p_end) - p_start
        shown.append(
            f"<p>{escape(paragraph[:lo])}<mark>{escape(paragraph[lo:hi])}</mark>"
            f"{escape(paragraph[hi:])}</p>"
        )
    return Markup("".join(shown))  # noqa: S704 - each piece is escaped


def corrections_pending(*, user, work: Work) -> list[CorrectionInContext]:
    """The work's pending corrections, oldest first, each in its context. Creators only."""
    creator_required(user=user, work=work)
    found = (
        Correction.objects.filter(chapter__work=work, status=CorrectionStatus.PENDING)
        .select_related("chapter", "reader")
        .order_by("chapter__position", "created_at", "pk")
    )
    return [CorrectionInContext(c, passage_in_context(c.chapter.content, c)) for c in found]


def corrections_resolved_count(*, work: Work) -> dict[str, int]:
    counts = {CorrectionStatus.ACCEPTED: 0, CorrectionStatus.DISMISSED: 0}
    for status in counts:
        counts[status] = Correction.objects.filter(chapter__work=work, status=status).count()
    return {"accepted": counts[CorrectionStatus.ACCEPTED],
            "dismissed": counts[CorrectionStatus.DISMISSED]}


def corrections_of_reader(*, viewer, reader):
    """What ``reader`` suggested, newest first: only to the reader themself, and
    only on works they may still see."""
    if not getattr(viewer, "is_authenticated", False) or viewer.pk != reader.pk:
        raise PermissionDenied("Only you can see the corrections you suggested.")
    return (
        Correction.objects.filter(reader=reader, chapter__work__in=works_visible_to(reader))
        .select_related("chapter__work")
        .order_by("-created_at", "-pk")
    )
