"""The discovery benchmark's runner: a scratch database, the load, the timings.

For each query (BENCH.md 1-5) it times, warm, as a guest:

- **page**: the full HTML response through ``django.test.Client`` on the real
  URL (server time: middleware, view, engine, blurbs, template);
- **search_works**: ``discovery.selectors.search_works`` (engine and the
  page's blurbs from the database, no template);
- **engine**: the engine alone (plan and execute: ids, total, facets);
- **baseline**: PostgreSQL alone (``baseline_pg``), with ``--db postgres``.

and prints p50/p99, ours (engine) ÷ baseline, and page ÷ engine. Query 8 posts
works through ``works.services.posting`` and measures how long each takes to
appear in a filtered listing. ``--growth`` runs the same at a tenth of the
size and at the size, each in its own process, and prints the ratios.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[2]
META_TABLE = "bench_meta"
DEFAULT_QUERIES = "1,2,3,4,5,8"


# Scratch databases -----------------------------------------------------------------------


@dataclass
class Scratch:
    vendor: str
    database_url: str
    var_dir: Path
    keep: bool
    pg_server: str = ""
    pg_name: str = ""
    reuse: bool = False

    def cleanup(self) -> None:
        if self.keep:
            return
        if self.vendor == "postgres":
            from django.db import connections

            connections.close_all()
            _pg_admin(self.pg_server, f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
        shutil.rmtree(self.var_dir, ignore_errors=True)


def _pg_admin(server_url: str, sql: str):
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        return (
            conn.execute(sql).fetchall()
            if sql.lstrip().upper().startswith("SELECT")
            else conn.execute(sql)
        )


def _kept_meta(scratch: Scratch) -> dict:
    """The bench_meta of a kept database, or {} when there is none."""
    try:
        if scratch.vendor == "sqlite":
            import sqlite3

            path = scratch.var_dir / "chapterhouse.sqlite3"
            if not path.exists():
                return {}
            with sqlite3.connect(path) as conn:
                rows = conn.execute(f"SELECT key, value FROM {META_TABLE}").fetchall()  # noqa: S608
        else:
            import psycopg

            with psycopg.connect(scratch.database_url, autocommit=True) as conn:
                rows = conn.execute(f"SELECT key, value FROM {META_TABLE}").fetchall()  # noqa: S608
        return {key: json.loads(value) for key, value in rows}
    except Exception:  # noqa: BLE001 - no database, no table: nothing to reuse
        return {}


def scratch_for(db: str, works: int, keep: bool) -> Scratch:
    """Where this run's database and files go (kept between runs with ``keep``)."""
    var_dir = Path(tempfile.gettempdir()) / f"chbench-discovery-{db}-{works}"
    if not keep:
        var_dir = Path(tempfile.mkdtemp(prefix=f"chbench-discovery-{db}-{works}-"))
    if db == "sqlite":
        return Scratch("sqlite", f"sqlite:///{var_dir / 'chapterhouse.sqlite3'}", var_dir, keep)
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith(("postgres://", "postgresql://")):
        server = "postgres://postgres@127.0.0.1:5432/postgres"
    name = f"chbench_discovery_{works}" + ("" if keep else f"_{os.getpid()}")
    parts = urlsplit(server)
    return Scratch(
        "postgres",
        urlunsplit(parts._replace(path=f"/{name}")),
        var_dir,
        keep,
        pg_server=server,
        pg_name=name,
    )


def configure_django(scratch: Scratch) -> None:
    os.environ["DATABASE_URL"] = scratch.database_url
    os.environ["CHAPTERHOUSE_VAR_DIR"] = str(scratch.var_dir)
    os.environ.pop("CHAPTERHOUSE_SEARCH_DIR", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chapterhouse.settings")
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import django

    django.setup()
    # A failing page is reported in the results table, not as a logged traceback.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)


def prepare(scratch: Scratch, works: int) -> None:
    """Reuse a kept database of this size and generator version, or start afresh;
    then migrate."""
    from django.core.management import call_command

    from .generate import VERSION

    meta = _kept_meta(scratch) if scratch.keep else {}
    scratch.reuse = meta.get("works") == works and meta.get("version") == VERSION
    if not scratch.reuse:
        shutil.rmtree(scratch.var_dir, ignore_errors=True)
        if scratch.vendor == "postgres":
            name = scratch.pg_name
            _pg_admin(scratch.pg_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            _pg_admin(scratch.pg_server, f'CREATE DATABASE "{name}"')
    scratch.var_dir.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    # Pages link static files through the manifest, as under `chapterhouse serve`.
    call_command("collectstatic", interactive=False, verbosity=0)


def _write_meta(values: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key varchar(50) PRIMARY KEY, value text)"
        )
        for key, value in values.items():
            cursor.execute(f"DELETE FROM {META_TABLE} WHERE key = %s", [key])  # noqa: S608
            cursor.execute(
                f"INSERT INTO {META_TABLE} (key, value) VALUES (%s, %s)",  # noqa: S608
                [key, json.dumps(value)],
            )


# Queries -------------------------------------------------------------------------------------


@dataclass
class Case:
    key: str
    number: int
    label: str
    query: object  # WorkQuery
    url: str
    page: int = 1
    facets: bool = True
    fewer_runs: bool = False


def cases(subjects: dict) -> list:
    from chapterhouse.discovery.query import WorkQuery
    from chapterhouse.tags.models import Tag, tag_name_to_url
    from chapterhouse.tags.page_selectors import tag_path

    wanted = [
        subjects["largest_fandom"],
        subjects["tenth_fandom"],
        subjects["two_hundredth_fandom"],
        subjects["relationship_in_tenth"],
        subjects["freeform_in_tenth"],
    ]
    name = dict(Tag.objects.filter(pk__in=wanted).values_list("pk", "name"))
    largest, tenth = subjects["largest_fandom"], subjects["tenth_fandom"]
    two_hundredth = subjects["two_hundredth_fandom"]
    relationship, freeform = subjects["relationship_in_tenth"], subjects["freeform_in_tenth"]
    phrase = f'"{subjects["trope_phrase"]}"'
    terms = " ".join(subjects["search_terms"])

    def works_url(pairs: list[tuple[str, object]], path: str = "/works") -> str:
        return f"{path}?{urlencode(pairs)}"

    landing = tag_path(name[largest], "/works")
    return [
        Case("1", 1, "largest fandom, 7 facet groups", WorkQuery(tag_ids=(largest,)), landing),
        Case(
            "2a",
            2,
            "same, page 1000",
            WorkQuery(tag_ids=(largest,)),
            f"{landing}?page=1000",
            page=1000,
            fewer_runs=True,
        ),
        Case(
            "2b",
            2,
            "same, past the end",
            WorkQuery(tag_ids=(largest,)),
            f"{landing}?page=1000000",
            page=1_000_000,
            fewer_runs=True,
        ),
        Case(
            "3",
            3,
            "10th fandom + relationship, −MCD −freeform, T/M, by kudos",
            WorkQuery(
                tag_ids=(tenth,),
                include_ids=(relationship,),
                exclude_ids=(18, freeform),
                rating_ids=(11, 12),
                sort_column="kudos_count",
            ),
            works_url(
                [
                    ("tag_id", tag_name_to_url(name[tenth])),
                    ("include_work_search[rating_ids][]", 11),
                    ("include_work_search[rating_ids][]", 12),
                    ("include_work_search[relationship_ids][]", relationship),
                    ("exclude_work_search[archive_warning_ids][]", 18),
                    ("exclude_work_search[freeform_ids][]", freeform),
                    ("work_search[sort_column]", "kudos_count"),
                    ("commit", "Sort and Filter"),
                ]
            ),
        ),
        Case(
            "4a",
            4,
            f"{phrase} in the largest fandom",
            WorkQuery(tag_ids=(largest,), query=phrase),
            works_url(
                [
                    ("tag_id", tag_name_to_url(name[largest])),
                    ("work_search[query]", phrase),
                    ("commit", "Sort and Filter"),
                ]
            ),
        ),
        Case(
            "4b",
            4,
            f"{phrase} in the 200th fandom",
            WorkQuery(tag_ids=(two_hundredth,), query=phrase),
            works_url(
                [
                    ("tag_id", tag_name_to_url(name[two_hundredth])),
                    ("work_search[query]", phrase),
                    ("commit", "Sort and Filter"),
                ]
            ),
        ),
        Case(
            "4c",
            4,
            f"{terms} anywhere (search, best match)",
            WorkQuery(query=terms, sort_column="_score"),
            works_url([("work_search[query]", terms), ("commit", "Search")], path="/works/search"),
            facets=False,
        ),
        Case(
            "5",
            5,
            "50k-200k words, complete, English, by hits (search)",
            WorkQuery(words=(50_000, 200_000), complete=True, language="en", sort_column="hits"),
            works_url(
                [
                    ("work_search[word_count]", "50000-200000"),
                    ("work_search[complete]", "T"),
                    ("work_search[language_id]", "en"),
                    ("work_search[sort_column]", "hits"),
                    ("commit", "Search"),
                ],
                path="/works/search",
            ),
            facets=False,
        ),
    ]


# Timing ---------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Timing:
    runs: int = 0
    p50: float | None = None
    p99: float | None = None
    cpu_p50: float | None = None  # this process's CPU time, less swayed by a busy machine
    error: str = ""


def timed(call, *, runs: int, warm: int = 5) -> Timing:
    try:
        for _ in range(warm):
            call()
        samples, cpu = [], []
        for _ in range(runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            call()
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
    except Exception as error:  # noqa: BLE001 - reported in the table, the run goes on
        return Timing(error=f"{type(error).__name__}: {error}"[:160])
    return Timing(runs=runs, p50=statistics.median(samples), p99=percentile(samples, 0.99),
                  cpu_p50=statistics.median(cpu))


@dataclass
class CaseResult:
    key: str
    label: str
    total: int | None = None
    baseline_total: int | None = None
    served_page: int | None = None
    facets_agree: bool | None = None
    page_shows_total: bool | None = None
    page: Timing = field(default_factory=Timing)
    search_works: Timing = field(default_factory=Timing)
    engine: Timing = field(default_factory=Timing)
    baseline: Timing = field(default_factory=Timing)


class PageError(Exception):
    pass


@dataclass
class WsgiResponse:
    status_code: int
    content: bytes
    headers: list


class WsgiClient:
    """GETs pages straight through Django's WSGI handler, as ``chapterhouse
    serve``'s workers call it. Django's test client is not used for timings:
    on every request it connects signal receivers (each leaving a
    ``weakref.finalize`` behind for as long as the client lives) and records
    the templates rendered, so it costs time a real server does not spend
    and makes full garbage collections ever longer."""

    def __init__(self, cookies: dict[str, str] | None = None) -> None:
        from django.core.handlers.wsgi import WSGIHandler
        from django.test import RequestFactory

        self.handler = WSGIHandler()
        self.factory = RequestFactory(HTTP_HOST="localhost")
        self.cookies = dict(cookies or {})

    @classmethod
    def signed_in(cls, user) -> WsgiClient:
        """A client carrying ``user``'s session cookie."""
        from django.conf import settings
        from django.test import Client

        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        name = settings.SESSION_COOKIE_NAME
        return cls({name: client.cookies[name].value})

    def get(self, url: str) -> WsgiResponse:
        environ = dict(self.factory.get(url).environ)
        if self.cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started: dict = {}

        def start_response(status, headers, exc_info=None):
            started["status"], started["headers"] = int(status.split()[0]), headers

        result = self.handler(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        return WsgiResponse(started["status"], body, started["headers"])


def _engine_call():
    """The engine below ``search_works``: plan and execute (ids, total, facets)."""
    from chapterhouse.discovery.engine import search as engine
    from chapterhouse.discovery.engine.index import get_index
    from chapterhouse.discovery.selectors import plan_for
    from chapterhouse.works.selectors.listing import PER_PAGE

    def call(viewer, query, page, facets):
        index = get_index()
        index.sync()
        with index.lock:
            plan, _ = plan_for(viewer=viewer, query=query, index=index)
            return engine.execute(
                index.store,
                plan,
                tag_group=index.groups.array,
                cache=index.cache,
                page=page,
                per_page=PER_PAGE,
                with_facets=facets,
            )

    return call


def run_case(case: Case, *, runs: int, baseline: bool) -> CaseResult:
    from django.contrib.auth.models import AnonymousUser

    from chapterhouse.discovery.selectors import search_works

    guest = AnonymousUser()
    result = CaseResult(case.key, case.label)
    runs = max(5, runs // 3) if case.fewer_runs else runs
    client = WsgiClient()

    def page():
        response = client.get(case.url)
        if response.status_code != 200:
            raise PageError(f"{case.url} answered {response.status_code}")

    def raw():
        return search_works(viewer=guest, query=case.query, page=case.page, with_facets=case.facets)

    try:
        found = raw()
        result.total, result.served_page = found.page.total, found.page.number
    except Exception as error:  # noqa: BLE001
        result.search_works = Timing(error=f"{type(error).__name__}: {error}"[:160])
        found = None
    if found is not None:
        result.search_works = timed(raw, runs=runs)
        try:
            engine = _engine_call()
            result.engine = timed(
                lambda: engine(guest, case.query, case.page, case.facets), runs=runs
            )
        except ImportError as error:
            result.engine = Timing(error=f"no lower engine call ({error})")
    result.page = timed(page, runs=runs)
    if not result.page.error and result.total is not None:
        shown = client.get(case.url).content.decode()
        result.page_shows_total = f"{result.total:,}" in shown
    if baseline:
        from . import baseline_pg

        answer = baseline_pg.answer(case.query, page=case.page, with_facets=case.facets)
        result.baseline_total = answer.total
        if found is not None and case.facets:
            ours = {
                g: dict((e.tag_id, e.count) for e in entries) for g, entries in found.facets.items()
            }
            result.facets_agree = all(
                ours.get(group, {}).get(tag_id, count) == count
                for group, entries in answer.facets.items()
                for tag_id, count in entries
            ) and all(
                len(ours.get(group, {})) == len(entries) for group, entries in answer.facets.items()
            )
        result.baseline = timed(
            lambda: baseline_pg.answer(case.query, page=case.page, with_facets=case.facets),
            runs=runs,
        )
    return result


# Query 8: posting freshness -------------------------------------------------------------------


@dataclass
class PostingResult:
    posted: int = 0
    seconds: float = 0.0
    rate: float = 0.0
    post_p50: float | None = None
    post_cpu_p50: float | None = None  # the poster's own CPU time per post
    alone_p50: float | None = None
    alone_cpu_p50: float | None = None
    queries_per_post: int | None = None
    latency_p50: float | None = None
    latency_p99: float | None = None
    latency_max: float | None = None
    missing: int = 0
    poller_cpu: float | None = None  # seconds of CPU the polling process used meanwhile
    error: str = ""


def posting_freshness(
    subjects: dict, *, rate: float = 50, seconds: float = 10, posters: int = 1
) -> PostingResult:
    """Post ``rate`` works a second with 17 tags each for ``seconds`` through
    ``work_create`` (in ``posters`` processes of their own, as app servers
    would), while this process polls ``search_works`` for a filtered listing
    that holds exactly those works; per work, the time from its commit until
    the listing first shows it."""
    from django.contrib.auth.models import AnonymousUser

    from chapterhouse.accounts.services import user_create
    from chapterhouse.discovery.engine.index import get_index
    from chapterhouse.discovery.query import WorkQuery
    from chapterhouse.discovery.selectors import matching_work_ids, search_works
    from chapterhouse.tags.models import Tag
    from chapterhouse.works.models import Work
    from chapterhouse.works.services.posting import work_delete

    from .load import PASSWORD

    label = f"{int(time.time()) % 100000}"
    poster = user_create(
        username=f"benchposter{label}", email=f"poster{label}@example.invalid", password=PASSWORD
    )
    marker = f"Bench Posting Run {label}"
    names = dict(
        Tag.objects.filter(
            pk__in=[
                subjects["posting_fandom"],
                *subjects["posting_relationships"],
                *subjects["posting_characters"],
                *subjects["posting_freeforms"],
            ]
        ).values_list("pk", "name")
    )

    def joined(ids):
        return ", ".join(names[i] for i in ids)

    plan = {  # 1 + 1 + 1 fixed, 1 fandom, 2 + 4 + 7 typed: 17 tags
        "user_id": poster.pk,
        "label": label,
        "rate": rate,
        "count": int(rate * seconds),
        "seconds": seconds,
        "tags": {
            "rating": 11,
            "warnings": [16],
            "categories": [23],
            "fandoms": names[subjects["posting_fandom"]],
            "relationships": joined(subjects["posting_relationships"]),
            "characters": joined(subjects["posting_characters"]),
            "freeforms": joined(subjects["posting_freeforms"]) + ", " + marker,
        },
    }
    query = WorkQuery(tag_ids=(subjects["posting_fandom"],), include_names=(marker,))
    guest = AnonymousUser()
    committed: list[tuple[int, float]] = []
    post_times: list[float] = []
    post_cpu: list[float] = []
    errors: list[str] = []
    starts: list[float] = []  # when each poster began posting (after setting up Django)
    children = []
    for number in range(posters):
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                f"import sys; sys.path.insert(0, {str(REPO)!r}); "
                "from bench.discovery.run import poster_process; poster_process()",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        child.stdin.write(
            json.dumps(
                {
                    **plan,
                    "rate": rate / posters,
                    "count": plan["count"] // posters,
                    "label": f"{label}-{number}",
                }
            )
        )
        child.stdin.close()
        children.append(child)

    def read_child(child):
        for line in child.stdout:
            kind, *values = line.split()
            if kind == "posted":
                committed.append((int(values[0]), float(values[1])))
                post_times.append(float(values[2]))
                post_cpu.append(float(values[3]))
            elif kind == "started":
                starts.append(float(values[0]))
            elif kind == "error":
                errors.append(" ".join(values))

    readers = [threading.Thread(target=read_child, args=(child,)) for child in children]
    for each in readers:
        each.start()
    began = time.time()
    began_cpu = time.process_time()
    seen_at: dict[int, float] = {}
    index = get_index()
    finished = None
    while True:
        index.sync()
        listing = search_works(viewer=guest, query=query, with_facets=False).page
        now = time.time()
        ids = [blurb.work.pk for blurb in listing.items]
        if listing.total > len(ids):
            ids = matching_work_ids(viewer=guest, query=query, limit=listing.total)
        for pk in ids:
            seen_at.setdefault(pk, now)
        if finished is None and not any(p.is_alive() for p in readers):
            finished = now
        if finished is not None and (len(seen_at) >= len(committed) or now - finished > 60):
            break
        # Every 50 ms: fine enough against a 2 s target, and the polling
        # process leaves the two cores to the posters and the database.
        time.sleep(0.05)
    poller_cpu = time.process_time() - began_cpu
    for each in children:
        each.wait()
    latencies = [(seen_at[pk] - at) * 1000 for pk, at in committed if pk in seen_at]
    committed.sort(key=lambda pair: pair[1])
    # From the first poster's first post (their start-up is not posting).
    began = min(starts, default=began)
    result = PostingResult(
        posted=len(committed),
        seconds=(committed[-1][1] - began) if committed else 0.0,
        poller_cpu=poller_cpu,
        post_p50=statistics.median(post_times) if post_times else None,
        post_cpu_p50=statistics.median(post_cpu) if post_cpu else None,
        latency_p50=statistics.median(latencies) if latencies else None,
        latency_p99=percentile(latencies, 0.99) if latencies else None,
        latency_max=max(latencies) if latencies else None,
        missing=len(committed) - len(latencies),
        error="; ".join(errors),
    )
    result.rate = result.posted / result.seconds if result.seconds else 0.0
    result.alone_p50, result.alone_cpu_p50, result.queries_per_post = _work_create_alone(plan)
    for work in Work.objects.filter(pk__in=[pk for pk, _ in committed]):
        work_delete(user=poster, work=work)
    index.sync()
    return result


def _work_create_alone(plan: dict, runs: int = 40):
    """``work_create`` of the plan's work in this process, one at a time with
    nothing else posting, each rolled back (after the timed run, so its marker
    tag exists): the p50 in milliseconds of wall time and of this process's
    CPU (Python's share, less swayed by other work on the machine), and the
    queries one post makes."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from chapterhouse.accounts.models import User
    from chapterhouse.works.services.posting import WorkFields, work_create
    from chapterhouse.works.services.tagging import TagChoice

    class Undo(Exception):
        pass

    user = User.objects.get(pk=plan["user_id"])
    choice = TagChoice(**plan["tags"])
    content = "<p>" + "A line of the benchmark's story. " * 40 + "</p>"
    times: list[float] = []
    cpu: list[float] = []
    queries = None
    for i in range(runs + 1):
        began, began_cpu = time.perf_counter(), time.process_time()
        try:
            with CaptureQueriesContext(connection) as captured, transaction.atomic():
                work_create(user=user, fields=WorkFields(
                    title=f"Alone {plan['label']} {i}",
                    summary="<p>Posted by the benchmark.</p>", content=content, tags=choice,
                ), post=True)
                raise Undo
        except Undo:
            pass
        except Exception:  # noqa: BLE001 - reported as no figure
            return None, None, None
        if i:  # the first warms the caches
            times.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
        else:  # the transaction's BEGIN and ROLLBACK are not the post's
            queries = len([q for q in captured.captured_queries
                           if q["sql"] not in ("BEGIN", "ROLLBACK")])
    return statistics.median(times), statistics.median(cpu), queries


def poster_process() -> None:
    """The posting side of query 8, in its own process: reads the plan as JSON
    from stdin, posts at its rate for at most its seconds, and prints
    ``started TIME`` once set up, then ``posted ID COMMIT_TIME MILLISECONDS
    CPU_MILLISECONDS`` per work."""
    import django

    django.setup()
    from chapterhouse.accounts.models import User
    from chapterhouse.works.services.posting import WorkFields, work_create
    from chapterhouse.works.services.tagging import TagChoice

    plan = json.loads(sys.stdin.read())
    user = User.objects.get(pk=plan["user_id"])
    choice = TagChoice(**plan["tags"])
    content = "<p>" + "A line of the benchmark's story. " * 40 + "</p>"
    started = time.time()
    print("started", f"{started:.6f}", flush=True)
    for i in range(plan["count"]):
        if time.time() - started > plan["seconds"]:
            return  # the service could not keep up with the rate; the parent reports it
        wait = started + i / plan["rate"] - time.time()
        if wait > 0:
            time.sleep(wait)
        began, began_cpu = time.perf_counter(), time.process_time()
        try:
            work = work_create(
                user=user,
                fields=WorkFields(
                    title=f"Freshness {plan['label']} {i}",
                    summary="<p>Posted by the benchmark.</p>",
                    content=content,
                    tags=choice,
                ),
                post=True,
            )
        except Exception as error:  # noqa: BLE001 - the parent reports it
            print("error", f"{type(error).__name__}: {error}"[:200].replace("\n", " "), flush=True)
            return
        print(
            "posted",
            work.pk,
            f"{time.time():.6f}",
            f"{(time.perf_counter() - began) * 1000:.1f}",
            f"{(time.process_time() - began_cpu) * 1000:.1f}",
            flush=True,
        )


# Printing ---------------------------------------------------------------------------------------


def _ms(timing: Timing) -> str:
    if timing.error:
        return "error"
    if timing.p50 is None:
        return "-"
    return f"{timing.p50:.1f} / {timing.p99:.1f}"


def _cpu(timing: Timing) -> str:
    return "-" if timing.cpu_p50 is None else f"{timing.cpu_p50:.1f}"


def _ratio(a: Timing, b: Timing) -> str:
    if a.p50 is None or b.p50 is None or not b.p50:
        return "-"
    return f"{a.p50 / b.p50:.2f}"


def print_results(results: list[CaseResult], baseline: bool) -> None:
    header = (
        f"{'query':<58} {'works':>8} {'page p50/p99':>15} {'search_works':>15} "
        f"{'engine':>15} {'eng CPU':>8} {'baseline':>15} {'ours÷base':>9} {'page÷eng':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        label = f"{r.key:<3}{r.label}"[:58]
        total = f"{r.total:,}" if r.total is not None else "-"
        print(
            f"{label:<58} {total:>8} {_ms(r.page):>15} {_ms(r.search_works):>15} "
            f"{_ms(r.engine):>15} {_cpu(r.engine):>8} {_ms(r.baseline):>15} "
            f"{_ratio(r.engine, r.baseline) if baseline else '-':>9} "
            f"{_ratio(r.page, r.engine):>8}"
        )
    print("(milliseconds, p50 / p99; eng CPU = the engine's p50 in this process's CPU time; "
          "ours÷base = engine ÷ baseline; page÷eng = full page ÷ engine)")
    for r in results:
        notes = []
        if r.served_page is not None and r.key.startswith("2"):
            notes.append(f"served page {r.served_page:,}")
        if (
            baseline
            and r.baseline_total is not None
            and r.total is not None
            and r.baseline_total != r.total
        ):
            notes.append(f"baseline found {r.baseline_total:,}, ours {r.total:,}")
        if r.facets_agree is False:
            notes.append("facet counts differ from the baseline's")
        if r.page_shows_total is False:
            notes.append(f"the page does not show the total {r.total:,}")
        for name in ("page", "search_works", "engine", "baseline"):
            timing = getattr(r, name)
            if timing.error:
                notes.append(f"{name}: {timing.error}")
        if notes:
            print(f"  {r.key}: " + "; ".join(notes))


def print_posting(result: PostingResult) -> None:
    def ms(value):
        return "-" if value is None else f"{value:.0f} ms"

    print(f"8  posting: {result.posted} works in {result.seconds:.1f} s "
          f"({result.rate:.0f} a second; work_create p50 {ms(result.post_p50)}, "
          f"its CPU p50 {ms(result.post_cpu_p50)}); "
          f"in the filtered listing after p50 {ms(result.latency_p50)}, "
          f"p99 {ms(result.latency_p99)}, max {ms(result.latency_max)}; "
          f"never seen: {result.missing}; the polling process used "
          f"{result.poller_cpu or 0:.1f} s of CPU meanwhile")
    print(f"   work_create alone (one process, nothing else posting, rolled back): "
          f"p50 {ms(result.alone_p50)}, CPU p50 {ms(result.alone_cpu_p50)}, "
          f"{result.queries_per_post} queries a post")
    if result.error:
        print(f"   error: {result.error}")


# The command ------------------------------------------------------------------------------------


def parse(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="discovery_bench.py",
        description="Generate an AO3-shaped archive, load it, and time the discovery queries.",
    )
    parser.add_argument("--works", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--queries", default=DEFAULT_QUERIES, help="comma-separated BENCH.md query numbers (1-5, 8)"
    )
    parser.add_argument("--runs", type=int, default=50, help="timed runs per query")
    parser.add_argument(
        "--growth", action="store_true", help="also run at a tenth of --works and print the growth"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the loaded database (reused by the next run of this size)",
    )
    parser.add_argument(
        "--reindex", action="store_true", help="rebuild the search index even on a kept database"
    )
    parser.add_argument(
        "--posters",
        type=int,
        default=1,
        help="processes posting works for query 8 (together 50 a second)",
    )
    parser.add_argument("--json", help="also write the results to this file")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse(argv)
    wanted = {int(q) for q in args.queries.split(",") if q.strip()}
    if args.growth:
        return growth(args)
    scratch = scratch_for(args.db, args.works, args.keep)
    configure_django(scratch)
    try:
        prepare(scratch, args.works)
        return _run(args, wanted, scratch)
    finally:
        scratch.cleanup()


def ensure_archive(
    scratch: Scratch, works: int, *, reindex: bool = False, output: dict | None = None
) -> dict:
    """Generate and load the archive unless ``scratch`` holds it already (see
    ``prepare``), build its search index and, on PostgreSQL, the baseline
    table when missing. Returns the archive's subjects (the tags the queries
    use); the times taken go into ``output``."""
    from django.db import connection

    from . import baseline_pg
    from .generate import VERSION, describe, generate
    from .load import bases_from_db, build_index, load

    output = {} if output is None else output
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key varchar(50) PRIMARY KEY, value text)"
        )
    if scratch.reuse:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'subjects'")  # noqa: S608
            subjects = json.loads(cursor.fetchone()[0])
        print("Reusing the kept database.", flush=True)
    else:
        started = time.perf_counter()
        archive = generate(works, bases=bases_from_db())
        generated = time.perf_counter() - started
        print(
            f"Generated in {generated:.1f} s: "
            + ", ".join(
                f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}"
                for k, v in describe(archive).items()
            ),
            flush=True,
        )
        print("Loading …", flush=True)
        started = time.perf_counter()
        load(archive, fast=True, progress=lambda m: print(m, flush=True))
        loaded = time.perf_counter() - started
        print(f"Loaded in {loaded:.1f} s.", flush=True)
        subjects = asdict(archive.subjects)
        subjects.pop("fandoms_by_size")
        output.update(generate_seconds=generated, load_seconds=loaded)
        _write_meta({"subjects": subjects})
        del archive
    if not scratch.reuse or reindex or not (scratch.var_dir / "search" / "current").exists():
        print("Building the search index …", flush=True)
        seconds = build_index(progress=lambda m: print(m, flush=True))
        output["index_seconds"] = seconds
        if seconds is not None:
            print(f"Search index built in {seconds:.1f} s.", flush=True)
    if connection.vendor == "postgresql" and (not scratch.reuse or not baseline_pg.exists()):
        print("Building the PostgreSQL-only baseline table …", flush=True)
        seconds = baseline_pg.build()
        output["baseline_build_seconds"] = seconds
        print(f"Baseline built in {seconds:.1f} s.", flush=True)
    _write_meta({"works": works, "version": VERSION})
    return subjects


def _run(args, wanted: set[int], scratch: Scratch) -> int:
    from django.db import connection

    output: dict = {"works": args.works, "database": connection.vendor}
    print(
        f"Database: {connection.vendor} ({scratch.database_url}); {args.works:,} works", flush=True
    )
    subjects = ensure_archive(scratch, args.works, reindex=args.reindex, output=output)
    baseline = connection.vendor == "postgresql"

    results = []
    for case in cases(subjects):
        if case.number in wanted:
            print(f"Timing {case.key} {case.label} …", flush=True)
            results.append(run_case(case, runs=args.runs, baseline=baseline))
    print()
    print_results(results, baseline)
    output["cases"] = [asdict(r) for r in results]
    from chapterhouse.discovery.engine.index import get_index

    text_index = get_index().text
    if text_index is not None:
        output["text_segments"] = text_index.num_segments()
        print(f"Text index: {output['text_segments']} segments")
    if 8 in wanted:
        print("Timing 8 posting …", flush=True)
        posting = posting_freshness(subjects, posters=max(1, args.posters))
        print_posting(posting)
        output["posting"] = asdict(posting)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    now = _resident_mib()
    print(
        f"Resident memory of this process: {now:,.0f} MiB now, {peak:,.0f} MiB at its peak "
        "(the peak includes generating and loading)"
    )
    output.update(rss_mib=now, max_rss_mib=peak)
    if args.json:
        Path(args.json).write_text(json.dumps(output, indent=1))
    return 0


def _resident_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def growth(args) -> int:
    """Run at a tenth of the size and at the size, each in a process of its own."""
    sizes = [max(1000, args.works // 10), args.works]
    outputs = []
    for size in sizes:
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            path = handle.name
        command = [
            sys.executable,
            str(REPO / "bench" / "discovery_bench.py"),
            "--works",
            str(size),
            "--db",
            args.db,
            "--queries",
            args.queries,
            "--runs",
            str(args.runs),
            "--json",
            path,
        ]
        command += ["--posters", str(args.posters)]
        command += [flag for flag, on in (("--keep", args.keep), ("--reindex", args.reindex)) if on]
        print(f"==> {size:,} works", flush=True)
        subprocess.run(command, check=True)
        outputs.append(json.loads(Path(path).read_text()))
        os.unlink(path)
    small, large = outputs
    print()
    print(
        f"Growth from {sizes[0]:,} to {sizes[1]:,} works (p50 at the larger size ÷ p50 at "
        "the smaller):"
    )
    print(f"{'query':<58} {'page':>8} {'search_works':>12} {'engine':>8} {'baseline':>8}")
    for a, b in zip(small["cases"], large["cases"], strict=True):
        cells = []
        for name in ("page", "search_works", "engine", "baseline"):
            x, y = a[name]["p50"], b[name]["p50"]
            cells.append(f"{y / x:.2f}" if x and y else "-")
        label = f"{b['key']:<3}{b['label']}"[:58]
        print(f"{label:<58} {cells[0]:>8} {cells[1]:>12} {cells[2]:>8} {cells[3]:>8}")
    if args.json:
        Path(args.json).write_text(json.dumps({"sizes": sizes, "runs": outputs}, indent=1))
    return 0
