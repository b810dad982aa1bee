"""Who is credited on a work: co-creator invitations, orphaning, and moving
credits when a pseud or an account goes away."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from chapterhouse.accounts import selectors as people
from chapterhouse.accounts.models import Pseud, User

from ..models import Creatorship, Series, Work
from ..selectors.visibility import is_creator

ORPHAN_USERNAME = "orphan_account"


def creator_required(*, user, work: Work) -> None:
    """Only accepted creators may change a work."""
    if not is_creator(user, work):
        raise PermissionDenied("Only the work's creators may change it.")


def orphan_pseud() -> Pseud:
    """The pseud ``orphan_account`` of the user ``orphan_account``, made on first use."""
    from chapterhouse.accounts.services import user_setup

    user, created = User.objects.get_or_create(
        username=ORPHAN_USERNAME, defaults={"email": ""}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user_setup(user=user)
    return people.default_pseud(user)


def pseud_find(name: str) -> Pseud | None:
    """A pseud named as people type it: ``user name``, ``pseud (user name)``, or a
    pseud name that only one account uses."""
    name = name.strip()
    match = re.fullmatch(r"(.+?)\s*\((.+)\)", name)
    if match:
        owner = people.user_by_name(match.group(2).strip())
        return people.pseud_by_name(owner, match.group(1).strip()) if owner else None
    owner = people.user_by_name(name)
    if owner is not None:
        return people.pseud_by_name(owner, name) or people.default_pseud(owner)
    found = list(Pseud.objects.filter(name__iexact=name, user__is_active=True)[:2])
    return found[0] if len(found) == 1 else None


def _series_of(work: Work):
    return Series.objects.filter(parts__work=work)


def creatorship_invite(*, actor: User, work: Work, name: str) -> Creatorship | None:
    """Invite the pseud called ``name`` to co-create ``work``. Returns None when
    they are already credited or invited."""
    creator_required(user=actor, work=work)
    pseud = pseud_find(name)
    if pseud is None:
        raise ValidationError({"cocreators": f"We couldn't find a user or pseud called {name}."})
    if pseud.user_id == actor.pk:
        raise ValidationError(
            {"cocreators": f"{pseud.name} is one of your own pseuds; you are already a creator."}
        )
    if Creatorship.objects.filter(work=work, pseud=pseud).exists():
        return None
    preference = people.preference_for(pseud.user)
    # Someone who takes no invitations and someone who has blocked the inviter
    # or a creator get the same answer: a block is never named.
    if (preference is not None and not preference.allow_cocreator) or people.has_blocked_any(
        blocker=pseud.user_id, users=[actor.pk, *creator_user_ids(work)]
    ):
        raise ValidationError(
            {"cocreators": f"You can't invite {pseud.name} to be a co-creator."}
        )
    position = work.creatorships.count()
    creatorship = Creatorship.objects.create(
        work=work, pseud=pseud, accepted=False, invited_by=actor, position=position
    )
    _tell_invitee(creatorship)
    return creatorship


def _tell_invitee(creatorship: Creatorship) -> None:
    """A mail to the invited user (sent after the transaction commits)."""
    from chapterhouse.responses.services.mail import cocreator_mail_record

    cocreator_mail_record(creatorship=creatorship)


def creator_user_ids(work: Work) -> list[int]:
    """The accounts credited on ``work`` (accepted creators only)."""
    return list(
        Creatorship.objects.filter(work=work, accepted=True).values_list("pseud__user_id",
                                                                         flat=True)
    )


def creatorship_invitations_withdraw(*, inviter: User, invitee: User) -> int:
    """Withdraw the invitations ``inviter`` sent ``invitee`` that wait for an
    answer (she has blocked him). Returns how many went."""
    deleted, _ = Creatorship.objects.filter(
        invited_by=inviter, pseud__user=invitee, accepted=False
    ).delete()
    return deleted


def _invitation_for(user: User, creatorship: Creatorship) -> None:
    if creatorship.pseud.user_id != user.pk:
        raise PermissionDenied("This invitation is for someone else.")
    if creatorship.accepted:
        raise ValidationError("You have already accepted this invitation.")


@transaction.atomic
def creatorship_accept(*, user: User, creatorship: Creatorship) -> Creatorship:
    _invitation_for(user, creatorship)
    creatorship.accepted = True
    creatorship.save(update_fields=["accepted"])
    for series in _series_of(creatorship.work):
        series.creators.add(creatorship.pseud)
    return creatorship


@transaction.atomic
def creatorship_decline(*, user: User, creatorship: Creatorship) -> None:
    _invitation_for(user, creatorship)
    creatorship.delete()


def creatorships_pending_for(user: User):
    """Invitations waiting for ``user`` (a read, kept beside its writes)."""
    return (
        Creatorship.objects.filter(pseud__user=user, accepted=False)
        .select_related("work", "pseud", "invited_by")
        .order_by("-created_at")
    )


def _move_creatorship(creatorship: Creatorship, pseud: Pseud) -> None:
    """Credit ``pseud`` instead of the creatorship's pseud (merging duplicates)."""
    if Creatorship.objects.filter(work_id=creatorship.work_id, pseud=pseud).exists():
        creatorship.delete()
    else:
        creatorship.pseud = pseud
        creatorship.save(update_fields=["pseud"])


def _replace_in_series(works, user: User, pseud: Pseud | None) -> None:
    for series in Series.objects.filter(parts__work__in=works).distinct():
        mine = list(series.creators.filter(user=user))
        if mine:
            series.creators.remove(*mine)
            if pseud is not None:
                series.creators.add(pseud)


def _orphan_for(user: User, work: Work, pseud: Pseud) -> None:
    for creatorship in list(Creatorship.objects.filter(work=work, pseud__user=user)):
        if creatorship.accepted:
            _move_creatorship(creatorship, pseud)
        else:
            creatorship.delete()
    _replace_in_series([work], user, pseud)


@transaction.atomic
def work_orphan(*, user: User, work: Work) -> Work:
    """Give ``user``'s credit on ``work`` to the archive's orphan account."""
    creator_required(user=user, work=work)
    _orphan_for(user, work, orphan_pseud())
    return work


def works_of(user: User):
    return Work.objects.filter(creatorships__pseud__user=user).distinct()


@transaction.atomic
def account_works_orphan(*, user: User) -> None:
    """Orphan every work ``user`` is credited on (account deletion)."""
    pseud = orphan_pseud()
    for work in works_of(user):
        _orphan_for(user, work, pseud)


@transaction.atomic
def account_works_delete(*, user: User) -> None:
    """Delete the works only ``user`` created; leave co-created ones to the others."""
    for work in works_of(user):
        others = Creatorship.objects.filter(work=work, accepted=True).exclude(pseud__user=user)
        if others.exists():
            Creatorship.objects.filter(work=work, pseud__user=user).delete()
            _replace_in_series([work], user, None)
        elif is_creator(user, work):
            work.delete()
        else:  # only a pending invitation
            Creatorship.objects.filter(work=work, pseud__user=user).delete()


@transaction.atomic
def pseud_credits_move(*, pseud: Pseud, replacement: Pseud) -> None:
    """Move what ``pseud`` is credited on to ``replacement`` (pseud deletion)."""
    for creatorship in list(Creatorship.objects.filter(pseud=pseud)):
        _move_creatorship(creatorship, replacement)
    for series in Series.objects.filter(creators=pseud):
        series.creators.remove(pseud)
        series.creators.add(replacement)
