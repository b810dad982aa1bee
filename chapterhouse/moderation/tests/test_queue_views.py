"""The admin queue over HTTP: who may open it, the grouped list, one target's
page, and what each action (alone and in bulk) does for readers."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.moderation.models import (
    AuditEntry,
    Report,
    ReportCategory,
    ReportStatus,
    TargetType,
)
from chapterhouse.responses.models import Bookmark, Comment
from chapterhouse.works.models import Work
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

SPAM_TEXT = "<p>Cheap lanterns, best prices at lanterns.example.com today!</p>"


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def report(target_type, target_id, *, category=ReportCategory.SPAM, reporter=None,
           text="Please look at this."):
    return Report.objects.create(
        target_type=target_type, target_id=target_id, category=category, text=text,
        reporter=reporter, reporter_email="" if reporter else "worried@example.org",
        reporter_address=None if reporter else "203.0.113.5",
    )


def comment_by(user, work, text=SPAM_TEXT):
    comment = Comment.objects.create(work=work, user=user, pseud=user.pseuds.first(),
                                     content=text)
    Comment.objects.filter(pk=comment.pk).update(thread=comment)
    return comment


@pytest.fixture
def abuse(make_admin, admin_client):
    return admin_client(make_admin("policy_pat", role="policy_abuse"))


@pytest.fixture
def spammer(db):
    return UserFactory(username="lantern_seller")


# Who may open it ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/moderation", "/moderation/reports"])
@pytest.mark.parametrize("role", ["policy_abuse", "superadmin"])
def test_policy_and_superadmins_open_the_queue(make_admin, admin_client, role, path):
    assert admin_client(make_admin("ada", role=role)).get(path).status_code == 200


@pytest.mark.parametrize("path", ["/moderation/reports", "/moderation/reports/work/1"])
@pytest.mark.parametrize("role", ["support", "wrangler"])
def test_support_and_wranglers_are_refused(make_admin, admin_client, role, path):
    assert admin_client(make_admin("bea", role=role)).get(path).status_code == 403


def test_the_admin_front_page_offers_only_what_the_role_opens(make_admin, admin_client):
    """Support has no reports to handle, but the front page is hers too, with
    her own pages on it; a wrangler has no admin pages at all."""
    page = admin_client(make_admin("cal", role="support")).get("/moderation")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'href="/moderation/news"' in text and 'href="/moderation/users"' in text
    assert 'href="/moderation/reports"' not in text and 'href="/moderation/roles"' not in text
    wrangler = admin_client(make_admin("dov", role="wrangler"))
    assert wrangler.get("/moderation").status_code == 403


def test_readers_are_refused_and_guests_sent_to_log_in(reader_client, client):
    assert reader_client.get("/moderation/reports").status_code == 403
    response = client.get("/moderation/reports")
    assert response.status_code == 302 and response["Location"].startswith("/users/login?")


def test_session_without_second_factor_gets_the_mfa_page(make_admin, admin_client):
    response = admin_client(make_admin("cy", role="policy_abuse"), mfa=False).get(
        "/moderation/reports"
    )
    assert response.status_code == 403
    assert "Two-factor log-in needed" in response.content.decode()


def test_actions_refuse_without_second_factor(make_admin, admin_client, work):
    client = admin_client(make_admin("dee", role="policy_abuse"), mfa=False)
    response = client.post(f"/moderation/reports/work/{work.pk}/hide", {"reason": "x"})
    assert response.status_code == 403
    assert not Work.objects.get(pk=work.pk).hidden_by_admin


# Dashboard and the list -----------------------------------------------------------


def test_dashboard_counts_open_reports_and_links_by_role(make_admin, admin_client, work, reader):
    report(TargetType.WORK, work.pk)
    report(TargetType.WORK, work.pk)
    report(TargetType.COMMENT, comment_by(reader, work).pk)
    page = soup(admin_client(make_admin("eve", role="policy_abuse")).get("/moderation"))
    assert page.select_one("#count_work td.targets").text == "1"
    assert page.select_one("#count_work td.reports").text == "2"
    assert page.select_one("#count_comment td.reports").text == "1"
    links = [a["href"] for a in page.select("#admin_pages dt a")]
    assert "/moderation/site" in links and "/moderation/users" in links
    assert "/moderation/roles" not in links and "/moderation/news" not in links
    boss = soup(admin_client(make_admin("fay")).get("/moderation"))
    assert "/moderation/roles" in [a["href"] for a in boss.select("#admin_pages dt a")]


def test_queue_groups_reports_by_target(abuse, work, reader, spammer):
    comment = comment_by(spammer, work)
    report(TargetType.WORK, work.pk, category=ReportCategory.WRONG_TAGS)
    for _ in range(3):
        report(TargetType.COMMENT, comment.pk)
    page = soup(abuse.get("/moderation/reports"))
    rows = page.select("table.reports.queue tbody tr")
    assert [r["id"] for r in rows] == [f"target_comment_{comment.pk}", f"target_work_{work.pk}"]
    first = rows[0]
    assert first.select_one("td.count").text == "3"
    assert first.select_one("td.creator").text == "lantern_seller"
    assert first.select_one("td.categories").text == "Spam or advertising"
    assert first.select_one("th.item a")["href"] == f"/moderation/reports/comment/{comment.pk}"
    assert "lanterns.example.com" in first.select_one("p.excerpt").text
    assert first.select_one("input[type=checkbox]")["value"] == f"comment:{comment.pk}"


def test_queue_filters_by_type_and_status(abuse, work, reader):
    comment = comment_by(reader, work)
    report(TargetType.WORK, work.pk)
    report(TargetType.COMMENT, comment.pk)
    Report.objects.filter(target_type="comment").update(status=ReportStatus.DISMISSED)
    ids = [r["id"] for r in soup(abuse.get("/moderation/reports?type=comment"))
           .select("tbody tr")]
    assert ids == []
    ids = [r["id"] for r in soup(abuse.get("/moderation/reports?status=dismissed"))
           .select("tbody tr")]
    assert ids == [f"target_comment_{comment.pk}"]


def test_queue_page_query_count_does_not_grow(abuse, django_assert_max_num_queries, spammer):
    for n in range(8):
        work = WorkFactory(creator=spammer, title=f"Lamp {n}")
        report(TargetType.WORK, work.pk)
        report(TargetType.COMMENT, comment_by(spammer, work).pk)
        report(TargetType.BOOKMARK, Bookmark.objects.create(
            user=spammer, pseud=spammer.pseuds.first(), work=work, notes="<p>nice</p>").pk)
    with django_assert_max_num_queries(22):
        response = abuse.get("/moderation/reports")
    assert len(soup(response).select("tbody tr")) == 20


# One target's page ---------------------------------------------------------------


def test_target_page_shows_content_reports_history_and_activity(abuse, work, reader, spammer):
    comment = comment_by(spammer, work)
    WorkFactory(creator=spammer, title="Lanterns for All")
    report(TargetType.COMMENT, comment.pk, reporter=reader, text="This is an advert.")
    report(TargetType.COMMENT, comment.pk)
    page = soup(abuse.get(f"/moderation/reports/comment/{comment.pk}"))
    assert "lanterns.example.com" in page.select_one("#reported_content .content").text
    reports = page.select("#open_reports li.report")
    assert len(reports) == 2
    texts = page.select_one("#open_reports").text
    assert "This is an advert." in texts and "ashby_reader" in texts
    assert "worried@example.org" in texts and "203.0.113.5" in texts
    assert page.select_one("#history .empty")
    activity = page.select_one("#activity_lantern_seller")
    assert [a.text for a in activity.select("ul.works a")] == ["Lanterns for All"]
    assert activity.select_one("ul.comments a")["href"] == f"/comments/{comment.pk}"
    assert page.select_one("#action_hide textarea[name=reason]").has_attr("required")
    assert page.select_one("#action_dismiss")


def test_work_target_page_shows_metadata_and_first_chapter(abuse, work):
    chapter = work.chapters.first()
    chapter.content = "<p>The ferry left without her.</p>"
    chapter.save()
    report(TargetType.WORK, work.pk, category=ReportCategory.WRONG_TAGS)
    page = soup(abuse.get(f"/moderation/reports/work/{work.pk}"))
    assert page.select_one("h2.heading").text == "Work: The Salt Road"
    assert page.select_one("dl.work.meta dd.rating")
    assert "The ferry left without her." in page.select_one("blockquote.excerpt").text


def test_user_target_links_to_the_user_admin_page(abuse, spammer):
    report(TargetType.USER, spammer.pk)
    page = soup(abuse.get(f"/moderation/reports/user/{spammer.pk}"))
    assert page.select_one("a[href='/moderation/users/lantern_seller']")
    assert page.select_one("#action_hide") is None and page.select_one("#action_dismiss")


def test_unknown_target_is_404(abuse):
    assert abuse.get("/moderation/reports/work/987654").status_code == 404
    assert abuse.get("/moderation/reports/spaceship/1").status_code == 404


# Actions --------------------------------------------------------------------------


def test_hiding_a_comment_hides_it_from_readers(abuse, work, reader_client, spammer):
    comment = comment_by(spammer, work)
    report(TargetType.COMMENT, comment.pk)
    assert "lanterns.example.com" in reader_client.get(
        f"/works/{work.pk}?show_comments=true").content.decode()
    response = abuse.post(f"/moderation/reports/comment/{comment.pk}/hide",
                          {"reason": "Advertising."})
    assert response.status_code == 302
    assert response["Location"] == f"/moderation/reports/comment/{comment.pk}"
    assert "lanterns.example.com" not in reader_client.get(
        f"/works/{work.pk}?show_comments=true").content.decode()
    entry = AuditEntry.objects.get(action="comment.hide")
    assert entry.reason == "Advertising." and entry.actor_name == "policy_pat"
    assert Report.objects.get().status == ReportStatus.ACTIONED
    page = soup(abuse.get(response["Location"]))
    assert "hidden" in page.select_one(".flash").text
    assert page.select_one("#action_unhide") and page.select_one("#action_hide") is None
    assert "comment.hide" in page.select_one("#history").text


def test_hide_needs_a_reason(abuse, work):
    report(TargetType.WORK, work.pk)
    response = abuse.post(f"/moderation/reports/work/{work.pk}/hide", {"reason": "  "})
    assert response.status_code == 422
    assert "Please give a reason" in response.content.decode()
    assert not Work.objects.get(pk=work.pk).hidden_by_admin


def test_hidden_work_is_gone_for_readers_and_unhide_brings_it_back(abuse, work, reader_client):
    report(TargetType.WORK, work.pk)
    abuse.post(f"/moderation/reports/work/{work.pk}/hide", {"reason": "Under review."})
    assert reader_client.get(f"/works/{work.pk}").status_code == 404
    abuse.post(f"/moderation/reports/work/{work.pk}/unhide", {"reason": "Checked; fine."})
    assert reader_client.get(f"/works/{work.pk}").status_code == 200
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "work.hide", "work.unhide"]


def test_delete_asks_for_confirmation_first(abuse, work, reader_client):
    report(TargetType.WORK, work.pk, category=ReportCategory.PLAGIARISM)
    response = abuse.post(f"/moderation/reports/work/{work.pk}/delete",
                          {"reason": "Copied from a novel."})
    assert response.status_code == 200
    form = soup(response).select_one("form[action$='/delete']")
    assert form.select_one("input[name=confirmed]")["value"] == "yes"
    assert form.select_one("textarea[name=reason]").text == "Copied from a novel."
    assert Work.objects.filter(pk=work.pk).exists()
    response = abuse.post(f"/moderation/reports/work/{work.pk}/delete",
                          {"reason": "Copied from a novel.", "confirmed": "yes"})
    assert response.status_code == 302
    assert not Work.objects.filter(pk=work.pk).exists()
    assert reader_client.get(f"/works/{work.pk}").status_code == 404
    page = soup(abuse.get(response["Location"]))
    assert "has been deleted" in page.select_one("p.state").text
    assert "work.delete" in page.select_one("#history").text
    assert Report.objects.get().status == ReportStatus.ACTIONED


def test_mark_comment_as_spam(abuse, work, reader_client, spammer):
    comment = comment_by(spammer, work)
    report(TargetType.COMMENT, comment.pk)
    abuse.post(f"/moderation/reports/comment/{comment.pk}/spam", {"reason": ""})
    comment.refresh_from_db()
    assert comment.spam
    assert "lanterns.example.com" not in reader_client.get(
        f"/works/{work.pk}?show_comments=true").content.decode()
    assert AuditEntry.objects.filter(action="comment.spam").count() == 1


def test_dismiss_closes_reports_and_leaves_content(abuse, work, reader_client):
    report(TargetType.WORK, work.pk)
    report(TargetType.WORK, work.pk)
    response = abuse.post(f"/moderation/reports/work/{work.pk}/dismiss",
                          {"reason": "Tags are fine."})
    assert response.status_code == 302
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.DISMISSED}
    assert reader_client.get(f"/works/{work.pk}").status_code == 200
    assert AuditEntry.objects.get().action == "report.dismiss"
    assert soup(abuse.get("/moderation/reports")).select_one("#queue_empty")


def test_hiding_a_bookmark_hides_it_from_readers(abuse, work, reader_client, spammer):
    bookmark = Bookmark.objects.create(user=spammer, pseud=spammer.pseuds.first(), work=work,
                                       notes="<p>Visit lanterns.example.com</p>")
    report(TargetType.BOOKMARK, bookmark.pk)
    assert reader_client.get(f"/bookmarks/{bookmark.pk}").status_code == 200
    abuse.post(f"/moderation/reports/bookmark/{bookmark.pk}/hide", {"reason": "Advert."})
    assert reader_client.get(f"/bookmarks/{bookmark.pk}").status_code == 404
    assert "lanterns.example.com" not in reader_client.get(
        f"/works/{work.pk}/bookmarks").content.decode()


def test_deleting_a_comment_removes_it(abuse, work, reader_client, spammer):
    comment = comment_by(spammer, work)
    report(TargetType.COMMENT, comment.pk, category=ReportCategory.HARASSMENT)
    response = abuse.post(f"/moderation/reports/comment/{comment.pk}/delete",
                          {"reason": "Threats.", "confirmed": "yes"})
    assert response.status_code == 302
    assert not Comment.objects.filter(pk=comment.pk).exists()
    assert "lanterns.example.com" not in reader_client.get(
        f"/works/{work.pk}?show_comments=true").content.decode()
    assert AuditEntry.objects.get(action="comment.delete").reason == "Threats."


def test_guest_comment_page_shows_guest_address_and_other_comments(abuse, work):
    def guest(text):
        return Comment.objects.create(work=work, guest_name="Pell", content=text,
                                      guest_email="pell@example.org", guest_ip="198.51.100.7")

    first, second = guest("<p>Lamps cheap!</p>"), guest("<p>Lamps cheaper!</p>")
    report(TargetType.COMMENT, first.pk)
    page = soup(abuse.get(f"/moderation/reports/comment/{first.pk}"))
    byline = page.select_one("#reported_content p.byline").text
    assert "Pell (guest)" in byline and "pell@example.org" in byline
    assert "198.51.100.7" in byline
    links = [a["href"] for a in page.select("#guest_activity a")]
    assert links == [f"/moderation/reports/comment/{second.pk}"]

def test_actions_need_post(abuse, work):
    report(TargetType.WORK, work.pk)
    assert abuse.get(f"/moderation/reports/work/{work.pk}/hide").status_code == 405


def test_actions_need_csrf(make_admin, admin_client, work):
    client = admin_client(make_admin("gil", role="policy_abuse"))
    client.handler.enforce_csrf_checks = True
    report(TargetType.WORK, work.pk)
    response = client.post(f"/moderation/reports/work/{work.pk}/hide", {"reason": "x"})
    assert response.status_code == 403
    assert not Work.objects.get(pk=work.pk).hidden_by_admin


# Bulk -------------------------------------------------------------------------------


def test_bulk_spam_on_three_comments(abuse, work, reader_client, spammer):
    comments = [comment_by(spammer, work, f"<p>Lantern deal {n} at lanterns.example.com</p>")
                for n in range(3)]
    for comment in comments:
        report(TargetType.COMMENT, comment.pk)
        report(TargetType.COMMENT, comment.pk)
    response = abuse.post("/moderation/reports/bulk", {
        "target": [f"comment:{c.pk}" for c in comments], "action": "spam",
        "reason": "Spam wave.", "next": "/moderation/reports",
    })
    assert response.status_code == 302 and response["Location"] == "/moderation/reports"
    assert AuditEntry.objects.filter(action="comment.spam").count() == 3
    assert set(AuditEntry.objects.values_list("target_id", flat=True)) == {
        c.pk for c in comments}
    assert Comment.objects.filter(spam=True).count() == 3
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.ACTIONED}
    assert "Lantern deal" not in reader_client.get(
        f"/works/{work.pk}?show_comments=true").content.decode()
    page = soup(abuse.get("/moderation/reports"))
    assert "3 items marked as spam." in page.select_one(".flash").text
    assert page.select_one("#queue_empty")


def test_bulk_hide_needs_reason_and_dismiss_does_not(abuse, work, reader):
    comment = comment_by(reader, work)
    report(TargetType.WORK, work.pk)
    report(TargetType.COMMENT, comment.pk)
    targets = [f"work:{work.pk}", f"comment:{comment.pk}"]
    abuse.post("/moderation/reports/bulk", {"target": targets, "action": "hide", "reason": ""})
    assert not Work.objects.get(pk=work.pk).hidden_by_admin
    assert AuditEntry.objects.count() == 0
    abuse.post("/moderation/reports/bulk", {"target": targets, "action": "dismiss"})
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.DISMISSED}
    assert AuditEntry.objects.filter(action="report.dismiss").count() == 2


def test_bulk_reports_what_it_could_not_do(abuse, work):
    report(TargetType.WORK, work.pk)
    report(TargetType.COMMENT, 424242)
    response = abuse.post("/moderation/reports/bulk", {
        "target": [f"work:{work.pk}", "comment:424242"], "action": "hide",
        "reason": "Sweep.", "next": "https://elsewhere.example/",
    })
    assert response["Location"] == "/moderation/reports"
    assert Work.objects.get(pk=work.pk).hidden_by_admin
    flashes = [f.text for f in soup(abuse.get("/moderation/reports?type=comment"))
               .select(".flash")]
    assert any("1 item hidden." in text for text in flashes)
    assert any("Comment 424242" in text and "deleted" in text for text in flashes)


def test_bulk_is_refused_to_support(make_admin, admin_client, work):
    report(TargetType.WORK, work.pk)
    client = admin_client(make_admin("hal", role="support"))
    response = client.post("/moderation/reports/bulk", {
        "target": [f"work:{work.pk}"], "action": "hide", "reason": "x"})
    assert response.status_code == 403
    assert not Work.objects.get(pk=work.pk).hidden_by_admin


def test_guest_client_cannot_post_bulk():
    response = Client().post("/moderation/reports/bulk", {"action": "spam"})
    assert response.status_code == 302
