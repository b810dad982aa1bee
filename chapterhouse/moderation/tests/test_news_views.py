"""Site news over HTTP: the public pages (/admin_posts…), the Atom feed, the
front page's news, comments, and the admin pages under /moderation/news."""

from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.template import engines
from django.utils import timezone
from lxml import etree

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.moderation.models import AuditEntry, NewsComment, NewsPost, Sanction
from chapterhouse.moderation.selectors.news import JINJA_GLOBALS
from chapterhouse.moderation.services import news as services

pytestmark = pytest.mark.django_db

ATOM_NS = {"a": "http://www.w3.org/2005/Atom"}
SCHEMA = Path(__file__).parents[2] / "exchange" / "tests" / "schemas" / "atom.rng"


@cache
def atom_schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMA)))


def valid_atom(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = etree.fromstring(response.content)
    schema = atom_schema()
    assert schema.validate(root), "\n".join(str(error) for error in schema.error_log)
    return root


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


@pytest.fixture
def front_news_hook():
    """The front page reads news through the ``news_front`` Jinja global
    (web/jinja.py adds moderation's JINJA_GLOBALS)."""
    env = engines["jinja2"].env
    missing = [name for name in JINJA_GLOBALS if name not in env.globals]
    for name in missing:
        env.globals[name] = JINJA_GLOBALS[name]
    yield
    for name in missing:
        env.globals.pop(name, None)


@pytest.fixture
def support(make_admin):
    return make_admin("quill_support", role="support")


@pytest.fixture
def support_client(support, admin_client):
    return admin_client(support)


@pytest.fixture
def warden(make_admin):
    return make_admin("warden", role="policy_abuse")


def _post(actor, **overrides):
    fields = {
        "title": "Lanterns back online",
        "content": "<p>The reading lamps are lit again.</p><p>Thanks for waiting.</p>",
        "content_format": "html",
        "comments_enabled": True,
        "published": True,
    }
    return services.news_post_create(actor=actor, **{**fields, **overrides})


def _form(**overrides):
    data = {
        "admin_post[title]": "Maintenance on Sunday",
        "admin_post[content]": "We will be *down* for an hour.\n\nSorry!",
        "admin_post[content_format]": "markdown",
        "admin_post[comments_enabled]": "1",
        "admin_post[published]": "1",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# Posting through the admin pages, then reading it everywhere ----------------------------


def test_posted_news_appears_on_front_page_list_and_feed(support_client, client,
                                                        front_news_hook):
    response = support_client.post("/moderation/news/new", _form())
    post = NewsPost.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin_posts/{post.pk}"

    front = page(client.get("/"))
    news = front.select_one("#front_news")
    assert news.select_one("h4 a").text == "Maintenance on Sunday"
    assert news.select_one("h4 a")["href"] == f"/admin_posts/{post.pk}"
    assert news.select_one(".summary").text == "We will be down for an hour."

    listing = page(client.get("/admin_posts"))
    assert listing.select_one(f"#admin_post_{post.pk} h3 a").text == "Maintenance on Sunday"
    assert listing.select_one(f"#admin_post_{post.pk} .userstuff em").text == "down"

    root = valid_atom(client.get("/admin_posts/feed.atom"))
    assert root.xpath("a:entry/a:title/text()", namespaces=ATOM_NS) == ["Maintenance on Sunday"]
    assert root.xpath("a:entry/a:link/@href", namespaces=ATOM_NS) == [
        f"http://testserver/admin_posts/{post.pk}"
    ]
    assert AuditEntry.objects.filter(action="news.create", target_id=post.pk).count() == 1


def test_feed_holds_the_twenty_newest_published_posts(support, client):
    now = timezone.now()
    for number in range(22):
        post = _post(support, title=f"Bulletin {number}")
        NewsPost.objects.filter(pk=post.pk).update(created_at=now - timedelta(hours=30 - number))
    _post(support, title="Secret plans", published=False,
          content="<p>Hush</p><script>alert(1)</script>")

    root = valid_atom(client.get("/admin_posts/feed.atom"))

    titles = root.xpath("a:entry/a:title/text()", namespaces=ATOM_NS)
    assert len(titles) == 20
    assert titles[0] == "Bulletin 21"
    assert "Bulletin 0" not in titles and "Secret plans" not in titles
    assert b"<script" not in client.get("/admin_posts/feed.atom").content


def test_unpublished_post_is_hidden_from_the_public(support, support_client, client, user,
                                                    logged_in, front_news_hook):
    post = _post(support, title="Not yet", published=False)

    for viewer in (client, logged_in(user)):
        assert viewer.get(f"/admin_posts/{post.pk}").status_code == 404
        assert "Not yet" not in viewer.get("/admin_posts").content.decode()
        assert "Not yet" not in viewer.get("/").content.decode()
    assert "Not yet" not in client.get("/admin_posts/feed.atom").content.decode()

    shown = page(support_client.get(f"/admin_posts/{post.pk}"))
    assert shown.select_one("h2.heading").text == "Not yet"
    assert "only admins can see it" in shown.select_one(".notice.status").text


def test_news_list_is_paginated(support, client):
    for number in range(12):
        _post(support, title=f"Bulletin {number}")

    first = page(client.get("/admin_posts"))
    second = page(client.get("/admin_posts?page=2"))

    assert len(first.select("div.news.module")) == 10
    assert len(second.select("div.news.module")) == 2
    assert first.select_one("ol.pagination a[rel=next]")["href"] == "/admin_posts?page=2"


def test_script_in_a_post_never_reaches_the_page(support_client, client):
    support_client.post("/moderation/news/new", _form(**{
        "admin_post[content]": "<p>Hi</p><script>alert('x')</script><img src=x onerror=boom()>",
        "admin_post[content_format]": "html",
    }))
    post = NewsPost.objects.get()

    html = client.get(f"/admin_posts/{post.pk}").content.decode()
    assert "alert('x')" not in html
    assert "onerror" not in html


# The admin form ------------------------------------------------------------------------------


def test_bad_input_keeps_what_the_admin_typed(support_client):
    response = support_client.post("/moderation/news/new", _form(**{"admin_post[title]": ""}))

    assert response.status_code == 422
    form = page(response)
    assert "title" in form.select_one("#error").text
    assert form.select_one("#admin_post_content").text == "We will be *down* for an hour.\n\nSorry!"
    assert form.select_one("#admin_post_content_format option[selected]")["value"] == "markdown"
    assert not NewsPost.objects.exists()


def test_edit_form_gives_back_the_markdown_and_saves_changes(support_client, support):
    support_client.post("/moderation/news/new", _form())
    post = NewsPost.objects.get()

    form = page(support_client.get(f"/moderation/news/{post.pk}/edit"))
    assert form.select_one("#admin_post_content").text == "We will be *down* for an hour.\n\nSorry!"
    assert form.select_one("#admin_post_published").has_attr("checked")

    response = support_client.post(f"/moderation/news/{post.pk}/edit", _form(**{
        "admin_post[title]": "Maintenance moved to Monday",
        "admin_post[comments_enabled]": None,
    }))
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.title == "Maintenance moved to Monday"
    assert post.comments_enabled is False
    assert AuditEntry.objects.filter(action="news.update", target_id=post.pk).count() == 1


def test_delete_asks_first_then_deletes_and_audits(support_client, support):
    post = _post(support)

    confirm = page(support_client.get(f"/moderation/news/{post.pk}/delete"))
    assert "Are you sure" in confirm.select_one("h2").text
    assert NewsPost.objects.exists()

    response = support_client.post(f"/moderation/news/{post.pk}/delete", {"reason": "Stale"})
    assert response.status_code == 302
    assert not NewsPost.objects.exists()
    assert AuditEntry.objects.get(action="news.delete").reason == "Stale"


def test_admin_list_shows_unpublished_posts_with_their_status(support, support_client):
    _post(support, title="Out now")
    _post(support, title="Not yet", published=False)

    rows = page(support_client.get("/moderation/news")).select("#news_posts tbody tr")

    assert [(r.th.text, r.select("td")[1].text) for r in rows] == [
        ("Not yet", "Not published"), ("Out now", "Published"),
    ]


@pytest.mark.parametrize("path", ["/moderation/news", "/moderation/news/new"])
def test_news_admin_pages_need_the_permission_and_two_factor(path, client, user, logged_in,
                                                             warden, support, admin_client):
    assert client.get(path).status_code == 302
    assert client.get(path)["Location"].startswith("/users/login?")
    assert logged_in(user).get(path).status_code == 403
    assert admin_client(warden).get(path).status_code == 403
    no_mfa = admin_client(support, mfa=False).get(path)
    assert no_mfa.status_code == 403
    assert "Two-factor" in no_mfa.content.decode()
    assert admin_client(support).get(path).status_code == 200


def test_ordinary_user_cannot_post_news_by_form(logged_in, user):
    response = logged_in(user).post("/moderation/news/new", _form())
    assert response.status_code == 403
    assert not NewsPost.objects.exists()


# Comments ----------------------------------------------------------------------------------


def test_guest_sees_log_in_to_comment_and_cannot_post(support, client):
    post = _post(support)

    shown = page(client.get(f"/admin_posts/{post.pk}"))
    assert "Log in to comment" in shown.select_one("#comment_refusal").text
    assert shown.select_one("form.new_comment") is None

    response = client.post(f"/admin_posts/{post.pk}/comments",
                           {"comment[comment_content]": "Guest words"})
    assert response.status_code == 403
    assert page(response).select_one("#comment_content_kept").text == "Guest words"
    assert not NewsComment.objects.exists()


def test_signed_in_user_comments_and_sees_it_on_the_post(support, user, logged_in, client):
    post = _post(support)
    reader = logged_in(user)

    response = reader.post(f"/admin_posts/{post.pk}/comments",
                           {"comment[comment_content]": "Thank you!<script>x()</script>"})

    comment = NewsComment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin_posts/{post.pk}#comment_{comment.pk}"
    shown = page(client.get(f"/admin_posts/{post.pk}"))
    body = shown.select_one(f"#comment_{comment.pk}")
    assert body.select_one(".byline a").text == user.username
    assert body.select_one("blockquote").text.strip() == "Thank you!"
    assert "x()" not in client.get(f"/admin_posts/{post.pk}").content.decode()


def test_comments_closed_shows_no_form(support, user, logged_in):
    post = _post(support, comments_enabled=False)
    shown = page(logged_in(user).get(f"/admin_posts/{post.pk}"))
    assert shown.select_one(".comments-closed") is not None
    assert shown.select_one("form.new_comment") is None
    response = logged_in(user).post(f"/admin_posts/{post.pk}/comments",
                                    {"comment[comment_content]": "Hello"})
    assert response.status_code == 403


def test_too_long_comment_keeps_the_text(support, user, logged_in):
    post = _post(support)
    text = "z" * 10_001

    response = logged_in(user).post(f"/admin_posts/{post.pk}/comments",
                                    {"comment[comment_content]": text})

    assert response.status_code == 422
    shown = page(response)
    assert "10,000" in shown.select_one("#error").text
    assert shown.select_one("textarea[name='comment[comment_content]']").text == text


def test_suspended_user_is_refused_with_the_reason(support, user, logged_in):
    post = _post(support)
    Sanction.objects.create(user=user, kind="suspension", reason="Spamming links",
                            until=timezone.now() + timedelta(days=7), created_by=support)

    response = logged_in(user).post(f"/admin_posts/{post.pk}/comments",
                                    {"comment[comment_content]": "Let me in"})

    assert response.status_code == 403
    shown = page(response)
    assert shown.select_one("#error") is not None
    assert shown.select_one("textarea[name='comment[comment_content]']").text == "Let me in"
    assert not NewsComment.objects.exists()


def test_rate_limited_comment_says_when_to_try_again(support, user, logged_in):
    post = _post(support)
    reader = logged_in(user)
    for number in range(services.COMMENT_RATE["count"]):
        reader.post(f"/admin_posts/{post.pk}/comments",
                    {"comment[comment_content]": f"Comment {number}"})

    response = reader.post(f"/admin_posts/{post.pk}/comments",
                           {"comment[comment_content]": "One too many"})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    shown = page(response)
    assert shown.select_one("#retry_after") is not None
    assert shown.select_one("textarea[name='comment[comment_content]']").text == "One too many"


def test_report_handler_hides_a_comment(support, user, warden, admin_client, client,
                                        logged_in):
    post = _post(support)
    comment = services.news_comment_create(post=post, user=user, content="Buy cheap lamps")
    warden_client = admin_client(warden)

    assert page(warden_client.get(f"/admin_posts/{post.pk}")).select_one(
        f"#hide_comment_{comment.pk}") is not None
    assert page(client.get(f"/admin_posts/{post.pk}")).select_one(
        f"#hide_comment_{comment.pk}") is None

    response = warden_client.post(f"/moderation/news/comments/{comment.pk}/hide")

    assert response.status_code == 302
    assert "Buy cheap lamps" not in client.get(f"/admin_posts/{post.pk}").content.decode()
    own = page(logged_in(user).get(f"/admin_posts/{post.pk}"))
    assert "hidden by an admin" in own.select_one(f"#comment_{comment.pk} .notice").text
    assert AuditEntry.objects.filter(action="news_comment.hide", actor=warden).count() == 1


def test_news_poster_without_report_permission_cannot_hide(support, support_client, user):
    post = _post(support)
    comment = services.news_comment_create(post=post, user=user, content="Fine words")

    response = support_client.post(f"/moderation/news/comments/{comment.pk}/hide")

    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.hidden_by_admin is False


def test_news_comment_counts_on_the_list(support, client):
    post = _post(support)
    for _ in range(2):
        services.news_comment_create(post=post, user=UserFactory(), content="Yay")

    listing = page(client.get("/admin_posts"))

    assert listing.select_one(f"#admin_post_{post.pk} .comments a").text == "2"


def test_news_pages_do_not_query_per_post_or_comment(support, client, user,
                                                     django_assert_max_num_queries):
    for number in range(8):
        post = _post(support, title=f"Bulletin {number}")
        for _ in range(3):
            services.news_comment_create(post=post, user=UserFactory(), content="Yay")

    with django_assert_max_num_queries(6):
        assert client.get("/admin_posts").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(f"/admin_posts/{post.pk}").status_code == 200
