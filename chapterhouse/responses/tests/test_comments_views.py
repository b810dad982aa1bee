"""Comments over HTTP: AO3's endpoints, status codes, the pages and their markup."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from chapterhouse.accounts.models import Block
from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.responses.models import Comment
from chapterhouse.responses.services import comments as svc
from chapterhouse.works.models import CommentPermission
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

GUEST_FIELDS = {"comment[name]": "Pell", "comment[email]": "pell@example.org"}


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def body(text="What a storm."):
    return {"comment[comment_content]": text}


def test_work_page_shows_form_with_ao3_ids_and_comments_link(client, work):
    page = soup(client.get(f"/works/{work.pk}"))
    form = page.select_one(f"form#comment_for_{work.pk}.new_comment")
    assert form is not None and form["action"] == f"/works/{work.pk}/comments"
    area = form.select_one(f"textarea#comment_content_for_{work.pk}")
    assert area["name"] == "comment[comment_content]"
    assert page.select_one(f"label[for=comment_content_for_{work.pk}]")
    assert form.select_one("input[name='comment[name]']")
    assert form.select_one("input[name='comment[email]']")
    assert page.select_one("#comment_restored_notice").has_attr("hidden")
    assert page.select_one("#show_comments_link a").text == "Comments (0)"
    assert page.select_one("#comments_placeholder") is None
    assert page.select_one("script[src$='responses/comments.js']")
    assert form.select_one("p.comment-trap input[name='comment[website]']")


def test_signed_in_reader_chooses_a_pseud(reader_client, reader, work):
    reader.pseuds.create(name="Lantern")
    page = soup(reader_client.get(f"/works/{work.pk}"))
    select = page.select_one(f"select#comment_pseud_id_for_{work.pk}")
    assert select["name"] == "comment[pseud_id]"
    assert len(select.select("option")) == 2
    assert page.select_one("input[name='comment[name]']") is None


def test_reader_posts_and_sees_her_comment(reader_client, reader, work):
    response = reader_client.post(f"/works/{work.pk}/comments", body("<p>Lovely</p>"))
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/works/{work.pk}?show_comments=true#comment_{comment.pk}"
    page = soup(reader_client.get(response["Location"]))
    item = page.select_one(f"div#comments_placeholder > ol.thread > li#comment_{comment.pk}")
    assert item["role"] == "article" and "comment" in item["class"]
    assert item.select_one("h4.heading.byline a")["href"] == f"/users/{reader.username}"
    assert item.select_one("blockquote.userstuff").text.strip() == "Lovely"
    actions = [a.text for a in item.select("ul.actions a")]
    assert {"Reply", "Thread", "Edit", "Delete"} <= set(actions)
    assert page.select_one(f"[data-comment-posted='comment:work:{work.pk}']")
    assert page.select_one("dd.comments").text == "1"


def test_no_pseud_links_outside_the_byline(reader_client, work):
    reader_client.post(f"/works/{work.pk}/comments", body())
    page = soup(reader_client.get(f"/works/{work.pk}?show_comments=true"))
    pseud_links = [a for a in page.select("a[href*='/pseuds/']")]
    assert all(a.find_parent("h3", class_="byline") for a in pseud_links)


def test_ao3_plain_endpoint_and_js_endpoint(reader_client, work):
    response = reader_client.post(f"/comments?work_id={work.pk}", body("First"))
    assert response.status_code == 302
    response = reader_client.post(
        "/comments.js", {**body("Second"), "work_id": work.pk}
    )
    # As AO3 answers it (and as the ao3-api library expects): 404 with a body.
    assert response.status_code == 404
    assert response.json()["id"] == Comment.objects.latest("pk").pk
    assert "Second" in Comment.objects.latest("pk").content
    response = reader_client.post(
        f"/comments?work_id={work.pk}", body("Third"), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 201
    assert response.json()["id"] == Comment.objects.latest("pk").pk
    response = reader_client.post("/comments.js", {**body(""), "work_id": work.pk})
    assert response.status_code == 422 and response.json()["errors"]


def test_chapter_comment_and_reply_paths(reader_client, creator_client, creator):
    work = WorkFactory(creator=creator, chapters=2)
    second = work.chapters.get(position=2)
    response = reader_client.post(f"/chapters/{second.pk}/comments", body("On two"))
    comment = Comment.objects.get()
    assert comment.chapter == second
    assert response["Location"].startswith(f"/works/{work.pk}/chapters/{second.pk}?")
    response = creator_client.post(f"/comments/{comment.pk}/comments", body("Thanks"))
    reply = Comment.objects.get(parent=comment)
    assert reply.chapter == second
    page = soup(reader_client.get(f"/works/{work.pk}/chapters/{second.pk}?show_comments=true"))
    # As on AO3: the replies follow their comment in a list item of their own.
    assert page.select_one(f"li#comment_{comment.pk} + li > ol.thread > li#comment_{reply.pk}")
    assert page.select_one(f"ul#navigation_for_comment_{reply.pk} a[href='/comments/{comment.pk}']")
    first = work.chapters.get(position=1)
    page = soup(reader_client.get(f"/works/{work.pk}/chapters/{first.pk}?show_comments=true"))
    assert page.select_one(f"li#comment_{comment.pk}") is None
    page = soup(reader_client.get(f"/works/{work.pk}?view_full_work=true&show_comments=true"))
    assert "on Chapter 2" in page.select_one(f"li#comment_{comment.pk} h4").text


def test_guest_comment_and_guest_refusal_sentence(client, creator):
    work = WorkFactory(creator=creator)
    response = client.post(f"/works/{work.pk}/comments", {**body(), **GUEST_FIELDS},
                           REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302
    assert Comment.objects.get().guest_ip == "198.51.100.7"
    closed = WorkFactory(creator=creator, comment_permission=CommentPermission.REGISTERED)
    page = soup(client.get(f"/works/{closed.pk}"))
    assert page.select_one(f"#comment_for_{closed.pk}") is None
    assert "doesn't allow non-Archive users to comment" in page.select_one(
        "#comment_refusal").text


def test_blocked_reader_sees_refusal_instead_of_form(reader_client, reader, creator, work):
    Block.objects.create(blocker=creator, blocked=reader)
    page = soup(reader_client.get(f"/works/{work.pk}"))
    assert page.select_one(f"#comment_for_{work.pk}") is None
    refusal = page.select_one("#comment_refusal").text.strip()
    assert refusal == "Sorry, you can't comment on this work."
    response = reader_client.post(f"/works/{work.pk}/comments", body())
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_invalid_post_redraws_form_with_text(client, work):
    response = client.post(f"/works/{work.pk}/comments", body("Kept words"))
    assert response.status_code == 422
    page = soup(response)
    assert "Please enter your name" in page.select_one("#error").text
    assert page.select_one(f"textarea#comment_content_for_{work.pk}").text == "Kept words"


def test_rate_limited_guest_gets_429_with_retry_after_and_her_text(client, work):
    for n in range(svc.GUEST_RATE["count"]):
        assert client.post(
            f"/works/{work.pk}/comments", {**body(f"note {n}"), **GUEST_FIELDS}
        ).status_code == 302
    response = client.post(f"/works/{work.pk}/comments", {**body("Don't lose me"),
                                                          **GUEST_FIELDS})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    page = soup(response)
    assert page.select_one(f"textarea#comment_content_for_{work.pk}").text == "Don't lose me"
    assert "try again in" in page.select_one("#error").text


def test_restricted_work_guest_post_is_kept_through_login(client, creator, reader, password):
    work = WorkFactory(creator=creator, restricted=True)
    response = client.post(f"/works/{work.pk}/comments", {**body("Kept for later"),
                                                          **GUEST_FIELDS})
    assert response.status_code == 302 and "/users/login?" in response["Location"]
    assert not Comment.objects.exists()
    # She logs in; the session keeps the text, and the work page offers it back.
    client.force_login(reader, backend="django.contrib.auth.backends.ModelBackend")
    page = soup(client.get(f"/works/{work.pk}"))
    assert page.select_one(f"textarea#comment_content_for_{work.pk}").text == "Kept for later"
    assert not page.select_one("#comment_restored_notice").has_attr("hidden")
    # Offered once.
    page = soup(client.get(f"/works/{work.pk}"))
    assert page.select_one(f"textarea#comment_content_for_{work.pk}").text == ""


def test_expired_session_post_is_kept_and_returns_after_login(creator, reader):
    work = WorkFactory(creator=creator, comment_permission=CommentPermission.EVERYONE)
    client = Client()
    response = client.post(
        f"/works/{work.pk}/comments",
        {**body("Written while signed in"), "signed_in_as": reader.username},
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/users/login?return_to=")
    assert f"return_to=/works/{work.pk}" in response["Location"]
    assert not Comment.objects.exists()  # not posted as a guest
    client.force_login(reader, backend="django.contrib.auth.backends.ModelBackend")
    page = soup(client.get(f"/works/{work.pk}?show_comments=true"))
    assert page.select_one(f"textarea#comment_content_for_{work.pk}").text == (
        "Written while signed in"
    )
    assert page.select_one("#comment_restored_notice").text.startswith("We kept the comment")


def test_pagination_of_threads(reader_client, creator, work):
    for n in range(23):
        Comment.objects.create(work=work, user=creator, pseud=creator.pseuds.first(),
                               content=f"<p>c{n}</p>")
    for c in Comment.objects.all():
        Comment.objects.filter(pk=c.pk).update(thread=c)
    page = soup(reader_client.get(f"/works/{work.pk}?show_comments=true"))
    assert len(page.select("#comments_placeholder > ol.thread > li.comment")) == 20
    assert page.select_one("ol.pagination.actions a[href*='page=2']")["href"] == (
        f"/works/{work.pk}?page=2&show_comments=true"
    )
    page = soup(reader_client.get(f"/works/{work.pk}?show_comments=true&page=2"))
    assert len(page.select("#comments_placeholder > ol.thread > li.comment")) == 3


def test_thread_page_and_reply_form(reader_client, creator_client, work):
    reader_client.post(f"/works/{work.pk}/comments", body("Top"))
    top = Comment.objects.get()
    creator_client.post(f"/comments/{top.pk}/comments", body("Reply"))
    page = soup(reader_client.get(f"/comments/{top.pk}?add_comment_reply_id={top.pk}"))
    assert len(page.select("li.comment")) == 2
    form = page.select_one(f"#add_comment_reply_placeholder_{top.pk} form.new_comment")
    assert form["action"] == f"/comments/{top.pk}/comments"
    assert form["data-draft-key"] == f"comment:reply:{top.pk}"


def test_edit_page_and_last_edited(reader_client, client, work):
    reader_client.post(f"/works/{work.pk}/comments", body("Frist"))
    comment = Comment.objects.get()
    assert reader_client.get(f"/comments/{comment.pk}/edit").status_code == 200
    response = reader_client.post(f"/comments/{comment.pk}/edit", body("First"))
    assert response.status_code == 302
    page = soup(client.get(f"/works/{work.pk}?show_comments=true"))
    assert page.select_one(f"li#comment_{comment.pk} .edited").text.startswith("Last Edited")
    response = reader_client.post(f"/comments/{comment.pk}",
                                  {**body("Fourth"), "_method": "put"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert "Fourth" in comment.content


def test_someone_else_cannot_edit(logged_in, reader_client, work):
    reader_client.post(f"/works/{work.pk}/comments", body())
    comment = Comment.objects.get()
    other = logged_in(UserFactory())
    assert other.get(f"/comments/{comment.pk}/edit").status_code == 403
    assert other.post(f"/comments/{comment.pk}/edit", body("x")).status_code == 403


def test_delete_with_method_delete_leaves_placeholder(reader_client, creator_client, work):
    reader_client.post(f"/works/{work.pk}/comments", body("Top"))
    top = Comment.objects.get()
    creator_client.post(f"/comments/{top.pk}/comments", body("Reply"))
    assert reader_client.get(f"/comments/{top.pk}/delete").status_code == 200
    response = reader_client.post(f"/comments/{top.pk}", {"_method": "delete"})
    assert response.status_code == 302
    page = soup(reader_client.get(f"/works/{work.pk}?show_comments=true"))
    assert page.select_one(f"li#comment_{top.pk} .message").text == "(Previous comment deleted.)"
    assert page.select_one("dd.comments").text == "1"


def test_freeze_and_hide_actions(reader_client, creator_client, client, work):
    reader_client.post(f"/works/{work.pk}/comments", body("Top"))
    top = Comment.objects.get()
    assert reader_client.post(f"/comments/{top.pk}/freeze").status_code == 403
    assert creator_client.post(f"/comments/{top.pk}/freeze").status_code == 302
    page = soup(reader_client.get(f"/works/{work.pk}?show_comments=true"))
    item = page.select_one(f"li#comment_{top.pk}")
    assert "Reply" not in [a.text for a in item.select("ul.actions a")]
    assert item.select_one(".frozen")
    assert reader_client.post(f"/comments/{top.pk}/comments", body("no")).status_code == 403
    creator_client.post(f"/comments/{top.pk}/hide")
    assert soup(client.get(f"/works/{work.pk}?show_comments=true")).select_one(
        f"li#comment_{top.pk}") is None
    mine = soup(reader_client.get(f"/works/{work.pk}?show_comments=true")).select_one(
        f"li#comment_{top.pk}")
    assert "hidden" in mine["class"] and "hidden by the work's creator" in mine.text
    assert client.get(f"/comments/{top.pk}").status_code == 404


def test_moderation_queue(reader_client, creator_client, client, creator):
    work = WorkFactory(creator=creator, moderated_comments=True)
    reader_client.post(f"/works/{work.pk}/comments", body("Please approve"))
    waiting = Comment.objects.get()
    assert not waiting.approved
    assert soup(client.get(f"/works/{work.pk}?show_comments=true")).select_one(
        f"li#comment_{waiting.pk}") is None
    own = soup(reader_client.get(f"/works/{work.pk}?show_comments=true")).select_one(
        f"li#comment_{waiting.pk}")
    assert "awaiting approval" in own.text
    assert reader_client.get(f"/works/{work.pk}/comments/unreviewed").status_code == 403
    assert client.get(f"/works/{work.pk}/comments/unreviewed").status_code == 302
    queue = soup(creator_client.get(f"/works/{work.pk}/comments/unreviewed"))
    assert queue.select_one(f"li#comment_{waiting.pk}")
    creator_client.post(f"/comments/{waiting.pk}/approve")
    assert soup(client.get(f"/works/{work.pk}?show_comments=true")).select_one(
        f"li#comment_{waiting.pk}")


def test_anonymous_work_never_reveals_creator_in_comments(reader_client, logged_in, creator):
    work = WorkFactory(creator=creator, anonymous=True)
    logged_in(creator).post(f"/works/{work.pk}/comments", body("From the writer"))
    comment = Comment.objects.get()
    response = reader_client.get(f"/works/{work.pk}?show_comments=true")
    item = soup(response).select_one(f"li#comment_{comment.pk}")
    assert "Anonymous Creator" in item.select_one("h4.byline").text
    assert creator.username not in response.content.decode()
    assert creator.username not in reader_client.get(f"/comments/{comment.pk}").content.decode()


def test_hidden_work_comments_are_not_there(client, reader_client, creator):
    work = WorkFactory(creator=creator, restricted=True)
    reader_client.post(f"/works/{work.pk}/comments", body())
    comment = Comment.objects.get()
    response = client.get(f"/comments/{comment.pk}")
    assert response.status_code == 302 and "/users/login?" in response["Location"]
    draft = WorkFactory(creator=creator, posted=False)
    assert reader_client.post(f"/works/{draft.pk}/comments", body()).status_code == 404


def test_page_with_20_flat_threads_keeps_a_fixed_query_count(
    reader_client, creator, work, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        # Once to settle what a first visit records (hits, reading history).
        reader_client.get(f"/works/{work.pk}?show_comments=true")
        with CaptureQueriesContext(connection) as captured:
            assert reader_client.get(f"/works/{work.pk}?show_comments=true").status_code == 200
        return len(captured)

    def add(n):
        for i in range(n):
            person = UserFactory()
            c = Comment.objects.create(work=work, user=person, pseud=person.pseuds.first(),
                                       content=f"<p>{i}</p>")
            Comment.objects.filter(pk=c.pk).update(thread=c)

    add(2)
    few = queries()
    add(18)
    many = queries()
    assert many == few
    with django_assert_max_num_queries(30):
        reader_client.get(f"/works/{work.pk}?show_comments=true")


def test_a_comment_that_fails_the_csrf_check_is_offered_back(reader, work):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(reader, backend="django.contrib.auth.backends.ModelBackend")
    strict.get(f"/works/{work.pk}")
    text = "A long comment typed while the page sat open all afternoon."
    response = strict.post(
        f"/works/{work.pk}/comments",
        {"comment[comment_content]": text, "csrfmiddlewaretoken": "stale" * 8},
        HTTP_REFERER=f"http://testserver/works/{work.pk}",
    )
    assert response.status_code == 302
    assert response["Location"] == f"/works/{work.pk}"
    page = BeautifulSoup(strict.get(response["Location"]).content, "html.parser")
    assert page.select_one(f"#comment_content_for_{work.pk}").get_text() == text
    assert not page.select_one("#comment_restored_notice").has_attr("hidden")
    assert "was not posted" in page.select_one(".flash").get_text()


def test_a_forged_comment_post_is_not_kept(reader, work):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(reader, backend="django.contrib.auth.backends.ModelBackend")
    response = strict.post(
        f"/works/{work.pk}/comments",
        {"comment[comment_content]": "Words someone else chose."},
        HTTP_REFERER="https://elsewhere.example/page",
    )
    assert response.status_code == 403
    page = BeautifulSoup(strict.get(f"/works/{work.pk}").content, "html.parser")
    assert page.select_one(f"#comment_content_for_{work.pk}").get_text() == ""


def test_deeply_nested_comment_is_refused_with_the_limit_and_kept(reader_client, work):
    nested = "<ul>" * 2_500  # 10,000 characters: the comment length limit
    response = reader_client.post(f"/works/{work.pk}/comments", body(nested))
    assert response.status_code == 422
    page = soup(response)
    assert "at most 100 levels" in page.select_one("#error").text
    assert page.select_one(f"textarea#comment_content_for_{work.pk}").text == nested
    assert not Comment.objects.exists()
