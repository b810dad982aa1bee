"""An app node killed under load, behind Varnish with deploy/varnish/site.vcl.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nodes_fault \\
        .venv/bin/python bench/faults/node_kill.py [--seconds 20] [--readers 4]

Starts two ``chapterhouse serve`` nodes exactly as deploy/systemd's unit
does (its ExecStart, each node with its own folder and port) on one database,
and Varnish with the deploy VCL in front of them. Guests read work pages
(each address new, so every read reaches a node) and signed-in readers post
comments and kudos through the cache, while node A's whole process group is
killed with SIGKILL. It prints: requests sent, errors seen, writes attempted,
committed (acknowledged and found in the database), lost (acknowledged and
not found: must be 0), and the seconds until the cache reported node A sick.

The database named by DATABASE_URL is dropped and made afresh (PostgreSQL),
or the SQLite file replaced. tests/test_nodes.py runs the same parts for a
few seconds.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from chapterhouse.web.varnishd import Varnish, free_port  # noqa: E402

DEPLOY = REPO / "deploy"
NODE_UNIT = DEPLOY / "systemd" / "chapterhouse-node@.service"
SITE_VCL = DEPLOY / "varnish" / "site.vcl"
COMMENT = "comment[comment_content]"
#: What the units call /var/lib/chapterhouse; a run puts it in a folder of its own.
UNIT_HOME = "/var/lib/chapterhouse"


def probe_settings(vcl: Path = SITE_VCL) -> dict[str, float]:
    """The health probe's interval, timeout, window and threshold in the VCL."""
    text = vcl.read_text()
    block = re.search(r"probe health \{(.*?)\n\}", text, re.S).group(1)
    found = {}
    for name in ("interval", "timeout", "window", "threshold"):
        value = re.search(rf"\.{name} = ([0-9.]+)s?;", block).group(1)
        found[name] = float(value)
    return found


def sick_within(vcl: Path = SITE_VCL) -> float:
    """Seconds after a node's death by which its probes must call it sick:
    enough failed probes to leave fewer good ones than the threshold, each
    started an interval apart and ending within the timeout."""
    probe = probe_settings(vcl)
    failures = probe["window"] - probe["threshold"] + 1
    return failures * probe["interval"] + probe["timeout"]


def node_argv(port: int, home: Path) -> tuple[list[str], dict[str, str]]:
    """The node unit's ExecStart for this port: the ``chapterhouse`` arguments
    (run with this Python) and the variables it sets with /usr/bin/env."""
    text = NODE_UNIT.read_text().replace("%i", str(port))
    line = next(row for row in text.splitlines() if row.startswith("ExecStart="))
    words = shlex.split(line.removeprefix("ExecStart="))
    env = {}
    if words[0] == "/usr/bin/env":
        words.pop(0)
        while "=" in words[0]:
            name, _, value = words.pop(0).partition("=")
            env[name] = value.replace(UNIT_HOME, str(home))
    assert words[0].endswith("/chapterhouse"), words
    return [sys.executable, "-m", "chapterhouse.cli", *words[1:]], env


class Node:
    """One ``chapterhouse serve`` of the unit, in its own process group."""

    def __init__(self, name: str, home: Path, env: dict[str, str]) -> None:
        self.name, self.port = name, free_port()
        self.argv, own = node_argv(self.port, home)
        self.env = {**env, **own}
        self.log_path = home / f"{name}.log"
        self.var_dir = Path(self.env["CHAPTERHOUSE_VAR_DIR"])
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                self.argv, env=self.env, cwd=self.log_path.parent, stdout=log,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )

    def wait_ready(self, seconds: float = 240) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"node {self.name} ended:\n{self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/health", timeout=10).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"node {self.name} did not answer /health")

    def kill(self) -> None:
        """SIGKILL to serve, gunicorn, its workers and the indexer at once."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class Site:
    """Two nodes on one database with Varnish (deploy/varnish/site.vcl) in
    front: ``with Site(home, database_url, secret_key) as site``."""

    def __init__(self, home: Path, *, database_url: str, secret_key: str,
                 workers: int = 1, static_from: Path | None = None) -> None:
        self.static_from = static_from
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.cache_port = free_port()
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "EMAIL_URL",
                            "HTTP_CACHE_URLS", "CHAPTERHOUSE_VAR_DIR")}
        env.update({
            "DATABASE_URL": database_url,
            # One key for the site: a session made on one node holds on the other.
            "SECRET_KEY": secret_key,
            "HTTP_CACHE_URLS": f"http://127.0.0.1:{self.cache_port}",
            "CHAPTERHOUSE_WORKERS": str(workers),
            "MEDIA_ROOT": str(self.home / "media"),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
        })
        self.nodes = [Node("a", self.home, env), Node("b", self.home, env)]
        self.cache: Varnish | None = None

    def __enter__(self) -> Site:
        try:
            for node in self.nodes:
                if self.static_from is not None:
                    # Collected static files to start from: serve finds them
                    # up to date and does not collect (compress) them again.
                    shutil.copytree(self.static_from, node.var_dir / "static",
                                    dirs_exist_ok=True)
                node.start()
            for node in self.nodes:
                node.wait_ready()
            self.cache = Varnish(self.home / "varnish", port=self.cache_port, vcl=SITE_VCL,
                                 backends=[("127.0.0.1", node.port) for node in self.nodes])
            self.cache.start()
            self.wait_healthy()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        for node in self.nodes:
            node.stop()
        if self.cache is not None:
            self.cache.stop()

    @property
    def url(self) -> str:
        return self.cache.url

    def wait_healthy(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            health = self.cache.backend_health()
            if health.get("node_a") == "healthy" and health.get("node_b") == "healthy":
                return
            time.sleep(0.2)
        raise RuntimeError(f"the cache does not find both nodes healthy: {health}")


# --- the load -----------------------------------------------------------------------------


@dataclass
class Counts:
    reads: int = 0
    read_errors: list[str] = field(default_factory=list)
    writes: int = 0
    write_failures: list[tuple[float, str]] = field(default_factory=list)
    #: ("comment", marker) or ("kudos", "user_id:work_id"), acknowledged by the site.
    acknowledged: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def token_for(session: requests.Session, base: str) -> str:
    """A CSRF token of this session's own, as the shared page's script gets one."""
    return session.get(base + "/token_dispenser.json", timeout=30).json()["token"]


def read_loop(base: str, work_ids: list[int], counts: Counts, stop: threading.Event,
              who: int) -> None:
    """A guest reading work pages; each address is new, so each read reaches a node."""
    n = 0
    while not stop.is_set():
        n += 1
        path = f"/works/{work_ids[n % len(work_ids)]}?reader={who}&n={n}"
        try:
            answer = requests.get(base + path, timeout=30)
            failed = None if answer.status_code == 200 else f"{path}: {answer.status_code}"
        except requests.RequestException as error:
            failed = f"{path}: {type(error).__name__}"
        with counts.lock:
            counts.reads += 1
            if failed:
                counts.read_errors.append(failed)


def write_loop(base: str, reader: tuple[int, str], work_ids: list[int], counts: Counts,
               stop: threading.Event, pause: float = 0.1) -> None:
    """A signed-in reader commenting through the real form (a new marker each
    time) and leaving kudos on each work once, all through the cache. She
    stops within the site's comment limit (20 in 10 minutes), so every
    refusal counted is the fault's, not the limit's."""
    from chapterhouse.responses.services.comments import USER_RATE

    user_id, session_key = reader
    comments_left = USER_RATE["count"]
    session = requests.Session()
    session.cookies.set("sessionid", session_key)
    token = None
    kudos_left = list(work_ids)
    n = 0
    while not stop.is_set():
        n += 1
        work_id = work_ids[n % len(work_ids)]
        if kudos_left and n % 3 == 0:
            work_id = kudos_left.pop()
            kind, key = "kudos", f"{user_id}:{work_id}"
            path, data = "/kudos", {"kudo[commentable_id]": str(work_id),
                                    "kudo[commentable_type]": "Work"}
        elif comments_left:
            comments_left -= 1
            kind, key = "comment", f"mark-{user_id}-{n}-{time.monotonic_ns()}"
            path, data = f"/works/{work_id}/comments", {COMMENT: f"<p>Read it twice. {key}</p>"}
        elif kudos_left:
            continue
        else:
            return
        try:
            token = token or token_for(session, base)
            answer = session.post(base + path, data={**data, "csrfmiddlewaretoken": token},
                                  allow_redirects=False, timeout=30)
            failed = None if answer.status_code == 302 else str(answer.status_code)
        except requests.RequestException as error:
            failed = type(error).__name__
        with counts.lock:
            counts.writes += 1
            if failed:
                counts.write_failures.append((time.monotonic(), f"{kind} {key}: {failed}"))
            else:
                counts.acknowledged.append((kind, key))
        time.sleep(pause)


@dataclass
class KillRun:
    counts: Counts
    killed_at: float
    sick_after: float | None  # seconds from the kill until the cache called node A sick
    sick_at: float | None


def kill_under_load(site: Site, *, work_ids: list[int], readers: list[tuple[int, str]],
                    before: float, after: float, guests: int = 1,
                    pause: float = 0.1) -> KillRun:
    """Load the site through the cache, kill node A after ``before`` seconds,
    and go on ``after`` seconds past the moment the cache calls it sick."""
    counts, stop = Counts(), threading.Event()
    threads = [threading.Thread(target=read_loop, args=(site.url, work_ids, counts, stop, g))
               for g in range(guests)]
    threads += [threading.Thread(target=write_loop,
                                 args=(site.url, r, work_ids, counts, stop, pause))
                for r in readers]
    for thread in threads:
        thread.start()
    sick_at = None
    try:
        time.sleep(before)
        killed_at = time.monotonic()
        site.nodes[0].kill()
        deadline = killed_at + 4 * sick_within() + 10
        while time.monotonic() < deadline:
            if site.cache.backend_health().get("node_a") == "sick":
                sick_at = time.monotonic()
                break
            time.sleep(0.05)
        time.sleep(after)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    return KillRun(counts, killed_at, None if sick_at is None else sick_at - killed_at, sick_at)


def lost_writes(counts: Counts, *, comments_with, kudos_pairs) -> list[tuple[str, str]]:
    """Acknowledged writes not in the database. ``comments_with(markers)`` gives
    the markers found in comments; ``kudos_pairs()`` the (user, work) ids."""
    markers = [key for kind, key in counts.acknowledged if kind == "comment"]
    found = comments_with(markers)
    pairs = {f"{u}:{w}" for u, w in kudos_pairs()}
    return [(kind, key) for kind, key in counts.acknowledged
            if (kind == "comment" and key not in found) or (kind == "kudos" and key not in pairs)]


# --- the data a run needs -------------------------------------------------------------------


def site_data(*, readers: int, works: int = 3) -> tuple[list[int], list[tuple[int, str]]]:
    """Works to read and signed-in readers (user id, session key), made in
    the database Django is set up on."""
    from django.test import Client

    from chapterhouse.accounts.tests.factories import UserFactory
    from chapterhouse.works.tests.factories import WorkFactory

    writer = UserFactory(username="tidewright")
    work_ids = [WorkFactory(title=f"Harbour Lights {n}", creator=writer).pk
                for n in range(works)]
    signed_in = []
    for n in range(readers):
        user = UserFactory(username=f"lamp_reader_{n}")
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        signed_in.append((user.pk, client.cookies["sessionid"].value))
    return work_ids, signed_in


def static_collected(target: Path) -> Path:
    """Collect the static files into ``target`` with their manifest but without
    the compressed copies (seconds instead of minutes of CPU), marked as
    collected from the current sources (cli.collect_static)."""
    from django.conf import settings
    from django.core.management import call_command
    from django.test import override_settings

    from chapterhouse.cli import STATIC_STAMP, static_fingerprint

    plain = {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}
    with override_settings(STATIC_ROOT=target,
                           STORAGES={**settings.STORAGES, "staticfiles": plain}):
        call_command("collectstatic", interactive=False, verbosity=0)
    (Path(target) / STATIC_STAMP).write_text(static_fingerprint() + "\n")
    return Path(target)


def _database_checks():
    from chapterhouse.responses.models import Comment, Kudos

    def comments_with(markers):
        found = set()
        for content in Comment.objects.filter(content__contains="Read it twice.").values_list(
                "content", flat=True):
            found.update(m for m in re.findall(r"mark-[0-9-]+", content))
        return found & set(markers)

    def kudos_pairs():
        return Kudos.objects.filter(user__isnull=False).values_list("user_id", "work_id")

    return comments_with, kudos_pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0,
                        help="load after the cache called node A sick (default 20)")
    parser.add_argument("--before", type=float, default=5.0,
                        help="load before the kill (default 5)")
    parser.add_argument("--readers", type=int, default=8, help="signed-in writers (default 8)")
    parser.add_argument("--pause", type=float, default=0.5,
                        help="seconds between one writer's writes (default 0.5)")
    parser.add_argument("--guests", type=int, default=2, help="guest readers (default 2)")
    parser.add_argument("--home", default=None, help="folder for the nodes (default: a temp dir)")
    args = parser.parse_args(argv)

    import tempfile

    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise SystemExit("set DATABASE_URL to a database this run may drop and make afresh")
    home = Path(args.home or tempfile.mkdtemp(prefix="node-kill-"))
    _fresh_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chapterhouse.settings")
    os.environ.setdefault("CHAPTERHOUSE_VAR_DIR", str(home / "bench-var"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    print("Migrating the database…", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    work_ids, readers = site_data(readers=args.readers)
    from django.db import connections

    connections.close_all()
    static = static_collected(home / "static")
    with Site(home, database_url=url, secret_key=settings.SECRET_KEY,
              static_from=static) as site:
        print(f"Nodes on {[n.port for n in site.nodes]}, Varnish on {site.cache_port}; "
              f"killing node A after {args.before:g} s.", flush=True)
        run = kill_under_load(site, work_ids=work_ids, readers=readers, before=args.before,
                              after=args.seconds, guests=args.guests, pause=args.pause)
    comments_with, kudos_pairs = _database_checks()
    lost = lost_writes(run.counts, comments_with=comments_with, kudos_pairs=kudos_pairs)
    counts = run.counts
    failed_after_sick = [f for t, f in counts.write_failures
                         if run.sick_at is not None and t > run.sick_at + 0.5]
    print(f"requests sent:         {counts.reads + counts.writes} "
          f"({counts.reads} guest reads, {counts.writes} writes)")
    print(f"errors seen:           {len(counts.read_errors)} reads, "
          f"{len(counts.write_failures)} writes ({len(failed_after_sick)} after node A was "
          f"out of the balancer)")
    print(f"writes attempted:      {counts.writes}")
    print(f"writes committed:      {len(counts.acknowledged) - len(lost)}")
    print(f"writes lost:           {len(lost)}")
    sick = "never" if run.sick_after is None else f"{run.sick_after:.2f} s"
    print(f"time to recover:       node A out of the balancer {sick} after the kill "
          f"(probe allows {sick_within():g} s)")
    for failure in counts.read_errors + [f for _, f in counts.write_failures]:
        print("  failed:", failure)
    return 1 if lost or run.sick_after is None else 0


def _fresh_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    sys.exit(main())
