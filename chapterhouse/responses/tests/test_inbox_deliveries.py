"""News this feature delivers for others: corrections, new works in
something a reader follows, co-creator invitations and gifts."""

import pytest

from chapterhouse.accounts.models import Preference
from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.discovery import services as discovery
from chapterhouse.discovery.models import FilterNotification
from chapterhouse.discovery.notifications import filter_notifications_run
from chapterhouse.responses.models import InboxItem, InboxKind, Notification, NotificationKind
from chapterhouse.responses.services.mail import gifts_mail_record, mail_send
from chapterhouse.tags.models import Tag, TagType
from chapterhouse.tags.services.filters import work_filter_tags_refresh
from chapterhouse.works.models import Gift, Work
from chapterhouse.works.services.corrections import (
    correction_accept,
    correction_dismiss,
    correction_propose,
)
from chapterhouse.works.services.creators import creatorship_invite
from chapterhouse.works.services.posting import work_post
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

TEXT = "<p>The the lamp burned all night.</p>"


@pytest.fixture
def chapter(work):
    chapter = work.chapters.get()
    chapter.content = TEXT
    chapter.save()
    return chapter


def propose(reader, chapter):
    return correction_propose(reader=reader, chapter=chapter, passage="The the lamp",
                              replacement="The lamp", message="double word")


def test_a_proposed_correction_reaches_every_creator_once(creator, reader, work, chapter):
    partner = UserFactory(username="partner_pen")
    work.creatorships.create(pseud=partner.pseuds.get(), accepted=True, position=1)
    correction = propose(reader, chapter)
    items = InboxItem.objects.filter(kind=InboxKind.CORRECTION).order_by("user_id")
    assert [(i.user, i.key) for i in items] == [
        (creator, f"correction:{correction.pk}:to:{creator.pk}"),
        (partner, f"correction:{correction.pk}:to:{partner.pk}"),
    ]
    assert items[0].text == "ashby_reader suggested a correction to The Salt Road."
    assert items[0].correction == correction and items[0].work == work


def test_the_reader_hears_when_her_correction_is_accepted(creator, reader, chapter):
    correction = propose(reader, chapter)
    correction_accept(user=creator, correction=correction)
    item = InboxItem.objects.get(user=reader)
    assert item.key == f"correction:{correction.pk}:to:{reader.pk}"
    assert "was accepted" in item.text


def test_the_reader_hears_when_her_correction_is_dismissed(creator, reader, chapter):
    correction = propose(reader, chapter)
    correction_dismiss(user=creator, correction=correction)
    assert "was declined" in InboxItem.objects.get(user=reader).text


def test_correction_entry_in_the_creators_inbox_links_the_review_page(
    creator, creator_client, reader, work, chapter
):
    propose(reader, chapter)
    response = creator_client.get(f"/users/{creator.username}/inbox")
    assert f'href="/works/{work.pk}/corrections"'.encode() in response.content
    assert b"ashby_reader" in response.content


@pytest.fixture
def fandom(db):
    return Tag.objects.create(name="Lighthouse Keepers", type=TagType.FANDOM, canonical=True)


def post_work(creator, **fields) -> Work:
    draft = WorkFactory(creator=creator, posted=False, fandom="Lighthouse Keepers", **fields)
    work_filter_tags_refresh(work_ids=[draft.pk])
    return work_post(user=creator, work=draft)


def test_a_new_work_in_a_followed_tag_reaches_the_inbox_and_mail(
    creator, reader, fandom, mailoutbox
):
    discovery.filter_subscribe(user=reader, tag=fandom)
    work = post_work(creator, title="Fresh Tide")
    filter_notifications_run()
    item = InboxItem.objects.get(user=reader, kind=InboxKind.FILTER)
    assert item.work == work
    assert "Lighthouse Keepers" in item.text and "Fresh Tide" in item.text
    assert FilterNotification.objects.get(user=reader).delivered_at is not None
    note = Notification.objects.get(user=reader, kind=NotificationKind.FILTER)
    assert note.payload["work_id"] == work.pk
    assert mail_send(notification_id=note.pk) == "sent"
    assert "Fresh Tide" in mailoutbox[0].body
    # Running again delivers nothing twice.
    filter_notifications_run()
    assert InboxItem.objects.filter(user=reader).count() == 1
    assert Notification.objects.filter(user=reader).count() == 1


def test_no_filter_mail_when_subscription_mail_is_off(creator, reader, fandom):
    Preference.objects.filter(user=reader).update(subscription_emails_off=True)
    discovery.filter_subscribe(user=reader, tag=fandom)
    post_work(creator)
    filter_notifications_run()
    assert InboxItem.objects.filter(user=reader, kind=InboxKind.FILTER).exists()
    assert not Notification.objects.filter(user=reader).exists()


def test_a_work_hidden_before_delivery_is_not_delivered(creator, reader, fandom):
    from chapterhouse.discovery.notifications import filter_notifications_deliver

    discovery.filter_subscribe(user=reader, tag=fandom)
    work = post_work(creator)
    filter_notifications_run()
    InboxItem.objects.all().delete()
    Notification.objects.all().delete()
    FilterNotification.objects.update(delivered_at=None)
    Work.objects.filter(pk=work.pk).update(hidden_by_admin=True)
    assert filter_notifications_deliver() == 1
    assert not InboxItem.objects.filter(user=reader).exists()
    assert not Notification.objects.filter(user=reader).exists()
    assert FilterNotification.objects.get(user=reader).delivered_at is not None


def test_a_cocreator_invitation_is_mailed(creator, reader, work, mailoutbox):
    creatorship = creatorship_invite(actor=creator, work=work, name=reader.username)
    note = Notification.objects.get(user=reader, kind=NotificationKind.COCREATOR)
    assert note.key == f"cocreator:{creatorship.pk}"
    assert mail_send(notification_id=note.pk) == "sent"
    message = mailoutbox[0]
    assert "wren_writer invited your pseud ashby_reader" in message.body
    assert f"/users/{reader.username}/creatorships" in message.body


def test_an_invitation_answered_before_sending_is_not_mailed(creator, reader, work, mailoutbox):
    creatorship = creatorship_invite(actor=creator, work=work, name=reader.username)
    creatorship.delete()
    note = Notification.objects.get(user=reader, kind=NotificationKind.COCREATOR)
    assert mail_send(notification_id=note.pk).startswith("skipped")
    assert mailoutbox == []


def test_a_gift_is_mailed_once_the_work_is_posted(creator, reader, mailoutbox):
    draft = WorkFactory(creator=creator, posted=False, title="For You")
    Gift.objects.create(work=draft, recipient=reader)
    assert gifts_mail_record(work=draft) == 0
    assert not Notification.objects.filter(kind=NotificationKind.GIFT).exists()
    work = work_post(user=creator, work=draft)  # posting records the gift mail
    assert Notification.objects.filter(kind=NotificationKind.GIFT).count() == 1
    assert gifts_mail_record(work=work) == 0
    note = Notification.objects.get(user=reader, kind=NotificationKind.GIFT)
    assert mail_send(notification_id=note.pk) == "sent"
    assert "wren_writer gave you a work: For You" in mailoutbox[0].body


def test_an_anonymous_gift_does_not_name_its_creator(creator, reader, mailoutbox):
    work = WorkFactory(creator=creator, anonymous=True, title="Unsigned")
    Gift.objects.create(work=work, recipient=reader)
    gifts_mail_record(work=work)
    mail_send(notification_id=Notification.objects.get(user=reader).pk)
    assert "wren_writer" not in mailoutbox[0].body
    assert "wren_writer" not in mailoutbox[0].alternatives[0][0]
    assert "Anonymous gave you a work: Unsigned" in mailoutbox[0].body


def test_a_refused_gift_is_not_mailed(creator, reader, mailoutbox):
    work = WorkFactory(creator=creator)
    gift = Gift.objects.create(work=work, recipient=reader)
    gifts_mail_record(work=work)
    gift.refused = True
    gift.save()
    assert mail_send(notification_id=Notification.objects.get(user=reader).pk).startswith(
        "skipped"
    )
    assert mailoutbox == []
