"""Blocking: the rules in accounts/services.py and what a block refuses in the
works services (gifts and co-creator invitations)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from chapterhouse.accounts import selectors, services
from chapterhouse.accounts.models import Block
from chapterhouse.tags.fixed import GENERAL, NO_WARNINGS_APPLY
from chapterhouse.works.models import Creatorship, Gift, Work
from chapterhouse.works.services import creators, posting
from chapterhouse.works.services.posting import WorkFields
from chapterhouse.works.services.tagging import TagChoice
from chapterhouse.works.tests.factories import WorkFactory

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def fields(**kwargs) -> WorkFields:
    base = dict(
        title="Lanterns for the Ferry",
        tags=TagChoice(rating=GENERAL, warnings=[NO_WARNINGS_APPLY], fandoms="Tidewatch"),
        content="The ferry left at dusk with every lantern lit.",
    )
    base.update(kwargs)
    return WorkFields(**base)


# --- block_create / block_delete -------------------------------------------


def test_block_then_unblock(user, other_user):
    block = services.block_create(blocker=user, blocked=other_user)
    assert block.blocker == user and block.blocked == other_user
    assert selectors.is_blocked(blocker=user, blocked=other_user)
    assert not selectors.is_blocked(blocker=other_user, blocked=user)
    assert services.block_delete(blocker=user, blocked=other_user) is True
    assert not selectors.is_blocked(blocker=user, blocked=other_user)


def test_unblocking_someone_not_blocked_changes_nothing(user, other_user):
    assert services.block_delete(blocker=user, blocked=other_user) is False


def test_blocking_twice_keeps_one_block(user, other_user):
    first = services.block_create(blocker=user, blocked=other_user)
    second = services.block_create(blocker=user, blocked=other_user)
    assert first.pk == second.pk
    assert Block.objects.count() == 1


def test_you_cannot_block_yourself(user):
    with pytest.raises(ValidationError, match="You can't block yourself"):
        services.block_create(blocker=user, blocked=user)
    assert not Block.objects.exists()


def test_site_administrators_cannot_be_blocked(user):
    admin = UserFactory(username="harbour_admin", is_staff=True)
    with pytest.raises(ValidationError, match="administrators can't be blocked"):
        services.block_create(blocker=user, blocked=admin)
    assert not Block.objects.exists()


def test_guest_cannot_block(other_user):
    with pytest.raises(PermissionDenied):
        services.block_create(blocker=AnonymousUser(), blocked=other_user)


def test_block_limit_is_enforced_with_a_clear_message(user, other_user, monkeypatch):
    monkeypatch.setattr(services, "BLOCK_LIMIT", 2)
    first, second = UserFactory(), UserFactory()
    services.block_create(blocker=user, blocked=first)
    services.block_create(blocker=user, blocked=second)
    with pytest.raises(ValidationError) as caught:
        services.block_create(blocker=user, blocked=other_user)
    assert "You have blocked 2 users, the most you can" in caught.value.messages[0]
    # Blocking again someone already blocked is still fine at the limit.
    services.block_create(blocker=user, blocked=first)
    services.block_delete(blocker=user, blocked=first)
    services.block_create(blocker=user, blocked=other_user)
    assert Block.objects.filter(blocker=user).count() == 2


def test_the_limit_is_two_thousand():
    assert services.BLOCK_LIMIT == 2000


def test_blocks_listed_by_name(user):
    services.block_create(blocker=user, blocked=UserFactory(username="zinnia"))
    services.block_create(blocker=user, blocked=UserFactory(username="Bramble"))
    assert [b.blocked.username for b in selectors.blocks_of(user)] == ["Bramble", "zinnia"]


def test_block_state_for_buttons(user, other_user):
    assert not selectors.block_state(viewer=AnonymousUser(), person=user).shown
    assert not selectors.block_state(viewer=user, person=user).shown
    admin = UserFactory(is_superuser=True)
    assert not selectors.block_state(viewer=user, person=admin).shown
    state = selectors.block_state(viewer=user, person=other_user)
    assert state.shown and state.block is None
    block = services.block_create(blocker=user, blocked=other_user)
    assert selectors.block_state(viewer=user, person=other_user).block == block


# --- gifts -----------------------------------------------------------------


def test_blocked_user_cannot_give_the_blocker_a_gift(user, other_user):
    services.block_create(blocker=other_user, blocked=user)
    with pytest.raises(ValidationError) as caught:
        posting.work_create(user=user, fields=fields(gifts="mireille_test"), post=True)
    assert caught.value.message_dict["gifts"] == ["You can't give a gift to mireille_test."]
    assert not Work.objects.exists()


def test_a_gift_refused_by_a_block_reads_like_one_refused_by_preference(user, other_user):
    """The giver can't tell a block from a recipient who takes no gifts."""
    closed = UserFactory(username="closed_test")
    closed.preference.allow_gifts = False
    closed.preference.save()
    services.block_create(blocker=other_user, blocked=user)
    answers = []
    for name in ("closed_test", "mireille_test"):
        with pytest.raises(ValidationError) as caught:
            posting.work_create(user=user, fields=fields(gifts=name))
        answers.append(caught.value.message_dict["gifts"][0].replace(name, "NAME"))
    assert answers[0] == answers[1] == "You can't give a gift to NAME."


def test_gift_by_pseud_name_is_refused_too(user, other_user):
    pseud = other_user.pseuds.create(name="Tidecaller")
    services.block_create(blocker=other_user, blocked=user)
    with pytest.raises(ValidationError) as caught:
        posting.work_create(user=user, fields=fields(gifts=pseud.name))
    assert caught.value.message_dict["gifts"] == ["You can't give a gift to Tidecaller."]


def test_blocked_user_cannot_add_the_blocker_as_recipient_when_editing(user, other_user):
    work = posting.work_create(user=user, fields=fields(), post=True)
    services.block_create(blocker=other_user, blocked=user)
    with pytest.raises(ValidationError) as caught:
        posting.work_update(user=user, work=work, fields=fields(gifts="mireille_test"))
    assert "You can't give a gift to mireille_test." in caught.value.message_dict["gifts"]
    assert not Gift.objects.exists()


def test_co_creator_of_a_blocked_user_cannot_gift_their_shared_work(user, other_user):
    cocreator = UserFactory(username="petrel_cocreator")
    work = posting.work_create(user=user, fields=fields(), post=True)
    Creatorship.objects.create(work=work, pseud=cocreator.pseuds.get(), accepted=True)
    services.block_create(blocker=other_user, blocked=user)
    with pytest.raises(ValidationError):
        posting.work_update(user=cocreator, work=work, fields=fields(gifts="mireille_test"))


def test_gift_given_before_the_block_stays_when_the_work_is_edited(user, other_user):
    work = posting.work_create(user=user, fields=fields(gifts="mireille_test"), post=True)
    services.block_create(blocker=other_user, blocked=user)
    posting.work_update(user=user, work=work, fields=posting.work_fields_of(work))
    assert Gift.objects.filter(work=work, recipient=other_user, refused=False).exists()


def test_blocking_the_other_way_does_not_stop_a_gift(user, other_user):
    services.block_create(blocker=user, blocked=other_user)
    work = posting.work_create(user=user, fields=fields(gifts="mireille_test"))
    assert work.gifts.get().recipient == other_user


def test_others_can_still_give_the_blocker_gifts(user, other_user):
    services.block_create(blocker=other_user, blocked=UserFactory())
    work = posting.work_create(user=user, fields=fields(gifts="mireille_test"))
    assert work.gifts.get().recipient == other_user


# --- co-creator invitations ------------------------------------------------


def test_blocked_user_cannot_invite_the_blocker(user, other_user):
    work = WorkFactory(creator=user)
    services.block_create(blocker=other_user, blocked=user)
    with pytest.raises(ValidationError) as caught:
        creators.creatorship_invite(actor=user, work=work, name="mireille_test")
    assert caught.value.message_dict["cocreators"] == [
        "You can't invite mireille_test to be a co-creator."
    ]
    assert not Creatorship.objects.filter(pseud__user=other_user).exists()


def test_an_invitation_refused_by_a_block_reads_like_one_refused_by_preference(
    user, other_user
):
    closed = UserFactory(username="closed_test")
    closed.preference.allow_cocreator = False
    closed.preference.save()
    services.block_create(blocker=other_user, blocked=user)
    work = WorkFactory(creator=user)
    answers = []
    for name in ("closed_test", "mireille_test"):
        with pytest.raises(ValidationError) as caught:
            creators.creatorship_invite(actor=user, work=work, name=name)
        answers.append(caught.value.message_dict["cocreators"][0].replace(name, "NAME"))
    assert answers[0] == answers[1] == "You can't invite NAME to be a co-creator."


def test_no_invitation_to_a_work_a_blocked_user_co_created(user, other_user):
    inviter = UserFactory(username="gull_inviter")
    work = WorkFactory(creator=inviter)
    Creatorship.objects.create(work=work, pseud=user.pseuds.get(), accepted=True)
    services.block_create(blocker=other_user, blocked=user)
    with pytest.raises(ValidationError):
        creators.creatorship_invite(actor=inviter, work=work, name="mireille_test")


def test_blocking_withdraws_pending_invitations_from_the_blocked_user(user, other_user):
    theirs = WorkFactory(creator=user)
    someone = UserFactory()
    elsewhere = WorkFactory(creator=someone)
    pending = creators.creatorship_invite(actor=user, work=theirs, name="mireille_test")
    kept = creators.creatorship_invite(actor=someone, work=elsewhere, name="mireille_test")
    services.block_create(blocker=other_user, blocked=user)
    assert not Creatorship.objects.filter(pk=pending.pk).exists()
    assert Creatorship.objects.filter(pk=kept.pk).exists()


def test_invitation_works_again_after_unblocking(user, other_user):
    work = WorkFactory(creator=user)
    services.block_create(blocker=other_user, blocked=user)
    services.block_delete(blocker=other_user, blocked=user)
    assert creators.creatorship_invite(actor=user, work=work, name="mireille_test") is not None
