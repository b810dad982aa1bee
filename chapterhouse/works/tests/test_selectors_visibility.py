"""The one door for privacy, asked directly."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.works.models import Chapter, Creatorship
from chapterhouse.works.selectors.visibility import (
    can_view_work,
    chapters_visible_to,
    is_creator,
    work_needs_login,
    works_visible_to,
)
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

GUEST = AnonymousUser()


def test_guests_see_posted_public_works_only():
    public = WorkFactory()
    WorkFactory(restricted=True)
    WorkFactory(posted=False)
    WorkFactory(hidden_by_admin=True)
    assert list(works_visible_to(GUEST)) == [public]


def test_signed_in_readers_also_see_restricted_works(user):
    public, restricted = WorkFactory(), WorkFactory(restricted=True)
    WorkFactory(posted=False)
    assert set(works_visible_to(user)) == {public, restricted}


def test_creators_see_their_drafts_and_hidden_works_but_invitees_do_not(user, other_user):
    draft = WorkFactory(creator=user, posted=False)
    hidden = WorkFactory(creator=user, hidden_by_admin=True)
    Creatorship.objects.create(work=draft, pseud=other_user.pseuds.get(), accepted=False)
    assert set(works_visible_to(user)) == {draft, hidden}
    assert is_creator(user, draft) and not is_creator(other_user, draft)
    assert not can_view_work(other_user, draft)


def test_admins_see_hidden_works_but_not_drafts():
    admin = UserFactory(is_staff=True)
    hidden = WorkFactory(hidden_by_admin=True)
    WorkFactory(posted=False)
    assert list(works_visible_to(admin)) == [hidden]


def test_scheduled_chapters_appear_when_their_time_comes(user):
    work = WorkFactory(creator=user, chapters=3)
    now = timezone.now()
    Chapter.objects.filter(work=work, position=2).update(
        posted=False, scheduled_for=now - datetime.timedelta(minutes=1)
    )
    Chapter.objects.filter(work=work, position=3).update(
        posted=False, scheduled_for=now + datetime.timedelta(hours=1)
    )
    assert [c.position for c in chapters_visible_to(GUEST, work)] == [1, 2]
    assert [c.position for c in chapters_visible_to(user, work)] == [1, 2, 3]


def test_only_guests_are_asked_to_log_in_and_only_for_restricted_posted_works(user):
    restricted = WorkFactory(restricted=True)
    hidden = WorkFactory(restricted=True, hidden_by_admin=True)
    draft = WorkFactory(restricted=True, posted=False)
    assert work_needs_login(GUEST, restricted.pk)
    assert not work_needs_login(GUEST, hidden.pk)
    assert not work_needs_login(GUEST, draft.pk)
    assert not work_needs_login(user, restricted.pk)
    assert not work_needs_login(GUEST, 999999)
