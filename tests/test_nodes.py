"""Two app nodes on one database behind Varnish, started as deploy/ starts
them: each node is the systemd unit's ``serve --no-worker`` with its own
folder, search index and port; the cache runs deploy/varnish/site.vcl
(README, "Production"). A work posted through one node is in the other's
listings, and in the cache's, within two seconds; when a node is killed, the
cache stops sending to it and no acknowledged write is lost."""

import sqlite3
import time

import pytest
import requests
from bs4 import BeautifulSoup
from django.conf import settings
from django.db import connection
from django.test import Client

from bench.faults import node_kill
from chapterhouse.web.varnishd import varnishd_path
from chapterhouse.works.tests.test_views_posting import work_post_data

pytestmark = pytest.mark.skipif(varnishd_path() is None, reason="needs Debian's varnish")

#: The requirement: a write reaches every node and the cache within two seconds.
DEADLINE = 2.0


@pytest.fixture
def site(transactional_db, tmp_path):
    """Works and signed-in readers in the test database, then two nodes and
    the cache on that database (PostgreSQL), or on a file copy of it that is
    read back at the end (SQLite: the test database lives in memory)."""
    from chapterhouse.accounts.tests.factories import UserFactory

    work_ids, readers = node_kill.site_data(readers=4)
    writer = UserFactory(username="quay_writer")
    client = Client()
    client.force_login(writer, backend="django.contrib.auth.backends.ModelBackend")
    writer_session = client.cookies["sessionid"].value

    file = None
    if connection.vendor == "sqlite":
        file = tmp_path / "site.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(file) as copy:
            connection.connection.backup(copy)
        url = f"sqlite:///{file}"
    else:
        s = connection.settings_dict
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        url = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"

    def stop_and_read_back():
        """Stop the nodes; on SQLite, load what they wrote into the test's database."""
        running.__exit__()
        if file is not None:
            with sqlite3.connect(file) as copy:
                copy.backup(connection.connection)

    # Static files collected once for both nodes, without compressed copies.
    static = node_kill.static_collected(tmp_path / "static")
    with node_kill.Site(tmp_path / "site", database_url=url, secret_key=settings.SECRET_KEY,
                        static_from=static) as running:
        running.work_ids, running.readers = work_ids, readers
        running.writer_session = writer_session
        running.stop_and_read_back = stop_and_read_back
        yield running


def within_deadline(check) -> bool:
    deadline = time.monotonic() + DEADLINE
    while True:
        if check():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def post_work(node_url: str, session_key: str, title: str) -> requests.Response:
    """Post a work through one node's real form, as its creator."""
    session = requests.Session()
    session.cookies.set("sessionid", session_key)
    form = BeautifulSoup(session.get(node_url + "/works/new", timeout=30).text, "html.parser")
    token = form.select_one("form#work-form input[name=csrfmiddlewaretoken]")["value"]
    return session.post(node_url + "/works/new",
                        data={**work_post_data(title=title, post_button="Post"),
                              "csrfmiddlewaretoken": token},
                        allow_redirects=False, timeout=60)


def test_two_nodes_share_writes_within_two_seconds_and_survive_one_killed(site):
    node_a, node_b = site.nodes
    # The cache holds the listing before the post.
    assert requests.get(site.url + "/works", timeout=30).status_code == 200
    listing = requests.get(site.url + "/works", timeout=30)
    assert listing.headers["X-Cache"] == "HIT"
    assert "The Quay at Dusk" not in listing.text

    # (a) Posted through node A: in node B's listing and the cache's within 2 s.
    posted = post_work(node_a.url, site.writer_session, "The Quay at Dusk")
    assert posted.status_code == 302, posted.text[:2000]
    assert within_deadline(
        lambda: "The Quay at Dusk" in requests.get(node_b.url + "/works", timeout=30).text)
    assert within_deadline(
        lambda: "The Quay at Dusk" in requests.get(site.url + "/works", timeout=30).text)
    assert within_deadline(lambda: "The Quay at Dusk" in requests.get(
        node_b.url + "/works/search?work_search[query]=Quay", timeout=30).text)

    # (b) Node A killed while a guest reads and four readers write through the cache.
    run = node_kill.kill_under_load(site, work_ids=site.work_ids, readers=site.readers,
                                    before=1.5, after=1.5, pause=0.3)
    counts = run.counts
    print(f"node kill: {counts.reads} reads ({len(counts.read_errors)} failed), "
          f"{counts.writes} writes ({len(counts.write_failures)} refused), "
          f"node A out after {run.sick_after} s")
    assert run.sick_after is not None, "the cache never stopped sending to node A"
    # Its probes call it sick within their interval's worth of failures.
    assert run.sick_after <= node_kill.sick_within() + 1.0, run.sick_after
    assert counts.reads > 10 and counts.writes > 10
    # A guest's read is tried again on node B when node A fails it: at most
    # the one read in flight when A died (cut mid-answer) can fail.
    assert len(counts.read_errors) <= 1, counts.read_errors
    # A write is never sent twice; those sent to A between its death and the
    # probe's verdict fail (503, unacknowledged). None fails after it.
    assert not [f for t, f in counts.write_failures if t > run.sick_at + 0.5]
    site.stop_and_read_back()
    comments_with, kudos_pairs = node_kill._database_checks()
    assert node_kill.lost_writes(counts, comments_with=comments_with,
                                 kudos_pairs=kudos_pairs) == []
    assert len(counts.acknowledged) >= counts.writes - len(counts.write_failures)
