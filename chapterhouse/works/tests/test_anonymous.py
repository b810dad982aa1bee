"""Anonymous works: readers see "Anonymous" and nothing that leads to the creator.

Every reading page of an anonymous work is opened as a guest and as a signed-in
reader; the byline says "Anonymous" and no link in the page's main region goes
to a /users/ page. The creator keeps her edit links and sees her own name in
brackets; nobody else finds the work on her works pages.
"""

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.tags.fixed import GENERAL, NO_WARNINGS_APPLY
from chapterhouse.works.models import RelatedWork, Work
from chapterhouse.works.tests.factories import WorkFactory, add_to_series

pytestmark = pytest.mark.django_db

CREATOR = "hollowquill"
TEXT = "The ferry crossed at dawn, and nobody on it admitted to writing the letter."


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def main_of(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content.decode(), "html.parser").select_one("div#main")


def words(element) -> str:
    """The element's text as a reader reads it: words separated by single spaces."""
    return " ".join(element.get_text(" ").split())


def user_links(region) -> list[str]:
    return [a["href"] for a in region.select("a[href]") if "/users/" in a["href"]]


@pytest.fixture
def creator(db):
    return UserFactory(username=CREATOR)


@pytest.fixture
def oneshot(creator):
    return WorkFactory(creator=creator, anonymous=True, title="Letters Nobody Signed")


@pytest.fixture
def chaptered(creator):
    return WorkFactory(creator=creator, anonymous=True, chapters=3, title="Ferry Crossings")


@pytest.fixture(params=["guest", "reader"])
def viewer_client(request, db):
    if request.param == "guest":
        return Client()
    return signed_in(UserFactory(username="pagesreader"))


def reading_pages(oneshot, chaptered) -> dict[str, str]:
    second = chaptered.chapters.get(position=2)
    return {
        "work page": f"/works/{oneshot.pk}",
        "chapter page": f"/works/{chaptered.pk}/chapters/{second.pk}",
        "entire work": f"/works/{chaptered.pk}?view_full_work=true",
    }


# What readers see --------------------------------------------------------------


def test_readers_see_anonymous_in_the_byline_of_every_reading_page(
    viewer_client, oneshot, chaptered
):
    for name, path in reading_pages(oneshot, chaptered).items():
        response = viewer_client.get(path)
        main = main_of(response)
        byline = main.select_one("h3.byline.heading")
        assert byline.get_text(strip=True) == "Anonymous", name
        assert not byline.select("a"), name
        assert user_links(main) == [], name
        assert CREATOR not in response.content.decode(), name


def test_readers_see_anonymous_in_the_chapter_index(viewer_client, chaptered):
    response = viewer_client.get(f"/works/{chaptered.pk}/navigate")
    main = main_of(response)
    heading = main.select_one("h2.heading")
    assert words(heading).endswith("by Anonymous")
    assert user_links(main) == []
    assert CREATOR not in response.content.decode()


def test_readers_see_anonymous_on_the_blurb(viewer_client, oneshot):
    response = viewer_client.get("/")
    blurb = main_of(response).select_one(f"li#work_{oneshot.pk}")
    heading = words(blurb.select_one("h4.heading"))
    assert heading.startswith("Letters Nobody Signed by Anonymous")
    assert user_links(blurb) == []
    assert CREATOR not in response.content.decode()


def test_blurb_of_a_signed_work_still_links_its_creator(viewer_client, creator):
    signed = WorkFactory(creator=creator, title="A Signed Postcard")
    blurb = main_of(viewer_client.get("/")).select_one(f"li#work_{signed.pk}")
    assert user_links(blurb) == [f"/users/{CREATOR}/pseuds/{CREATOR}"]


def test_series_of_an_anonymous_work_names_nobody(viewer_client, oneshot):
    series = add_to_series(oneshot)
    response = viewer_client.get(f"/series/{series.pk}")
    main = main_of(response)
    meta = main.select_one("dl.series.meta")
    assert "Anonymous" in meta.get_text()
    assert user_links(main) == []
    assert CREATOR not in response.content.decode()


def test_related_works_credit_an_anonymous_parent_as_anonymous(viewer_client, oneshot):
    child = WorkFactory(title="Reply to the Letters", creator=UserFactory(username="replywright"))
    RelatedWork.objects.create(work=child, parent=oneshot)
    response = viewer_client.get(f"/works/{child.pk}")
    associations = words(main_of(response).select_one("ul.associations"))
    assert "Inspired by Letters Nobody Signed by Anonymous" in associations
    assert CREATOR not in response.content.decode()
    # …and the parent's list of works inspired by it names the child's creator as usual.
    children = main_of(viewer_client.get(f"/works/{oneshot.pk}")).select_one("div#children")
    assert "Reply to the Letters by replywright" in words(children)
    assert user_links(children) == ["/users/replywright"]


# Works pages of the creator ------------------------------------------------------


def test_others_do_not_find_the_work_on_the_creators_works_pages(viewer_client, creator, oneshot):
    signed = WorkFactory(creator=creator, title="A Signed Postcard")
    for path in (f"/users/{CREATOR}/works", f"/users/{CREATOR}/pseuds/{CREATOR}/works"):
        main = main_of(viewer_client.get(path))
        listed = [li["id"] for li in main.select("ol.work.index > li")]
        assert listed == [f"work_{signed.pk}"], path
        assert words(main.select_one("h2.heading")).startswith("1 - 1 of 1 ")


def test_others_do_not_find_a_series_holding_the_work_on_the_creators_series_page(
    viewer_client, creator, oneshot
):
    add_to_series(oneshot)
    main = main_of(viewer_client.get(f"/users/{CREATOR}/series"))
    assert main.select("ul.series.index > li") == []


def test_the_creators_works_page_lists_anonymous_works_to_her_alone(creator, oneshot):
    signed = WorkFactory(creator=creator, title="A Signed Postcard")
    for client in (Client(), signed_in(UserFactory()), signed_in(UserFactory(is_staff=True))):
        main = main_of(client.get(f"/users/{CREATOR}/works"))
        assert [li["id"] for li in main.select("ol.work.index > li")] == [f"work_{signed.pk}"]
        assert words(main.select_one("h2.heading")).startswith("1 - 1 of 1 ")
    main = main_of(signed_in(creator).get(f"/users/{CREATOR}/works"))
    assert {li["id"] for li in main.select("ol.work.index > li")} == {
        f"work_{signed.pk}", f"work_{oneshot.pk}"
    }
    assert words(main.select_one("h2.heading")).startswith("1 - 2 of 2 ")


def test_creator_finds_her_anonymous_work_on_her_own_works_page(creator, oneshot):
    main = main_of(signed_in(creator).get(f"/users/{CREATOR}/works"))
    blurb = main.select_one(f"li#work_{oneshot.pk}")
    assert blurb is not None, "the creator's own anonymous work is missing from her works page"
    assert words(blurb.select_one("h4.heading")).startswith(
        f"Letters Nobody Signed by Anonymous [ {CREATOR} ]")
    assert blurb.select_one("ul.actions a[href$='/edit']")


def test_creator_finds_a_series_holding_her_anonymous_work_on_her_series_page(creator, oneshot):
    add_to_series(oneshot)
    main = main_of(signed_in(creator).get(f"/users/{CREATOR}/series"))
    series = main.select("ul.series.index > li")
    assert len(series) == 1
    assert words(series[0].select_one("h4.heading")).endswith(f"by Anonymous [ {CREATOR} ]")


# The creator and admins ---------------------------------------------------------


def test_creator_still_edits_and_sees_her_name_in_brackets(creator, oneshot):
    client = signed_in(creator)
    main = main_of(client.get(f"/works/{oneshot.pk}"))
    byline = main.select_one("h3.byline.heading")
    assert byline.get_text(strip=True) == f"Anonymous [{CREATOR}]"
    assert main.select_one("ul.work.navigation li.edit a")["href"] == f"/works/{oneshot.pk}/edit"
    assert client.get(f"/works/{oneshot.pk}/edit").status_code == 200


def test_admin_sees_who_wrote_an_anonymous_work(oneshot):
    admin = UserFactory(username="deskwarden", is_staff=True)
    byline = main_of(signed_in(admin).get(f"/works/{oneshot.pk}")).select_one("h3.byline")
    assert byline.get_text(strip=True) == f"Anonymous [{CREATOR}]"


def test_another_reader_cannot_edit_an_anonymous_work(oneshot):
    reader = signed_in(UserFactory())
    assert reader.get(f"/works/{oneshot.pk}/edit").status_code == 403


# The posting form ------------------------------------------------------------------


def work_post_data(**kwargs):
    data = {
        "title": "Unsigned Letters", "rating": str(GENERAL),
        "warnings": [str(NO_WARNINGS_APPLY)], "fandoms": "Harbour Town",
        "language": "en", "comment_permission": "everyone", "corrections_enabled": "on",
        "content": TEXT, "content_format": "html", "summary_format": "html",
        "notes_format": "html", "endnotes_format": "html", "expected_chapters": "?",
    }
    data.update(kwargs)
    return data


def test_posting_form_round_trips_the_anonymous_checkbox(creator):
    client = signed_in(creator)
    form = BeautifulSoup(client.get("/works/new").content, "html.parser")
    label = form.select_one("label[for=id_anonymous]")
    assert label.get_text(strip=True).startswith("Post anonymously")
    assert not form.select_one("input#id_anonymous").has_attr("checked")

    response = client.post("/works/new", work_post_data(anonymous="on", post_button="Post"))
    work = Work.objects.get(title="Unsigned Letters")
    assert response.status_code == 302 and work.posted and work.anonymous
    edit = BeautifulSoup(client.get(f"/works/{work.pk}/edit").content, "html.parser")
    assert edit.select_one("input#id_anonymous").has_attr("checked")

    # Unticking it on the edit form signs the work again.
    client.post(f"/works/{work.pk}/edit", work_post_data(update_button="Update"))
    work.refresh_from_db()
    assert not work.anonymous
    assert user_links(main_of(Client().get(f"/works/{work.pk}"))) == [
        f"/users/{CREATOR}/pseuds/{CREATOR}"]
