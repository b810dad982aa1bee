"""A scratch database for a benchmark run: a SQLite file in a temporary
directory, or a new database on the PostgreSQL server named by DATABASE_URL
(default: the local one). ``cleanup`` removes either, and ``use`` points
Django at it before ``django.setup()``."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def _pg_admin(server: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql)


def scratch(db: str, *, name: str) -> dict:
    """``db`` is "sqlite" or "postgres"; ``name`` tells runs apart ("kudos")."""
    var_dir = Path(tempfile.mkdtemp(prefix=f"chbench-{name}-"))
    if db == "sqlite":
        return {"db": db, "url": f"sqlite:///{var_dir / 'chapterhouse.sqlite3'}",
                "var_dir": str(var_dir)}
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith(("postgres://", "postgresql://")):
        server = "postgres://postgres@127.0.0.1:5432/postgres"
    database = f"chbench_{name}_{os.getpid()}"
    _pg_admin(server, f'CREATE DATABASE "{database}"')
    url = urlunsplit(urlsplit(server)._replace(path=f"/{database}"))
    return {"db": db, "url": url, "var_dir": str(var_dir), "server": server, "name": database}


def cleanup(where: dict) -> None:
    if where["db"] == "postgres":
        from django.db import connections

        connections.close_all()
        _pg_admin(where["server"], f'DROP DATABASE IF EXISTS "{where["name"]}" WITH (FORCE)')
    shutil.rmtree(where["var_dir"], ignore_errors=True)


def use(where: dict) -> None:
    """Point this process (and its children) at the scratch database."""
    os.environ["DATABASE_URL"] = where["url"]
    os.environ["CHAPTERHOUSE_VAR_DIR"] = where["var_dir"]
    os.environ.pop("CHAPTERHOUSE_SEARCH_DIR", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chapterhouse.settings")
