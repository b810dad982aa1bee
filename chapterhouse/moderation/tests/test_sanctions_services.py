"""The sanction services: who may use them, what each does, the audit log,
and a spam-ban hiding everything its user made."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.moderation.guards import WriteRefused, may_write
from chapterhouse.moderation.models import AdminNote, AuditEntry, Sanction, SanctionKind
from chapterhouse.moderation.selectors.users import active_sanctions, user_overview
from chapterhouse.moderation.services import sanctions
from chapterhouse.responses.models import Bookmark, Comment
from chapterhouse.responses.services.bookmarks import bookmark_create
from chapterhouse.responses.services.comments import comment_create
from chapterhouse.works.models import Work
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

ACTIONS = {
    "warn": lambda actor, user: sanctions.user_warn(actor=actor, user=user, reason="Be kind."),
    "suspend": lambda actor, user: sanctions.user_suspend(actor=actor, user=user, days=3,
                                                          reason="Cool off."),
    "ban": lambda actor, user: sanctions.user_ban(actor=actor, user=user, reason="Abuse."),
    "spam_ban": lambda actor, user: sanctions.user_spam_ban(actor=actor, user=user,
                                                            reason="Spam links."),
}


@pytest.fixture
def abuse(make_admin):
    return make_admin("ada_abuse", "policy_abuse")


# Permissions per role ------------------------------------------------------------------


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("role", ["support", "wrangler"])
def test_support_and_wranglers_may_not_sanction(make_admin, reader, role, action):
    actor = make_admin(f"helper_{role}", role)
    with pytest.raises(PermissionDenied):
        ACTIONS[action](actor, reader)
    assert not Sanction.objects.exists() and not AuditEntry.objects.exists()


def test_ordinary_user_may_not_lift_or_note(reader, other_user):
    with pytest.raises(PermissionDenied):
        sanctions.user_unsuspend(actor=other_user, user=reader)
    with pytest.raises(PermissionDenied):
        sanctions.admin_note_add(actor=other_user, user=reader, text="Hm.")


@pytest.mark.parametrize("role", ["support", "policy_abuse", "superadmin"])
def test_support_and_abuse_may_add_notes(make_admin, reader, role):
    actor = make_admin(f"noter_{role}", role)
    note = sanctions.admin_note_add(actor=actor, user=reader, text="Asked about a rename.")
    assert note.author == actor
    entry = AuditEntry.objects.get()
    assert entry.action == "user.note" and entry.target_id == reader.pk
    assert entry.after["text"] == "Asked about a rename."


def test_wrangler_may_not_add_notes(make_admin, reader):
    with pytest.raises(PermissionDenied):
        sanctions.admin_note_add(actor=make_admin("tagger", "wrangler"), user=reader, text="x")
    assert not AdminNote.objects.exists()


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_policy_and_abuse_may_do_all_and_each_is_audited(abuse, reader, action):
    sanction = ACTIONS[action](abuse, reader)
    entry = AuditEntry.objects.get()
    assert entry.action == f"user.{action}"
    assert entry.actor == abuse and entry.actor_name == "ada_abuse"
    assert entry.target_type == "user" and entry.target_label == reader.username
    assert entry.before == {"state": "in good standing"}
    assert entry.reason == sanction.reason
    expected = {"warn": "in good standing", "suspend": "suspended", "ban": "banned",
                "spam_ban": "spam-banned"}[action]
    assert entry.after["state"] == expected


def test_unsuspend_is_audited_with_before_and_after(abuse, reader):
    sanctions.user_suspend(actor=abuse, user=reader, days=2, reason="Cool off.")
    sanctions.user_unsuspend(actor=abuse, user=reader, reason="Apologised.")
    entry = AuditEntry.objects.filter(action="user.unsuspend").get()
    assert entry.before["state"] == "suspended"
    assert entry.after["state"] == "in good standing"
    assert entry.reason == "Apologised."


# Rules -----------------------------------------------------------------------------


def test_reason_is_required(abuse, reader):
    with pytest.raises(ValidationError) as error:
        sanctions.user_ban(actor=abuse, user=reader, reason="   ")
    assert "reason" in error.value.message_dict
    assert not Sanction.objects.exists()


@pytest.mark.parametrize("days", [0, -1, "x", sanctions.MAX_SUSPENSION_DAYS + 1])
def test_suspension_needs_a_sensible_number_of_days(abuse, reader, days):
    with pytest.raises(ValidationError):
        sanctions.user_suspend(actor=abuse, user=reader, days=days, reason="Cool off.")


def test_admins_cannot_sanction_themselves_or_other_admins(abuse, make_admin):
    with pytest.raises(ValidationError):
        sanctions.user_ban(actor=abuse, user=abuse, reason="Oops.")
    with pytest.raises(ValidationError):
        sanctions.user_ban(actor=abuse, user=make_admin("sam_support", "support"), reason="No.")


def test_suspension_lasts_the_days_given_and_then_ends(abuse, reader):
    sanction = sanctions.user_suspend(actor=abuse, user=reader, days=7, reason="Cool off.")
    expected = timezone.now() + datetime.timedelta(days=7)
    assert abs((sanction.until - expected).total_seconds()) < 60
    with pytest.raises(WriteRefused):
        may_write(user=reader, action="comment")
    Sanction.objects.filter(pk=sanction.pk).update(
        until=timezone.now() - datetime.timedelta(seconds=1))
    may_write(user=reader, action="comment")
    assert active_sanctions(reader, fresh=True) == []


def test_a_ban_wins_over_a_suspension_in_the_message(abuse, reader):
    sanctions.user_suspend(actor=abuse, user=reader, days=7, reason="Cool off.")
    sanctions.user_ban(actor=abuse, user=reader, reason="Threats")
    with pytest.raises(WriteRefused) as refused:
        may_write(user=reader, action="post")
    assert refused.value.message == "Your account has been banned: Threats."


def test_unsuspend_lifts_every_suspension_and_ban(abuse, reader):
    sanctions.user_suspend(actor=abuse, user=reader, days=7, reason="Cool off.")
    sanctions.user_ban(actor=abuse, user=reader, reason="Threats.")
    assert sanctions.user_unsuspend(actor=abuse, user=reader) == 2
    may_write(user=reader, action="kudos")
    assert Sanction.objects.filter(lifted_by=abuse).count() == 2


def test_unsuspend_with_nothing_in_force_says_so(abuse, reader):
    with pytest.raises(ValidationError, match="no suspension or ban"):
        sanctions.user_unsuspend(actor=abuse, user=reader)
    assert not AuditEntry.objects.exists()


def test_warning_is_active_until_acknowledged_by_its_user(abuse, reader, other_user):
    warning = sanctions.user_warn(actor=abuse, user=reader, reason="Be kind.")
    assert active_sanctions(reader, fresh=True) == [warning]
    with pytest.raises(PermissionDenied):
        sanctions.warning_acknowledge(user=other_user, sanction=warning)
    sanctions.warning_acknowledge(user=reader, sanction=warning)
    assert active_sanctions(reader, fresh=True) == []


# Spam-ban ---------------------------------------------------------------------------


@pytest.fixture
def spammer_with_things(creator):
    spammer = UserFactory(username="cheap_pills")
    own = WorkFactory(creator=spammer, title="Buy Now Saga")
    target = WorkFactory(creator=creator, title="Quiet Harbour")
    comment_create(work=target, viewer=spammer, content="Visit my shop!")
    comment_create(work=own, viewer=spammer, content="Also here!")
    bookmark_create(user=spammer, pseud=spammer.pseuds.get(is_default=True), work=target,
                    notes="Great deals at my shop.")
    target.refresh_from_db()
    assert target.comment_count == 1 and target.bookmark_count == 1
    return spammer, own, target


def test_spam_ban_hides_everything_from_a_guest(abuse, spammer_with_things):
    spammer, own, target = spammer_with_things
    sanctions.user_spam_ban(actor=abuse, user=spammer, reason="Spam links.")
    guest = Client()
    assert guest.get(f"/works/{own.pk}").status_code == 404
    page = guest.get(f"/works/{target.pk}?show_comments=true").content.decode()
    assert "Visit my shop!" not in page
    assert "Great deals" not in guest.get(f"/works/{target.pk}/bookmarks").content.decode()
    target.refresh_from_db()
    assert target.comment_count == 0 and target.bookmark_count == 0
    assert Comment.objects.filter(user=spammer, spam=True, hidden_by_admin=True).count() == 2
    assert Bookmark.objects.get().hidden_by_admin
    entry = AuditEntry.objects.get(action="user.spam_ban")
    assert entry.after["works_hidden"] == [own.pk]
    assert len(entry.after["comments_hidden"]) == 2


def test_spam_ban_tells_the_search_index(abuse, spammer_with_things):
    from chapterhouse.discovery.models import OutboxEvent
    from chapterhouse.discovery.outbox import WORK_CHANGED

    spammer, own, _ = spammer_with_things
    OutboxEvent.objects.all().delete()
    sanctions.user_spam_ban(actor=abuse, user=spammer, reason="Spam links.")
    changed = {pk for event in OutboxEvent.objects.filter(topic=WORK_CHANGED)
               for pk in event.payload["work_ids"]}
    assert own.pk in changed


def test_lifting_a_spam_ban_does_not_unhide(abuse, spammer_with_things):
    spammer, own, _ = spammer_with_things
    sanctions.user_spam_ban(actor=abuse, user=spammer, reason="Spam links.")
    sanctions.user_unsuspend(actor=abuse, user=spammer, reason="Account recovered.")
    assert Work.objects.get(pk=own.pk).hidden_by_admin
    assert Comment.objects.filter(user=spammer, hidden_by_admin=False).count() == 0


def test_overview_counts_and_history(abuse, spammer_with_things):
    spammer, own, _ = spammer_with_things
    sanctions.admin_note_add(actor=abuse, user=spammer, text="Came from a link farm.")
    sanctions.user_spam_ban(actor=abuse, user=spammer, reason="Spam links.")
    overview = user_overview(spammer)
    assert (overview.work_count, overview.comment_count, overview.bookmark_count) == (1, 2, 1)
    assert overview.recent_works == [own]
    assert overview.in_force.kind == SanctionKind.SPAM_BAN
    assert [n.text for n in overview.notes] == ["Came from a link farm."]


@pytest.mark.parametrize("reason, sentence", [
    ("Threats", "Your account has been banned: Threats."),
    ("Threats.", "Your account has been banned: Threats."),
    ("Threats!", "Your account has been banned: Threats!"),
])
def test_refusal_reads_as_one_sentence(abuse, reader, reason, sentence):
    sanctions.user_ban(actor=abuse, user=reader, reason=reason)
    with pytest.raises(WriteRefused) as refused:
        may_write(user=reader, action="bookmark")
    assert refused.value.message == sentence
