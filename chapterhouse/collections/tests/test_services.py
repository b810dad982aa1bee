import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.collections import services
from chapterhouse.collections.models import Approval, CollectionItem, Role
from chapterhouse.works.models import Work
from chapterhouse.works.tests.factories import WorkFactory

from .factories import collection as make_collection

pytestmark = pytest.mark.django_db


def test_creator_of_a_collection_is_its_owner_and_texts_are_sanitised(user):
    fest = services.collection_create(
        user=user,
        name="tide_fest",
        title="Tide Fest",
        rules="<p>Be kind.</p><script>alert(1)</script>",
        intro="<b onclick='x()'>Hi</b>",
    )
    assert services.is_owner(user, fest)
    assert "script" not in fest.rules and "Be kind." in fest.rules
    assert "onclick" not in fest.intro


def test_collection_name_must_be_url_safe_and_unique(user):
    with pytest.raises(ValidationError):
        services.collection_create(user=user, name="tide fest/1", title="T")
    services.collection_create(user=user, name="tide", title="T")
    with pytest.raises(ValidationError):
        services.collection_create(user=user, name="tide", title="Other")


def test_only_owners_edit_and_add_maintainers(user, other_user):
    fest = make_collection(owner=user)
    with pytest.raises(PermissionDenied):
        services.collection_edit(user=other_user, collection=fest, title="Mine now")
    services.maintainer_add(user=user, collection=fest, username=other_user.username)
    assert services.is_maintainer(other_user, fest)
    # A moderator is not an owner.
    with pytest.raises(PermissionDenied):
        services.collection_edit(user=other_user, collection=fest, title="Mine now")
    with pytest.raises(PermissionDenied):
        services.maintainer_add(user=other_user, collection=fest, username="x", role=Role.OWNER)


def test_subcollection_needs_a_parent_the_user_maintains(user, other_user):
    make_collection(owner=user, name="big_fest")
    with pytest.raises(ValidationError):
        services.collection_create(user=other_user, name="small", title="S", parent_name="big_fest")
    child = services.collection_create(user=user, name="small", title="S", parent_name="big_fest")
    assert child.parent.name == "big_fest"


def test_creator_adds_work_to_open_collection(creator, work):
    fest = make_collection()
    result = services.collection_items_add(user=creator, work=work, names="salt_fest")
    assert result.added == [fest] and not result.errors
    assert result.notice == "Added to collection(s): Salt Fest."
    item = CollectionItem.objects.get(work=work)
    assert item.approved


def test_adding_reports_each_refusal_in_ao3s_words(creator, work):
    make_collection(name="salt_fest", title="Salt Fest")
    make_collection(name="closed_fest", title="Closed Fest", is_open=False)
    services.collection_items_add(user=creator, work=work, names="salt_fest")
    result = services.collection_items_add(
        user=creator, work=work, names=" salt_fest, nowhere ,closed_fest"
    )
    assert result.errors == [
        "Salt Fest, because this item has already been submitted.",
        "nowhere, because we couldn't find a collection with that name.",
        "Closed Fest is closed to new submissions.",
    ]
    assert not result.notice


def test_stranger_cannot_add_someone_elses_work(reader, work):
    make_collection()
    result = services.collection_items_add(user=reader, work=work, names="salt_fest")
    assert result.errors and not CollectionItem.objects.filter(work=work).exists()


def test_moderated_collection_waits_for_a_maintainer(creator, work, user):
    fest = make_collection(owner=user, moderated=True)
    result = services.collection_items_add(user=creator, work=work, names="salt_fest")
    assert result.submitted == [fest]
    item = CollectionItem.objects.get(work=work)
    assert item.collection_approval == Approval.PENDING
    with pytest.raises(PermissionDenied):
        services.collection_item_review(user=creator, item=item, approval=Approval.APPROVED)
    services.collection_item_review(user=user, item=item, approval=Approval.APPROVED)
    item.refresh_from_db()
    assert item.approved


def test_maintainer_invites_and_creator_accepts(creator, work, user):
    fest = make_collection(owner=user, unrevealed=True)
    result = services.collection_items_add(user=user, work=work, names="salt_fest")
    assert result.invited == [fest]
    item = CollectionItem.objects.get(work=work)
    assert item.user_approval == Approval.PENDING
    # An invitation the creator has not accepted hides nothing of her work.
    work.refresh_from_db()
    assert not work.in_unrevealed_collection
    with pytest.raises(PermissionDenied):
        services.collection_item_respond(user=user, item=item, approval=Approval.APPROVED)
    services.collection_item_respond(user=creator, item=item, approval=Approval.APPROVED)
    item.refresh_from_db()
    work.refresh_from_db()
    assert item.approved and work.in_unrevealed_collection


def test_anonymous_collection_hides_creator_until_revealed_and_keeps_her_choice(creator, user):
    fest = make_collection(owner=user, anonymous=True, unrevealed=True)
    mine = WorkFactory(creator=creator)
    own_choice = WorkFactory(creator=creator, anonymous=True, anonymous_by_creator=True)
    for w in (mine, own_choice):
        services.collection_items_add(user=creator, work=w, names="salt_fest")
    mine.refresh_from_db()
    assert mine.anonymous and mine.in_unrevealed_collection
    services.collection_reveal(user=user, collection=fest)
    mine.refresh_from_db()
    own_choice.refresh_from_db()
    assert not mine.anonymous and not mine.in_unrevealed_collection
    assert own_choice.anonymous


def test_only_maintainers_reveal(creator, user):
    fest = make_collection(owner=user, unrevealed=True)
    with pytest.raises(PermissionDenied):
        services.collection_reveal(user=creator, collection=fest)


def test_reveal_date_reveals_by_itself_once(creator, work, user):
    soon = timezone.now() + datetime.timedelta(days=2)
    fest = make_collection(owner=user, unrevealed=True, anonymous=True, reveal_at=soon)
    services.collection_items_add(user=creator, work=work, names="salt_fest")
    assert services.collections_reveal_due() == 0
    assert Work.objects.get(pk=work.pk).in_unrevealed_collection
    later = soon + datetime.timedelta(minutes=1)
    assert services.collections_reveal_due(now=later) == 1
    assert services.collections_reveal_due(now=later) == 0
    fest.refresh_from_db()
    work.refresh_from_db()
    assert not fest.unrevealed and not fest.anonymous and fest.revealed_at == later
    assert not work.in_unrevealed_collection and not work.anonymous


def test_removing_the_item_reveals_the_work(creator, work, user):
    make_collection(owner=user, unrevealed=True)
    services.collection_items_add(user=creator, work=work, names="salt_fest")
    item = CollectionItem.objects.get(work=work)
    with pytest.raises(PermissionDenied):
        services.collection_item_remove(user=UserFactory(), item=item)
    services.collection_item_remove(user=creator, item=item)
    work.refresh_from_db()
    assert not work.in_unrevealed_collection


def test_editing_the_work_keeps_the_collection_anonymity(creator, work, user):
    from chapterhouse.works.services import posting

    make_collection(owner=user, anonymous=True)
    services.collection_items_add(user=creator, work=work, names="salt_fest")
    fields = posting.work_fields_of(Work.objects.get(pk=work.pk))
    assert fields.anonymous is False  # her own choice, not the collection's
    posting.work_update(user=creator, work=work, fields=fields)
    work.refresh_from_db()
    assert work.anonymous and not work.anonymous_by_creator


def _posting_fields(**kwargs):
    from chapterhouse.tags.fixed import GENERAL, NO_WARNINGS_APPLY
    from chapterhouse.works.services.posting import WorkFields
    from chapterhouse.works.services.tagging import TagChoice

    return WorkFields(
        title="Tidewater Secret",
        content="<p>The lamp burned all night.</p>",
        tags=TagChoice(rating=GENERAL, warnings=[NO_WARNINGS_APPLY], fandoms="Tidewatch"),
        **kwargs,
    )


@pytest.mark.parametrize("hiding", [{"unrevealed": True}, {"anonymous": True}])
def test_posting_into_a_hiding_collection_tells_no_creator_subscriber(
    creator, reader, user, hiding
):
    from chapterhouse.responses.models import InboxItem
    from chapterhouse.responses.services.subscriptions import subscription_create
    from chapterhouse.works.services.posting import work_create

    make_collection(owner=user, **hiding)
    subscription_create(user=reader, creator=creator)
    work = work_create(
        user=creator, fields=_posting_fields(collection_names="salt_fest"), post=True
    )
    assert work.collections_added.added
    assert not InboxItem.objects.filter(user=reader).exists()
    # Without the collection she is told, as before.
    work_create(user=creator, fields=_posting_fields(), post=True)
    assert InboxItem.objects.filter(user=reader).count() == 1


def test_gift_recipient_is_told_when_the_work_is_revealed_not_before(creator, user):
    from chapterhouse.responses.models import Notification, NotificationKind
    from chapterhouse.works.services.posting import work_create

    fest = make_collection(owner=user, unrevealed=True)
    recipient = UserFactory(username="gift_receiver")
    work_create(
        user=creator,
        fields=_posting_fields(collection_names="salt_fest", gifts="gift_receiver"),
        post=True,
    )
    gifts = Notification.objects.filter(user=recipient, kind=NotificationKind.GIFT)
    assert not gifts.exists()
    services.collection_reveal(user=user, collection=fest)
    assert gifts.count() == 1
