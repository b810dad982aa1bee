"""A work's version (works/services/versions.py): a new one with every change
a blurb shows, written by the write that makes the change, once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.discovery.models import OutboxEvent
from chapterhouse.tags.fixed import GENERAL, NO_WARNINGS_APPLY
from chapterhouse.works.models import Creatorship, Work
from chapterhouse.works.services.posting import WorkFields, work_create, work_update
from chapterhouse.works.services.tagging import TagChoice
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db


def writes_to_works(queries) -> list[str]:
    """The INSERTs and UPDATEs of the works table among ``queries``."""
    table = Work._meta.db_table
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith((f'INSERT INTO "{table}"', f'UPDATE "{table}"'))
    ]


def version_of(work) -> int:
    return Work.objects.values_list("version", flat=True).get(pk=work.pk)


def fields(**extra) -> WorkFields:
    return WorkFields(
        title="Salt and Lamplight",
        content="<p>The lamp burned all night while the sea argued with the rocks.</p>",
        tags=TagChoice(rating=GENERAL, warnings=[NO_WARNINGS_APPLY], fandoms="Tidewatch"),
        **extra,
    )


def test_a_save_writes_its_new_version_in_the_same_update():
    work = WorkFactory()
    before = version_of(work)
    work = Work.objects.get(pk=work.pk)
    work.title = "A New Title"
    with CaptureQueriesContext(connection) as queries:
        work.save()
    assert version_of(work) not in (before, 0)
    assert len(writes_to_works(queries)) == 1


def test_a_save_of_some_fields_writes_a_new_version_with_them():
    work = Work.objects.get(pk=WorkFactory().pk)
    before = version_of(work)
    work.title = "Only the Title"
    with CaptureQueriesContext(connection) as queries:
        work.save(update_fields=["title"])
    (write,) = writes_to_works(queries)
    assert '"version"' in write
    assert version_of(work) != before
    assert Work.objects.get(pk=work.pk).title == "Only the Title"


def test_posting_writes_the_work_once_with_its_version():
    user = UserFactory()
    with CaptureQueriesContext(connection) as queries:
        work = work_create(user=user, fields=fields(), post=True)
    (write,) = writes_to_works(queries)
    assert write.startswith("INSERT")
    assert version_of(work) == work.version != 0


def test_posting_records_each_event_once_in_one_insert():
    OutboxEvent.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        work = work_create(user=UserFactory(), fields=fields(), post=True)
    inserts = [
        q
        for q in queries.captured_queries
        if q["sql"].startswith(f'INSERT INTO "{OutboxEvent._meta.db_table}"')
    ]
    assert len(inserts) == 1
    topics = list(OutboxEvent.objects.order_by("pk").values_list("topic", "payload"))
    assert topics == [
        ("work.changed", {"work_ids": [work.pk]}),
        ("work.posted", {"work_ids": [work.pk]}),
        ("work.filter_tags", {"work_ids": [work.pk]}),
    ]


def test_an_edit_that_adds_a_credit_writes_no_version_of_its_own():
    user, friend = UserFactory(), UserFactory(username="lamplighter")
    work = work_create(user=user, fields=fields(), post=True)
    before = version_of(work)
    with CaptureQueriesContext(connection) as queries:
        work_update(user=user, work=work, fields=fields(cocreators="lamplighter"))
    assert Creatorship.objects.filter(work=work, pseud__user=friend).exists()
    assert version_of(work) != before
    # The saves of the work carry their versions; no UPDATE writes one alone.
    assert not [w for w in writes_to_works(queries) if 'SET "version"' in w]


def test_a_credit_written_on_its_own_still_changes_the_version():
    work = WorkFactory()
    before = version_of(work)
    Creatorship.objects.create(work=work, pseud=UserFactory().pseuds.first(), accepted=True)
    assert version_of(work) != before


def test_a_work_remembers_what_it_last_read_or_wrote_of_posted_and_anonymous():
    work = Work.objects.get(pk=WorkFactory(anonymous=False).pk)
    assert (work.loaded_value("posted"), work.loaded_value("anonymous")) == (True, False)
    work.anonymous = True
    assert work.loaded_value("anonymous") is False
    work.save()
    assert work.loaded_value("anonymous") is True
    assert Work.objects.only("pk").get(pk=work.pk).loaded_value("anonymous") is None
