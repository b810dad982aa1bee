import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from chapterhouse.works.models import ChapterRevision
from chapterhouse.works.selectors.visibility import chapters_visible_to
from chapterhouse.works.services import chapters
from chapterhouse.works.services.chapters import ChapterFields
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

TEXT = "<p>The ferry came late, and nobody on the pier said a word.</p>"


def test_posting_a_chapter_moves_updated_and_counts_words(user):
    work = WorkFactory(creator=user, chapters=1, expected_chapters=None)
    before = work.revised_at
    chapter = chapters.chapter_create(
        user=user, work=work, fields=ChapterFields(title="Ferry", content=TEXT), post=True
    )
    work.refresh_from_db()
    assert chapter.position == 2 and chapter.posted
    assert chapter.published_on == timezone.localdate()
    assert chapter.word_count == 12
    assert work.posted_chapter_count == 2
    assert work.word_count == 8 + 12
    assert work.revised_at > before
    assert work.chapters_display == "2/?"


def test_draft_chapter_is_hidden_from_readers_and_does_not_move_updated(user, other_user):
    work = WorkFactory(creator=user)
    before = work.revised_at
    chapter = chapters.chapter_create(user=user, work=work, fields=ChapterFields(content=TEXT))
    work.refresh_from_db()
    assert not chapter.posted and work.revised_at == before
    assert chapter not in chapters_visible_to(other_user, work)
    assert chapter in chapters_visible_to(user, work)


def test_scheduled_chapter_waits_for_its_time(user, other_user):
    work = WorkFactory(creator=user)
    when = timezone.now() + datetime.timedelta(days=2)
    chapter = chapters.chapter_create(
        user=user, work=work, fields=ChapterFields(content=TEXT, scheduled_for=when), post=True
    )
    assert not chapter.posted and chapter.scheduled_for == when
    assert chapter not in chapters_visible_to(other_user, work)
    with pytest.raises(ValidationError) as caught:
        chapters.chapter_create(user=user, work=work, fields=ChapterFields(
            content=TEXT, scheduled_for=timezone.now() - datetime.timedelta(minutes=1)))
    assert "scheduled_for" in caught.value.message_dict


def test_expected_count_completes_the_work(user):
    work = WorkFactory(creator=user, chapters=1, expected_chapters=None, complete=False)
    chapters.chapter_create(user=user, work=work, post=True,
                            fields=ChapterFields(content=TEXT, expected_chapters=2))
    work.refresh_from_db()
    assert work.complete and work.chapters_display == "2/2"
    with pytest.raises(ValidationError):
        chapters.chapter_create(user=user, work=work, post=True,
                                fields=ChapterFields(content=TEXT, expected_chapters=2))


def test_editing_a_posted_chapter_records_a_revision_but_not_updated(user):
    work = WorkFactory(creator=user, chapters=2)
    first = work.chapters.get(position=1)
    old = first.content
    before = work.revised_at
    chapters.chapter_update(user=user, chapter=first, fields=ChapterFields(content=TEXT))
    revision = ChapterRevision.objects.get(chapter=first)
    assert revision.content == old and revision.editor == user
    work.refresh_from_db()
    assert work.revised_at == before
    assert work.word_count == 8 + 12


def test_unchanged_save_records_no_revision(user):
    work = WorkFactory(creator=user)
    chapter = work.chapters.get()
    chapters.chapter_update(user=user, chapter=chapter,
                            fields=chapters.chapter_fields_of(chapter))
    assert not ChapterRevision.objects.exists()


def test_delete_renumbers_and_keeps_the_only_chapter(user):
    work = WorkFactory(creator=user, chapters=3)
    middle = work.chapters.get(position=2)
    chapters.chapter_delete(user=user, chapter=middle)
    assert list(work.chapters.values_list("position", flat=True)) == [1, 2]
    work.refresh_from_db()
    assert work.posted_chapter_count == 2
    chapters.chapter_delete(user=user, chapter=work.chapters.get(position=2))
    with pytest.raises(ValidationError) as caught:
        chapters.chapter_delete(user=user, chapter=work.chapters.get())
    assert "only chapter" in caught.value.messages[0]


def test_reorder_by_typed_numbers(user):
    work = WorkFactory(creator=user, chapters=3)
    one, two, three = work.chapters.order_by("position")
    chapters.chapters_reorder(user=user, work=work,
                              positions={one.pk: 3, two.pk: 1, three.pk: 2})
    assert list(work.chapters.order_by("position").values_list("pk", flat=True)) == [
        two.pk, three.pk, one.pk]
    with pytest.raises(ValidationError):
        chapters.chapters_reorder(user=user, work=work, positions={one.pk: 1})


def test_only_creators_may_change_chapters(user, other_user):
    work = WorkFactory(creator=user, chapters=2)
    with pytest.raises(PermissionDenied):
        chapters.chapter_create(user=other_user, work=work, fields=ChapterFields(content=TEXT))
    with pytest.raises(PermissionDenied):
        chapters.chapter_delete(user=other_user, chapter=work.chapters.first())


def test_chapters_of_a_draft_work_are_posted_with_it(user):
    from chapterhouse.works.services.posting import work_post

    work = WorkFactory(creator=user, posted=False, published_on=None)
    added = chapters.chapter_create(user=user, work=work, post=True,
                                    fields=ChapterFields(content=TEXT))
    assert not added.posted
    work_post(user=user, work=work)
    added.refresh_from_db()
    work.refresh_from_db()
    assert added.posted and work.posted_chapter_count == 2
