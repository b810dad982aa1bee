"""Site news: the services (post, edit, delete, comment, hide) and the
selectors that decide who sees what."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.moderation.guards import WriteRefused
from chapterhouse.moderation.models import (
    AuditEntry,
    NewsComment,
    NewsPost,
    Sanction,
    SanctionKind,
    TargetType,
)
from chapterhouse.moderation.selectors import news as selectors
from chapterhouse.moderation.services import news as services
from chapterhouse.web.ratelimit import RateLimited
from chapterhouse.works.services.sources import text_source

pytestmark = pytest.mark.django_db

GUEST = AnonymousUser()


@pytest.fixture
def support(make_admin):
    return make_admin("quill_support", role="support")


def _post(actor, **overrides):
    fields = {
        "title": "Lanterns back online",
        "content": "<p>The reading lamps are lit again.</p><p>Thanks for waiting.</p>",
        "content_format": "html",
        "comments_enabled": True,
        "published": True,
    }
    return services.news_post_create(actor=actor, **{**fields, **overrides})


# Posting, editing, deleting -------------------------------------------------------------


def test_support_admin_posts_news_and_the_audit_log_records_it(support):
    post = _post(support)

    assert NewsPost.objects.get().title == "Lanterns back online"
    entry = AuditEntry.objects.get(action="news.create")
    assert entry.actor == support
    assert (entry.target_type, entry.target_id) == (TargetType.NEWS, post.pk)
    assert entry.after["published"] is True


def test_admin_without_news_permission_cannot_post(make_admin, user):
    abuse = make_admin("warden", role="policy_abuse")
    for actor in (abuse, user, GUEST):
        with pytest.raises(PermissionDenied):
            _post(actor)
    assert not NewsPost.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("content_format", ["html", "markdown"])
def test_script_never_survives_in_a_news_post(support, content_format):
    post = _post(support, content="Hello <script>alert('x')</script> *there*\n\n"
                 "<a href=\"javascript:alert(1)\">click</a>", content_format=content_format)

    assert "<script" not in post.content
    assert "alert('x')" not in post.content
    assert "javascript:" not in post.content
    assert "Hello" in post.content


def test_markdown_is_rendered_and_its_source_kept_for_editing(support):
    post = _post(support, content="Rain **tonight**.\n\nSecond thought.", content_format="markdown")

    assert "<strong>tonight</strong>" in post.content
    assert text_source(post, "content") == ("Rain **tonight**.\n\nSecond thought.", "markdown")


@pytest.mark.parametrize("overrides, message", [
    ({"title": "  "}, "title"),
    ({"title": "x" * 256}, "255"),
    ({"content": "<p>  </p>"}, "text"),
    ({"content_format": "plain"}, "HTML or Markdown"),
])
def test_bad_news_input_is_refused(support, overrides, message):
    with pytest.raises(ValidationError) as refused:
        _post(support, **overrides)
    assert message in " ".join(refused.value.messages)
    assert not NewsPost.objects.exists()


def test_editing_a_post_is_audited_with_before_and_after(support):
    post = _post(support)

    services.news_post_update(actor=support, post=post, title="Lanterns dimmed",
                              content="<p>Changed.</p>", content_format="html",
                              comments_enabled=False, published=False)

    post.refresh_from_db()
    assert (post.title, post.published, post.comments_enabled) == ("Lanterns dimmed", False, False)
    entry = AuditEntry.objects.get(action="news.update")
    assert entry.before == {"title": "Lanterns back online", "published": True,
                            "comments_enabled": True}
    assert entry.after["title"] == "Lanterns dimmed"
    assert entry.after["content_changed"] is True


def test_deleting_a_post_removes_its_comments_and_is_audited(support, user):
    post = _post(support)
    services.news_comment_create(post=post, user=user, content="Lovely news.")

    services.news_post_delete(actor=support, post=post, reason="Posted twice")

    assert not NewsPost.objects.exists()
    assert not NewsComment.objects.exists()
    entry = AuditEntry.objects.get(action="news.delete")
    assert entry.target_label == "Lanterns back online"
    assert entry.reason == "Posted twice"
    assert entry.before["comments"] == 1


# Who sees what ---------------------------------------------------------------------------


def test_unpublished_post_is_seen_by_news_admins_only(support, user, make_admin):
    shown = _post(support, title="Out now")
    draft = _post(support, title="Not yet", published=False)
    abuse = make_admin("warden", role="policy_abuse")

    for viewer in (GUEST, user, abuse):
        assert list(selectors.news_posts_visible_to(viewer)) == [shown]
        assert selectors.news_post_for(viewer=viewer, post_id=draft.pk) is None
    assert set(selectors.news_posts_visible_to(support)) == {shown, draft}
    assert [item["title"] for item in selectors.news_front()] == ["Out now"]


def test_front_shows_three_newest_with_first_paragraph(support):
    now = timezone.now()
    for number in range(5):
        post = _post(support, title=f"Bulletin {number}",
                     content=f"<p>Opening line {number}.</p><p>More detail.</p>")
        NewsPost.objects.filter(pk=post.pk).update(created_at=now - timedelta(days=5 - number))

    items = selectors.news_front()

    assert [item["title"] for item in items] == ["Bulletin 4", "Bulletin 3", "Bulletin 2"]
    assert items[0]["summary"] == "Opening line 4."
    assert items[0]["url"].startswith("/admin_posts/")


def test_first_paragraph_is_cut_at_a_word():
    text = "<p>" + "word " * 200 + "</p><p>second</p>"
    summary = selectors.first_paragraph(text, limit=50)
    assert summary.endswith("…")
    assert len(summary) <= 51
    assert "second" not in summary
    assert selectors.first_paragraph("<h2>Head</h2><p>Body</p>") == "Head"


# Comments ----------------------------------------------------------------------------------


def test_signed_in_user_comments_and_script_is_removed(support, user):
    post = _post(support)

    comment = services.news_comment_create(
        post=post, user=user, content="Thank you!<script>steal()</script>"
    )

    assert comment.user == user
    assert "Thank you!" in comment.content
    assert "<script" not in comment.content and "steal()" not in comment.content


def test_guest_cannot_comment(support):
    post = _post(support)
    with pytest.raises(PermissionDenied, match="log in"):
        services.news_comment_create(post=post, user=GUEST, content="Hi")
    assert not NewsComment.objects.exists()


def test_no_comments_when_the_post_does_not_allow_them(support, user):
    post = _post(support, comments_enabled=False)
    with pytest.raises(PermissionDenied, match="closed"):
        services.news_comment_create(post=post, user=user, content="Hi")


def test_no_comments_on_an_unpublished_post_by_readers(support, user):
    post = _post(support, published=False)
    with pytest.raises(PermissionDenied):
        services.news_comment_create(post=post, user=user, content="Hi")


@pytest.mark.parametrize("content", ["", "   ", "<p> </p>", "x" * 10_001])
def test_empty_or_too_long_comment_is_refused(support, user, content):
    post = _post(support)
    with pytest.raises(ValidationError):
        services.news_comment_create(post=post, user=user, content=content)
    assert not NewsComment.objects.exists()


def test_comment_of_exactly_ten_thousand_characters_is_accepted(support, user):
    post = _post(support)
    services.news_comment_create(post=post, user=user, content="y" * 10_000)
    assert NewsComment.objects.count() == 1


def test_suspended_user_cannot_comment(support, user):
    """Relies on guards.may_write reaching services/sanctions.sanction_check."""
    post = _post(support)
    Sanction.objects.create(user=user, kind=SanctionKind.SUSPENSION, reason="Spamming links",
                            until=timezone.now() + timedelta(days=7), created_by=support)

    with pytest.raises(WriteRefused):
        services.news_comment_create(post=post, user=user, content="Let me in")
    assert not NewsComment.objects.exists()


def test_commenting_too_often_is_rate_limited(support, user):
    post = _post(support)
    for number in range(services.COMMENT_RATE["count"]):
        services.news_comment_create(post=post, user=user, content=f"Comment {number}")

    with pytest.raises(RateLimited) as limited:
        services.news_comment_create(post=post, user=user, content="One more")
    assert limited.value.retry_after > 0
    assert NewsComment.objects.count() == services.COMMENT_RATE["count"]
    # Someone else is not held back.
    services.news_comment_create(post=post, user=UserFactory(), content="Me too")


def test_admin_hides_a_comment_from_the_public_and_it_is_audited(support, user, make_admin):
    post = _post(support)
    comment = services.news_comment_create(post=post, user=user, content="Buy cheap lamps")
    warden = make_admin("warden", role="policy_abuse")

    services.news_comment_hide(actor=warden, comment=comment)

    assert selectors.news_comments_for(viewer=GUEST, post=post) == []
    assert selectors.news_comments_for(viewer=UserFactory(), post=post) == []
    assert selectors.news_comments_for(viewer=user, post=post) == [comment]
    assert selectors.news_comments_for(viewer=warden, post=post) == [comment]
    entry = AuditEntry.objects.get(action="news_comment.hide")
    assert entry.actor == warden
    assert (entry.target_type, entry.target_id) == (TargetType.NEWS, post.pk)
    assert entry.after["comment_id"] == comment.pk
    assert selectors.news_page(viewer=GUEST).items[0].comment_count == 0
    assert selectors.news_page(viewer=warden).items[0].comment_count == 1

    services.news_comment_hide(actor=warden, comment=comment, hidden=False)
    assert selectors.news_comments_for(viewer=GUEST, post=post) == [comment]
    assert AuditEntry.objects.filter(action="news_comment.unhide").count() == 1


def test_only_report_handlers_may_hide_comments(support, user):
    post = _post(support)
    comment = services.news_comment_create(post=post, user=user, content="Fine words")
    for actor in (support, user):
        with pytest.raises(PermissionDenied):
            services.news_comment_hide(actor=actor, comment=comment)
    comment.refresh_from_db()
    assert comment.hidden_by_admin is False
    assert not AuditEntry.objects.filter(action__startswith="news_comment").exists()
