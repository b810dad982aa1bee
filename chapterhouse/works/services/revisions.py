"""Revisions: every change to the text of a posted work or chapter keeps the
version before it. Editing services call the ``*_record`` functions *before*
they change the text."""

from __future__ import annotations

from ..models import Chapter, ChapterRevision, Work, WorkRevision


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
