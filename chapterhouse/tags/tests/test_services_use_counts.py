"""Tag use counts: posting records changes, the flush folds them in."""

import threading

import pytest
from django.db import connection, transaction

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.tags.fixed import GENERAL, NO_WARNINGS_APPLY
from chapterhouse.tags.models import Tag, TagUseChange
from chapterhouse.tags.services.filters import tag_use_counts_flush
from chapterhouse.works.services.posting import WorkFields, work_create
from chapterhouse.works.services.tagging import TagChoice


def fields(title: str, freeforms: str = "Harbour Lights") -> WorkFields:
    tags = TagChoice(rating=GENERAL, warnings=[NO_WARNINGS_APPLY], fandoms="Tidewatch",
                     freeforms=freeforms)
    return WorkFields(title=title, tags=tags, content="<p>The ferry left at dusk.</p>")


def uses(name: str) -> int:
    return Tag.objects.get(name=name).use_count


@pytest.mark.django_db
def test_flush_counts_every_work_tagged_then_forgets_the_changes():
    user = UserFactory()
    for n in range(3):
        work_create(user=user, fields=fields(f"Ferry {n}"), post=n != 2)  # a draft counts too
    assert TagUseChange.objects.exists()

    assert tag_use_counts_flush() >= 4  # the fandom, the freeform, the rating, the warning

    assert uses("Tidewatch") == 3 and uses("Harbour Lights") == 3
    assert not TagUseChange.objects.exists()
    tag_use_counts_flush()
    assert uses("Tidewatch") == 3


@pytest.mark.django_db
def test_a_tag_taken_off_a_work_counts_one_use_less():
    from chapterhouse.works.services.posting import work_update

    user = UserFactory()
    work = work_create(user=user, fields=fields("Ferry"), post=True)
    tag_use_counts_flush()
    work_update(user=user, work=work, fields=fields("Ferry", freeforms="Fog"))
    tag_use_counts_flush()
    assert uses("Harbour Lights") == 0 and uses("Fog") == 1 and uses("Tidewatch") == 1


@pytest.mark.django_db(transaction=True)
def test_works_posted_at_once_with_the_same_tags_do_not_wait_for_each_other():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one writer in at a time whatever the rows")
    user = UserFactory()
    work_create(user=user, fields=fields("First of the tags"), post=True)  # the tags exist
    posted, release, failures = threading.Event(), threading.Event(), []

    def post_and_hold():
        from django.db import connection as own

        try:
            with transaction.atomic():
                work_create(user=user, fields=fields("Held open"), post=True)
                posted.set()
                release.wait(10)
        except Exception as error:  # noqa: BLE001 - reported by the test
            failures.append(error)
            posted.set()
        finally:
            own.close()

    holder = threading.Thread(target=post_and_hold)
    holder.start()
    try:
        assert posted.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        try:
            # While the first post's transaction is still open.
            work_create(user=user, fields=fields("Posted meanwhile"), post=True)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
    finally:
        release.set()
        holder.join(10)
    assert not failures
    tag_use_counts_flush()
    assert uses("Tidewatch") == 3 and uses("Harbour Lights") == 3
