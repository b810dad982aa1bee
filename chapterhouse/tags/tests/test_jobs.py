import time

import pytest
from django.db.models import Exists, OuterRef
from django.utils import timezone

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.tags.models import FilterRecompute, Tag, TagType, WorkFilterTag
from chapterhouse.tags.roles import wrangler_grant
from chapterhouse.tags.services.jobs import filter_jobs_pending, filter_jobs_run
from chapterhouse.tags.services.wrangling import tag_make_synonym
from chapterhouse.works.models import Work, WorkTag
from chapterhouse.works.selectors.visibility import works_visible_to

pytestmark = pytest.mark.django_db

BIG = 35_000


@pytest.fixture
def wrangler(db):
    person = UserFactory(username="wrangler_wren")
    wrangler_grant(user=person)
    return type(person).objects.get(pk=person.pk)


def big_tag(count: int):
    """``count`` posted works tagged "Fluff" directly, with their filter rows,
    written in bulk; and an empty canonical "Fluff and Comfort" to merge it into."""
    fluff = Tag.objects.create(name="Fluff", type=TagType.FREEFORM, canonical=True)
    comfort = Tag.objects.create(name="Fluff and Comfort", type=TagType.FREEFORM, canonical=True)
    now = timezone.now()
    Work.objects.bulk_create(
        (Work(title=f"Soft {n}", posted=True, published_on=now.date(), revised_at=now)
         for n in range(count)),
        batch_size=5000,
    )
    ids = list(Work.objects.order_by("pk").values_list("pk", flat=True))
    WorkTag.objects.bulk_create((WorkTag(work_id=i, tag=fluff) for i in ids), batch_size=5000)
    WorkFilterTag.objects.bulk_create(
        (WorkFilterTag(work_id=i, tag=fluff) for i in ids), batch_size=5000
    )
    return fluff, comfort, ids


def listed_under(*tags) -> int:
    """The tag listing's query (through the one door for privacy): works a guest
    sees under any of ``tags``."""
    under = Exists(WorkFilterTag.objects.filter(tag__in=tags, work=OuterRef("pk")))
    return works_visible_to(None).filter(under, posted=True).count()


def test_merge_of_a_35k_tag_is_recomputed_in_batches_without_losing_a_work(wrangler):
    started = time.monotonic()
    fluff, comfort, ids = big_tag(BIG)

    tag_make_synonym(actor=wrangler, tag=fluff, canonical=comfort)

    job = FilterRecompute.objects.get(done=False)
    assert job.tag == comfort
    assert listed_under(comfort) == 0  # nothing moved yet: too big to do inline
    batches = 0
    while filter_jobs_pending():
        filter_jobs_run(batch_size=2500, max_batches=1)
        batches += 1
        # Between batches every work is under the old tag or the new one.
        assert listed_under(fluff, comfort) == BIG
        assert batches <= BIG // 2500 + 2
    job.refresh_from_db()
    assert job.done and job.finished_at and job.after_work_id == ids[-1]
    assert listed_under(comfort) == BIG
    assert listed_under(fluff) == 0
    assert time.monotonic() - started < 60


def test_job_runner_stops_at_its_time_budget_and_resumes_from_the_cursor(wrangler):
    fluff, comfort, ids = big_tag(1200)
    FilterRecompute.objects.create(tag=comfort, reason="test")
    Tag.objects.filter(pk=fluff.pk).update(canonical=False, merger=comfort)

    first = filter_jobs_run(batch_size=500, max_batches=1)

    job = FilterRecompute.objects.get()
    assert first == 500 and job.after_work_id == ids[499] and not job.done
    assert filter_jobs_run(batch_size=500, time_budget=0) == 0
    assert filter_jobs_run(batch_size=500) == 700
    job.refresh_from_db()
    assert job.done
    assert listed_under(comfort) == 1200


def test_no_jobs_means_nothing_to_do():
    assert filter_jobs_run() == 0
