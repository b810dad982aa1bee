"""Revisions: kept on edits, listed, compared word by word, and restored."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from chapterhouse.works.models import ChapterRevision, WorkRevision
from chapterhouse.works.services import revisions
from chapterhouse.works.text import word_count

from .factories import WorkFactory


def _edit(chapter, user, content, *, reason="edit", when=None):
    """What an editing service does: keep the old text, then change it."""
    revision = revisions.chapter_revision_record(chapter=chapter, editor=user, reason=reason)
    if when:
        revision.created_at = when
        revision.save(update_fields=["created_at"])
    chapter.content = content
    chapter.word_count = word_count(content)
    chapter.save()
    return revision


@pytest.fixture
def work(user):
    return WorkFactory(creator=user)


def test_word_diff_marks_insertions_and_deletions():
    rows = revisions.text_diff(
        "<p>The storm came in fast.</p>", "<p>The storm rolled in fast.</p>"
    )
    assert [r.kind for r in rows] == ["changed"]
    assert str(rows[0].html) == "The storm <del>came</del><ins>rolled</ins> in fast."


def test_diff_escapes_the_text():
    rows = revisions.text_diff("<p>a &lt;b&gt; c</p>", "<p>a &lt;i&gt; c &amp; d</p>")
    html = str(rows[0].html)
    assert "<b>" not in html and "<i>" not in html
    assert "&lt;" in html and "&amp;" in html


def test_diff_shows_added_and_removed_paragraphs_and_folds_unchanged_ones():
    old = "".join(f"<p>Paragraph {n} stays.</p>" for n in range(1, 8)) + "<p>Old ending.</p>"
    new = "<p>A new opening.</p>" + "".join(
        f"<p>Paragraph {n} stays.</p>" for n in range(1, 8)
    )
    rows = revisions.text_diff(old, new)
    kinds = [r.kind for r in rows]
    assert kinds[0] == "added" and "A new opening." in str(rows[0].html)
    assert "folded" in kinds
    assert rows[kinds.index("folded")].folded == 5
    assert kinds[-1] == "removed" and str(rows[-1].html) == "<del>Old ending.</del>"


def test_history_lists_revisions_newest_first_with_reasons(work, user):
    chapter = work.chapters.get()
    earlier = timezone.now() - datetime.timedelta(days=2)
    first = _edit(chapter, user, "<p>Second draft.</p>", when=earlier)
    second = _edit(chapter, user, "<p>Third draft.</p>", reason="correction from mireille")
    revisions.work_revision_record(work=work, editor=user)
    history = revisions.work_history(user=user, work=work)
    assert [r.pk for r in history.chapters[0].revisions] == [second.pk, first.pk]
    assert len(history.work_revisions) == 1
    assert revisions.reason_label(second.reason) == "Correction from mireille"
    assert revisions.reason_label("restore") == "Restored an earlier version"
    assert revisions.reason_label("edit") == "Edited"


def test_only_creators_see_the_history(work, other_user):
    with pytest.raises(PermissionDenied):
        revisions.work_history(user=other_user, work=work)


def test_a_revision_is_compared_with_the_next_one_or_the_current_text(work, user):
    chapter = work.chapters.get()
    original = chapter.content
    older = _edit(chapter, user, "<p>Chapter 1 begins with snow against the glass.</p>",
                  when=timezone.now() - datetime.timedelta(hours=1))
    newer = _edit(chapter, user, "<p>Chapter 1 begins with snow against the door.</p>")
    first = revisions.chapter_revision_comparison(user=user, revision=older)
    assert first.newer.pk == newer.pk
    assert "rain" in original
    text = str(first.fields[0].paragraphs[0].html)
    assert "<del>rain</del><ins>snow</ins>" in text
    latest = revisions.chapter_revision_comparison(user=user, revision=newer)
    assert latest.newer is None
    assert "<del>glass</del><ins>door</ins>" in str(latest.fields[0].paragraphs[0].html)


def test_restore_puts_the_text_back_and_keeps_the_current_one(work, user):
    chapter = work.chapters.get()
    original = chapter.content
    revision = _edit(chapter, user, "<p>Short now.</p>")
    work.refresh_from_db()
    revisions.chapter_revision_restore(user=user, revision=revision)
    chapter.refresh_from_db()
    work.refresh_from_db()
    assert chapter.content == original
    assert chapter.word_count == word_count(original)
    assert work.word_count == chapter.word_count
    kept = ChapterRevision.objects.filter(chapter=chapter).first()
    assert kept.reason == "restore" and kept.content == "<p>Short now.</p>"
    assert kept.editor == user


def test_others_cannot_restore(work, user, other_user):
    chapter = work.chapters.get()
    revision = _edit(chapter, user, "<p>Changed.</p>")
    with pytest.raises(PermissionDenied):
        revisions.chapter_revision_restore(user=other_user, revision=revision)
    chapter.refresh_from_db()
    assert chapter.content == "<p>Changed.</p>"


def test_work_revisions_compare_and_restore_title_and_summary(work, user):
    revision = revisions.work_revision_record(work=work, editor=user)
    old_title = work.title
    work.title = "The Lamp Goes Out"
    work.summary = "<p>A calm night.</p>"
    work.save()
    comparison = revisions.work_revision_comparison(user=user, revision=revision)
    labels = [f.label for f in comparison.fields]
    assert labels == ["Title", "Summary"]
    revisions.work_revision_restore(user=user, revision=revision)
    work.refresh_from_db()
    assert work.title == old_title
    assert "storm" in work.summary
    assert WorkRevision.objects.filter(work=work, reason="restore",
                                       title="The Lamp Goes Out").exists()
