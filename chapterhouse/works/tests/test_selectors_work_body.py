"""The work body kept between pages (works/selectors/fragments.py, work_body):
readers of a work share one rendered copy, yet each sees her own kudos, hits
and token, every change shows at once, and nobody gets a copy of something
the privacy door no longer lets her see."""

import re

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.responses.models import Kudos
from chapterhouse.works.models import Work
from chapterhouse.works.selectors import fragments
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bodies_rendered(monkeypatch):
    """The work bodies rendered afresh (not taken from the kept copies)."""
    rendered = []
    render = fragments.render_body

    def spy(context):
        rendered.append(context["work"].pk)
        return render(context)

    fragments.work_bodies.clear()
    monkeypatch.setattr(fragments, "render_body", spy)
    yield rendered
    fragments.work_bodies.clear()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content.decode(), "html.parser")


def test_readers_share_one_kept_body_and_each_sees_her_own_kudos_hits_and_token(bodies_rendered):
    work = WorkFactory()
    first, second = UserFactory(), UserFactory()
    url = f"/works/{work.pk}?view_adult=true"
    before = page(signed_in(first), url)
    assert before.select_one("dd.kudos") is None
    Kudos.objects.create(work=work, user=second)
    Work.objects.filter(pk=work.pk).update(hit_count=1234)  # no new version
    for reader in (first, second):
        soup = page(signed_in(reader), url)
        assert soup.select_one("dd.kudos").get_text() == "1"
        assert soup.select_one("dd.hits").get_text() == "1,234"
        token = soup.select_one('meta[name="csrf-token"]')["content"]
        hook = str(soup.select_one(".corrections-hook"))
        assert token and token in hook and "csrfmiddlewaretoken" in hook
        assert "\x00" not in str(soup)
    assert len(bodies_rendered) == 1


def test_a_kept_body_is_the_page_a_fresh_rendering_draws(bodies_rendered):
    work = WorkFactory(chapters=3)
    reader = signed_in(UserFactory())
    url = f"/works/{work.pk}?view_full_work=true&view_adult=true"
    fresh = page(reader, url).select_one("div.work")
    kept = page(reader, url).select_one("div.work")
    assert len(bodies_rendered) == 1
    tokens = re.compile(r"\b[A-Za-z0-9]{64}\b")  # masked CSRF tokens
    assert tokens.sub("", str(kept)) == tokens.sub("", str(fresh))
    assert [h.get_text() for h in kept.select("div.chapter h3.title")] == [
        "Chapter 1: Part 1", "Chapter 2: Part 2", "Chapter 3: Part 3"]


def test_an_edited_chapter_shows_at_once_though_the_work_kept_its_version(bodies_rendered):
    work = WorkFactory()
    guest = Client()
    url = f"/works/{work.pk}?view_adult=true"
    assert "rain against the glass" in page(guest, url).select_one("#chapters").get_text()
    chapter = work.chapters.get()
    chapter.content = "<p>The lamp went out at midnight.</p>"
    chapter.save()
    text = page(guest, url).select_one("#chapters").get_text()
    assert "The lamp went out at midnight." in text
    assert "rain against the glass" not in text
    assert len(bodies_rendered) == 2


def test_a_restricted_or_hidden_work_is_never_drawn_from_a_kept_body(bodies_rendered):
    work = WorkFactory(title="The Quiet Harbour")
    guest, reader = Client(), signed_in(UserFactory())
    url = f"/works/{work.pk}?view_adult=true"
    assert page(guest, url).select_one("h2.title").get_text(strip=True) == "The Quiet Harbour"
    Work.objects.filter(pk=work.pk).update(restricted=True)  # not even a new version
    response = guest.get(url)
    assert response.status_code == 302  # sent to log in
    assert response["Location"] == "/users/login?restricted=true"
    assert "The Quiet Harbour" not in response.content.decode()
    assert page(reader, url).select_one("h2.title img.lock[alt='(Restricted)']") is not None
    Work.objects.filter(pk=work.pk).update(hidden_by_admin=True)
    assert reader.get(url).status_code == 404
    assert len(bodies_rendered) == 2


def test_anonymous_creators_show_in_brackets_to_admins_only_and_creators_get_their_links(
    bodies_rendered,
):
    writer = UserFactory(username="lamp_keeper")
    work = WorkFactory(creator=writer, anonymous=True)
    url = f"/works/{work.pk}?view_adult=true"
    admin = signed_in(UserFactory(username="harbour_admin", is_staff=True))
    for client in (Client(), signed_in(UserFactory()), admin, Client(), admin):
        byline = page(client, url).select_one("h3.byline").get_text(" ", strip=True)
        assert byline == ("Anonymous [ lamp_keeper ]" if client is admin else "Anonymous")
    assert len(bodies_rendered) == 3  # guest, member (with the hook), admin
    own = page(signed_in(writer), url)
    assert own.select_one("ul.work.navigation li.edit a")["href"] == f"/works/{work.pk}/edit"
    assert len(bodies_rendered) == 3  # her own page is drawn for her, not kept
