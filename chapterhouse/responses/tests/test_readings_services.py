"""Reading history, Marked for Later and progress: what is kept, for whom."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from chapterhouse.responses.models import Reading
from chapterhouse.responses.services.readings import (
    reading_delete,
    reading_mark_as_read,
    reading_mark_for_later,
    reading_progress_save,
    reading_visit,
    readings_clear,
)
from chapterhouse.works.models import Chapter
from chapterhouse.works.selectors.reading import work_page
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db


def visit(user, work, number=1):
    page = work_page(viewer=user, work_id=work.pk)
    reading_visit(viewer=user, page=page, chapter=page.chapters[number - 1])


def test_visits_are_counted_with_first_and_last_dates(reader, work):
    visit(reader, work)
    visit(reader, work)
    reading = Reading.objects.get(user=reader, work=work)
    assert reading.visit_count == 2
    assert reading.first_visited_at <= reading.last_visited_at
    assert reading.chapter_id == work.chapters.get().pk


def test_a_visit_takes_one_or_two_queries(reader, work, django_assert_max_num_queries):
    page = work_page(viewer=reader, work_id=work.pk)
    reader.preference  # the page has read the preferences already  # noqa: B018
    with django_assert_max_num_queries(4):  # the insert (+ a savepoint pair in tests)
        reading_visit(viewer=reader, page=page, chapter=page.chapters[0])
    with django_assert_max_num_queries(3):  # one update (+ savepoints)
        reading_visit(viewer=reader, page=page, chapter=page.chapters[0])


def test_creator_visits_are_not_recorded(creator, work):
    visit(creator, work)
    assert not Reading.objects.exists()


def test_guest_visits_are_not_recorded(work):
    visit(AnonymousUser(), work)
    assert not Reading.objects.exists()


def test_history_off_records_nothing(reader, work):
    reader.preference.history_enabled = False
    reader.preference.save()
    visit(reader, work)
    assert not Reading.objects.exists()


def test_a_visit_never_fails_the_page(reader, work, monkeypatch):
    from chapterhouse.responses.services import readings

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(readings, "_visit", broken)
    visit(reader, work)  # no exception


def test_the_recorded_chapter_only_moves_forward(reader, creator):
    work = WorkFactory(creator=creator, chapters=3)
    visit(reader, work, 3)
    visit(reader, work, 1)
    reading = Reading.objects.get()
    assert reading.chapter.position == 3
    assert reading.visit_count == 2


def test_mark_for_later_and_as_read(reader, work):
    reading_mark_for_later(user=reader, work=work)
    assert Reading.objects.get().to_read
    reading_mark_as_read(user=reader, work=work)
    assert not Reading.objects.get().to_read


def test_cannot_mark_a_draft_for_later(reader, creator):
    draft = WorkFactory(creator=creator, posted=False)
    with pytest.raises(ValidationError):
        reading_mark_for_later(user=reader, work=draft)
    with pytest.raises(PermissionDenied):
        reading_mark_for_later(user=AnonymousUser(), work=draft)


def test_delete_one_and_clear_all(reader, creator, work):
    visit(reader, work)
    other = WorkFactory(creator=creator)
    visit(reader, other)
    reading = Reading.objects.get(work=work)
    with pytest.raises(PermissionDenied):
        reading_delete(user=creator, reading=reading)
    reading_delete(user=reader, reading=reading)
    assert list(Reading.objects.values_list("work_id", flat=True)) == [other.pk]
    readings_clear(user=reader)
    assert not Reading.objects.exists()


def test_progress_is_saved_for_a_visible_chapter(reader, creator):
    work = WorkFactory(creator=creator, chapters=3)
    chapter = work.chapters.get(position=2)
    reading = reading_progress_save(user=reader, work=work, chapter_id=chapter.pk, position=0.4)
    assert (reading.chapter_id, reading.position) == (chapter.pk, 0.4)
    assert reading.progress_at is not None


@pytest.mark.parametrize("position", [-0.1, 1.5, "nan", "inf", "half", None])
def test_progress_position_must_be_between_0_and_1(reader, work, position):
    chapter = work.chapters.get()
    with pytest.raises(ValidationError):
        reading_progress_save(user=reader, work=work, chapter_id=chapter.pk, position=position)


def test_progress_chapter_must_belong_to_the_work_and_be_posted(reader, creator, work):
    other = WorkFactory(creator=creator)
    with pytest.raises(ValidationError):
        reading_progress_save(user=reader, work=work, chapter_id=other.chapters.get().pk,
                              position=0.5)
    draft_chapter = Chapter.objects.create(work=work, position=2, content="<p>Soon.</p>")
    with pytest.raises(ValidationError):
        reading_progress_save(user=reader, work=work, chapter_id=draft_chapter.pk, position=0.5)
    assert not Reading.objects.exists()


def test_progress_is_not_kept_with_history_off_or_for_creators(reader, creator, work):
    chapter = work.chapters.get()
    assert reading_progress_save(user=creator, work=work, chapter_id=chapter.pk,
                                 position=0.5) is None
    reader.preference.history_enabled = False
    reader.preference.save()
    assert reading_progress_save(user=reader, work=work, chapter_id=chapter.pk,
                                 position=0.5) is None
    assert not Reading.objects.exists()
