"""Subscriptions: who may follow what, and who hears of new chapters, works
and series parts — the right people, exactly once."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from chapterhouse.accounts.models import Block
from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.responses.models import (
    InboxItem,
    InboxKind,
    Notification,
    NotificationKind,
    Subscription,
)
from chapterhouse.responses.services.subscriptions import (
    subscription_create,
    subscription_delete,
    subscriptions_notify_posted,
)
from chapterhouse.works.models import Chapter
from chapterhouse.works.services.chapters import ChapterFields, chapter_create, chapter_update
from chapterhouse.works.services.posting import work_fields_of, work_post, work_update
from chapterhouse.works.services.scheduling import chapters_post_due
from chapterhouse.works.tests.factories import WorkFactory, add_to_series

pytestmark = pytest.mark.django_db

TEXT = "<p>The ferry came in late, and the lamps along the quay were already lit.</p>"


def _inbox(user):
    return list(InboxItem.objects.filter(user=user, kind=InboxKind.SUBSCRIPTION))


def _mail(user):
    return list(Notification.objects.filter(user=user, kind=NotificationKind.SUBSCRIPTION))


def _new_chapter(creator, work, **kwargs):
    return chapter_create(user=creator, work=work, fields=ChapterFields(content=TEXT, **kwargs),
                          post=True)


# Who may subscribe ---------------------------------------------------------------------------


def test_reader_subscribes_to_a_work_once(reader, work):
    first = subscription_create(user=reader, work=work)
    again = subscription_create(user=reader, work=work)
    assert first.pk == again.pk
    assert Subscription.objects.filter(user=reader).count() == 1


def test_reader_cannot_subscribe_to_a_draft_or_hidden_work(reader, creator):
    draft = WorkFactory(creator=creator, posted=False)
    hidden = WorkFactory(creator=creator, hidden_by_admin=True)
    for work in (draft, hidden):
        with pytest.raises(ValidationError):
            subscription_create(user=reader, work=work)
    assert not Subscription.objects.exists()


def test_signed_in_reader_may_subscribe_to_a_restricted_work(reader, creator):
    restricted = WorkFactory(creator=creator, restricted=True)
    assert subscription_create(user=reader, work=restricted).work_id == restricted.pk


def test_guest_cannot_subscribe(work):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        subscription_create(user=AnonymousUser(), work=work)


def test_nobody_subscribes_to_themselves_or_their_own_work(creator, work):
    with pytest.raises(ValidationError):
        subscription_create(user=creator, creator=creator)
    with pytest.raises(ValidationError):
        subscription_create(user=creator, work=work)
    series = add_to_series(work)
    with pytest.raises(ValidationError):
        subscription_create(user=creator, series=series)


def test_reader_cannot_subscribe_to_a_series_with_nothing_she_may_see(reader, creator):
    series = add_to_series(WorkFactory(creator=creator, posted=False))
    with pytest.raises(ValidationError):
        subscription_create(user=reader, series=series)
    add_to_series(WorkFactory(creator=creator), series=series, position=2)
    assert subscription_create(user=reader, series=series).series_id == series.pk


def test_blocked_reader_cannot_subscribe_to_the_blocker(reader, creator, work):
    Block.objects.create(blocker=creator, blocked=reader)
    with pytest.raises(PermissionDenied):
        subscription_create(user=reader, creator=creator)
    with pytest.raises(PermissionDenied):
        subscription_create(user=reader, work=work)


def test_exactly_one_target(reader, creator, work):
    with pytest.raises(ValidationError):
        subscription_create(user=reader, work=work, creator=creator)
    with pytest.raises(ValidationError):
        subscription_create(user=reader)


def test_only_the_subscriber_may_unsubscribe(reader, creator, work):
    subscription = subscription_create(user=reader, work=work)
    with pytest.raises(PermissionDenied):
        subscription_delete(user=creator, subscription=subscription)
    subscription_delete(user=reader, subscription=subscription)
    assert not Subscription.objects.exists()


# New chapters --------------------------------------------------------------------------------


def test_new_chapter_tells_work_subscribers_once_by_inbox_and_mail(reader, creator, work):
    bystander = UserFactory()
    subscription_create(user=reader, work=work)
    chapter = _new_chapter(creator, work)
    [item] = _inbox(reader)
    assert item.work_id == work.pk and item.chapter_id == chapter.pk
    assert item.key == f"sub:work:{work.pk}:chapter:{chapter.pk}:to:{reader.pk}"
    assert "Chapter 2" in item.text and work.title in item.text
    [mail] = _mail(reader)
    assert mail.payload == {"work_id": work.pk, "chapter_id": chapter.pk}
    assert not _inbox(bystander) and not _inbox(creator)
    # Telling again (a retried task) tells nobody twice.
    assert subscriptions_notify_posted(work=work, chapter=chapter) == 0
    assert len(_inbox(reader)) == 1 and len(_mail(reader)) == 1


def test_draft_chapter_tells_nobody_until_it_is_posted(reader, creator, work):
    subscription_create(user=reader, work=work)
    draft = chapter_create(user=creator, work=work, fields=ChapterFields(content=TEXT))
    assert not _inbox(reader)
    chapter_update(user=creator, chapter=draft, fields=ChapterFields(content=TEXT), post=True)
    assert [i.chapter_id for i in _inbox(reader)] == [draft.pk]
    # Editing the posted chapter again is no news.
    chapter_update(user=creator, chapter=draft, fields=ChapterFields(content=TEXT + "<p>!</p>"))
    assert len(_inbox(reader)) == 1


def test_scheduled_chapter_posted_by_the_worker_tells_subscribers(reader, creator, work):
    subscription_create(user=reader, work=work)
    chapter = Chapter.objects.create(
        work=work, position=2, content=TEXT, word_count=14,
        scheduled_for=timezone.now() - datetime.timedelta(minutes=1),
    )
    assert not _inbox(reader)
    assert chapters_post_due() == 1
    assert [i.chapter_id for i in _inbox(reader)] == [chapter.pk]
    assert len(_mail(reader)) == 1
    assert chapters_post_due() == 0
    assert len(_inbox(reader)) == 1


def test_subscriber_who_may_no_longer_see_the_work_hears_nothing(reader, creator, work):
    subscription_create(user=reader, work=work)
    work.hidden_by_admin = True
    work.save()
    _new_chapter(creator, work)
    assert not _inbox(reader)


def test_subscriber_blocked_by_the_creator_hears_nothing(reader, creator, work):
    subscription_create(user=reader, work=work)
    Block.objects.create(blocker=creator, blocked=reader)
    _new_chapter(creator, work)
    assert not _inbox(reader)


def test_subscription_emails_off_keeps_the_inbox_but_sends_no_mail(reader, creator, work):
    reader.preference.subscription_emails_off = True
    reader.preference.save()
    subscription_create(user=reader, work=work)
    _new_chapter(creator, work)
    assert len(_inbox(reader)) == 1
    assert not _mail(reader)


def test_a_co_creator_subscribed_before_joining_is_not_told(reader, creator, work):
    from chapterhouse.works.models import Creatorship

    subscription_create(user=reader, work=work)
    Creatorship.objects.create(work=work, pseud=reader.pseuds.first(), accepted=True)
    _new_chapter(creator, work)
    assert not _inbox(reader)


# New works and series parts ------------------------------------------------------------------


def test_posting_a_work_tells_creator_and_series_subscribers_once_each(reader, creator, work):
    fan, series_fan = UserFactory(), UserFactory()
    series = add_to_series(work)
    subscription_create(user=fan, creator=creator)
    subscription_create(user=series_fan, series=series)
    subscription_create(user=reader, creator=creator)
    subscription_create(user=reader, series=series)
    draft = WorkFactory(creator=creator, posted=False, title="Lanterns at Low Tide")
    add_to_series(draft, series=series, position=2)
    work_post(user=creator, work=draft)
    for person in (fan, series_fan, reader):
        [item] = _inbox(person)
        assert item.work_id == draft.pk
        assert len(_mail(person)) == 1
    assert "wren_writer posted a new work" in _inbox(fan)[0].text
    assert _mail(fan)[0].payload == {"work_id": draft.pk, "creator_id": creator.pk}
    assert _mail(series_fan)[0].payload == {"work_id": draft.pk, "series_id": series.pk}
    assert not _inbox(creator)


def test_anonymous_work_is_never_announced_to_creator_subscribers(reader, creator):
    series_fan = UserFactory()
    subscription_create(user=reader, creator=creator)
    visible = WorkFactory(creator=creator)
    series = add_to_series(visible)
    subscription_create(user=series_fan, series=series)
    draft = WorkFactory(creator=creator, posted=False, anonymous=True)
    add_to_series(draft, series=series, position=2)
    work_post(user=creator, work=draft)
    assert not _inbox(reader) and not _mail(reader)
    # The series' readers hear of the new part, without the creator's name.
    [item] = _inbox(series_fan)
    assert creator.username not in item.text


def test_restricted_new_work_reaches_signed_in_subscribers(reader, creator):
    subscription_create(user=reader, creator=creator)
    draft = WorkFactory(creator=creator, posted=False, restricted=True)
    work_post(user=creator, work=draft)
    assert len(_inbox(reader)) == 1


def test_posted_work_added_to_a_series_tells_the_series_subscribers(reader, creator, work):
    earlier = WorkFactory(creator=creator)
    series = add_to_series(earlier)
    subscription_create(user=reader, series=series)
    fields = work_fields_of(work)
    fields.series_id = series.pk
    work_update(user=creator, work=work, fields=fields)
    [item] = _inbox(reader)
    assert item.work_id == work.pk
    # Saving the work again, still in the series, is no news.
    work_update(user=creator, work=work, fields=work_fields_of(work))
    assert len(_inbox(reader)) == 1
    # Nor does a reader who subscribes later hear of the old part.
    late = UserFactory()
    subscription_create(user=late, series=series)
    work_update(user=creator, work=work, fields=work_fields_of(work))
    assert not _inbox(late)
