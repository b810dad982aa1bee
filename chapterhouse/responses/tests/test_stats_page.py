"""The creator statistics page /users/NAME/stats: who may see it, the numbers
(in total and by year), sorting, AO3's markup, the charts and its cost."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.responses.models import Bookmark, Comment, HitDay, Kudos, Subscription
from chapterhouse.responses.selectors.stats import creator_stats
from chapterhouse.works.models import Work
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
LAST_YEAR = THIS_YEAR - 1


def at(year: int, month: int = 6):
    return timezone.make_aware(datetime.datetime(year, month, 15, 12, 0))


def kudos(work, *, year=THIS_YEAR, month=6, user=None):
    made = Kudos.objects.create(work=work, user=user or UserFactory())
    Kudos.objects.filter(pk=made.pk).update(created_at=at(year, month))


def comment(work, *, year=THIS_YEAR, reply_to=None, **fields):
    made = Comment.objects.create(
        work=work, user=UserFactory(), content="<p>Lovely.</p>",
        parent=reply_to, depth=1 if reply_to else 0, **fields,
    )
    Comment.objects.filter(pk=made.pk).update(
        thread=reply_to or made, created_at=at(year)
    )


def bookmark(work, *, year=THIS_YEAR, private=False):
    reader = UserFactory()
    made = Bookmark.objects.create(
        user=reader, pseud=reader.pseuds.get(is_default=True), work=work, private=private
    )
    Bookmark.objects.filter(pk=made.pk).update(created_at=at(year))


def subscription(*, year=THIS_YEAR, **target):
    made = Subscription.objects.create(user=UserFactory(), **target)
    Subscription.objects.filter(pk=made.pk).update(created_at=at(year))


def hit_day(work, *, year=THIS_YEAR, month=6, hits=1):
    HitDay.objects.create(work=work, day=datetime.date(year, month, 10), hits=hits)


@pytest.fixture
def creator(db):
    user = UserFactory(username="wren_writer")
    user.date_joined = at(LAST_YEAR, 1)
    user.save()
    return user


@pytest.fixture
def works(creator):
    """Two works in one fandom, one in another, a draft and an anonymous one."""
    salt = WorkFactory(creator=creator, title="The Salt Road", fandom="Harbour Lights")
    fog = WorkFactory(creator=creator, title="Fog Bells", fandom="Harbour Lights")
    moth = WorkFactory(creator=creator, title="Moth Season", fandom="Orchard Keepers")
    anon = WorkFactory(creator=creator, title="Unsigned Letter", fandom="Orchard Keepers",
                       anonymous=True)
    WorkFactory(creator=creator, title="Secret Draft", posted=False)
    Work.objects.filter(pk=salt.pk).update(word_count=1234, hit_count=10)
    Work.objects.filter(pk=fog.pk).update(word_count=500, hit_count=3)
    Work.objects.filter(pk=moth.pk).update(word_count=42, hit_count=7)
    hit_day(salt, hits=6)
    hit_day(salt, year=LAST_YEAR, hits=4)
    hit_day(fog, month=2, hits=3)
    hit_day(moth, year=LAST_YEAR, hits=7)
    for _ in range(3):
        kudos(salt)
    kudos(salt, year=LAST_YEAR)
    kudos(moth)
    comment(salt)
    comment(salt, year=LAST_YEAR)
    top = Comment.objects.filter(work=salt).first()
    comment(salt, reply_to=top)  # a reply is not a new thread
    comment(fog, spam=True)  # spam is not counted
    bookmark(salt)
    bookmark(fog, year=LAST_YEAR)
    bookmark(fog, private=True)  # private bookmarks are not counted
    subscription(work=salt)
    subscription(work=moth, year=LAST_YEAR)
    subscription(creator=creator)
    subscription(creator=creator, year=LAST_YEAR)
    return {"salt": salt, "fog": fog, "moth": moth, "anon": anon}


def page(client, query=""):
    response = client.get(f"/users/wren_writer/stats{query}")
    assert response.status_code == 200, response.status_code
    return response


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def totals(html) -> dict:
    box = html.select_one('dl[class="statistics meta group"]')
    return {
        dt.get_text(strip=True): dd.get_text(strip=True)
        for dt, dd in zip(box.find_all("dt"), box.find_all("dd"))
    }


def work_stats(li) -> dict:
    dl = li.select_one("dl.stats")
    return {
        dt.get_text(strip=True).rstrip(":"): int(dd.get_text(strip=True).replace(",", ""))
        for dt, dd in zip(dl.find_all("dt"), dl.find_all("dd"))
    }


def work_items(html):
    return [li for li in html.select("li") if li.find("dl", class_="stats", recursive=False)]


def titles(html) -> list[str]:
    return [li.find("a").get_text() for li in work_items(html)]


# Who may see it ------------------------------------------------------------------------


def test_a_guest_is_asked_to_log_in(client, creator):
    response = client.get("/users/wren_writer/stats")
    assert response.status_code == 302
    assert response["Location"].startswith("/users/login?")
    assert "return_to=/users/wren_writer/stats" in response["Location"]


def test_another_reader_is_refused_with_ao3s_message(reader_client, creator):
    response = reader_client.get("/users/wren_writer/stats")
    assert response.status_code == 403
    text = soup(response).get_text()
    assert "Sorry, you don't have permission to access the page" in text


def test_an_unknown_name_is_not_found(creator_client):
    assert creator_client.get("/users/nobody_here/stats").status_code == 404


def test_the_selector_refuses_anyone_but_the_owner(creator, reader):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        creator_stats(viewer=reader, owner=creator)


# The numbers --------------------------------------------------------------------------


def test_all_years_totals(creator_client, works):
    assert totals(soup(page(creator_client))) == {
        "User Subscriptions:": "2",
        "Works:": "4",
        "Kudos:": "5",
        "Comment Threads:": "2",
        "Bookmarks:": "2",
        "Subscriptions:": "2",
        "Word Count:": f"{1234 + 500 + 42 + works['anon'].word_count:,}",
        "Hits:": "20",
    }


def test_a_years_totals_count_what_happened_that_year(creator_client, works):
    assert totals(soup(page(creator_client, f"?year={LAST_YEAR}"))) == {
        "User Subscriptions:": "1",
        "Works:": "4",
        "Kudos:": "1",
        "Comment Threads:": "1",
        "Bookmarks:": "1",
        "Subscriptions:": "1",
        "Word Count:": f"{1234 + 500 + 42 + works['anon'].word_count:,}",
        "Hits:": "11",
    }


def test_per_work_numbers_for_this_year(creator_client, works):
    html = soup(page(creator_client, f"?year={THIS_YEAR}&flat_view=true"))
    by_title = {li.find("a").get_text(): work_stats(li) for li in work_items(html)}
    assert by_title["The Salt Road"] == {
        "Hits": 6, "Kudos": 3, "Comment Threads": 1, "Bookmarks": 1, "Subscriptions": 1,
    }
    assert by_title["Fog Bells"] == {
        "Hits": 3, "Kudos": 0, "Comment Threads": 0, "Bookmarks": 0, "Subscriptions": 0,
    }


def test_drafts_are_left_out_and_anonymous_works_kept(creator_client, works):
    names = titles(soup(page(creator_client, "?flat_view=true")))
    assert "Secret Draft" not in names
    assert "Unsigned Letter" in names


def test_all_years_is_the_default_and_a_bad_year_falls_back_to_it(creator_client, works):
    for query in ("", "?year=All+Years", "?year=soon"):
        assert totals(soup(page(creator_client, query)))["Hits:"] == "20"


# Sorting and grouping -----------------------------------------------------------------


def test_sorted_by_hits_by_default_most_first(creator_client, works):
    assert titles(soup(page(creator_client, "?flat_view=true"))) == [
        "The Salt Road", "Moth Season", "Fog Bells", "Unsigned Letter",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sort_column=kudos.count&sort_direction=desc",
         ["The Salt Road", "Moth Season", "Fog Bells", "Unsigned Letter"]),
        ("sort_column=word_count&sort_direction=asc",
         ["Unsigned Letter", "Moth Season", "Fog Bells", "The Salt Road"]),
        ("sort_column=bookmarks.count&sort_direction=desc",
         ["Fog Bells", "The Salt Road", "Moth Season", "Unsigned Letter"]),
        ("sort_column=subscriptions.count&sort_direction=desc&year=" + str(LAST_YEAR),
         ["Moth Season", "Fog Bells", "The Salt Road", "Unsigned Letter"]),
        ("sort_column=comment_thread_count&sort_direction=asc",
         ["Fog Bells", "Moth Season", "Unsigned Letter", "The Salt Road"]),
    ],
)
def test_sort_columns_and_directions(creator_client, works, query, expected):
    assert titles(soup(page(creator_client, f"?flat_view=true&{query}"))) == expected


def test_an_unknown_sort_falls_back_to_hits(creator_client, works):
    html = soup(page(creator_client, "?flat_view=true&sort_column=title&sort_direction=up"))
    assert titles(html)[0] == "The Salt Road"


def test_works_are_grouped_by_fandom_unless_flat(creator_client, works):
    html = soup(page(creator_client))
    groups = html.select('li[class="fandom listbox group"]')
    assert [g.select_one("h5").get_text(strip=True) for g in groups] == [
        "Harbour Lights", "Orchard Keepers",
    ]
    assert [li.find("a").get_text() for li in work_items(groups[0])] == [
        "The Salt Road", "Fog Bells",
    ]
    flat = soup(page(creator_client, "?flat_view=true"))
    assert not flat.select('li[class="fandom listbox group"]')


# Markup -------------------------------------------------------------------------------


def test_each_work_has_its_link_words_and_stats_as_ao3_shows_them(creator_client, works):
    response = page(creator_client)
    html = soup(response)
    salt = next(li for li in work_items(html) if li.find("a").get_text() == "The Salt Road")
    assert salt.find("a")["href"] == f"/works/{works['salt'].pk}"
    assert salt.select_one("span.words").get_text() == "(1,234 words)"
    labels = [dt.get_text() for dt in salt.select("dl.stats dt")]
    assert labels == ["Hits:", "Kudos:", "Comment Threads:", "Bookmarks:", "Subscriptions:"]
    body = response.content.decode()
    assert not re.search(r"</dt><dd", body)
    assert re.search(r"<dt>Hits:</dt>\s+<dd", body)


def test_the_year_choice_and_sort_form_work_without_script(creator_client, works):
    html = soup(page(creator_client))
    form = html.select_one("form.stats.sort")
    assert form["method"] == "get"
    for name in ("year", "sort_column", "sort_direction", "flat_view"):
        field = form.find(attrs={"name": name})
        assert html.find("label", attrs={"for": field["id"]})
    years = [a.get_text() for a in html.select('ul[class="navigation actions"] a')]
    assert str(LAST_YEAR) in years


def test_the_charts_are_accessible_well_formed_svg(creator_client, works):
    body = page(creator_client, f"?year={THIS_YEAR}").content.decode()
    charts = re.findall(r"<svg.*?</svg>", body, flags=re.S)
    assert len(charts) == 2
    ns = "{http://www.w3.org/2000/svg}"
    for chart in charts:
        root = ET.fromstring(chart)
        assert root.get("role") == "img" and root.get("aria-label")
        assert root.find(f"{ns}title").text
        assert root.get("fill") == "currentColor"
    bars = ET.fromstring(charts[0])
    assert "The Salt Road: 6 hits" in bars.find(f"{ns}desc").text
    months = ET.fromstring(charts[1])
    assert "Hits: Jan 0, Feb 3" in months.find(f"{ns}desc").text
    assert "Jun 6" in months.find(f"{ns}desc").text
    assert "Kudos: Jan 0, Feb 0, Mar 0, Apr 0, May 0, Jun 4" in months.find(f"{ns}desc").text


def test_titles_in_charts_are_escaped(creator_client, creator):
    WorkFactory(creator=creator, title='Salt & "Smoke" <b>')
    body = page(creator_client).content.decode()
    for chart in re.findall(r"<svg.*?</svg>", body, flags=re.S):
        ET.fromstring(chart)
    assert "<b>" not in body


def test_a_creator_with_no_works_sees_an_empty_page(creator_client, creator):
    html = soup(page(creator_client))
    assert totals(html)["Works:"] == "0"
    assert "no posted works" in html.get_text()


# Cost ---------------------------------------------------------------------------------


def test_the_page_costs_the_same_for_many_works(creator_client, creator,
                                                django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            page(creator_client, f"?year={THIS_YEAR}")
        return len(queries)

    first = WorkFactory(creator=creator)
    kudos(first)
    cost()  # the first page also asks (once an hour) whether moderation has news for her
    one = cost()
    for n in range(15):
        each = WorkFactory(creator=creator, fandom=f"Fandom {n}")
        kudos(each)
        hit_day(each)
        bookmark(each)
    assert cost() == one
    with django_assert_max_num_queries(14):
        page(creator_client)
