"""A series never pairs an anonymous work with its named siblings
(docs/visibility.md): outsiders see a mixed series as its named works alone,
and the anonymous work shows no series; its creators and admins see it all."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.works.tests.factories import WorkFactory, add_to_series

pytestmark = pytest.mark.django_db


def as_user(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def page(client, path) -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code == 200, path
    return BeautifulSoup(response.content, "html.parser")


def series_view(client, series) -> tuple[str, list[str]]:
    """The series' creator line and the titles it lists."""
    found = page(client, f"/series/{series.pk}")
    creators = " ".join(found.select_one("dl.series.meta dd").get_text(" ").split())
    titles = [a.text for a in found.select("ul.series.work.index h4.heading a[href^='/works/']")]
    return creators, titles


@pytest.fixture
def mixed():
    """wren_writer's series: a named part 1 and an anonymous part 2."""
    wren = UserFactory(username="wren_writer")
    named = WorkFactory(creator=wren, title="Harbour Lights")
    hidden_name = WorkFactory(creator=wren, title="Night Ferry", anonymous=True)
    series = add_to_series(named)
    add_to_series(hidden_name, series, position=2)
    return wren, named, hidden_name, series


def test_outsiders_see_a_mixed_series_as_its_named_works_alone(mixed):
    wren, named, hidden_name, series = mixed
    for user in (None, UserFactory()):
        client = as_user(user)
        creators, titles = series_view(client, series)
        assert titles == ["Harbour Lights"]
        assert creators == "wren_writer" and "Anonymous" not in creators
        # The anonymous work names no series; the named one has no neighbour.
        anonymous_page = page(client, f"/works/{hidden_name.pk}")
        assert anonymous_page.find("a", href=f"/series/{series.pk}") is None
        named_page = page(client, f"/works/{named.pk}")
        assert named_page.find("a", href=f"/works/{hidden_name.pk}") is None
        # Nor does its blurb in a listing.
        home = page(client, "/")
        blurb = home.select_one(f"li#work_{hidden_name.pk}")
        assert blurb is not None and blurb.find("a", href=f"/series/{series.pk}") is None
    listed = Client().get(f"/api/v1/series/{series.pk}").json()
    assert [w["title"] for w in listed["works"]["results"]] == ["Harbour Lights"]
    assert listed["work_count"] == 1

    # Its creator and admins see every part, and who wrote them.
    for user in (wren, UserFactory(is_staff=True)):
        creators, titles = series_view(as_user(user), series)
        assert titles == ["Harbour Lights", "Night Ferry"]
        assert creators.startswith("Anonymous [") and "wren_writer" in creators
    assert page(as_user(wren), f"/works/{hidden_name.pk}").find(
        "a", href=f"/series/{series.pk}") is not None

    # A series of anonymous works alone pairs nobody: it lists them, as Anonymous.
    alone = add_to_series(WorkFactory(creator=wren, title="Dawn Ferry", anonymous=True),
                          position=1)
    assert series_view(Client(), alone) == ("Anonymous", ["Dawn Ferry"])
