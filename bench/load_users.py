"""The visitors of the mixed load (BENCH query 10), for locust; started by
``bench/load.py``, which writes the plan (works, listings, searches, readers'
session cookies and pseuds) to the file named by ``LOAD_PLAN``.

Half the visitors are guests, half signed-in readers. Guests read: work
pages 60, listings 25, search 5 (weights). Readers read with the same weights
and write with weight 20 (kudos, comments, bookmarks, posting a work, in
turn), so the whole mix is 60% work pages, 25% listings, 5% search and 10%
writes. Each visitor sends about one request a second
(``constant_throughput(1)``), so the number of visitors sets the rate.
Every write is one POST through the site's own form; the form page it needs
for its token is counted as a read.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re

from locust import HttpUser, constant_throughput, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"]).read())  # noqa: SIM115, PTH123
TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')
#: Readers are handed out in turn from LOAD_READER_OFFSET, so that each step
#: of bench/load.py signs in readers the earlier steps did not use (the
#: per-reader limits on comments stay out of the figures).
_readers = itertools.count(int(os.environ.get("LOAD_READER_OFFSET", "0")))
_markers = itertools.count()


class Reading:
    """The reads both kinds of visitor make."""

    def work(self) -> None:
        self.client.get(f"/works/{random.choice(PLAN['works'])}", name="work page")  # noqa: S311

    def listing(self) -> None:
        self.client.get(random.choice(PLAN["listings"]), name="listing")  # noqa: S311

    def search(self) -> None:
        self.client.get("/works/search", name="search", params={
            "work_search[query]": random.choice(PLAN["searches"]), "commit": "Search"})  # noqa: S311


class Guest(Reading, HttpUser):
    wait_time = constant_throughput(1)

    @task(60)
    def read_work(self) -> None:
        self.work()

    @task(25)
    def read_listing(self) -> None:
        self.listing()

    @task(5)
    def find(self) -> None:
        self.search()


class Reader(Reading, HttpUser):
    wait_time = constant_throughput(1)

    def on_start(self) -> None:
        reader = PLAN["readers"][next(_readers) % len(PLAN["readers"])]
        self.client.cookies.set(PLAN["cookie_name"], reader["session"])
        self.pseud = reader["pseud"]
        self.writes = itertools.cycle([self.kudos, self.comment, self.bookmark, self.post])

    @task(60)
    def read_work(self) -> None:
        self.work()

    @task(25)
    def read_listing(self) -> None:
        self.listing()

    @task(5)
    def find(self) -> None:
        self.search()

    @task(20)
    def write(self) -> None:
        next(self.writes)()

    def _token(self, path: str, name: str) -> str:
        page = self.client.get(path, name=name)
        found = TOKEN.search(page.text or "")
        return found.group(1) if found else ""

    def _post(self, path: str, data: dict, name: str) -> None:
        with self.client.post(path, data=data, name=name, allow_redirects=False,
                              catch_response=True) as answer:
            if answer.status_code != 302:
                answer.failure(f"HTTP {answer.status_code}")

    def _marker(self) -> str:
        return f"load{os.getpid()}x{next(_markers)}"

    def kudos(self) -> None:
        work = random.choice(PLAN["works"])  # noqa: S311
        token = self._token(f"/works/{work}", "work page")
        self._post("/kudos", {"authenticity_token": token, "kudo[commentable_id]": str(work),
                              "kudo[commentable_type]": "Work"}, "write: kudos")

    def comment(self) -> None:
        work = random.choice(PLAN["works"])  # noqa: S311
        token = self._token(f"/works/{work}", "work page")
        self._post(f"/works/{work}/comments", {
            "authenticity_token": token,
            "comment[comment_content]": f"<p>Read it on the bus. {self._marker()}</p>"},
            "write: comment")

    def bookmark(self) -> None:
        work = random.choice(PLAN["works"])  # noqa: S311
        token = self._token(f"/works/{work}", "work page")
        self._post(f"/works/{work}/bookmarks", {
            "authenticity_token": token, "bookmark[pseud_id]": str(self.pseud),
            "bookmark[bookmarker_notes]": f"<p>{self._marker()}</p>",
            "bookmark[tag_string]": "comfort read", "bookmark[private]": "0",
            "bookmark[rec]": "0"}, "write: bookmark")

    def post(self) -> None:
        token = self._token("/works/new", "form: new work")
        marker = self._marker()
        self._post("/works/new", {
            "authenticity_token": token, "title": f"Lamplight {marker}",
            "rating": str(PLAN["rating"]), "warnings": [str(PLAN["warning"])],
            "fandoms": PLAN["fandom"], "language": "en", "comment_permission": "everyone",
            "content": f"<p>The lamp burned all night. {marker}</p>", "content_format": "html",
            "summary_format": "html", "notes_format": "html", "endnotes_format": "html",
            "expected_chapters": "1", "post_button": "Post"}, "write: post a work")
