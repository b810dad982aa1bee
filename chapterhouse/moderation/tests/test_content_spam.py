"""Marking as spam, and refusing guests' comments that repeat it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from chapterhouse.moderation.models import (
    AuditEntry,
    Report,
    ReportCategory,
    ReportStatus,
    SpamSample,
)
from chapterhouse.moderation.services.content import (
    content_mark_spam,
    content_unhide,
    link_domains,
    spam_matches,
)
from chapterhouse.responses.models import Comment
from chapterhouse.responses.services.comments import comment_count_refresh, comment_create

pytestmark = pytest.mark.django_db

PILLS = (
    '<p>Cheap   watches and <strong>pills</strong>! Visit '
    '<a href="https://www.pill-barn.example/offer">our shop</a> today.</p>'
)


def guest_comment(work, text) -> Comment:
    comment = Comment.objects.create(work=work, guest_name="Dealz", guest_email="d@example.com",
                                     content=text)
    Comment.objects.filter(pk=comment.pk).update(thread=comment)
    comment_count_refresh(work_id=work.pk)
    return comment


@pytest.fixture
def admin(make_admin):
    return make_admin("archivist", role="policy_abuse")


def test_marking_a_comment_as_spam_hides_it_flags_it_and_keeps_a_sample(admin, work):
    comment = guest_comment(work, PILLS)
    filed = Report.objects.create(target_type="comment", target_id=comment.pk,
                                  category=ReportCategory.SPAM, text="Advert.")
    work.refresh_from_db()
    assert work.comment_count == 1
    content_mark_spam(actor=admin, target=comment)
    comment.refresh_from_db()
    work.refresh_from_db()
    filed.refresh_from_db()
    assert comment.hidden_by_admin and comment.spam
    assert work.comment_count == 0
    assert filed.status == ReportStatus.ACTIONED
    sample = SpamSample.objects.get()
    assert (sample.source_type, sample.source_id) == ("comment", comment.pk)
    assert sample.domains == ["pill-barn.example"]
    entry = AuditEntry.objects.get()
    assert entry.action == "comment.spam"
    assert entry.after == {"hidden_by_admin": True, "spam": True}


def test_the_same_words_in_other_markup_and_spacing_match(admin, work):
    content_mark_spam(actor=admin, target=guest_comment(work, PILLS))
    assert spam_matches(
        text="CHEAP watches and pills! Visit our shop\n today."
    )
    assert not spam_matches(text="Cheap watches and pills! Visit our shop tomorrow.")
    assert not spam_matches(text="What a lovely ending.")


def test_a_domain_from_one_sample_is_not_enough_but_two_samples_are(admin, work):
    content_mark_spam(actor=admin, target=guest_comment(work, PILLS))
    new_text = "<p>Great story! See http://pill-barn.example/again for more.</p>"
    assert not spam_matches(text=new_text)
    content_mark_spam(
        actor=admin,
        target=guest_comment(work, '<p>Deals at <a href="http://pill-barn.example">here</a></p>'),
    )
    assert spam_matches(text=new_text)
    assert spam_matches(text="go to www.PILL-BARN.example now")
    assert not spam_matches(text="see https://bakery.example/bread")


def test_unhiding_a_spam_comment_forgets_its_sample(admin, work):
    comment = guest_comment(work, PILLS)
    content_mark_spam(actor=admin, target=comment)
    content_unhide(actor=admin, target=comment, reason="Not spam after all.")
    comment.refresh_from_db()
    work.refresh_from_db()
    assert not comment.spam and not comment.hidden_by_admin
    assert work.comment_count == 1
    assert not SpamSample.objects.exists()
    assert not spam_matches(text=PILLS)


def test_a_guest_cannot_post_a_comment_that_repeats_spam(admin, work):
    content_mark_spam(actor=admin, target=guest_comment(work, PILLS))
    with pytest.raises(ValidationError) as refused:
        comment_create(work=work, viewer=None, content="cheap watches and pills! visit our "
                       "shop today.", guest_name="Dealz Again", guest_email="x@example.com",
                       guest_ip="203.0.113.9")
    assert "spam" in refused.value.messages[0]
    comment = comment_create(work=work, viewer=None, content="Loved the lighthouse scene.",
                             guest_name="Ana", guest_email="ana@example.com",
                             guest_ip="203.0.113.9")
    assert comment.pk


def test_this_sites_own_links_never_count_as_spam_domains(admin, work, settings):
    settings.SITE_URL = "https://archive.example"
    for n in range(3):
        content_mark_spam(actor=admin, target=guest_comment(
            work, f"<p>Spam {n} https://archive.example/works/1 and https://junk.example</p>"))
    assert not spam_matches(text="Read https://www.archive.example/works/2 please")
    assert spam_matches(text="Read https://junk.example/x please")


def test_link_domains_reads_links_in_html_and_plain_text():
    assert link_domains(
        '<a href="https://www.Shop.example/a">x</a> http://user@pills.test:8080/y, '
        "www.foo.example; and (https://bar.example.)"
    ) == ["shop.example", "pills.test", "foo.example", "bar.example"]
    assert link_domains("no links here, just www and dots...") == []


def test_empty_text_never_matches(admin, work):
    content_mark_spam(actor=admin, target=guest_comment(work, PILLS))
    assert not spam_matches(text="")
    assert not spam_matches(text="<p> </p>")
