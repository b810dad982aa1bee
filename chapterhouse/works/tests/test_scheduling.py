"""Scheduled chapters are posted once their time has come, exactly once."""

import datetime

import pytest
from django.utils import timezone

from chapterhouse.works.models import Chapter
from chapterhouse.works.selectors.visibility import chapters_visible_to
from chapterhouse.works.services.scheduling import chapters_post_due

from .factories import WorkFactory


def _schedule(work, when, position=2):
    return Chapter.objects.create(
        work=work, position=position, content="<p>The tide turns at last.</p>", word_count=6,
        scheduled_for=when,
    )


@pytest.fixture
def work(user):
    work = WorkFactory(creator=user, expected_chapters=3)
    work.revised_at = timezone.now() - datetime.timedelta(days=5)
    work.save()
    return work


def test_a_due_chapter_is_posted_once_and_moves_the_updated_date(work):
    due = timezone.now() - datetime.timedelta(minutes=1)
    chapter = _schedule(work, due)
    old_revised = work.revised_at
    assert chapters_post_due() == 1
    chapter.refresh_from_db()
    work.refresh_from_db()
    assert chapter.posted and chapter.scheduled_for is None
    assert chapter.published_on == timezone.localdate(due)
    assert work.posted_chapter_count == 2
    assert work.chapters_display == "2/3"
    assert work.word_count == work.chapters.get(position=1).word_count + 6
    assert work.revised_at > old_revised
    assert chapters_post_due() == 0
    work.refresh_from_db()
    assert work.posted_chapter_count == 2


def test_a_chapter_scheduled_later_waits(work, other_user):
    chapter = _schedule(work, timezone.now() + datetime.timedelta(hours=2))
    assert chapters_post_due() == 0
    chapter.refresh_from_db()
    assert not chapter.posted
    assert list(chapters_visible_to(other_user, work)) == list(work.chapters.filter(position=1))
    assert chapters_post_due(now=timezone.now() + datetime.timedelta(hours=3)) == 1
    assert chapter.pk in {c.pk for c in chapters_visible_to(other_user, work)}


def test_chapters_of_a_draft_work_wait_for_the_work(user):
    draft = WorkFactory(creator=user, posted=False)
    chapter = _schedule(draft, timezone.now() - datetime.timedelta(minutes=5))
    assert chapters_post_due() == 0
    chapter.refresh_from_db()
    assert not chapter.posted


def test_several_due_chapters_of_several_works(work, user):
    other = WorkFactory(creator=user)
    past = timezone.now() - datetime.timedelta(minutes=10)
    _schedule(work, past, position=2)
    _schedule(work, past, position=3)
    _schedule(other, past)
    assert chapters_post_due() == 3
    work.refresh_from_db()
    assert work.chapters_display == "3/3" and work.complete


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_post_each_chapter_exactly_once(user):
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("in-memory SQLite cannot be shared between threads")
    work = WorkFactory(creator=user, expected_chapters=None)
    past = timezone.now() - datetime.timedelta(minutes=1)
    for position in range(2, 32):
        _schedule(work, past, position=position)
    start = threading.Barrier(2)
    counts = []

    def run():
        start.wait()
        try:
            counts.append(chapters_post_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 30
    work.refresh_from_db()
    assert work.posted_chapter_count == 31
