"""Settings read from the environment, checked in a fresh process each time."""

import json
import os
import socket
import subprocess
import sys

import pytest

PROBE = """
import json, django
from django.conf import settings
django.setup()
from django.core.cache import caches
# The default cache without Redis is a table, which this unmigrated database lacks.
cache = caches["default" if settings.REDIS_URL else "local"]
cache.set("probe", "kept", 30)
print(json.dumps({
    "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
    "local": settings.CACHES["local"]["BACKEND"].rsplit(".", 1)[-1],
    "cached": cache.get("probe"),
    "engine": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
    "email": settings.EMAIL_BACKEND.rsplit(".", 2)[-2],
    "debug": settings.DEBUG,
    "secret": settings.SECRET_KEY,
}))
"""


def probe(tmp_path, **env) -> dict:
    environment = {
        k: v for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "EMAIL_URL")
    }
    environment.update(CHAPTERHOUSE_VAR_DIR=str(tmp_path / "var"),
                       DJANGO_SETTINGS_MODULE="chapterhouse.settings", **env)
    out = subprocess.run([sys.executable, "-c", PROBE], env=environment, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_defaults_need_no_configuration(tmp_path):
    first = probe(tmp_path)
    assert first["engine"] == "sqlite3"
    # Shared by every process (allauth's rate limits); quick copies stay in memory.
    assert first["cache"] == "DatabaseCache"
    assert first["local"] == "LocMemCache"
    assert first["cached"] == "kept"
    assert first["email"] == "filebased"
    assert first["debug"] is False
    # The generated secret key is kept for the next start.
    assert (tmp_path / "var" / "secret_key").read_text().strip() == first["secret"]
    assert probe(tmp_path)["secret"] == first["secret"]


def test_environment_overrides(tmp_path):
    settings = probe(tmp_path, SECRET_KEY="from-the-environment", DEBUG="true",
                     EMAIL_URL="smtp://mail.example.org:25")
    assert settings["secret"] == "from-the-environment"
    assert settings["debug"] is True
    assert settings["email"] == "smtp"


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="no Redis server on 127.0.0.1:6379")
def test_redis_url_puts_the_cache_in_redis(tmp_path):
    settings = probe(tmp_path, REDIS_URL="redis://127.0.0.1:6379/15")
    assert settings["cache"] == "ResilientRedisCache"
    assert settings["local"] == "ResilientRedisCache"
    assert settings["cached"] == "kept"
    import redis

    keys = redis.Redis.from_url("redis://127.0.0.1:6379/15").keys("chapterhouse:*probe")
    assert keys


@pytest.mark.django_db
def test_postgresql_connections_do_not_compile_queries(settings):
    """A tag-privacy check over a million works planned as "expensive" spent
    0.7 s compiling itself on PostgreSQL; the site's connections turn JIT off."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
