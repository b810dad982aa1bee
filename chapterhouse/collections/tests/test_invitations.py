"""A maintainer's invitation reaches the work's creators by inbox and mail,
once; an answered invitation sends no mail."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.collections import services
from chapterhouse.collections.models import Approval, CollectionItem
from chapterhouse.responses.models import InboxItem, Notification
from chapterhouse.responses.services.mail import mail_outbox_send
from chapterhouse.works.tests.factories import WorkFactory

from .factories import collection as make_collection

pytestmark = pytest.mark.django_db


def _verified(*users):
    for user in users:
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"primary": True, "verified": True}
        )


def test_invited_creator_is_told_by_inbox_and_mail(creator, mailoutbox):
    owner = UserFactory(username="harbour_owner")
    fest = make_collection(owner=owner)
    work = WorkFactory(creator=creator, title="The Salt Road")
    _verified(creator, owner)
    result = services.collection_items_add(user=owner, work=work, names="salt_fest")
    assert result.invited == [fest]
    (item,) = InboxItem.objects.filter(user=creator, kind="invitation")
    assert item.work == work
    assert "The Salt Road" in item.text and "Salt Fest" in item.text
    assert not InboxItem.objects.filter(user=owner).exists()
    client = Client()
    client.force_login(creator, backend="django.contrib.auth.backends.ModelBackend")
    inbox = client.get(f"/users/{creator.username}/inbox").content.decode()
    assert "Invitation to a collection" in inbox and "The Salt Road" in inbox
    mail_outbox_send()
    (mail,) = [m for m in mailoutbox if creator.email in m.to]
    assert mail.subject.endswith("Invitation to Salt Fest: The Salt Road")
    assert "harbour_owner invited your work The Salt Road to the collection Salt Fest." in (
        mail.body
    )
    assert f"/users/{creator.username}/collection_items" in mail.body
    assert not [m for m in mailoutbox if owner.email in m.to]
    # A creator adding her own work is told nothing.
    make_collection(owner=owner, name="brine_fest", title="Brine Fest")
    services.collection_items_add(user=creator, work=work, names="brine_fest")
    assert InboxItem.objects.filter(user=creator, kind="invitation").count() == 1
    assert Notification.objects.filter(user=creator, kind="invitation").count() == 1


def test_an_invitation_answered_before_the_mail_goes_sends_none(creator, mailoutbox):
    owner = UserFactory(username="harbour_owner")
    make_collection(owner=owner)
    work = WorkFactory(creator=creator)
    _verified(creator)
    services.collection_items_add(user=owner, work=work, names="salt_fest")
    # The mail is recorded, and composed only when it is sent.
    assert Notification.objects.filter(user=creator, kind="invitation").count() == 1
    item = CollectionItem.objects.get(work=work)
    services.collection_item_respond(user=creator, item=item, approval=Approval.APPROVED)
    mail_outbox_send()
    assert mailoutbox == []
