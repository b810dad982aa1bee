import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chapterhouse.accounts import services as account_services
from chapterhouse.accounts.tests.factories import PASSWORD
from chapterhouse.works.models import Creatorship, Series, Work
from chapterhouse.works.selectors.visibility import is_creator
from chapterhouse.works.services import creators
from chapterhouse.works.tests.factories import WorkFactory, add_to_series

pytestmark = pytest.mark.django_db


def test_invitation_must_be_accepted(user, other_user):
    work = WorkFactory(creator=user)
    invitation = creators.creatorship_invite(actor=user, work=work, name="mireille_test")
    assert not invitation.accepted and not is_creator(other_user, work)
    assert list(creators.creatorships_pending_for(other_user)) == [invitation]
    with pytest.raises(PermissionDenied):
        creators.creatorship_accept(user=user, creatorship=invitation)
    creators.creatorship_accept(user=other_user, creatorship=invitation)
    assert is_creator(other_user, work)


def test_declining_removes_the_invitation(user, other_user):
    work = WorkFactory(creator=user)
    invitation = creators.creatorship_invite(actor=user, work=work, name="mireille_test")
    creators.creatorship_decline(user=other_user, creatorship=invitation)
    assert not Creatorship.objects.filter(pk=invitation.pk).exists()


def test_invitee_who_refuses_invitations_is_refused_with_a_message(user, other_user):
    other_user.preference.allow_cocreator = False
    other_user.preference.save()
    with pytest.raises(ValidationError) as caught:
        creators.creatorship_invite(actor=user, work=WorkFactory(creator=user),
                                    name="mireille_test")
    assert caught.value.message_dict["cocreators"] == [
        "You can't invite mireille_test to be a co-creator."
    ]


def test_invite_by_pseud_and_unknown_names(user, other_user):
    pseud = other_user.pseuds.create(name="Gull")
    work = WorkFactory(creator=user)
    assert creators.creatorship_invite(actor=user, work=work,
                                       name="Gull (mireille_test)").pseud == pseud
    with pytest.raises(ValidationError):
        creators.creatorship_invite(actor=user, work=work, name="nobody_here")
    with pytest.raises(PermissionDenied):
        creators.creatorship_invite(actor=other_user, work=WorkFactory(), name="rowan_test")


def test_orphaning_moves_credit_to_orphan_account(user, other_user):
    work = WorkFactory(creator=user)
    series = add_to_series(work)
    with pytest.raises(PermissionDenied):
        creators.work_orphan(user=other_user, work=work)
    creators.work_orphan(user=user, work=work)
    assert not is_creator(user, work)
    credited = work.creatorships.get().pseud
    assert (credited.name, credited.user.username) == ("orphan_account", "orphan_account")
    assert list(series.creators.all()) == [credited]
    # The orphan account is made once.
    creators.work_orphan(user=other_user, work=WorkFactory(creator=other_user))
    assert Work.objects.filter(creatorships__pseud=credited).count() == 2


def test_account_deletion_orphan_choice(user):
    work = WorkFactory(creator=user)
    account_services.account_delete(user=user, password=PASSWORD, works_choice="orphan")
    assert Work.objects.filter(pk=work.pk).exists()
    assert work.creatorships.get().pseud.user.username == "orphan_account"


def test_account_deletion_delete_choice_keeps_cocreated_works(user, other_user):
    alone = WorkFactory(creator=user)
    shared = WorkFactory(creator=user)
    Creatorship.objects.create(work=shared, pseud=other_user.pseuds.get(), accepted=True)
    invited = WorkFactory(creator=other_user)
    Creatorship.objects.create(work=invited, pseud=user.pseuds.get(), accepted=False)
    account_services.account_delete(user=user, password=PASSWORD, works_choice="delete")
    assert not Work.objects.filter(pk=alone.pk).exists()
    assert Work.objects.filter(pk=shared.pk).exists()
    assert [c.pseud.user for c in shared.creatorships.all()] == [other_user]
    assert Work.objects.filter(pk=invited.pk).exists()


def test_pseud_deletion_moves_works_and_series(user):
    pen = user.pseuds.create(name="Lantern")
    work = WorkFactory(creator=pen)
    series = add_to_series(work)
    both = WorkFactory(creator=user)
    Creatorship.objects.create(work=both, pseud=pen, accepted=True)
    account_services.pseud_delete(actor=user, pseud=pen)
    default = user.pseuds.get(is_default=True)
    assert work.creatorships.get().pseud == default
    assert both.creatorships.get().pseud == default
    assert list(Series.objects.get(pk=series.pk).creators.all()) == [default]


def test_other_user_invite_self_refused(user):
    with pytest.raises(ValidationError):
        creators.creatorship_invite(actor=user, work=WorkFactory(creator=user),
                                    name="rowan_test")

