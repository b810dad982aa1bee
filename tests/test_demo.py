"""The demo archive a newcomer sees: lived-in, and every kind of work is there."""

import pytest
from bs4 import BeautifulSoup

from chapterhouse import demo
from chapterhouse.accounts.models import User
from chapterhouse.responses.models import InboxItem
from chapterhouse.tags.fixed import ADULT_RATINGS
from chapterhouse.works.models import Chapter, Work

pytestmark = pytest.mark.django_db


def test_demo_has_every_kind_of_work_and_loads_once(client):
    assert demo.load() is True
    assert demo.load() is False
    works = Work.objects.all()
    assert works.filter(posted=False).exists(), "a draft"
    assert works.filter(restricted=True, posted=True).exists(), "a restricted work"
    assert works.filter(skin__isnull=False).exists(), "a work with a skin"
    assert works.filter(tags__id__in=ADULT_RATINGS).exists(), "an adult-rated work"
    assert works.filter(series_parts__isnull=False).count() >= 2, "a series"
    assert works.filter(posted_chapter_count__gt=1, complete=True).exists()
    assert works.filter(posted_chapter_count__gt=1, complete=False).exists()
    assert Chapter.objects.filter(scheduled_for__isnull=False, posted=False).exists()

    home = BeautifulSoup(client.get("/").content, "html.parser")
    titles = [a.get_text() for a in home.select("li.work.blurb h4.heading a:first-child")]
    assert "Salt and Signal" in titles
    assert "Letters Under the Plum Tree" not in titles  # restricted: not for guests
    assert "The Bell That Rang Itself" not in titles  # a draft

    client.login(username=demo.DEMO_LOGIN, password=demo.DEMO_PASSWORD)
    drafts = client.get(f"/users/{demo.DEMO_LOGIN}/works/drafts").content.decode()
    assert "The Bell That Rang Itself" in drafts


def test_demo_works_have_readers_answers(client):
    demo.load()
    salt = Work.objects.get(title="Salt and Signal")
    assert salt.kudos_count == 6
    assert salt.comment_count == 3
    assert salt.bookmark_count == 1
    page = BeautifulSoup(
        client.get(f"/works/{salt.pk}?view_adult=true&show_comments=true").content, "html.parser"
    )
    assert "as well as 3 guests left kudos on this work!" in page.select_one("#kudos").get_text()
    assert len(page.select("#comments_placeholder li[id^=comment_]")) == 3
    rowan = User.objects.get(username="rowan")
    assert InboxItem.objects.filter(user=rowan, kind="comment").count() == 2
