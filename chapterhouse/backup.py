"""``chapterhouse backup`` and ``chapterhouse restore``: the database and the
uploaded media in one tar file with a manifest (docs/backups.md).

The archive holds, in this order:

    database.sqlite3 | database.pgdump   the database (SQLite online backup, or pg_dump -Fc)
    media/…                              every file under MEDIA_ROOT
    manifest.json                        what the file is, row counts, a sha256 per member

The search index is not in it: it is derived from the database and rebuilt
by ``restore``.
"""

from __future__ import annotations

import datetime
import errno
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path, PurePosixPath

FORMAT = "chapterhouse-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
#: SQLite pages copied per step of the online backup (4 MB with 4 kB pages).
SQLITE_PAGES_PER_STEP = 1024
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator."""


class Progress:
    """Step lines on stdout (none with ``quiet``), and a counter redrawn in
    place on stderr when that is a terminal."""

    def __init__(self, *, quiet: bool = False, stream=None) -> None:
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.live = not quiet and self.stream.isatty()
        self._drawn = False
        self._last = 0.0
        self._pending: str | None = None

    def step(self, message: str) -> None:
        self.end()
        if not self.quiet:
            print(message, flush=True)

    def update(self, text: str) -> None:
        """Redraw the counter, at most ten times a second."""
        if not self.live:
            return
        self._pending = text
        if time.monotonic() - self._last >= 0.1:
            self._draw()

    def _draw(self) -> None:
        self._last = time.monotonic()
        self.stream.write(f"\r  {self._pending}\033[K")
        self.stream.flush()
        self._pending = None
        self._drawn = True

    def end(self) -> None:
        """Show the last count, and end the counter's line."""
        if self._pending is not None:
            self._draw()
        self._last = 0.0
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def _vendor(database: dict) -> str:
    engine = database["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")


def _app_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("chapterhouse")
    except metadata.PackageNotFoundError:  # pragma: no cover - always installed
        return "unknown"


def _disk_full(error: OSError) -> bool:
    return error.errno in (errno.ENOSPC, errno.EDQUOT)


# --- The database, vendor by vendor -------------------------------------------


def _sqlite_connect(database: dict) -> sqlite3.Connection:
    name = str(database["NAME"])
    return sqlite3.connect(name, uri=name.startswith("file:"), timeout=20)


def _table_counts(cursor, tables) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - names from the catalogue
        counts[table] = cursor.fetchone()[0]
    return counts


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return [row[0] for row in rows]


def _sqlite_dump(database: dict, out: Path, progress: Progress) -> dict[str, int]:
    """Copy the live database page by page with SQLite's online backup. The
    source connection holds one read transaction for the whole copy, so the
    copy is one consistent moment; in WAL mode writers go on meanwhile."""
    source = _sqlite_connect(database)
    target = sqlite3.connect(out)
    try:
        source.execute("BEGIN")
        source.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()

        def pages(status, remaining, total):
            progress.update(f"{total - remaining:,} of {total:,} pages copied")

        source.backup(target, pages=SQLITE_PAGES_PER_STEP, progress=pages)
        source.rollback()
        return _table_counts(target.cursor(), _sqlite_tables(target))
    finally:
        source.close()
        target.close()


def _pg_params(database: dict) -> tuple[list[str], dict]:
    """Connection options for pg_dump/pg_restore from Django's settings; the
    password travels in the environment, never on the command line."""
    args = ["--dbname", str(database["NAME"])]
    if database.get("HOST"):
        args += ["--host", str(database["HOST"])]
    if database.get("PORT"):
        args += ["--port", str(database["PORT"])]
    if database.get("USER"):
        args += ["--username", str(database["USER"])]
    env = dict(os.environ)
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    sslmode = (database.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return args, env


def _pg_tool(name: str, server_version: int) -> str:
    """The client tool of the server's major version: pg_dump refuses a newer
    server, and an older pg_restore cannot read a newer dump."""
    major = server_version // 10000
    candidate = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} was not found. Install the PostgreSQL {major} client tools "
            f"(Debian: apt-get install postgresql-client-{major}) and try again."
        )
    return found


def _pg_tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    )
    return [row[0] for row in cursor.fetchall()]


def _run_with_progress(argv, env, progress: Progress, pattern: str, total: int, what: str):
    """Run a pg tool with --verbose and count the tables it reports done."""
    done = 0
    errors = []
    process = subprocess.Popen(  # noqa: S603 - our own arguments
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    for line in process.stderr:
        if pattern in line:
            done += 1
            progress.update(f"{min(done, total)} of {total} tables {what}")
        elif "error" in line.lower() or "fatal" in line.lower():
            errors.append(line.strip())
    process.wait()
    return process.returncode, errors


def _pg_dump(database: dict, out: Path, progress: Progress) -> dict[str, int]:
    """pg_dump's custom format, taken in the snapshot in which the rows are
    counted, so the counts in the manifest are the dump's."""
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version_num')")
            snapshot, version = cursor.fetchone()
            counts = _table_counts(cursor, _pg_tables(cursor))
        pg_dump = _pg_tool("pg_dump", int(version))
        args, env = _pg_params(database)
        argv = [pg_dump, "--format=custom", "--verbose", "--no-owner",
                f"--snapshot={snapshot}", f"--file={out}", *args]
        code, errors = _run_with_progress(
            argv, env, progress, "dumping contents of table", len(counts), "dumped"
        )
    if code != 0:
        if out.exists() and any("No space left" in e for e in errors):
            raise OSError(errno.ENOSPC, "No space left on device")
        raise BackupError("pg_dump failed: " + ("; ".join(errors[-3:]) or f"exit code {code}"))
    return counts


def _applied_migrations() -> list[str]:
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    return sorted(f"{a}.{n}" for a, n in MigrationRecorder(connection).applied_migrations())


# --- backup ---------------------------------------------------------------------


class _HashingReader:
    """Hands tarfile a file's bytes and hashes them on the way."""

    def __init__(self, raw, progress=None) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.progress = progress

    def read(self, size=-1):
        data = self.raw.read(size)
        self.sha256.update(data)
        if self.progress:
            self.progress(len(data))
        return data


def default_name() -> str:
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    return f"chapterhouse-backup-{stamp}.tar"


def _media_files(root: Path) -> list[tuple[Path, str]]:
    if not root.is_dir():
        return []
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                found.append((path, path.relative_to(root).as_posix()))
    return found


def backup_create(target: Path, *, force: bool = False, progress: Progress | None = None) -> dict:
    """Write the archive to ``target`` (through ``target.partial``, renamed
    at the end, so a half-written file never has the name). Returns the manifest."""
    from django.conf import settings
    from django.db import connection

    progress = progress or Progress(quiet=True)
    target = Path(target).resolve()
    if target.is_dir():
        target = target / default_name()
    if target.exists() and not force:
        raise BackupError(f"{target} already exists; give another name, or --force to replace it.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    database = connection.settings_dict
    vendor = _vendor(database)
    name = str(database["NAME"])
    if vendor == "sqlite" and not name.startswith("file:") and not Path(name).is_file():
        raise BackupError(f"There is no database at {name}: check DATABASE_URL.")
    media = _media_files(Path(settings.MEDIA_ROOT))
    media_bytes = sum(path.stat().st_size for path, _ in media)
    if vendor == "sqlite" and Path(name).is_file():
        needed = 2 * Path(name).stat().st_size + media_bytes
        free = shutil.disk_usage(target.parent).free
        if needed > free:
            raise BackupError(
                f"The disk holding {target.parent} is full: the backup needs about "
                f"{_size(needed)} there, and {_size(free)} is free."
            )
    partial = target.with_name(target.name + ".partial")
    work = Path(tempfile.mkdtemp(prefix=".chapterhouse-backup-", dir=target.parent))
    try:
        dump = work / DATABASE_MEMBERS[vendor]
        progress.step(f"Copying the {vendor} database…")
        counts = (_sqlite_dump if vendor == "sqlite" else _pg_dump)(database, dump, progress)
        progress.step(
            f"Database copied: {len(counts)} tables, {sum(counts.values()):,} rows, "
            f"{_size(dump.stat().st_size)}."
        )
        files: dict[str, dict] = {}
        total = dump.stat().st_size + media_bytes
        written = 0

        def advanced(n: int) -> None:
            nonlocal written
            written += n
            progress.update(f"{_size(written)} of {_size(total)} written")

        progress.step(f"Writing {target.name} ({len(media)} media files)…")
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            for path, member in [(dump, dump.name)] + [
                (path, MEDIA_PREFIX + rel) for path, rel in media
            ]:
                try:
                    raw = path.open("rb")
                except FileNotFoundError:  # deleted since the walk
                    continue
                with raw:
                    info = tar.gettarinfo(fileobj=raw, arcname=member)
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    reader = _HashingReader(raw, advanced)
                    tar.addfile(info, reader)
                files[member] = {"size": info.size, "sha256": reader.sha256.hexdigest()}
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "app_version": _app_version(),
                "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "database": {"vendor": vendor, "member": dump.name},
                "migrations": _applied_migrations(),
                "tables": counts,
                "files": files,
                "not_included": "the search index (rebuilt from the database on restore)",
            }
            data = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(datetime.datetime.now(datetime.UTC).timestamp())
            tar.addfile(info, io.BytesIO(data))
        os.replace(partial, target)
        progress.step(f"Backup written: {target} ({_size(target.stat().st_size)}).")
        return manifest
    except OSError as error:
        if _disk_full(error):
            raise BackupError(
                f"The disk holding {target.parent} is full; nothing was kept. "
                "Free some space or write the backup elsewhere."
            ) from error
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
        partial.unlink(missing_ok=True)


# --- restore --------------------------------------------------------------------


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == path.as_posix()


def archive_check(path: Path, progress: Progress | None = None) -> dict:
    """Read the manifest and check every member against its sha256. Raises
    BackupError for a file that is not a whole Chapterhouse backup."""
    progress = progress or Progress(quiet=True)
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    foreign = f"{path} is not a Chapterhouse backup"
    try:
        with tarfile.open(path, "r:") as tar:
            members = {m.name: m for m in tar.getmembers()}
            if MANIFEST not in members:
                raise BackupError(f"{foreign} (it has no {MANIFEST}).")
            try:
                manifest = json.loads(tar.extractfile(members[MANIFEST]).read())
            except (ValueError, UnicodeDecodeError) as error:
                raise BackupError(f"{foreign} (its {MANIFEST} cannot be read).") from error
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise BackupError(f"{foreign}.")
            if manifest.get("format_version") != FORMAT_VERSION:
                raise BackupError(
                    f"{path} is a backup of format {manifest.get('format_version')}; "
                    f"this version reads format {FORMAT_VERSION}."
                )
            files = manifest.get("files") or {}
            extra = set(members) - set(files) - {MANIFEST}
            if extra:
                raise BackupError(f"{path} holds files its manifest does not list: "
                                  f"{', '.join(sorted(extra)[:3])}.")
            total = sum(entry["size"] for entry in files.values())
            checked = 0
            for name, entry in files.items():
                member = members.get(name)
                if member is None or not member.isfile() or not _safe_member(name):
                    raise BackupError(f"{path} is damaged: {name} is missing.")
                digest = hashlib.sha256()
                raw = tar.extractfile(member)
                while chunk := raw.read(CHUNK):
                    digest.update(chunk)
                    checked += len(chunk)
                    progress.update(f"{_size(checked)} of {_size(total)} checked")
                if digest.hexdigest() != entry["sha256"] or member.size != entry["size"]:
                    raise BackupError(f"{path} is damaged: {name} does not match its checksum.")
    except (tarfile.TarError, EOFError) as error:
        raise BackupError(f"{foreign}, or it is damaged ({error}).") from error
    return manifest


def _database_has_content(database: dict) -> bool:
    """Whether the configured database holds any account or work."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from chapterhouse.works.models import Work

    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for model in (get_user_model(), Work):
            table = model._meta.db_table
            if table in tables:
                cursor.execute(f'SELECT 1 FROM "{table}" LIMIT 1')  # noqa: S608
                if cursor.fetchone():
                    return True
    return False


def _sqlite_restore(database: dict, dump: Path, progress: Progress) -> None:
    """Copy the backup into the configured file with the online backup API:
    one write transaction, so readers see the old database or the new one."""
    source = sqlite3.connect(dump)
    try:
        status = source.execute("PRAGMA integrity_check").fetchone()[0]
        if status != "ok":
            raise BackupError(f"The database in the backup is damaged: {status}")
        name = Path(str(database["NAME"]))
        name.parent.mkdir(parents=True, exist_ok=True)
        target = _sqlite_connect(database)
        try:
            def pages(status, remaining, total):
                progress.update(f"{total - remaining:,} of {total:,} pages restored")

            source.backup(target, pages=SQLITE_PAGES_PER_STEP, progress=pages)
            target.execute("PRAGMA journal_mode=WAL")
        finally:
            target.close()
    finally:
        source.close()


def _pg_restore(database: dict, dump: Path, progress: Progress, tables: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version_num')")
        version = int(cursor.fetchone()[0])
    connection.close()
    pg_restore = _pg_tool("pg_restore", version)
    args, env = _pg_params(database)
    argv = [pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction",
            "--exit-on-error", "--verbose", *args, str(dump)]
    code, errors = _run_with_progress(
        argv, env, progress, "processing data for table", tables, "restored"
    )
    if code != 0:
        raise BackupError(
            "pg_restore failed and rolled back; the database is as it was: "
            + ("; ".join(errors[-3:]) or f"exit code {code}")
        )


def _media_restore(tar: tarfile.TarFile, manifest: dict, media_root: Path) -> int:
    """Unpack the media beside MEDIA_ROOT, then swap the folders."""
    media_root = media_root.resolve()
    media_root.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=".media-restore-", dir=media_root.parent))
    count = 0
    for name in manifest["files"]:
        if not name.startswith(MEDIA_PREFIX):
            continue
        out = fresh / name[len(MEDIA_PREFIX):]
        out.parent.mkdir(parents=True, exist_ok=True)
        with tar.extractfile(name) as raw, out.open("wb") as handle:
            shutil.copyfileobj(raw, handle, CHUNK)
        count += 1
    old = None
    try:
        if media_root.exists():
            old = media_root.with_name(f".media-old-{os.getpid()}")
            os.replace(media_root, old)
        os.replace(fresh, media_root)
    except OSError:
        # MEDIA_ROOT is a mount point (shared storage): empty it and copy in.
        if old is not None and not media_root.exists():
            os.replace(old, media_root)
            old = None
        for child in media_root.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
        shutil.copytree(fresh, media_root, dirs_exist_ok=True)
        shutil.rmtree(fresh, ignore_errors=True)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return count


def archive_restore(path: Path, *, force: bool = False, progress: Progress | None = None) -> dict:
    """Check the archive, then put its database and media in place of the
    configured ones, apply newer migrations and rebuild the search index."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    progress = progress or Progress(quiet=True)
    path = Path(path).resolve()
    progress.step(f"Checking {path.name}…")
    manifest = archive_check(path, progress)
    database = connection.settings_dict
    vendor = _vendor(database)
    if manifest["database"]["vendor"] != vendor:
        raise BackupError(
            f"{path.name} is a backup of a {manifest['database']['vendor']} database; "
            f"this site uses {vendor}. Nothing was changed."
        )
    known = {f"{app}.{name}" for app, name in MigrationLoader(None).disk_migrations}
    unknown = sorted(set(manifest.get("migrations", [])) - known)
    if unknown:
        raise BackupError(
            f"{path.name} was made by a newer Chapterhouse ({manifest.get('app_version')}; "
            f"migrations this version lacks, e.g. {unknown[0]}). Install that version "
            "first. Nothing was changed."
        )
    if _database_has_content(database) and not force:
        raise BackupError(
            f"The database {database['NAME']} already holds accounts or works. "
            "Restoring replaces everything in it: give --force to do that. Nothing was changed."
        )
    progress.step(
        f"Backup of {manifest['created_at']} (Chapterhouse {manifest['app_version']}): "
        f"{sum(manifest['tables'].values()):,} rows, "
        f"{sum(1 for n in manifest['files'] if n.startswith(MEDIA_PREFIX))} media files."
    )
    member = manifest["database"]["member"]
    work_dir = Path(settings.VAR_DIR) if vendor == "postgresql" else Path(
        str(database["NAME"])).resolve().parent
    work_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".chapterhouse-restore-", dir=work_dir))
    try:
        with tarfile.open(path, "r:") as tar:
            dump = work / member
            with tar.extractfile(member) as raw, dump.open("wb") as handle:
                shutil.copyfileobj(raw, handle, CHUNK)
            progress.step("Restoring the database…")
            connection.close()
            if vendor == "sqlite":
                _sqlite_restore(database, dump, progress)
            else:
                _pg_restore(database, dump, progress, len(manifest["tables"]))
            connection.close()
            with connection.cursor() as cursor:
                counts = _table_counts(cursor, manifest["tables"])
            wrong = [t for t, n in manifest["tables"].items() if counts.get(t) != n]
            if wrong:
                raise BackupError(
                    f"The restored database differs from the backup in {', '.join(wrong[:3])}."
                )
            progress.step(f"Database restored: {sum(counts.values()):,} rows.")
            files = _media_restore(tar, manifest, Path(settings.MEDIA_ROOT))
            progress.step(f"Media restored: {files} files in {settings.MEDIA_ROOT}.")
    except OSError as error:
        if _disk_full(error):
            raise BackupError(f"The disk is full ({error}); the restore stopped.") from error
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    missing = sorted(known - set(manifest.get("migrations", [])))
    if missing:
        # Only then: migrate's post-migrate hooks touch rows (fixed tags, roles),
        # and a backup of this very version should come back exactly as it was.
        progress.step(f"The backup is older: applying {len(missing)} newer migration(s)…")
        call_command("migrate", interactive=False, verbosity=0)
    progress.step("Rebuilding the search index…")
    from chapterhouse.discovery.engine.index import rebuild

    index = rebuild(progress=lambda done: progress.update(f"{done:,} works indexed"))
    progress.step(f"Search index rebuilt: {index}")
    return manifest

