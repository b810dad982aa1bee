"""Revisions: every change to the text of a posted work or chapter keeps the
version before it. Editing services call the ``*_record`` functions *before*
they change the text.

A revision is the text as it was *before* a change; ``editor``, ``reason`` and
``created_at`` describe that change. So the history page lists changes, and a
revision's diff compares it with the version after it: the next revision kept,
or the current text. See docs/revisions-and-corrections.md.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.html import escape
from markupsafe import Markup

from ..models import Chapter, ChapterRevision, Work, WorkRevision
from ..text import sanitize_html, strip_html, word_count
from .creators import creator_required
from .stats import work_refresh_stats

#: ``reason`` values. A correction's reason is "correction from READERNAME".
REASON_EDIT = "edit"
REASON_RESTORE = "restore"
REASON_CORRECTION_PREFIX = "correction from "


def chapter_revision_record(*, chapter: Chapter, editor, reason: str = "edit") -> ChapterRevision:
    """Keep the chapter's current text as a revision."""
    return ChapterRevision.objects.create(
        chapter=chapter,
        title=chapter.title,
        summary=chapter.summary,
        notes=chapter.notes,
        endnotes=chapter.endnotes,
        content=chapter.content,
        word_count=chapter.word_count,
        editor=editor if getattr(editor, "is_authenticated", False) else None,
        reason=reason,
    )


def work_revision_record(*, work: Work, editor, reason: str = "edit") -> WorkRevision:
    """Keep the work's current title, summary and notes as a revision."""
    return WorkRevision.objects.create(
        work=work,
        title=work.title,
        summary=work.summary,
        notes=work.notes,
        endnotes=work.endnotes,
        editor=editor if getattr(editor, "is_authenticated", False) else None,
        reason=reason,
    )


# --- restoring --------------------------------------------------------------


@transaction.atomic
def chapter_revision_restore(*, user, revision: ChapterRevision) -> Chapter:
    """Put ``revision``'s text back on its chapter. The current text is kept
    first as a revision (reason "restore"), so a restore can be undone too."""
    chapter = Chapter.objects.select_for_update().select_related("work").get(
        pk=revision.chapter_id
    )
    creator_required(user=user, work=chapter.work)
    chapter_revision_record(chapter=chapter, editor=user, reason=REASON_RESTORE)
    chapter.title = revision.title
    chapter.summary = sanitize_html(revision.summary)
    chapter.notes = sanitize_html(revision.notes)
    chapter.endnotes = sanitize_html(revision.endnotes)
    chapter.content = sanitize_html(revision.content)
    chapter.word_count = word_count(chapter.content)
    chapter.save()
    work_refresh_stats(work=chapter.work)
    return chapter


@transaction.atomic
def work_revision_restore(*, user, revision: WorkRevision) -> Work:
    """Put back the work's title, summary and notes as ``revision`` kept them."""
    work = Work.objects.select_for_update().get(pk=revision.work_id)
    creator_required(user=user, work=work)
    work_revision_record(work=work, editor=user, reason=REASON_RESTORE)
    work.title = revision.title
    work.summary = sanitize_html(revision.summary)
    work.notes = sanitize_html(revision.notes)
    work.endnotes = sanitize_html(revision.endnotes)
    work.save(update_fields=["title", "summary", "notes", "endnotes", "updated_at"])
    return work


# --- reads for the history pages -----------------------------------------


def reason_label(reason: str) -> str:
    """How the history page says why the text changed."""
    reason = (reason or "").strip()
    if reason in ("", REASON_EDIT):
        return "Edited"
    if reason == REASON_RESTORE:
        return "Restored an earlier version"
    if reason.startswith(REASON_CORRECTION_PREFIX):
        return "Correction from " + reason[len(REASON_CORRECTION_PREFIX):].strip()
    return reason[:1].upper() + reason[1:]


@dataclass
class ChapterHistory:
    chapter: Chapter
    revisions: list[ChapterRevision]


@dataclass
class WorkHistory:
    work: Work
    work_revisions: list[WorkRevision]
    chapters: list[ChapterHistory]

    @property
    def empty(self) -> bool:
        return not self.work_revisions and not any(c.revisions for c in self.chapters)


def work_history(*, user, work: Work) -> WorkHistory:
    """Every kept revision of the work and its chapters, newest first. Creators only."""
    creator_required(user=user, work=work)
    chapters = list(work.chapters.order_by("position", "pk"))
    by_chapter: dict[int, list[ChapterRevision]] = {c.pk: [] for c in chapters}
    for revision in (
        ChapterRevision.objects.filter(chapter__work=work)
        .select_related("editor")
        .defer("content", "summary", "notes", "endnotes")
        .order_by("-created_at", "-pk")
    ):
        by_chapter[revision.chapter_id].append(revision)
    return WorkHistory(
        work=work,
        work_revisions=list(
            work.revisions.select_related("editor").order_by("-created_at", "-pk")
        ),
        chapters=[ChapterHistory(chapter=c, revisions=by_chapter[c.pk]) for c in chapters],
    )


@dataclass
class FieldDiff:
    label: str
    paragraphs: list[DiffParagraph]


@dataclass
class RevisionComparison:
    """A revision next to the version after it (a newer revision, or the current text)."""

    revision: ChapterRevision | WorkRevision
    newer: ChapterRevision | WorkRevision | None  # None: the current text
    fields: list[FieldDiff]
    words_before: int | None = None
    words_after: int | None = None


def _newer_of(revision, siblings):
    """The revision kept just after ``revision`` among ``siblings`` (same owner)."""
    return (
        siblings.filter(
            Q(created_at__gt=revision.created_at)
            | Q(created_at=revision.created_at, pk__gt=revision.pk)
        )
        .order_by("created_at", "pk")
        .first()
    )


def _field_diffs(before, after, specs: list[tuple[str, str, bool]]) -> list[FieldDiff]:
    """One diff per field that changed; ``specs`` are (label, field name, is HTML)."""
    return [
        FieldDiff(label, text_diff(getattr(before, name), getattr(after, name), is_html=is_html))
        for label, name, is_html in specs
        if getattr(before, name) != getattr(after, name)
    ]


def chapter_revision_comparison(*, user, revision: ChapterRevision) -> RevisionComparison:
    chapter = revision.chapter
    creator_required(user=user, work=chapter.work)
    newer = _newer_of(revision, ChapterRevision.objects.filter(chapter=chapter))
    after = newer or chapter
    fields = _field_diffs(revision, after, [
        ("Chapter title", "title", False),
        ("Summary", "summary", True),
        ("Notes", "notes", True),
        ("End notes", "endnotes", True),
        ("Chapter text", "content", True),
    ])
    return RevisionComparison(
        revision=revision, newer=newer, fields=fields,
        words_before=revision.word_count, words_after=after.word_count,
    )


def work_revision_comparison(*, user, revision: WorkRevision) -> RevisionComparison:
    work = revision.work
    creator_required(user=user, work=work)
    newer = _newer_of(revision, WorkRevision.objects.filter(work=work))
    after = newer or work
    fields = _field_diffs(revision, after, [
        ("Title", "title", False),
        ("Summary", "summary", True),
        ("Notes", "notes", True),
        ("End notes", "endnotes", True),
    ])
    return RevisionComparison(revision=revision, newer=newer, fields=fields)


# --- the diff -----------------------------------------------------------------

#: Unchanged paragraphs shown around each change; longer unchanged runs fold up.
CONTEXT_PARAGRAPHS = 1
_TOKEN_RE = re.compile(r"\s+|\w+(?:['’\-]\w+)*|[^\w\s]", re.UNICODE)


@dataclass
class DiffParagraph:
    """One paragraph of a diff: ``kind`` is same, changed, added, removed or
    folded (``folded`` unchanged paragraphs left out). ``html`` is escaped text
    with ``<ins>``/``<del>`` marks, safe to output."""

    kind: str
    html: Markup
    folded: int = 0


def _paragraphs(text: str, *, is_html: bool) -> list[str]:
    plain = strip_html(text) if is_html else (text or "")
    return [" ".join(line.split()) for line in plain.split("\n") if line.strip()]


def _word_diff(old: str, new: str) -> Markup:
    a, b = _TOKEN_RE.findall(old), _TOKEN_RE.findall(new)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if op in ("replace", "delete"):
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if op in ("replace", "insert"):
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return Markup("".join(out))  # noqa: S704 - every piece above is escaped


def text_diff(old: str, new: str, *, is_html: bool = True) -> list[DiffParagraph]:
    """A word-level diff of the visible text of ``old`` and ``new``, paragraph by
    paragraph. Long runs of unchanged paragraphs are folded."""
    a, b = _paragraphs(old, is_html=is_html), _paragraphs(new, is_html=is_html)
    rows: list[DiffParagraph] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            rows.extend(DiffParagraph("same", escape(p)) for p in a[i1:i2])
        elif op == "delete":
            rows.extend(DiffParagraph("removed", Markup(f"<del>{escape(p)}</del>"))  # noqa: S704
                        for p in a[i1:i2])
        elif op == "insert":
            rows.extend(DiffParagraph("added", Markup(f"<ins>{escape(p)}</ins>"))  # noqa: S704
                        for p in b[j1:j2])
        else:
            olds, news = a[i1:i2], b[j1:j2]
            for k in range(max(len(olds), len(news))):
                if k < len(olds) and k < len(news):
                    rows.append(DiffParagraph("changed", _word_diff(olds[k], news[k])))
                elif k < len(olds):
                    rows.append(
                        DiffParagraph("removed", Markup(f"<del>{escape(olds[k])}</del>"))  # noqa: S704
                    )
                else:
                    rows.append(
                        DiffParagraph("added", Markup(f"<ins>{escape(news[k])}</ins>"))  # noqa: S704
                    )
    return _fold(rows)


def _fold(rows: list[DiffParagraph]) -> list[DiffParagraph]:
    changed = [i for i, row in enumerate(rows) if row.kind != "same"]
    keep = set()
    for i in changed:
        keep.update(range(i - CONTEXT_PARAGRAPHS, i + CONTEXT_PARAGRAPHS + 1))
    folded: list[DiffParagraph] = []
    skipped = 0
    for i, row in enumerate(rows):
        if i in keep:
            if skipped:
                folded.append(DiffParagraph("folded", Markup(""), folded=skipped))
                skipped = 0
            folded.append(row)
        else:
            skipped += 1
    if skipped:
        folded.append(DiffParagraph("folded", Markup(""), folded=skipped))
    return folded
