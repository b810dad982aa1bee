"""Rate-limit counts: shared by separate processes, in the database or in
Redis, and expired counts deleted."""

import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from chapterhouse.web.models import CacheEntry, RateLimitHit
from chapterhouse.web.ratelimit import (
    RateLimited,
    rate_limit_check,
    rate_limit_record,
    rate_limits_sweep,
)

#: Run in a process of its own: record some hits, then say whether one more
#: would be allowed under "10 a minute".
ACT = """
import sys, django
django.setup()
from django.db import connection
from chapterhouse.web import models, ratelimit
if sys.argv[1] == "tables":
    with connection.schema_editor() as editor:
        editor.create_model(models.RateLimitHit)
        editor.create_model(models.CacheEntry)
    raise SystemExit
limit = dict(scope="log_in", who="203.0.113.9", count=10, window=60)
for _ in range(int(sys.argv[1])):
    ratelimit.rate_limit_record(**limit)
try:
    ratelimit.rate_limit_check(message="wait {wait}", **limit)
    print("allowed")
except ratelimit.RateLimited as limited:
    print("limited", limited.messages[0])
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(params=["database", "redis"])
def store_env(request, tmp_path):
    """The environment of a site process: a new SQLite file, or a Redis of
    this test's own."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(CHAPTERHOUSE_VAR_DIR=str(tmp_path / "var"),
               DJANGO_SETTINGS_MODULE="chapterhouse.settings")
    if request.param == "database":
        yield env
        return
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    port = _free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        yield env
    finally:
        server.terminate()
        server.wait(timeout=10)


def _act(env, argument: str) -> str:
    done = subprocess.run([sys.executable, "-c", ACT, argument], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_two_processes_share_one_count(store_env):
    _act(store_env, "tables")
    assert _act(store_env, "6") == "allowed"
    # The other process sees the first one's six: four more make ten.
    answer = _act(store_env, "4")
    assert answer.startswith("limited wait ")
    assert answer.endswith("seconds")


def test_sweep_deletes_expired_counts_and_cache_entries_only(db):
    limit = dict(scope="kudos", who=7, count=3, window=60)
    rate_limit_record(**limit)
    RateLimitHit.objects.create(key="ratelimit:kudos:8", at=time.time() - 120,
                                expires_at=time.time() - 60)
    now = datetime.now(UTC)
    CacheEntry.objects.create(cache_key="old", value="x", expires=now - timedelta(seconds=1))
    CacheEntry.objects.create(cache_key="live", value="x", expires=now + timedelta(minutes=5))

    assert rate_limits_sweep() == 2
    assert list(RateLimitHit.objects.values_list("key", flat=True)) == ["ratelimit:kudos:7"]
    assert list(CacheEntry.objects.values_list("cache_key", flat=True)) == ["live"]
    # The live hit still counts.
    rate_limit_record(**limit)
    rate_limit_record(**limit)
    with pytest.raises(RateLimited):
        rate_limit_check(message="{wait}", **limit)


def test_recording_drops_the_keys_own_expired_hits(db):
    RateLimitHit.objects.create(key="ratelimit:claim:9", at=time.time() - 120,
                                expires_at=time.time() - 60)
    rate_limit_record(scope="claim", who=9, count=3, window=60)
    assert RateLimitHit.objects.filter(key="ratelimit:claim:9").count() == 1
