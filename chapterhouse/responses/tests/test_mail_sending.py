"""Notification mail: what it says, whom it reaches, and that it is sent once."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from bs4 import BeautifulSoup
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from chapterhouse.accounts.models import Preference
from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.cli import QUICK_TASKS, _task
from chapterhouse.responses.models import Kudos, Notification, NotificationKind
from chapterhouse.responses.services.comments import comment_create
from chapterhouse.responses.services.digest import kudos_digest_due, kudos_digest_run
from chapterhouse.responses.services.mail import (
    mail_outbox_send,
    mail_send,
    mail_send_task,
    message_id_for,
)
from chapterhouse.responses.services.notify import mail_record
from chapterhouse.responses.services.tasks_runner import tasks_run_pending
from chapterhouse.works.models import Chapter, Work
from chapterhouse.works.tests.factories import WorkFactory, add_to_series

pytestmark = pytest.mark.django_db


def html_of(message):
    (html, mimetype), = message.alternatives
    assert mimetype == "text/html"
    return BeautifulSoup(html, "html.parser")


def record(user, kind, key="k1", **payload):
    return mail_record(user=user, kind=kind, key=key, payload=payload)


@pytest.fixture
def comment(work, reader):
    return comment_create(work=work, viewer=reader, content="<p>The storm & the <em>lamp</em>!</p>")


def test_comment_mail_has_both_parts_links_and_an_unsubscribe_link(
    creator, comment, mailoutbox, settings
):
    settings.SITE_URL = "https://archive.example"
    note = Notification.objects.get(user=creator, kind=NotificationKind.COMMENT)
    assert mail_send(notification_id=note.pk) == "sent"
    message, = mailoutbox
    assert message.to == [creator.email]
    assert "Comment on The Salt Road" in message.subject
    assert "ashby_reader left a comment on The Salt Road" in message.body
    assert "The storm & the lamp!" in message.body  # plain text, not escaped
    assert f"https://archive.example/comments/{comment.pk}" in message.body
    page = html_of(message)
    assert page.select_one("blockquote em").get_text() == "lamp"
    links = [a["href"] for a in page.select("a")]
    assert f"https://archive.example/comments/{comment.pk}" in links
    unsubscribe = [link for link in links if "/unsubscribe/" in link]
    assert unsubscribe and unsubscribe[0].startswith("https://archive.example/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe[0]}>"
    assert unsubscribe[0] in message.body


def test_unsubscribe_link_asks_first_then_switches_comment_mail_off(
    creator, comment, mailoutbox, client
):
    note = Notification.objects.get(user=creator, kind=NotificationKind.COMMENT)
    mail_send(notification_id=note.pk)
    link = html_of(mailoutbox[0]).select_one("a[href*='/unsubscribe/']")["href"]
    path = link.split("127.0.0.1:8000", 1)[-1]
    page = client.get(path)
    assert page.status_code == 200
    assert BeautifulSoup(page.content, "html.parser").select_one("form input[type=submit]")
    assert not Preference.objects.get(user=creator).comment_emails_off
    done = client.post(path)
    assert done.status_code == 200
    assert Preference.objects.get(user=creator).comment_emails_off


def test_a_forged_unsubscribe_link_changes_nothing(client, creator):
    response = client.post("/unsubscribe/not-a-real-token")
    assert response.status_code == 404
    assert not Preference.objects.get(user=creator).comment_emails_off


def test_switched_off_comment_mail_is_skipped(creator, comment, mailoutbox):
    Preference.objects.filter(user=creator).update(comment_emails_off=True)
    note = Notification.objects.filter(user=creator, kind=NotificationKind.COMMENT).first()
    if note is None:  # the comments service may already not record it
        note = record(creator, NotificationKind.COMMENT, comment_id=comment.pk)
    assert mail_send(notification_id=note.pk).startswith("skipped")
    note.refresh_from_db()
    assert note.skipped and note.sent_at is None
    assert mailoutbox == []


def test_no_mail_without_a_verified_primary_address(creator, comment, mailoutbox):
    EmailAddress.objects.filter(user=creator).update(verified=False)
    note = Notification.objects.get(user=creator, kind=NotificationKind.COMMENT)
    assert mail_send(notification_id=note.pk).startswith("skipped")
    assert mailoutbox == []


def test_the_task_run_twice_sends_one_mail(creator, comment, mailoutbox):
    note = Notification.objects.get(user=creator, kind=NotificationKind.COMMENT)
    mail_send_task.call(note.pk)
    mail_send_task.call(note.pk)
    assert len(mailoutbox) == 1
    note.refresh_from_db()
    assert note.sent_at is not None


def test_recording_the_same_key_twice_keeps_one_row(creator, work):
    assert record(creator, NotificationKind.GIFT, key="same", work_id=work.pk) is not None
    assert record(creator, NotificationKind.GIFT, key="same", work_id=work.pk) is None
    assert Notification.objects.filter(key="same").count() == 1


def test_no_mail_about_a_work_the_reader_can_no_longer_see(reader, mailoutbox):
    work = WorkFactory(title="Gone Quiet")
    note = record(reader, NotificationKind.FILTER, work_id=work.pk)
    Work.objects.filter(pk=work.pk).update(hidden_by_admin=True)
    assert mail_send(notification_id=note.pk).startswith("skipped")
    note.refresh_from_db()
    assert note.skipped
    assert mailoutbox == []


def test_restricted_work_mail_reaches_a_signed_up_reader(reader, mailoutbox):
    work = WorkFactory(title="Locked Door", restricted=True)
    note = record(reader, NotificationKind.FILTER, work_id=work.pk)
    assert mail_send(notification_id=note.pk) == "sent"
    assert "Locked Door" in mailoutbox[0].body


def test_subscription_mails_say_what_is_new(reader, creator, mailoutbox):
    work = WorkFactory(creator=creator, title="Salt & Sea", chapters=2)
    second = Chapter.objects.get(work=work, position=2)
    series = add_to_series(work)
    record(reader, NotificationKind.SUBSCRIPTION, key="a", work_id=work.pk, chapter_id=second.pk)
    record(reader, NotificationKind.SUBSCRIPTION, key="b", work_id=work.pk, creator_id=creator.pk)
    record(reader, NotificationKind.SUBSCRIPTION, key="c", work_id=work.pk, series_id=series.pk)
    for note in Notification.objects.filter(user=reader).order_by("pk"):
        assert mail_send(notification_id=note.pk) == "sent"
    chapter_mail, creator_mail, series_mail = mailoutbox
    assert "A new chapter of Salt & Sea" in chapter_mail.subject
    assert f"/works/{work.pk}/chapters/{second.pk}" in chapter_mail.body
    assert "Salt &amp; Sea" in chapter_mail.alternatives[0][0]
    assert "A new work by wren_writer" in creator_mail.subject
    assert "A new part of the series Tides" in series_mail.subject


def test_a_new_work_by_a_followed_creator_is_not_mailed_when_anonymous(reader, creator,
                                                                       mailoutbox):
    work = WorkFactory(creator=creator, anonymous=True)
    note = record(reader, NotificationKind.SUBSCRIPTION, work_id=work.pk, creator_id=creator.pk)
    assert mail_send(notification_id=note.pk).startswith("skipped")
    assert mailoutbox == []


def test_subscription_mail_respects_the_switch(reader, work, mailoutbox):
    Preference.objects.filter(user=reader).update(subscription_emails_off=True)
    note = record(reader, NotificationKind.SUBSCRIPTION, work_id=work.pk)
    assert mail_send(notification_id=note.pk).startswith("skipped")
    assert mailoutbox == []


def test_kudos_digest_is_one_mail_per_creator_per_day(creator, work, mailoutbox,
                                                      django_capture_on_commit_callbacks):
    other_work = WorkFactory(creator=creator, title="Second Light")
    stranger = WorkFactory(title="Someone Else's")
    for giver in [UserFactory() for _ in range(3)]:
        Kudos.objects.create(work=work, user=giver)
    Kudos.objects.create(work=other_work, guest_ip="192.0.2.1")
    Kudos.objects.create(work=stranger, guest_ip="192.0.2.1")
    now = timezone.now() + datetime.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert kudos_digest_run(now=now) == 2  # the creator and the stranger's creator
    with django_capture_on_commit_callbacks(execute=True):
        assert kudos_digest_run(now=now + datetime.timedelta(hours=1)) == 0
    mine = Notification.objects.get(user=creator, kind=NotificationKind.KUDOS)
    assert mine.key == f"kudos-digest:{creator.pk}:{timezone.localdate(now).isoformat()}"
    assert mine.payload["works"] == [{"work_id": work.pk, "count": 3},
                                     {"work_id": other_work.pk, "count": 1}]
    assert mail_outbox_send() == 2
    message = next(m for m in mailoutbox if m.to == [creator.email])
    assert "The Salt Road: 3 kudos" in message.body
    assert "Second Light: 1 kudos" in message.body


def test_the_next_days_digest_counts_only_newer_kudos(creator, work):
    Kudos.objects.create(work=work, guest_ip="192.0.2.1")
    first = timezone.now() + datetime.timedelta(minutes=1)
    assert kudos_digest_run(now=first) == 1
    assert kudos_digest_run(now=first + datetime.timedelta(days=1)) == 0
    later = Kudos.objects.create(work=work, guest_ip="192.0.2.2")
    Kudos.objects.filter(pk=later.pk).update(created_at=first + datetime.timedelta(days=1,
                                                                                   minutes=1))
    assert kudos_digest_run(now=first + datetime.timedelta(days=1, minutes=2)) == 1
    latest = Notification.objects.filter(user=creator, kind=NotificationKind.KUDOS).last()
    assert latest.payload["works"] == [{"work_id": work.pk, "count": 1}]


def test_no_digest_for_a_creator_who_switched_kudos_mail_off(creator, work):
    Preference.objects.filter(user=creator).update(kudos_emails_off=True)
    Kudos.objects.create(work=work, guest_ip="192.0.2.1")
    assert kudos_digest_run(now=timezone.now() + datetime.timedelta(minutes=1)) == 0


def run_quick_tasks():
    """One pass of the worker's quick tasks, as ``chapterhouse worker`` runs them."""
    for _name, path in QUICK_TASKS:
        _task(path)()


def test_a_mail_recorded_with_its_cause_is_sent_by_the_worker_without_any_commit_hook(
    work, reader, creator, mailoutbox, django_capture_on_commit_callbacks
):
    """The process may die right after the commit: nothing that runs "on
    commit" is needed for the mail to leave."""
    with django_capture_on_commit_callbacks(execute=False):
        comment_create(work=work, viewer=reader, content="<p>Kept in the outbox</p>")
    run_quick_tasks()
    message, = mailoutbox
    assert message.to == [creator.email] and "Kept in the outbox" in message.body
    run_quick_tasks()
    assert len(mailoutbox) == 1


def test_a_rolled_back_comment_leaves_no_mail_behind(work, reader, mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        comment_create(work=work, viewer=reader, content="<p>Never saved</p>")
        assert Notification.objects.exists()
        raise RuntimeError("the request failed after the comment")
    assert not Notification.objects.exists()
    run_quick_tasks()
    assert mailoutbox == []


def test_the_sender_sends_each_waiting_mail_once_with_a_message_id_from_its_key(
    creator, work, mailoutbox, settings
):
    settings.SITE_URL = "https://archive.example"
    first = record(creator, NotificationKind.FILTER, key="f1", work_id=work.pk)
    record(creator, NotificationKind.FILTER, key="f2", work_id=work.pk)
    assert mail_outbox_send(limit=1) == 1
    assert mail_outbox_send() == 1
    assert mail_outbox_send() == 0
    assert len(mailoutbox) == 2
    assert mailoutbox[0].extra_headers["Message-ID"] == message_id_for(first)
    assert mailoutbox[0].extra_headers["Message-ID"].endswith("@archive.example>")
    assert mailoutbox[0].extra_headers["Message-ID"] != mailoutbox[1].extra_headers["Message-ID"]


def test_a_mail_taken_by_a_sender_that_died_is_not_sent_again(creator, work, mailoutbox):
    """A crash between handing the mail to the server and marking it sent
    leaves the row taken but not sent: it may have left, so it never leaves twice."""
    note = record(creator, NotificationKind.FILTER, work_id=work.pk)
    Notification.objects.filter(pk=note.pk).update(sending_at=timezone.now())
    assert mail_outbox_send() == 0
    assert mail_send(notification_id=note.pk) == "done"
    assert mailoutbox == []


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("no mail server")


def test_a_mail_the_server_refused_is_tried_again(creator, work, mailoutbox, settings):
    note = record(creator, NotificationKind.FILTER, work_id=work.pk)
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    assert mail_outbox_send() == 0
    note.refresh_from_db()
    assert note.sending_at is None and note.sent_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert mail_outbox_send() == 1
    assert len(mailoutbox) == 1


def test_a_task_queued_before_the_outbox_sends_no_second_mail(creator, work, mailoutbox):
    note = record(creator, NotificationKind.FILTER, work_id=work.pk)
    mail_send_task.enqueue(note.pk)
    assert mail_outbox_send() == 1
    assert tasks_run_pending() == 1
    assert len(mailoutbox) == 1
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_the_runner_stops_at_max_tasks(creator, work):
    for n in range(3):
        note = record(creator, NotificationKind.FILTER, key=f"f{n}", work_id=work.pk)
        mail_send_task.enqueue(note.pk)
    assert tasks_run_pending(max_tasks=2) == 2
    assert tasks_run_pending(max_tasks=2) == 1


def test_the_worker_runs_the_digest_once_a_day(creator, work):
    Kudos.objects.create(work=work, guest_ip="192.0.2.1")
    now = timezone.now() + datetime.timedelta(minutes=1)
    assert kudos_digest_due(now=now) == 1
    Notification.objects.all().delete()
    assert kudos_digest_due(now=now + datetime.timedelta(minutes=5)) == 0
    assert not Notification.objects.exists()
