"""The report pages over HTTP: the form for each kind of target, the thank-you
page and mail, refusals (404, own content, duplicate, 429), and the work
page's Report link."""

import re

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from chapterhouse.moderation.models import Report
from chapterhouse.moderation.services import reports as svc
from chapterhouse.responses.models import Bookmark, Comment
from chapterhouse.responses.services.tasks_runner import tasks_run_pending
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def new_url(target_type, target_id):
    return f"/reports/new?type={target_type}&id={target_id}"


def make_comment(work, user):
    comment = Comment.objects.create(
        work=work, user=user, pseud=user.pseuds.get(is_default=True),
        content="<p>Nobody should read this <em>rubbish</em>, go to spam.example</p>",
    )
    comment.thread = comment
    comment.save(update_fields=["thread"])
    return comment


GOOD = {"category": "spam", "text": "An advert for lamps, not a comment."}


# The form --------------------------------------------------------------------------


def test_guest_sees_what_she_reports_and_must_give_an_email(client, work):
    page = client.get(new_url("work", work.pk))
    assert page.status_code == 200
    html = soup(page)
    assert html.select_one("#reported a").text == "The Salt Road"
    assert html.select_one("#reported a")["href"] == f"/works/{work.pk}"
    form = html.select_one("form#new_abuse_report")
    assert form["method"] == "post"
    assert form.select_one("input[name=csrfmiddlewaretoken]")
    assert form.select_one("input[name=email]")
    assert len(form.select("input[name=category][type=radio]")) == 8
    assert form.select_one("textarea[name=text]")["maxlength"] == "2000"
    assert html.select_one("label[for=id_text]")


def test_ao3s_report_address_leads_to_the_same_form(client, work):
    page = client.get(f"/abuse_reports/new?type=work&id={work.pk}")
    assert page.status_code == 200
    html = soup(page)
    assert html.select_one("#reported a")["href"] == f"/works/{work.pk}"
    assert html.select_one("form#new_abuse_report") is not None


def test_report_address_with_nothing_named_asks_for_the_link(client, work):
    page = client.get("/abuse_reports/new")
    assert page.status_code == 200
    assert soup(page).select_one('form#new_abuse_report input[name="url"]') is not None
    chapter = work.chapters.first()
    sent = client.get("/reports/new", {"url": f"http://testserver/works/{work.pk}/chapters/{chapter.pk}"})
    assert sent.status_code == 302
    assert sent["Location"].startswith(f"/reports/new?type=chapter&id={chapter.pk}")
    assert client.get(sent["Location"]).status_code == 200
    wrong = client.get("/reports/new", {"url": "https://example.org/elsewhere"})
    assert wrong.status_code == 400
    html = soup(wrong)
    assert "does not lead to a work" in html.select_one("div.flash.error").get_text()
    # What she typed is kept.
    assert html.select_one('input[name="url"]')["value"] == "https://example.org/elsewhere"


def test_signed_in_reader_is_not_asked_for_an_email(reader_client, work):
    form = soup(reader_client.get(new_url("work", work.pk))).select_one("form#new_abuse_report")
    assert form is not None and form.select_one("input[name=email]") is None


@pytest.mark.parametrize("target_type", ["chapter", "comment", "bookmark", "user"])
def test_each_kind_of_target_has_a_report_page(target_type, reader_client, work, other_user):
    chapter = work.chapters.get()
    target_id, label, link = {
        "chapter": lambda: (chapter.pk, "Chapter 1 of The Salt Road",
                            f"/works/{work.pk}/chapters/{chapter.pk}"),
        "comment": lambda: (make_comment(work, other_user).pk, "Comment on The Salt Road",
                            None),
        "bookmark": lambda: (
            Bookmark.objects.create(user=other_user, pseud=other_user.pseuds.get(),
                                    work=work).pk,
            f"Bookmark of The Salt Road by {other_user.username}", None),
        "user": lambda: (other_user.pk, other_user.username, f"/users/{other_user.username}"),
    }[target_type]()
    html = soup(reader_client.get(new_url(target_type, target_id)))
    reported = html.select_one("#reported")
    assert reported.select_one("h3").text == f"You are reporting this {target_type}"
    assert reported.select_one("a").text == label
    if link:
        assert reported.select_one("a")["href"] == link
    if target_type == "comment":
        assert reported.select_one("blockquote.excerpt").text == (
            "Nobody should read this rubbish, go to spam.example"
        )


def test_nothing_to_report_is_a_404(reader_client, work):
    draft = WorkFactory(posted=False)
    for url in (new_url("work", draft.pk), new_url("news", 1), new_url("work", "x"),
                "/reports/new?type=work", new_url("comment", 424242)):
        assert reader_client.get(url).status_code == 404
    assert reader_client.post(new_url("work", draft.pk), GOOD).status_code == 404
    assert not Report.objects.exists()


def test_guest_gets_404_for_a_restricted_work(client):
    locked = WorkFactory(restricted=True)
    assert client.get(new_url("work", locked.pk)).status_code == 404


def test_creator_is_told_she_cannot_report_her_own_work(creator_client, work):
    for response in (creator_client.get(new_url("work", work.pk)),
                     creator_client.post(new_url("work", work.pk), GOOD)):
        assert response.status_code == 403
        assert soup(response).select_one("#error").text.strip() == svc.OWN_CONTENT["work"]
    assert not Report.objects.exists()


# Sending ------------------------------------------------------------------------------


def test_guest_report_thanks_her_and_mails_her(
    work, mailoutbox, django_capture_on_commit_callbacks
):
    client = Client(REMOTE_ADDR="198.51.100.23")
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            new_url("work", work.pk),
            {**GOOD, "email": "pell@example.org", "url": f"/works/{work.pk}?view_full_work=true"},
        )
    report = Report.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/reports/{report.pk}/thanks"
    assert report.reporter is None and report.reporter_email == "pell@example.org"
    assert report.category == "spam" and report.text == GOOD["text"]
    assert report.url == f"/works/{work.pk}?view_full_work=true"
    assert report.reporter_address == "198.51.100.23"
    thanks = client.get(sent["Location"])
    assert thanks.status_code == 200
    notice = soup(thanks).select_one(".flash.notice").text
    assert f"your report (#{report.pk}) reached the admins" in notice
    assert "sent you an email" in notice
    assert tasks_run_pending() == 1  # the worker sends it
    [mail] = mailoutbox
    assert mail.to == ["pell@example.org"] and f"#{report.pk}" in mail.subject


def test_reader_report_uses_her_account(reader_client, reader, work, mailoutbox,
                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = reader_client.post(new_url("work", work.pk), {**GOOD, "email": "ignored@x.org"})
    report = Report.objects.get()
    assert sent["Location"] == f"/reports/{report.pk}/thanks"
    assert report.reporter == reader and report.reporter_email == ""
    tasks_run_pending()
    assert mailoutbox[0].to == [reader.email]


def test_the_report_link_remembers_the_page_it_was_on(reader_client, work):
    page = reader_client.get(new_url("work", work.pk) + f"&from=/works/{work.pk}/chapters/9")
    hidden = soup(page).select_one("form#new_abuse_report input[name=url]")
    assert hidden["value"] == f"/works/{work.pk}/chapters/9"
    page = reader_client.get(new_url("work", work.pk), HTTP_REFERER="https://evil.example/x")
    assert soup(page).select_one("input[name=url]").get("value", "") == ""


def test_thanks_page_is_only_for_the_browser_that_sent_it(reader_client, work, client):
    sent = reader_client.post(new_url("work", work.pk), GOOD)
    assert client.get(sent["Location"]).status_code == 404
    assert reader_client.get("/reports/999/thanks").status_code == 404


def test_bad_input_shows_the_form_again_with_what_was_typed(client, work):
    typed = "The summary gives a phone number of a real person, I think."
    page = client.post(new_url("work", work.pk),
                       {"category": "personal", "text": typed, "email": "nope"})
    assert page.status_code == 422
    html = soup(page)
    assert html.select_one("#error")
    assert html.select_one("#id_email_field .error").text == svc.EMAIL_INVALID
    assert html.select_one("textarea[name=text]").text.strip() == typed
    assert html.select_one("input[name=category][value=personal]").has_attr("checked")
    page = client.post(new_url("work", work.pk),
                       {"category": "spam", "text": "x" * 2001, "email": "a@example.org"})
    assert soup(page).select_one("#id_text_field .error").text == svc.TEXT_TOO_LONG
    page = client.post(new_url("work", work.pk), {"text": "", "email": "a@example.org"})
    html = soup(page)
    assert html.select_one("#id_text_field .error").text == svc.TEXT_REQUIRED
    assert html.select_one("#id_category_field .error")
    assert not Report.objects.exists()


def test_csrf_is_required(work):
    client = Client(enforce_csrf_checks=True)
    response = client.post(new_url("work", work.pk), {**GOOD, "email": "pell@example.org"})
    assert response.status_code == 403
    assert not Report.objects.exists()


# Duplicates and limits -------------------------------------------------------------------


def test_second_report_of_the_same_work_says_it_is_already_reported(reader_client, work):
    reader_client.post(new_url("work", work.pk), GOOD)
    again = reader_client.get(new_url("work", work.pk))
    assert svc.ALREADY_REPORTED in soup(again).select_one("#error").text
    assert soup(again).select_one("form#new_abuse_report") is None
    posted = reader_client.post(new_url("work", work.pk), GOOD)
    assert posted.status_code == 409
    assert svc.ALREADY_REPORTED in soup(posted).select_one("#error").text
    assert Report.objects.count() == 1


def test_too_many_reports_get_a_429_that_says_when_to_try_again(reader_client):
    works = [WorkFactory() for _ in range(11)]
    for each in works[:10]:
        assert reader_client.post(new_url("work", each.pk), GOOD).status_code == 302
    for response in (reader_client.get(new_url("work", works[10].pk)),
                     reader_client.post(new_url("work", works[10].pk), GOOD)):
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert re.search(r"try again in \d+ (minutes?|seconds?|hours?)",
                         soup(response).select_one("#main").text)
    assert Report.objects.count() == 10


# The work page's link ---------------------------------------------------------------------


def report_link(response):
    return soup(response).select_one("ul.work.navigation.actions li.report a")


def test_work_page_has_a_report_link_for_readers_and_guests(client, reader_client, work):
    for viewer in (client, reader_client):
        link = report_link(viewer.get(f"/works/{work.pk}"))
        assert link is not None and link.text == "Report"
        assert link["href"].startswith(f"/reports/new?type=work&id={work.pk}&from=")
        assert viewer.get(link["href"]).status_code == 200


def test_creators_do_not_see_a_report_link_on_their_work(creator_client, work):
    page = creator_client.get(f"/works/{work.pk}")
    assert page.status_code == 200
    assert report_link(page) is None


def test_report_page_of_an_anonymous_work_does_not_name_its_creator(client, creator):
    hidden_name = WorkFactory(creator=creator, title="Nameless Tide", anonymous=True)
    page = client.get(new_url("work", hidden_name.pk))
    assert page.status_code == 200
    assert "Nameless Tide" in soup(page).select_one("#reported").text
    assert creator.username not in page.content.decode()


def test_a_chapter_page_reports_that_chapter(client):
    from bs4 import BeautifulSoup

    from chapterhouse.works.tests.factories import WorkFactory

    work = WorkFactory(chapters=3)
    second = work.chapters.order_by("position")[1]
    page = client.get(f"/works/{work.pk}/chapters/{second.pk}?view_adult=true")
    link = BeautifulSoup(page.content, "html.parser").select_one("li.report a")
    assert link.get_text() == "Report Chapter"
    assert link["href"].startswith(f"/reports/new?type=chapter&id={second.pk}&from=")
    whole = client.get(f"/works/{work.pk}?view_full_work=true&view_adult=true")
    link = BeautifulSoup(whole.content, "html.parser").select_one("li.report a")
    assert link.get_text() == "Report"
    assert link["href"].startswith(f"/reports/new?type=work&id={work.pk}&from=")
    assert client.get(link["href"]).status_code == 200
