"""The reading pages over HTTP, checked with the selectors AO3's tools use."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.utils import timezone

from chapterhouse.accounts.models import Preference
from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.responses.models import Kudos
from chapterhouse.tags.fixed import EXPLICIT, GENERAL, MATURE, TEEN, VIOLENCE
from chapterhouse.tags.models import Tag, TagType
from chapterhouse.works.models import (
    Chapter,
    Creatorship,
    Gift,
    RelatedWork,
    WorkSkin,
    WorkTag,
)
from chapterhouse.works.tests.factories import WorkFactory, add_to_series, tag

pytestmark = pytest.mark.django_db


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def set_rating(work, rating_id):
    WorkTag.objects.filter(work=work, tag__type=TagType.RATING).update(tag_id=rating_id)


def add_tags(work, *tags):
    start = WorkTag.objects.filter(work=work).count()
    for offset, each in enumerate(tags):
        WorkTag.objects.create(work=work, tag=each, position=start + offset)


def prefer(user, **values):
    Preference.objects.filter(user=user).update(**values)


# The work page -----------------------------------------------------------------


def test_work_of_several_chapters_redirects_relatively_to_its_first_chapter(client):
    work = WorkFactory(chapters=3)
    first = work.chapters.order_by("position").first()
    response = client.get(f"/works/{work.pk}")
    assert response.status_code == 302
    assert response["Location"] == f"/works/{work.pk}/chapters/{first.pk}"


def test_readers_who_prefer_whole_works_are_not_redirected(user):
    prefer(user, view_full_works=True)
    work = WorkFactory(chapters=2)
    assert signed_in(user).get(f"/works/{work.pk}").status_code == 200
    # …unless they ask for chapter by chapter.
    assert signed_in(user).get(f"/works/{work.pk}?view_full_work=false").status_code == 302


def test_entire_work_lists_every_chapter_with_its_heading(client):
    work = WorkFactory(chapters=3, expected_chapters=None, complete=False)
    page = soup(client.get(f"/works/{work.pk}?view_full_work=true"))
    chapters = page.select("div#chapters > div.chapter")
    assert [c["id"] for c in chapters] == ["chapter-1", "chapter-2", "chapter-3"]
    heading = chapters[1].select_one('div[class="chapter preface group"] > h3.title')
    assert heading.get_text() == "Chapter 2: Part 2"
    assert heading.a["href"] == f"/works/{work.pk}/chapters/{work.chapters.get(position=2).pk}"
    body = chapters[1].select_one('div[class="userstuff module"][role=article]')
    assert body.select_one('h3[class="landmark heading"]#work').get_text() == "Chapter Text"
    assert "Chapter 2 begins with rain" in body.get_text()
    nav = page.select_one('ul[class="work navigation actions"]')
    assert nav.select_one('li[class="chapter bychapter"] a')["href"].startswith(
        f"/works/{work.pk}/chapters/"
    )


def test_one_shot_puts_its_text_directly_in_chapters(client):
    work = WorkFactory()
    page = soup(client.get(f"/works/{work.pk}"))
    body = page.select_one("div#chapters > div.userstuff")
    assert body["class"] == ["userstuff"]
    assert "Chapter 1 begins with rain" in body.get_text()
    assert page.select("div#chapters > div.chapter") == []


def test_chapter_page_of_a_one_shot_still_wraps_its_text_in_a_module(client):
    work = WorkFactory()
    chapter = work.chapters.get()
    page = soup(client.get(f"/works/{work.pk}/chapters/{chapter.pk}"))
    assert page.select_one('div#chapters div[class="userstuff module"]') is not None


def test_chapter_page_links_to_its_neighbours_and_the_entire_work(client):
    work = WorkFactory(chapters=3)
    first, second, third = work.chapters.order_by("position")
    page = soup(client.get(f"/works/{work.pk}/chapters/{second.pk}"))
    nav = page.select_one('ul[class="work navigation actions"]')
    assert nav.select_one('li[class="chapter entire"] a')["href"] == (
        f"/works/{work.pk}?view_full_work=true"
    )
    assert nav.select_one('li[class="chapter previous"] a')["href"].startswith(
        f"/works/{work.pk}/chapters/{first.pk}"
    )
    assert nav.select_one('li[class="chapter next"] a')["href"].startswith(
        f"/works/{work.pk}/chapters/{third.pk}"
    )
    assert page.select_one("div#chapter-2") is not None


def test_the_work_meta_matches_ao3(client):
    work = WorkFactory(chapters=3, expected_chapters=None, complete=False,
                       language="de", kudos_count=1200, hit_count=45678)
    # The page counts kudos from their rows, so the rows must be there.
    Kudos.objects.bulk_create(
        Kudos(work=work, guest_ip=f"10.0.{n // 250}.{n % 250}") for n in range(1200)
    )
    Work = type(work)
    Work.objects.filter(pk=work.pk).update(word_count=5123)
    add_tags(work, tag("Mara Quist/Oren Vale", TagType.RELATIONSHIP),
             tag("Mara Quist", TagType.CHARACTER), tag("Slow Burn"), tag("Storms"))
    Work.objects.filter(pk=work.pk).update(
        published_on=datetime.date(2020, 2, 3),
        revised_at=timezone.make_aware(datetime.datetime(2021, 5, 6, 12)),
    )
    page = soup(client.get(f"/works/{work.pk}?view_full_work=true"))
    meta = page.select_one('dl[class="work meta group"]')
    assert meta.select_one('dd[class="rating tags"] > ul.commas > li > a.tag').get_text() == (
        "General Audiences"
    )
    assert meta.select_one('dd[class="warning tags"]') is not None
    assert meta.select_one('dd[class="fandom tags"] a.tag').get_text() == "Lighthouse Keepers"
    assert meta.select_one('dd[class="relationship tags"] a.tag')["href"] == (
        "/tags/Mara%20Quist*s*Oren%20Vale/works"
    )
    assert meta.select_one('dd[class="character tags"] a.tag').get_text() == "Mara Quist"
    freeforms = meta.select('dd[class="freeform tags"] li')
    assert [li.get_text() for li in freeforms] == ["Slow Burn", "Storms"]
    assert str(freeforms[0]).startswith('<li><a class="tag"')  # no whitespace in the li
    language = meta.select_one("dd.language")
    assert (language["lang"], language.get_text()) == ("de", "Deutsch")
    stats = meta.select_one("dd.stats > dl.stats")
    assert stats.select_one("dd.published").get_text() == "2020-02-03"
    assert stats.select_one("dt.status").get_text() == "Updated:"
    assert stats.select_one("dd.status").get_text() == "2021-05-06"
    assert stats.select_one("dd.words").get_text() == "5,123"
    assert stats.select_one("dd.chapters").get_text() == "3/?"
    assert stats.select_one("dd.kudos").get_text() == "1,200"
    assert stats.select_one("dd.hits").get_text() == "45,678"
    assert [dd["class"][0] for dd in stats.select("dd")] == [
        "published", "status", "words", "chapters", "kudos", "hits"
    ]


def test_completed_work_says_completed(client):
    work = WorkFactory(chapters=2)
    type(work).objects.filter(pk=work.pk).update(complete=True, expected_chapters=2)
    page = soup(client.get(f"/works/{work.pk}?view_full_work=true"))
    assert page.select_one("dl.stats dt.status").get_text() == "Completed:"
    assert page.select_one("dl.stats dd.chapters").get_text() == "2/2"


def test_workskin_holds_preface_chapters_and_afterword(client):
    work = WorkFactory(endnotes="<p>Thanks for reading.</p>", notes="<p>Hello.</p>")
    page = soup(client.get(f"/works/{work.pk}"))
    children = [c for c in page.select_one("div#workskin").find_all(recursive=False)]
    assert [" ".join(c["class"]) if c.get("class") else c["id"] for c in children] == [
        "preface group", "chapters", "afterword preface group"
    ]
    assert page.select_one("h2.heading").get_text(strip=True) == work.title
    assert page.select_one("blockquote.userstuff").get_text() == (
        "A storm, a lighthouse, two people who should talk."
    )
    endnotes = page.select_one('div#work_endnotes[class="end notes module"] blockquote.userstuff')
    assert endnotes.get_text() == "Thanks for reading."
    assert page.select_one('div[class="notes module"] blockquote.userstuff').get_text() == "Hello."


def test_byline_has_one_author_link_per_accepted_creator_and_nothing_else(client):
    creator = UserFactory(username="mara")
    invited = UserFactory(username="oren")
    work = WorkFactory(creator=creator)
    Creatorship.objects.create(work=work, pseud=invited.pseuds.get(), accepted=False)
    page = soup(client.get(f"/works/{work.pk}"))
    byline = page.select_one('h3[class="byline heading"]')
    links = byline.find_all("a")
    assert [(a["rel"], a["href"]) for a in links] == [(["author"], "/users/mara/pseuds/mara")]
    assert byline.get_text(strip=True) == "mara"
    # No other pseud links on the page.
    pseud_links = [a for a in page.find_all("a", href=True) if "/pseuds/" in a["href"]]
    assert pseud_links == links


def test_restricted_work_shows_the_lock_to_readers(user):
    work = WorkFactory(restricted=True)
    page = soup(signed_in(user).get(f"/works/{work.pk}"))
    lock = page.select_one('h2[class="title heading"] img')
    assert (lock["alt"], lock["title"]) == ("(Restricted)", "Restricted")


def test_series_gifts_related_works_and_change_note(client):
    first = WorkFactory(title="Low Tide")
    work = WorkFactory(title="High Tide", change_note="fixed canon slips")
    series = add_to_series(first, position=1)
    add_to_series(work, series=series, position=2)
    recipient = UserFactory(username="lena")
    Gift.objects.create(work=work, recipient=recipient)
    Gift.objects.create(work=work, recipient_name="refuser", refused=True)
    RelatedWork.objects.create(work=work, parent=first)
    RelatedWork.objects.create(work=work, url="https://example.org/story", translation=True,
                               external_title="La marée", external_author="Anon")
    page = soup(client.get(f"/works/{work.pk}"))
    position = page.select_one("dd.series span.series span.position")
    assert position.get_text() == "Part 2 of Tides"
    assert position.a["href"] == f"/series/{series.pk}"
    afterword = page.select_one("div#series")
    assert afterword.select_one("a.previous")["href"] == f"/works/{first.pk}"
    assert afterword.select_one("a.next") is None
    notes = page.select_one('div[class="notes module"]')
    assert notes.select_one("p.change-note").get_text() == "Updated: fixed canon slips"
    items = [li.get_text(" ", strip=True) for li in notes.select("ul.associations > li")]
    assert items[0] == "For lena ."
    assert "refuser" not in notes.get_text()
    assert f"Inspired by Low Tide by {first.creatorships.get().pseud.name}" in items
    assert "A translation of La marée by Anon" in items
    # The inspiring work lists this one at its end.
    parent_page = soup(client.get(f"/works/{first.pk}"))
    assert parent_page.select_one("div#children a")["href"] == f"/works/{work.pk}"


def test_creators_get_links_to_every_writing_page(user):
    work = WorkFactory(creator=user)
    chapter = work.chapters.get()
    page = soup(signed_in(user).get(f"/works/{work.pk}"))
    hrefs = {a["href"] for a in page.select('ul[class="work navigation actions"] a')}
    for path in ("/edit", "/chapters/new", f"/chapters/{chapter.pk}/edit", "/history",
                 "/corrections", "/delete"):
        assert f"/works/{work.pk}{path}" in hrefs


def test_readers_get_no_creator_links(user):
    work = WorkFactory()
    page = soup(signed_in(user).get(f"/works/{work.pk}"))
    assert not page.select(f'a[href="/works/{work.pk}/edit"]')


def test_chapter_numbers_count_only_visible_chapters(client):
    work = WorkFactory(chapters=3)
    Chapter.objects.filter(work=work, position=1).update(posted=False)
    second = work.chapters.get(position=2)
    response = client.get(f"/works/{work.pk}")
    assert response["Location"] == f"/works/{work.pk}/chapters/{second.pk}"
    page = soup(client.get(response["Location"]))
    assert page.select_one("div#chapter-1 h3.title").get_text() == "Chapter 1: Part 2"


# Chapter index and short links -----------------------------------------------


def test_chapter_index_lists_chapters_with_dates(client):
    work = WorkFactory(chapters=2)
    Chapter.objects.filter(work=work).update(published_on=datetime.date(2022, 3, 4))
    Chapter.objects.filter(work=work, position=2).update(title="")
    page = soup(client.get(f"/works/{work.pk}/navigate"))
    items = page.select('ol[class="chapter index group"] > li')
    first, second = work.chapters.order_by("position")
    assert items[0].a.get_text() == "1. Part 1"
    assert items[0].a["href"] == f"/works/{work.pk}/chapters/{first.pk}"
    assert items[1].a.get_text() == "2. Chapter 2"
    assert items[0].select_one("span.datetime").get_text() == "(2022-03-04)"


def test_short_chapter_link_redirects_to_the_chapter(client):
    work = WorkFactory(chapters=2)
    second = work.chapters.get(position=2)
    response = client.get(f"/chapters/{second.pk}")
    assert response.status_code == 302
    assert response["Location"] == f"/works/{work.pk}/chapters/{second.pk}"


# Adult content -----------------------------------------------------------------


@pytest.mark.parametrize("rating", [MATURE, EXPLICIT, 9])
def test_adult_works_ask_first(client, rating):
    work = WorkFactory()
    set_rating(work, rating)
    page = soup(client.get(f"/works/{work.pk}"))
    assert page.select_one("div#main")["class"] == ["works-show", "region"]
    assert page.select_one("p.caution").get_text().startswith(
        "This work could have adult content."
    )
    links = {a.get_text(): a["href"] for a in page.select("ul.actions a")}
    assert links["Yes, Continue"] == f"/works/{work.pk}?view_adult=true"
    assert "No, Go Back" in links
    assert page.select_one("div#chapters") is None


@pytest.mark.parametrize("rating", [GENERAL, TEEN])
def test_general_and_teen_works_do_not_ask(client, rating):
    work = WorkFactory()
    set_rating(work, rating)
    assert soup(client.get(f"/works/{work.pk}")).select_one("p.caution") is None


def test_view_adult_shows_the_work_and_sets_the_cookie(client):
    work, other = WorkFactory(), WorkFactory()
    set_rating(work, EXPLICIT)
    set_rating(other, MATURE)
    response = client.get(f"/works/{work.pk}?view_adult=true")
    assert soup(response).select_one("div#chapters") is not None
    assert response.cookies["view_adult"].value == "true"
    # The cookie now skips the question for other works too.
    assert soup(client.get(f"/works/{other.pk}")).select_one("div#chapters") is not None


def test_view_adult_survives_the_chapter_redirect(client):
    work = WorkFactory(chapters=2)
    set_rating(work, EXPLICIT)
    response = client.get(f"/works/{work.pk}?view_adult=true")
    assert response["Location"].endswith("?view_adult=true")


def test_adult_preference_skips_the_question(user):
    prefer(user, view_adult=True)
    work = WorkFactory()
    set_rating(work, EXPLICIT)
    assert soup(signed_in(user).get(f"/works/{work.pk}")).select_one("p.caution") is None


# Restricted, drafts, missing -----------------------------------------------------


@pytest.mark.parametrize(
    "address", ["", "/navigate", "?view_full_work=true", "/chapters/{chapter}"]
)
def test_guests_are_sent_to_log_in_for_restricted_works(client, address):
    work = WorkFactory(restricted=True)
    chapter = work.chapters.first()
    response = client.get(f"/works/{work.pk}" + address.format(chapter=chapter.pk))
    # AO3's answer, which tools recognise a locked work by.
    assert response.status_code == 302
    assert response["Location"] == "/users/login?restricted=true"
    assert "rain against the glass" not in response.content.decode()
    page = client.get(response["Location"])
    assert page.status_code == 200
    main = soup(page).select_one("div#main")
    assert main["class"][:2] == ["sessions-new", "region"]
    assert "This work is only available to registered users of the Archive." in main.get_text()
    form = main.select_one("form#new_user")
    assert form["action"] == "/users/login"
    assert {i["name"] for i in form.select("input[name]")} >= {
        "user[login]", "user[password]", "user[remember_me]", "authenticity_token", "next"
    }
    assert form.select_one('input[name="next"]')["value"] == f"/works/{work.pk}" + address.format(
        chapter=chapter.pk
    )


def test_restricted_work_login_form_logs_in_and_returns_to_the_work(password):
    work = WorkFactory(restricted=True)
    reader = UserFactory(username="gull_reader")
    browser = Client(enforce_csrf_checks=True)
    sent = browser.get(f"/works/{work.pk}")
    form = soup(browser.get(sent["Location"])).select_one("form#new_user")
    # What a tool does: every field of the form, AO3's names filled in.
    fields = {i["name"]: i.get("value", "") for i in form.select("input[name]")}
    fields.update({"user[login]": reader.username, "user[password]": password})
    response = browser.post(form["action"], fields)
    assert response.status_code == 302 and response["Location"] == f"/works/{work.pk}"
    assert "rain against the glass" in browser.get(f"/works/{work.pk}").content.decode()


def test_drafts_and_missing_works_are_404(client):
    draft = WorkFactory(posted=False)
    assert client.get(f"/works/{draft.pk}").status_code == 404
    assert client.get("/works/999999").status_code == 404
    assert soup(client.get("/works/999999")).select_one("h2.heading").get_text() == "Error 404"


# Preferences -----------------------------------------------------------------


def test_hidden_warnings_and_tags_fold_away_but_stay_in_the_page(user):
    prefer(user, hide_warnings=True, hide_freeform=True)
    work = WorkFactory()
    add_tags(work, Tag.objects.get(pk=VIOLENCE), tag("Lighthouses"))
    page = soup(signed_in(user).get(f"/works/{work.pk}"))
    warning = page.select_one('dd[class="warning tags"]')
    assert warning.select_one("details > summary").get_text() == "Show warnings"
    assert "Graphic Depictions Of Violence" in [
        a.get_text() for a in warning.select("details ul.commas > li > a.tag")
    ]
    freeform = page.select_one('dd[class="freeform tags"] details')
    assert freeform.select_one("a.tag").get_text() == "Lighthouses"
    # Readers without the preference see them plainly.
    plain = soup(Client().get(f"/works/{work.pk}"))
    assert plain.select_one('dd[class="warning tags"] details') is None


def test_work_skin_goes_in_the_head_unless_disabled(user):
    skin = WorkSkin.objects.create(owner=user, title="Waves",
                                   clean_css="#workskin .wave { color: teal; }")
    work = WorkFactory(creator=user, skin=skin)
    reader = UserFactory()
    page = soup(signed_in(reader).get(f"/works/{work.pk}"))
    assert "#workskin .wave" in page.head.style.get_text()
    assert page.select_one('li.style a').get_text() == "Hide Creator's Style"
    assert soup(signed_in(reader).get(f"/works/{work.pk}?style=disable")).head.style is None
    prefer(reader, disable_work_skins=True)
    assert soup(signed_in(reader).get(f"/works/{work.pk}")).head.style is None
    forced = soup(signed_in(reader).get(f"/works/{work.pk}?style=creator"))
    assert "#workskin .wave" in forced.head.style.get_text()


def test_corrections_hook_is_offered_to_signed_in_readers_only(user, tmp_path, settings):
    hook_dir = tmp_path / "works"
    hook_dir.mkdir()
    (hook_dir / "_corrections_hook.html").write_text(
        '<p class="hook">correct chapter {{ chapter.pk }} of {{ work.pk }}</p>'
    )
    engines = [dict(engine) for engine in settings.TEMPLATES]  # a copy: never edit the real list
    engines[0] = {**engines[0], "DIRS": [str(tmp_path)]}
    settings.TEMPLATES = engines
    work = WorkFactory(creator=user)
    chapter = work.chapters.get()
    reader = UserFactory()
    page = soup(signed_in(reader).get(f"/works/{work.pk}"))
    # Beside the story text, not inside it: downloaders copy div.userstuff.
    assert page.select_one("div#chapters div.userstuff p.hook") is None
    hook = page.select_one("div#chapters div.userstuff + p.hook")
    assert hook.get_text() == f"correct chapter {chapter.pk} of {work.pk}"
    assert soup(Client().get(f"/works/{work.pk}")).select_one("p.hook") is None
    assert soup(signed_in(user).get(f"/works/{work.pk}")).select_one("p.hook") is None
    type(work).objects.filter(pk=work.pk).update(corrections_enabled=False)
    assert soup(signed_in(reader).get(f"/works/{work.pk}")).select_one("p.hook") is None


# Listings ----------------------------------------------------------------------


def test_user_works_page_lists_blurbs_like_ao3(client):
    author = UserFactory(username="mara")
    work = WorkFactory(creator=author, chapters=2)
    add_tags(work, tag("Mara Quist", TagType.CHARACTER), Tag.objects.get(pk=23))
    WorkFactory(creator=author, posted=False)  # drafts are not listed
    response = client.get("/users/mara/works")
    page = soup(response)
    assert page.select_one("div#main")["class"] == [
        "works-index", "dashboard", "filtered", "region"
    ]
    assert page.select_one("h2.heading").get_text() == "1 - 1 of 1 Works by mara"
    blurb = page.select_one('ol[class="work index group"] > li[class="work blurb group"]')
    assert blurb["id"] == f"work_{work.pk}" and blurb["role"] == "article"
    heading = blurb.select_one('div[class="header module"] > h4.heading')
    links = heading.find_all("a")
    assert links[0]["href"] == f"/works/{work.pk}"
    assert links[1]["rel"] == ["author"]
    assert blurb.select_one('h5[class="fandoms heading"] a.tag').get_text() == (
        "Lighthouse Keepers"
    )
    spans = [s["class"] for s in blurb.select("ul.required-tags > li > a > span[title]")]
    assert [" ".join(c) for c in spans] == [
        "rating-general-audience rating", "warning-no warnings", "category-slash category",
        "complete-no iswip",
    ]
    assert blurb.select_one("ul.required-tags span.iswip")["title"] == "Work in Progress"
    date = work.revised_at.strftime("%d %b %Y")
    assert blurb.select_one("p.datetime").get_text() == date
    assert blurb.select_one('ul[class="tags commas"] li.characters a.tag').get_text() == (
        "Mara Quist"
    )
    assert blurb.select_one('blockquote[class="userstuff summary"]') is not None
    stats = blurb.select_one("dl.stats")
    assert stats.select_one("dd.chapters").get_text() == "2/?"
    assert stats.select_one("dd.language").get_text() == "English"


def test_pseud_works_page_names_the_pseud(client):
    author = UserFactory(username="mara")
    pseud = author.pseuds.create(name="Quill", is_default=False)
    work = WorkFactory(creator=pseud)
    WorkFactory(creator=author)
    page = soup(client.get("/users/mara/pseuds/Quill/works"))
    assert page.select_one("h2.heading").get_text() == "1 - 1 of 1 Works by Quill (mara)"
    assert [li["id"] for li in page.select("li.blurb")] == [f"work_{work.pk}"]


def test_listing_paginates_by_twenty_and_clamps_far_pages(client):
    author = UserFactory(username="mara")
    for _ in range(23):
        WorkFactory(creator=author)
    page = soup(client.get("/users/mara/works?page=2"))
    assert page.select_one("h2.heading").get_text() == "21 - 23 of 23 Works by mara"
    assert len(page.select("li.blurb")) == 3
    nav = page.select_one('ol[class="pagination actions"][role=navigation][title=pagination]')
    numbered = [(a.get_text(), a["href"]) for a in nav.select("li:not([class]) > a")]
    assert numbered == [("1", "/users/mara/works?page=1")]
    assert nav.select_one("span.current").get_text() == "2"
    far = client.get("/users/mara/works?page=99")
    assert far.status_code == 200
    assert soup(far).select_one("h2.heading").get_text() == "21 - 23 of 23 Works by mara"
    assert client.get("/users/mara/works?page=zebra").status_code == 200


def test_unknown_user_or_pseud_is_404(client):
    UserFactory(username="mara")
    assert client.get("/users/nobody_here/works").status_code == 404
    assert client.get("/users/mara/pseuds/nobody/works").status_code == 404


def test_drafts_page_is_for_its_owner_only(client, user):
    draft = WorkFactory(creator=user, posted=False, title="Unfinished Lamp")
    WorkFactory(creator=user)
    page = soup(signed_in(user).get(f"/users/{user.username}/works/drafts"))
    assert [li["id"] for li in page.select("li.blurb")] == [f"work_{draft.pk}"]
    assert signed_in(UserFactory()).get(f"/users/{user.username}/works/drafts").status_code == 403
    response = Client().get(f"/users/{user.username}/works/drafts")
    assert response.status_code == 302
    assert response["Location"].startswith("/users/login?")


def test_series_page_matches_ao3(client):
    first = WorkFactory(published_on=datetime.date(2019, 1, 2))
    second = WorkFactory()
    type(first).objects.filter(pk=first.pk).update(word_count=1000)
    type(first).objects.filter(pk=second.pk).update(word_count=2500)
    hidden = WorkFactory(restricted=True)
    series = add_to_series(first, position=1)
    add_to_series(second, series=series, position=2)
    add_to_series(hidden, series=series, position=3)
    type(series).objects.filter(pk=series.pk).update(summary="<p>Two tides.</p>")
    page = soup(client.get(f"/series/{series.pk}"))
    assert page.select_one("div#main")["class"] == ["series-show", "region"]
    assert page.select_one("h2.heading").get_text(strip=True) == "Tides"
    meta = page.select_one('dl[class="series meta group"]')
    terms = [dt.get_text() for dt in meta.find_all("dt", recursive=False)]
    assert terms[1:4] == ["Series Begun:", "Series Updated:", "Description:"]
    assert meta.find_all("dd", recursive=False)[1].get_text() == "2019-01-02"
    stats = meta.select_one("dl.stats")
    assert stats.select_one("dd.words").get_text() == "3,500"
    assert stats.select_one("dd.works").get_text() == "2"
    assert [li["id"] for li in page.select('ul[class="series work index group"] > li')] == [
        f"work_{first.pk}", f"work_{second.pk}"
    ]


def test_user_series_page_lists_series_with_visible_works(client):
    author = UserFactory(username="mara")
    series = add_to_series(WorkFactory(creator=author))
    lonely = add_to_series(WorkFactory(creator=author, posted=False), series=None)
    type(lonely).objects.filter(pk=lonely.pk).update(title="Secret Series")
    page = soup(client.get("/users/mara/series"))
    assert page.select_one("h2.heading").get_text() == "1 - 1 of 1 Series by mara"
    assert [a["href"] for a in page.select("li.series h4 a:not([rel])")] == [
        f"/series/{series.pk}"
    ]


def test_home_page_lists_newest_works_but_no_restricted_ones_for_guests(client, user):
    older = WorkFactory(title="Old Lamp", revised_at=timezone.now() - datetime.timedelta(days=5))
    newer = WorkFactory(title="New Lamp")
    locked = WorkFactory(title="Locked Lamp", restricted=True)
    WorkFactory(title="Draft Lamp", posted=False, creator=user)
    ids = [li["id"] for li in soup(client.get("/")).select('ol[class="work index group"] > li')]
    assert ids == [f"work_{newer.pk}", f"work_{older.pk}"]
    ids = [li["id"] for li in soup(signed_in(user).get("/")).select("li.blurb")]
    assert ids == [f"work_{locked.pk}", f"work_{newer.pk}", f"work_{older.pk}"]
