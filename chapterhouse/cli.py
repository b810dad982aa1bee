"""The ``chapterhouse`` command: serve the archive, load demo content, make an admin.

    chapterhouse serve [--demo] [--host H] [--port P] [--workers N] [--no-worker]
    chapterhouse worker [--once] [--interval SECONDS]
    chapterhouse reindex
    chapterhouse backup [PATH] [--force] [--quiet]
    chapterhouse restore PATH [--force] [--quiet]
    chapterhouse demo
    chapterhouse createadmin [--username U --email E --password P]
    chapterhouse manage <any Django management command>
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_WORKER_INTERVAL = 30
#: Seconds between snapshots of the search index written by the worker.
SNAPSHOT_INTERVAL = 300
#: Seconds between runs of the quick tasks (hit counts, queued mail).
QUICK_INTERVAL = 1.0
#: The quick tasks: run every QUICK_INTERVAL seconds on a thread of the worker,
#: so counts reach listings and mail leaves within seconds. "module:function".
QUICK_TASKS = (
    ("counting hits", "chapterhouse.responses.services.hits:hits_flush"),
    ("folding kudos counts", "chapterhouse.responses.services.kudos:kudos_counts_flush"),
    ("folding tag use counts", "chapterhouse.tags.services.filters:tag_use_counts_flush"),
    ("sending queued mail", "chapterhouse.responses.services.mail:mail_outbox_send"),
    ("requeueing tasks of dead workers",
     "chapterhouse.responses.services.tasks_runner:tasks_recover_expired"),
    ("running queued tasks", "chapterhouse.responses.services.tasks_runner:tasks_run_pending"),
)
#: Records the daily kudos mail; safe every pass (once a day per creator).
KUDOS_DIGEST = "chapterhouse.responses.services.digest:kudos_digest_due"
#: Long imports queued from the web, one per pass.
IMPORTS = "chapterhouse.responses.services.tasks_runner:imports_run_pending"
#: Deletes expired rate-limit counts and cache entries from the database.
RATE_LIMITS_SWEEP = "chapterhouse.web.ratelimit:rate_limits_sweep"
#: Reveals collections whose reveal date has come (docs/collections.md).
COLLECTIONS_REVEAL = "chapterhouse.collections.services:collections_reveal_due"


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chapterhouse.settings")
    import django

    django.setup()


@contextlib.contextmanager
def _progress(what: str):
    """Print ``  what…`` before a step of ``serve``'s preparation and how long
    it took after it (with any word the step appends to the yielded list)."""
    print(f"  {what}…", flush=True)
    started = time.monotonic()
    said: list[str] = []
    yield said
    print(f"  {what}: {' '.join(said) or 'done'} in {time.monotonic() - started:.1f} s",
          flush=True)


def pending_migrations() -> int:
    """How many migrations ``migrate`` would apply (0 on a restart)."""
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _prepare_database(*, verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


#: In STATIC_ROOT: the fingerprint of the static sources collected there last.
STATIC_STAMP = ".collected-from"


def static_fingerprint() -> str:
    """A digest of every static source file's path, size and modification
    time, as collectstatic's finders list them."""
    import hashlib

    from django.contrib.staticfiles.finders import get_finders

    entries = []
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            stat = os.stat(storage.path(path))
            entries.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()


def collect_static() -> bool:
    """Run collectstatic unless STATIC_ROOT already holds these very sources
    (same files, sizes and times as at the last collection). Compressing
    every file again takes minutes of CPU on a busy host; skipping it lets a
    restarted node answer in seconds. True when it collected."""
    from django.conf import settings
    from django.core.management import call_command

    if static_collected():
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    (Path(settings.STATIC_ROOT) / STATIC_STAMP).write_text(static_fingerprint() + "\n")
    return True


def static_collected() -> bool:
    """Whether STATIC_ROOT holds the static sources as they are now."""
    from django.conf import settings

    root = Path(settings.STATIC_ROOT)
    stamp = root / STATIC_STAMP
    return (root / "staticfiles.json").exists() and stamp.exists() \
        and stamp.read_text().strip() == static_fingerprint()


def _print_banner(*, host: str, port: int, demo_loaded: bool) -> None:
    from django.conf import settings

    from chapterhouse import demo

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    shown_host = f"[{host}]" if ":" in host else host
    lines = [
        "",
        f"  {settings.SITE_NAME} is starting on http://{shown_host}:{port}/",
        f"  Database: {'postgresql' if 'postgresql' in engine else engine}"
        f" ({settings.DATABASES['default']['NAME']})",
    ]
    lines.append(f"  Links in downloads and mail point to {settings.SITE_URL}/ (SITE_URL)")
    if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
        lines.append(f"  Outgoing mail is written to files in {settings.EMAIL_FILE_PATH}")
    if demo_loaded:
        lines.append(
            f"  Demo content is loaded: log in as {demo.DEMO_LOGIN!r} "
            f"with the password {demo.DEMO_PASSWORD!r}."
        )
    lines.append("  Stop it with Ctrl+C.")
    print("\n".join(lines) + "\n", flush=True)


#: Bind addresses that mean "every interface": no one can open a link to them.
WILDCARD_HOSTS = {"0.0.0.0", "::", ""}  # noqa: S104 - names, not a bind


def served_site_url(host: str, port: int) -> str:
    """The address ``serve --host H --port P`` answers on, for absolute links
    (downloads, mail, feeds, the API) when ``SITE_URL`` is not set. A wildcard
    bind is reached on this machine as 127.0.0.1 (or ::1)."""
    if host in WILDCARD_HOSTS:
        host = "::1" if host == "::" else "127.0.0.1"
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def cmd_serve(args: argparse.Namespace) -> int:
    # Links inside files and mail follow the address served here unless the
    # site's address is set; the web server and the worker inherit it.
    os.environ.setdefault("SITE_URL", served_site_url(args.host, args.port))
    _setup_django()

    from chapterhouse import demo

    print("Preparing the database…", flush=True)
    pending = pending_migrations()
    if pending:
        with _progress(f"applying {pending} migration{'s' if pending != 1 else ''}"):
            _prepare_database()
    else:
        print("  database: up to date", flush=True)
    if static_collected():
        print("  static files: up to date", flush=True)
    else:
        with _progress("static files: collecting and compressing them (once, until they "
                       "change)"):
            collect_static()
    if args.demo:
        with _progress("demo content") as said:
            created = demo.load()
            said.append("loaded" if created else "was already there")
        print("Demo content loaded." if created else "Demo content was already there.")
    from chapterhouse.discovery.engine.index import ensure_built

    with _progress("search index"):
        ensure_built()
    _print_banner(host=args.host, port=args.port, demo_loaded=demo.is_loaded())
    bind = f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}"
    from django.conf import settings

    # This node's indexer runs in the worker (or, with --no-worker, in an
    # indexer-only worker): it alone writes the node's full-text index.
    worker_argv = [sys.executable, "-m", "chapterhouse.cli", "worker",
                   "--parent-pid", str(os.getpid())]
    if args.no_worker:
        worker_argv.append("--index-only")
    _metrics_dir_prepare(settings.VAR_DIR)
    web_env = {**os.environ, "CHAPTERHOUSE_SEARCH_INDEXER": "false"}
    children = [
        Child("web server", gunicorn_argv(bind=bind, workers=args.workers,
                                          var_dir=settings.VAR_DIR), env=web_env, vital=True),
        Child("search indexer" if args.no_worker else "worker", worker_argv),
    ]
    sys.stdout.flush()
    return supervise(children)


def _metrics_dir_prepare(var_dir: Path) -> None:
    """Every process ``serve`` starts writes its metrics to files in one
    directory (prometheus_client's multiprocess mode), so a scrape of
    ``/metrics`` from any gunicorn worker adds up all of them. It is emptied
    here: values of an earlier run must not be added to this one's. An
    operator's own ``PROMETHEUS_MULTIPROC_DIR`` is used (and emptied) instead
    of ``metrics/`` in the var dir."""
    import shutil

    path = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or Path(var_dir) / "metrics")
    if path.is_dir():
        for entry in path.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    path.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)


def _metrics_process_dead(pid: int) -> None:
    """Drop the live gauges of a process that ended (the search indexer's
    position), so a scrape does not report a dead process's values."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        from prometheus_client import multiprocess

        with contextlib.suppress(OSError):
            multiprocess.mark_process_dead(pid, path)


#: Seconds before restarting a child that died (the first delay), doubled
#: after each death up to the second; back to the first after a child ran
#: RESTART_RESET seconds. A vital child (gunicorn) that ends within
#: RESTART_RESET seconds of serve's start is a failed start: serve exits.
RESTART_DELAYS = (0.5, 30.0)
RESTART_RESET = 60.0
#: Seconds a stopping child gets before it is killed.
STOP_GRACE = 20.0


class Child:
    """One process ``serve`` keeps running (the web server, the worker)."""

    def __init__(self, name: str, argv: list[str], *, env: dict | None = None,
                 vital: bool = False) -> None:
        self.name, self.argv, self.env, self.vital = name, argv, env, vital
        self.process: subprocess.Popen | None = None
        self.started = 0.0
        self.starts = 0
        self.delay = RESTART_DELAYS[0]
        self.restart_at: float | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own commands
            self.argv, stdin=subprocess.DEVNULL, env=self.env,
            preexec_fn=_end_with_parent if sys.platform.startswith("linux") else None,
        )
        self.started = time.monotonic()
        self.starts += 1
        self.restart_at = None


def _end_with_parent() -> None:
    """In a child, before it runs: ask Linux to send it SIGTERM when ``serve``
    dies, even by SIGKILL, so no gunicorn is left holding the port."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def supervise(children: list[Child]) -> int:
    """Start ``children`` and keep them running: one that ends while ``serve``
    is not stopping is started again after a delay that grows while it keeps
    dying young (logged on stderr). SIGTERM or Ctrl+C stops them all (SIGTERM,
    then SIGKILL after STOP_GRACE seconds). If a vital child (the web server)
    fails on its very first start (say, the port is taken), ``serve`` stops
    and returns its exit code."""
    stopping: list[int] = []

    def stop(signum, _frame) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.start()
    code = 0
    try:
        while not stopping:
            time.sleep(0.2)
            now = time.monotonic()
            for child in children:
                if child.restart_at is not None:
                    if now >= child.restart_at and not stopping:
                        print(f"serve: starting the {child.name} again.", file=sys.stderr,
                              flush=True)
                        child.start()
                    continue
                returned = child.process.poll()
                if returned is None:
                    continue
                lived = now - child.started
                _metrics_process_dead(child.process.pid)
                if child.vital and child.starts == 1 and lived < RESTART_RESET:
                    print(f"serve: the {child.name} could not start (exit code {returned}).",
                          file=sys.stderr, flush=True)
                    code = returned or 1
                    stopping.append(0)
                    break
                if lived >= RESTART_RESET:
                    child.delay = RESTART_DELAYS[0]
                print(f"serve: the {child.name} (pid {child.process.pid}) ended "
                      f"(exit code {returned}); starting it again in {child.delay:g} s.",
                      file=sys.stderr, flush=True)
                child.restart_at = now + child.delay
                child.delay = min(RESTART_DELAYS[1], child.delay * 2)
    finally:
        _stop_all(children)
    return code


def _stop_all(children: list[Child]) -> None:
    running = [c.process for c in children if c.process is not None and c.process.poll() is None]
    for process in running:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
    deadline = time.monotonic() + STOP_GRACE
    for process in running:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


#: The longest path of a Unix socket (``sun_path`` holds 108 bytes, the NUL included).
UNIX_SOCKET_PATH_MAX = 107


def gunicorn_argv(*, bind: str, workers: int, var_dir: Path) -> list[str]:
    """The command ``serve`` hands its process to. Recent gunicorn listens on a
    control socket, by default ``~/.gunicorn/gunicorn.ctl``: one path for every
    server of the same user on a host, so stopping one site's server removed
    the other's socket. Each site gets its own under its var dir (or none, if
    that path is too long for a socket). An older gunicorn has no control
    socket and gets neither option."""
    argv = [
        sys.executable, "-m", "gunicorn", "chapterhouse.wsgi:application",
        # Hooks: a dead worker's metrics are let go; JSON logs for gunicorn's own lines.
        "--config", "python:chapterhouse.web.gunicorn_conf",
        "--bind", bind,
        "--workers", str(workers),
        "--graceful-timeout", "10",
    ]
    if not _app_logs_requests():
        argv += ["--access-logfile", "-"]
    from gunicorn.config import KNOWN_SETTINGS

    options = {setting.name for setting in KNOWN_SETTINGS}
    socket_path = Path(var_dir).resolve() / "gunicorn.ctl"
    if "control_socket" in options and len(os.fsencode(socket_path)) <= UNIX_SOCKET_PATH_MAX:
        argv += ["--control-socket", str(socket_path)]
    elif "control_socket_disable" in options:
        argv.append("--no-control-socket")
    return argv


def _app_logs_requests() -> bool:
    """With JSON logs the app writes each request's line itself
    (web/requestlog.py); gunicorn's access log would write it twice."""
    from django.conf import settings

    return bool(getattr(settings, "LOG_REQUESTS", False))


def _parent_gone(parent_pid: int | None) -> bool:
    return parent_pid is not None and os.getppid() != parent_pid


def cmd_worker(args: argparse.Namespace) -> int:
    """Run the background tasks every ``--interval`` seconds: post scheduled
    chapters, and recompute effective filter tags after large wrangling changes."""
    _setup_django()
    import logging

    from django.db import close_old_connections

    from chapterhouse.discovery.notifications import filter_notifications_run
    from chapterhouse.responses.services.tasks_runner import lease_keep
    from chapterhouse.tags.services.jobs import filter_jobs_run
    from chapterhouse.works.services.scheduling import chapters_post_due

    log = logging.getLogger("chapterhouse.worker")
    if not args.index_only:
        lease_keep(log)
    if not args.once:
        _start_indexer(log)
        _start_quick_tasks(log)
        _start_cache_bans()
    if args.index_only:
        print("Search indexer started for this node.", flush=True)
        while not _parent_gone(args.parent_pid):
            time.sleep(1.0)
        return 0
    tasks = [
        *([(name, _task(path)) for name, path in QUICK_TASKS] if args.once else []),
        ("posting scheduled chapters", chapters_post_due),
        ("revealing collections", _task(COLLECTIONS_REVEAL)),
        ("recomputing filter tags", lambda: filter_jobs_run(time_budget=max(1.0, args.interval))),
        ("telling readers of new works", filter_notifications_run),
        ("sending the kudos digest", _task(KUDOS_DIGEST)),
        ("running a queued import", _task(IMPORTS)),
        ("deleting expired rate-limit counts", _task(RATE_LIMITS_SWEEP)),
    ]
    # gunicorn stops its process group with SIGTERM; end between runs, quietly.
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    if not args.once:
        print(f"Background worker started (every {args.interval} s).", flush=True)
    try:
        while True:
            results = {}
            for name, task in tasks:
                try:
                    results[name] = task()
                except Exception:  # a database hiccup must not end the worker
                    if args.once:
                        raise
                    log.exception("The background task %s failed; trying again later.", name)
                finally:
                    close_old_connections()
            posted = results.get("posting scheduled chapters") or 0
            if posted or args.once:
                print(f"Posted {posted} scheduled chapter(s).", flush=True)
            if args.once:
                return 0
            deadline = time.monotonic() + max(0.5, args.interval)
            while time.monotonic() < deadline:
                if stopping or _parent_gone(args.parent_pid):
                    return 0
                time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
    except KeyboardInterrupt:
        return 0


def _task(path: str):
    import importlib

    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


def _start_quick_tasks(log) -> None:
    """Run QUICK_TASKS every QUICK_INTERVAL seconds on a thread of their own."""
    import threading

    from django.db import close_old_connections

    tasks = [(name, _task(path)) for name, path in QUICK_TASKS]

    def loop() -> None:
        while True:
            for name, task in tasks:
                try:
                    task()
                except Exception:  # the database may be away for a moment
                    log.exception("The quick task %s failed; trying again shortly.", name)
                finally:
                    close_old_connections()
            time.sleep(QUICK_INTERVAL)

    threading.Thread(target=loop, name="quick-tasks", daemon=True).start()


def _start_indexer(log) -> None:
    """Follow the outbox into this node's search index every half second, and
    save a snapshot every few minutes so web processes start near now."""
    import threading

    from django.db import close_old_connections

    from chapterhouse.discovery.engine.index import get_index

    def follow() -> None:
        last_snapshot = time.monotonic()
        while True:
            try:
                index = get_index()
                index.sync()
                if time.monotonic() - last_snapshot > SNAPSHOT_INTERVAL:
                    index.save_snapshot()
                    last_snapshot = time.monotonic()
            except Exception:  # the database may be away for a moment
                log.exception("The search indexer failed; trying again shortly.")
            finally:
                close_old_connections()
            time.sleep(0.5)

    threading.Thread(target=follow, name="search-indexer", daemon=True).start()


def _start_cache_bans() -> None:
    """With HTTP_CACHE_URLS set, follow the outbox into BAN requests to the
    caches in front of the site (web/httpcache.py, docs/http-cache.md)."""
    import threading

    from django.conf import settings

    from chapterhouse.web.httpcache import bans_follow

    if settings.HTTP_CACHE_URLS:
        threading.Thread(target=bans_follow, name="http-cache-bans", daemon=True).start()


def cmd_reindex(args: argparse.Namespace) -> int:
    """Build a fresh search index beside the live one and swap it in."""
    _setup_django()
    from chapterhouse.discovery.engine.index import rebuild

    started = time.monotonic()

    def progress(done: int) -> None:
        if done % 50_000 < 5000:
            print(f"  {done:,} works read…", flush=True)

    path = rebuild(progress=progress)
    print(f"Search index rebuilt in {time.monotonic() - started:.1f} s: {path}", flush=True)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Write the database and the uploaded media to one archive file."""
    _setup_django()

    from chapterhouse import backup

    target = Path(args.path) if args.path else Path(backup.default_name())
    return _backup_step(
        "Backup",
        lambda: backup.backup_create(
            target, force=args.force, progress=backup.Progress(quiet=args.quiet)
        ),
        quiet=args.quiet,
    )


def cmd_restore(args: argparse.Namespace) -> int:
    """Put a backup's database and media in place, migrate, rebuild the index."""
    _setup_django()

    from chapterhouse import backup

    return _backup_step(
        "Restore",
        lambda: backup.archive_restore(
            Path(args.path), force=args.force, progress=backup.Progress(quiet=args.quiet)
        ),
        quiet=args.quiet,
    )


def _backup_step(name: str, run, *, quiet: bool) -> int:
    """Run a backup or restore: one error line and exit code 2 when it fails."""
    from django.db import DatabaseError

    from chapterhouse import backup

    started = time.monotonic()
    try:
        run()
    except backup.BackupError as error:
        print(f"{name} failed: {error}", file=sys.stderr)
        return 2
    except DatabaseError as error:
        print(f"{name} failed: the database could not be reached: {error}".strip(),
              file=sys.stderr)
        return 2
    if not quiet:
        print(f"Done in {time.monotonic() - started:.1f} s.", flush=True)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    _setup_django()
    from chapterhouse import demo

    _prepare_database()
    created = demo.load()
    print("Demo content loaded." if created else "Demo content was already there.")
    print(f"Log in as {demo.DEMO_LOGIN!r} with the password {demo.DEMO_PASSWORD!r}.")
    return 0


def cmd_createadmin(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.exceptions import ValidationError

    from chapterhouse.accounts import services

    _prepare_database()
    interactive = sys.stdin.isatty()
    username = args.username or (input("User name: ").strip() if interactive else "")
    email = args.email or (input("Email: ").strip() if interactive else "")
    password = args.password or os.environ.get("CHAPTERHOUSE_ADMIN_PASSWORD", "")
    if not password and interactive:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            print("The passwords did not match.", file=sys.stderr)
            return 2
    if not (username and email and password):
        print(
            "createadmin needs --username, --email and --password "
            "(or CHAPTERHOUSE_ADMIN_PASSWORD) when not run in a terminal.",
            file=sys.stderr,
        )
        return 2
    try:
        services.user_create(
            username=username, email=email, password=password, is_staff=True, is_superuser=True
        )
    except ValidationError as error:
        for message in error.messages:
            print(f"Could not create the admin: {message}", file=sys.stderr)
        return 2
    print(f"Admin {username} created; log in at /users/login/ and open /admin/.")
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chapterhouse.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["chapterhouse manage", *args.rest])
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    _setup_django()
    from chapterhouse.exchange import cli as exchange_cli

    return exchange_cli.run(args)


def cmd_import_efiction(args: argparse.Namespace) -> int:
    _setup_django()
    from chapterhouse.exchange.importing.efiction import cli as efiction_cli

    return efiction_cli.run(args)


def _add_import_commands(commands) -> None:
    """The importers' arguments belong to their own modules (exchange/cli.py,
    exchange/importing/efiction/cli.py)."""
    from chapterhouse.exchange import cli as exchange_cli
    from chapterhouse.exchange.importing.efiction import cli as efiction_cli

    files = commands.add_parser(
        "import", help="import works from AO3 downloads (HTML, EPUB), text, Markdown or DOCX"
    )
    exchange_cli.configure(files)
    files.set_defaults(func=cmd_import)
    efiction = commands.add_parser(
        "import-efiction", help="import a whole eFiction archive from its MySQL dump"
    )
    efiction_cli.configure(efiction)
    efiction.set_defaults(func=cmd_import_efiction)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chapterhouse", description="A fan-fiction archive.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="prepare the database and serve the archive")
    serve.add_argument("--host", default=os.environ.get("CHAPTERHOUSE_HOST", DEFAULT_HOST))
    serve.add_argument(
        "--port", type=int, default=int(os.environ.get("CHAPTERHOUSE_PORT", DEFAULT_PORT))
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("CHAPTERHOUSE_WORKERS", os.cpu_count() or 2)),
        help="number of worker processes (default: one per core)",
    )
    serve.add_argument("--demo", action="store_true", help="load demo content first")
    serve.add_argument(
        "--no-worker", action="store_true",
        help="do not start the background worker (run `chapterhouse worker` yourself)",
    )
    serve.set_defaults(func=cmd_serve)

    worker = commands.add_parser(
        "worker", help="run the background tasks (posting scheduled chapters)"
    )
    worker.add_argument("--once", action="store_true", help="run the tasks once and exit")
    worker.add_argument(
        "--interval", type=float, default=DEFAULT_WORKER_INTERVAL,
        help=f"seconds between runs (default {DEFAULT_WORKER_INTERVAL})",
    )
    worker.add_argument(
        "--index-only", action="store_true",
        help="only keep this node's search index (one per app node started with --no-worker)",
    )
    worker.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)
    worker.set_defaults(func=cmd_worker)

    reindex = commands.add_parser(
        "reindex", help="rebuild the search index beside the live one and swap it in"
    )
    reindex.set_defaults(func=cmd_reindex)

    backup = commands.add_parser(
        "backup", help="write the database and uploaded media to one archive file"
    )
    backup.add_argument(
        "path", nargs="?",
        help="the file (or a folder) to write; default chapterhouse-backup-DATE-TIME.tar here",
    )
    backup.add_argument("--force", action="store_true", help="replace the file if it exists")
    backup.add_argument("--quiet", action="store_true", help="print nothing but errors")
    backup.set_defaults(func=cmd_backup)

    restore = commands.add_parser(
        "restore", help="restore a backup into the configured database and media folder"
    )
    restore.add_argument("path", help="the archive written by `chapterhouse backup`")
    restore.add_argument(
        "--force", action="store_true",
        help="replace a database that already holds accounts or works",
    )
    restore.add_argument("--quiet", action="store_true", help="print nothing but errors")
    restore.set_defaults(func=cmd_restore)

    demo = commands.add_parser("demo", help="load the demo content")
    demo.set_defaults(func=cmd_demo)

    admin = commands.add_parser("createadmin", help="create an administrator account")
    admin.add_argument("--username")
    admin.add_argument("--email")
    admin.add_argument("--password")
    admin.set_defaults(func=cmd_createadmin)

    manage = commands.add_parser("manage", help="run a Django management command")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)

    _add_import_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
