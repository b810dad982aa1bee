"""Guest pages through a real Varnish (docs/http-cache.md): the shipped VCL in
front of the live test server, and the worker's outbox follower banning what
each write changed."""

import threading
import time

import pytest
import requests
from bs4 import BeautifulSoup
from django.db import connections
from django.test import Client

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.web import httpcache
from chapterhouse.web.varnishd import Varnish, varnishd_path
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.skipif(varnishd_path() is None, reason="needs Debian's varnish")

#: The requirement: a change reaches every cached page within two seconds.
DEADLINE = 2.0
FANDOM = "Lighthouse Keepers"


@pytest.fixture
def cache(transactional_db, live_server, settings, tmp_path):
    """Varnish with the shipped VCL in front of the live server, and the
    worker's ban follower running on a thread; yields the cache's address."""
    settings.HITS_FLUSH_IN_PROCESS = False
    port = int(live_server.url.rsplit(":", 1)[1])
    with Varnish(tmp_path / "varnish", backend_port=port) as varnish:
        settings.HTTP_CACHE_URLS = [varnish.url]
        stop = threading.Event()
        shared = connections["default"]
        in_memory = shared.vendor == "sqlite" and shared.is_in_memory_db()
        if in_memory:
            shared.inc_thread_sharing()

        follower = httpcache.BanFollower()

        def follow():
            if in_memory:  # the test's own in-memory database, as the live server does
                connections["default"] = shared
            try:
                httpcache.bans_follow(stop, follower=follower)
            finally:
                if not in_memory:
                    connections.close_all()

        thread = threading.Thread(target=follow, daemon=True)
        thread.start()
        try:
            yield Cache(varnish.url, follower)
        finally:
            stop.set()
            thread.join(timeout=10)
            if in_memory:
                shared.dec_thread_sharing()


class Cache(str):
    """The cache's address; ``settled()`` waits until the follower has sent the
    bans for every write so far, so a test's own setup is not banned later."""

    def __new__(cls, url, follower):
        made = super().__new__(cls, url)
        made.follower = follower
        return made

    def settled(self):
        from django.db.models import Max

        from chapterhouse.discovery.models import OutboxEvent

        top = OutboxEvent.objects.aggregate(top=Max("pk"))["top"] or 0
        while self.follower.cursor.position < top or self.follower.pending:
            time.sleep(0.02)


def guest_get(cache, path, **kwargs):
    return requests.get(cache + path, timeout=30, **kwargs)


def cached(cache, path):
    """Ask until the cache answers from its copy (the first ask stores it)."""
    cache.settled()
    for _ in range(5):
        response = guest_get(cache, path)
        if response.headers.get("X-Cache") == "HIT":
            return response
    raise AssertionError(f"{path} was never answered from the cache: {response.headers}")


def within_deadline(check):
    """Ask ``check()`` until it holds; False if two seconds pass first."""
    deadline = time.monotonic() + DEADLINE
    while True:
        if check():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def post(title, **fields):
    """A posted work in FANDOM (a canonical tag, so it has a listing), with its
    filter tags worked out as posting does."""
    from chapterhouse.tags.models import Tag, TagType
    from chapterhouse.tags.services.filters import work_filter_tags_refresh
    from chapterhouse.works.tests.factories import tag

    Tag.objects.filter(pk=tag(FANDOM, TagType.FANDOM).pk).update(canonical=True)
    work = WorkFactory(title=title, fandom=FANDOM, **fields)
    work_filter_tags_refresh(work_ids=[work.pk])
    return work


def session_cookie(user) -> dict:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return {"sessionid": client.cookies["sessionid"].value}


def test_a_second_guest_is_answered_from_the_cache_with_a_page_for_everyone(cache):
    work = WorkFactory(title="The Tide Clock")
    cache.settled()
    first = guest_get(cache, f"/works/{work.pk}")
    assert first.status_code == 200 and first.headers["X-Cache"] == "MISS"
    second = guest_get(cache, f"/works/{work.pk}", cookies={"csrftoken": "x" * 32})
    assert second.headers["X-Cache"] == "HIT" and int(second.headers["Age"]) >= 0
    assert second.content == first.content
    # Nothing in it is one visitor's: no cookie, no token.
    assert "Set-Cookie" not in second.headers
    assert "public" in second.headers["Cache-Control"]
    page = BeautifulSoup(second.text, "html.parser")
    assert page.select_one("meta[name=csrf-token]")["content"] == ""
    assert all(not field.get("value") for field in page.select(
        "input[name=csrfmiddlewaretoken], input[name=authenticity_token]"))


def test_a_posted_work_appears_in_the_cached_listings_within_two_seconds(cache):
    post("The First Lamp")
    listings = ["/works", f"/tags/{FANDOM}/works", "/"]
    for path in listings:
        assert "The First Lamp" in cached(cache, path).text
    post("The Second Lamp")
    for path in listings:
        assert within_deadline(lambda path=path: "The Second Lamp" in guest_get(cache, path).text)


def test_a_hidden_work_leaves_every_cached_guest_page_within_two_seconds(cache):
    from chapterhouse.moderation.roles import ROLES, roles_ensure
    from chapterhouse.moderation.services.content import content_hide

    writer = UserFactory(username="keeper_of_lamps")
    work = post("The Drowned Bell", creator=writer, chapters=2)
    chapter = work.chapters.order_by("position").last()
    pages = [
        f"/works/{work.pk}",
        f"/works/{work.pk}?view_full_work=true",
        f"/works/{work.pk}/chapters/{chapter.pk}",
        "/works",
        f"/tags/{FANDOM}/works",
        f"/users/{writer.username}/works",
        "/",
    ]
    for path in pages:
        assert "The Drowned Bell" in cached(cache, path).text, path

    roles_ensure()
    admin = UserFactory(username="harbour_admin", is_staff=True)
    from django.contrib.auth.models import Group

    admin.groups.add(Group.objects.get(name=ROLES["superadmin"].group))
    content_hide(actor=admin, target=work, reason="Spam.")

    for path in pages:
        assert within_deadline(
            lambda path=path: "The Drowned Bell" not in guest_get(cache, path).text
        ), path


def test_a_deleted_work_leaves_the_cache_within_two_seconds(cache):
    work = post("The Last Ferry")
    path = f"/works/{work.pk}"
    cached(cache, path)
    cached(cache, "/works")
    work.delete()
    assert within_deadline(lambda: guest_get(cache, path).status_code == 404)
    assert within_deadline(lambda: "The Last Ferry" not in guest_get(cache, "/works").text)


def test_a_reader_never_gets_a_guests_copy_and_a_guest_never_gets_hers(cache):
    reader = UserFactory(username="ashby_reader")
    work = WorkFactory(title="The Salt Road")
    path = f"/works/{work.pk}"
    guest_copy = cached(cache, path)
    assert "ashby_reader" not in guest_copy.text

    hers = guest_get(cache, path, cookies=session_cookie(reader))
    assert hers.headers["X-Cache"] == "MISS"
    assert "Hi, <a" in hers.text and "ashby_reader" in hers.text
    assert "public" not in hers.headers["Cache-Control"]
    assert "private" in hers.headers["Cache-Control"]
    token = BeautifulSoup(hers.text, "html.parser").select_one("meta[name=csrf-token]")
    assert token["content"]  # her own page carries her token

    # Asked again and again, hers is never kept for anyone.
    guest_get(cache, path, cookies=session_cookie(reader))
    for _ in range(3):
        guest = guest_get(cache, path)
        assert "ashby_reader" not in guest.text
        assert "logged-out" in guest.text


def test_a_guest_with_a_message_waiting_is_not_answered_from_the_cache(cache):
    work = WorkFactory(title="The Quiet Harbour")
    cached(cache, f"/works/{work.pk}")
    with_message = guest_get(cache, f"/works/{work.pk}", cookies={"messages": "anything"})
    assert with_message.headers["X-Cache"] == "MISS"


def test_purge_drops_one_page_and_a_ban_is_taken_from_the_caches_own_host(cache):
    response = requests.request("BAN", cache + "/", headers={"X-Ban-Url": "."}, timeout=10)
    assert response.status_code == 200  # the test runs on the cache's own host
    work = WorkFactory(title="The Pilot Boat")
    cached(cache, f"/works/{work.pk}")
    requests.request("PURGE", cache + f"/works/{work.pk}", timeout=10)
    assert guest_get(cache, f"/works/{work.pk}").headers["X-Cache"] == "MISS"


def test_guests_served_from_the_cache_are_counted_by_the_page_beacon(cache):
    from chapterhouse.responses.services import hits
    from chapterhouse.works.models import Work

    hits.hit_buffer_set(hits.MemoryBuffer())
    work = WorkFactory(title="The Fog Bell")
    cache.settled()
    agent = "Mozilla/5.0 (X11; Linux x86_64; rv:{}) Gecko/20100101 Firefox/{}"
    for version in ("128.0", "129.0"):  # two guests, two browsers
        headers = {"User-Agent": agent.format(version, version)}
        page = guest_get(cache, f"/works/{work.pk}", headers=headers)
        markup = BeautifulSoup(page.text, "html.parser")
        # What responses/hits.js does once the page is shown.
        assert markup.select_one("script[src$='responses/hits.js']") is not None
        work_id = markup.select_one("div.work")["data-work-id"]
        for _ in range(2):  # a reload sends it again; it still counts once
            answer = requests.post(f"{cache}/works/{work_id}/hit", timeout=30,
                                   headers={**headers, "Sec-Fetch-Site": "same-origin"})
            assert answer.status_code == 204 and "Set-Cookie" not in answer.headers
            assert answer.headers["X-Cache"] == "MISS"
    assert page.headers["X-Cache"] == "HIT"  # the second guest never reached the site
    assert hits.hits_flush() == 2
    assert Work.objects.get(pk=work.pk).hit_count == 2
    # New hit counts alone do not drop the copy: every guest's beacon would
    # otherwise empty the cache of a popular work. They catch up with the TTL.
    cache.settled()
    assert guest_get(cache, f"/works/{work.pk}").headers["X-Cache"] == "HIT"
