"""Giving kudos: every rule, the counter folding and the race, through the services."""

import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import connection

from chapterhouse.accounts.models import Block
from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.discovery.models import OutboxEvent
from chapterhouse.responses.models import Kudos
from chapterhouse.responses.selectors.kudos import kudos_summary
from chapterhouse.responses.services.kudos import (
    RATE_LIMIT,
    kudos_counts_flush,
    kudos_give,
)
from chapterhouse.web.ratelimit import RateLimited
from chapterhouse.works.models import Creatorship, Work
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

GUEST = AnonymousUser()


def refusal(call) -> dict:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_reader_leaves_kudos_once(work, reader):
    kudos_give(work=work, viewer=reader)
    errors = refusal(lambda: kudos_give(work=work, viewer=reader))
    assert errors == {"user_id": ["You've already left kudos on this work. :)"]}
    assert Kudos.objects.filter(work=work).count() == 1


def test_creator_cannot_kudos_own_work(work, creator):
    errors = refusal(lambda: kudos_give(work=work, viewer=creator))
    assert errors == {"commentable": ["You can't leave kudos on a work you created."]}
    assert not Kudos.objects.exists()


def test_co_creator_cannot_kudos_the_shared_work(work, reader):
    Creatorship.objects.create(work=work, pseud=reader.pseuds.get(is_default=True), position=1)
    assert "commentable" in refusal(lambda: kudos_give(work=work, viewer=reader))


def test_user_blocked_by_a_creator_is_refused(work, creator, reader):
    Block.objects.create(blocker=creator, blocked=reader)
    errors = refusal(lambda: kudos_give(work=work, viewer=reader))
    assert errors["commentable"] == ["Sorry, you can't leave kudos on this work."]
    assert not Kudos.objects.exists()


def test_block_on_an_anonymous_work_does_not_reveal_the_creator(reader):
    secret = UserFactory()
    hidden_name = WorkFactory(creator=secret, anonymous=True)
    Block.objects.create(blocker=secret, blocked=reader)
    errors = refusal(lambda: kudos_give(work=hidden_name, viewer=reader))
    assert errors["commentable"] == ["Sorry, you can't leave kudos on this work."]


def test_user_blocked_by_someone_else_may_kudos(work, reader):
    Block.objects.create(blocker=UserFactory(), blocked=reader)
    kudos_give(work=work, viewer=reader)
    assert Kudos.objects.filter(work=work, user=reader).exists()


def test_guest_cannot_kudos_restricted_work(creator):
    restricted = WorkFactory(creator=creator, restricted=True)
    errors = refusal(lambda: kudos_give(work=restricted, viewer=GUEST, guest_ip="203.0.113.5"))
    assert "log in" in errors["commentable"][0]


def test_signed_in_reader_may_kudos_restricted_work(creator, reader):
    restricted = WorkFactory(creator=creator, restricted=True)
    kudos_give(work=restricted, viewer=reader)
    assert Kudos.objects.filter(work=restricted).count() == 1


@pytest.mark.parametrize("state", [{"posted": False}, {"hidden_by_admin": True}])
def test_drafts_and_hidden_works_take_no_kudos(creator, reader, state):
    unseen = WorkFactory(creator=creator, **state)
    assert "no_commentable" in refusal(lambda: kudos_give(work=unseen, viewer=reader))
    assert "no_commentable" in refusal(
        lambda: kudos_give(work=unseen, viewer=GUEST, guest_ip="203.0.113.5")
    )


def test_admin_cannot_kudos_a_draft(creator):
    draft = WorkFactory(creator=creator, posted=False)
    admin = UserFactory(is_staff=True)
    assert "no_commentable" in refusal(lambda: kudos_give(work=draft, viewer=admin))


def test_guest_leaves_kudos_once_per_address(work):
    kudos_give(work=work, viewer=GUEST, guest_ip="203.0.113.5", guest_token="tok-a")
    errors = refusal(
        lambda: kudos_give(work=work, viewer=GUEST, guest_ip="203.0.113.5", guest_token="tok-b")
    )
    assert errors == {"ip_address": ["You've already left kudos on this work. :)"]}
    kudos_give(work=work, viewer=GUEST, guest_ip="198.51.100.7")
    assert kudos_summary(work_id=work.pk).guests == 2


def test_guest_whose_cookie_lists_the_work_is_refused_from_a_new_address(work):
    errors = refusal(lambda: kudos_give(
        work=work, viewer=GUEST, guest_ip="198.51.100.9", guest_token="tok", guest_works=[work.pk]
    ))
    assert "ip_address" in errors
    assert not Kudos.objects.exists()


def test_guest_and_user_on_the_same_address_both_count(work, reader):
    kudos_give(work=work, viewer=GUEST, guest_ip="203.0.113.5")
    kudos_give(work=work, viewer=reader)
    summary = kudos_summary(work_id=work.pk)
    assert (summary.users, summary.guests, summary.names) == (1, 1, [reader.username])


def test_kudos_are_rate_limited_per_user(reader, creator):
    works = [WorkFactory(creator=creator) for _ in range(RATE_LIMIT + 1)]
    for each in works[:-1]:
        kudos_give(work=each, viewer=reader)
    with pytest.raises(RateLimited) as caught:
        kudos_give(work=works[-1], viewer=reader)
    assert caught.value.retry_after > 0
    assert "try again in" in caught.value.messages[0]


def test_flush_folds_new_kudos_into_the_count_and_tells_the_index(work, reader):
    kudos_give(work=work, viewer=reader)
    kudos_give(work=work, viewer=GUEST, guest_ip="203.0.113.5")
    work.refresh_from_db()
    assert work.kudos_count == 0  # the request leaves the hot row alone
    before = OutboxEvent.objects.count()
    assert kudos_counts_flush() == 1
    work.refresh_from_db()
    assert work.kudos_count == 2
    event = OutboxEvent.objects.order_by("-pk").first()
    assert OutboxEvent.objects.count() == before + 1
    assert event.payload == {"work_ids": [work.pk]}
    assert kudos_counts_flush() == 0  # nothing new: nothing written


def test_flush_corrects_a_count_that_drifted(work, reader):
    kudos_give(work=work, viewer=reader)
    Work.objects.filter(pk=work.pk).update(kudos_count=999)
    kudos_counts_flush()
    work.refresh_from_db()
    assert work.kudos_count == 1


@pytest.mark.django_db(transaction=True)
def test_racing_duplicate_kudos_end_in_one_row():
    if connection.vendor != "postgresql":
        pytest.skip("in-memory SQLite cannot be shared between threads")
    work = WorkFactory()
    reader = UserFactory()
    attempts = 8
    start = threading.Barrier(attempts * 2)
    outcomes = []

    def give(viewer, address):
        start.wait()
        try:
            kudos_give(work=work, viewer=viewer, guest_ip=address)
            outcomes.append("given")
        except ValidationError as error:
            outcomes.append(sorted(error.message_dict)[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=give, args=(reader, None)) for _ in range(attempts)]
    threads += [
        threading.Thread(target=give, args=(GUEST, "203.0.113.77")) for _ in range(attempts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("given") == 2
    assert outcomes.count("user_id") == attempts - 1
    assert outcomes.count("ip_address") == attempts - 1
    assert Kudos.objects.filter(work=work).count() == 2
    kudos_counts_flush()
    work.refresh_from_db()
    assert work.kudos_count == 2
