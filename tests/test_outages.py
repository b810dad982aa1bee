"""What readers and writers get while Redis or PostgreSQL is stopped, with the
real servers stopped and started again (docs/outages.md)."""

from __future__ import annotations

import re
import threading
import time

import pytest
import requests
from django.conf import settings as django_settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.db import connection, connections
from django.test import Client

from chapterhouse.responses.models import Comment, Kudos
from chapterhouse.responses.services import hits
from chapterhouse.web import ratelimit
from chapterhouse.web.models import RateLimitHit
from chapterhouse.web.realservers import CuttableProxy, RedisServer, redis_server_path
from chapterhouse.web.redisguard import redis_state

COMMENT = "comment[comment_content]"


# --- Redis ------------------------------------------------------------------------------


@pytest.fixture
def redis_server():
    if redis_server_path() is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer()
    server.start()
    yield server
    if server.process.poll() is None:
        server.kill()


@pytest.fixture
def on_redis(settings, redis_server):
    """The site configured as in production with ``REDIS_URL``."""
    cache = {"BACKEND": "chapterhouse.web.redisguard.ResilientRedisCache",
             "LOCATION": redis_server.url, "KEY_PREFIX": "outage"}
    settings.REDIS_URL = redis_server.url
    settings.CACHES = {"default": cache, "local": {**cache}, "html": {**cache}}
    settings.REDIS_RETRY_SECONDS = 0.5
    redis_state.reset()
    ratelimit._redis_hits.clear()
    buffer = hits.ResilientBuffer(hits.RedisBuffer(redis_server.url, "outage"))
    hits.hit_buffer_set(buffer)
    yield buffer
    hits.hit_buffer_set(hits.MemoryBuffer())
    ratelimit._redis_hits.clear()
    redis_state.reset()


def _comment(client, work, text):
    return client.post(f"/works/{work.pk}/comments", {COMMENT: text})


@pytest.mark.django_db
def test_the_site_keeps_serving_and_writing_while_redis_is_stopped(
        on_redis, redis_server, work, reader_client):
    reader_client.raise_request_exception = True  # a 500 fails the test with its cause
    reader_client.defaults["HTTP_USER_AGENT"] = "Mozilla/5.0 (a reader)"
    assert reader_client.get(f"/works/{work.pk}").status_code == 200
    assert _comment(reader_client, work, "Before the outage").status_code in (200, 302)
    assert redis_server.keys("outage:ratelimit:*")  # the limits count in Redis

    redis_server.kill()

    page = reader_client.get(f"/works/{work.pk}")
    assert page.status_code == 200 and "The Salt Road" in page.content.decode()
    posted = _comment(reader_client, work, "While Redis is away")
    assert posted.status_code in (200, 302)
    assert Comment.objects.filter(work=work, content__contains="While Redis is away").count() == 1
    form = {"kudo[commentable_id]": str(work.pk), "kudo[commentable_type]": "Work"}
    assert reader_client.post("/kudos", form).status_code in (200, 302)
    assert Kudos.objects.filter(work=work).count() == 1
    # The limits went on counting, in the database; the visit waits in memory.
    assert not ratelimit.hits_in_database()
    assert RateLimitHit.objects.exists()
    assert on_redis.local.has_pending()
    health = Client().get("/health")
    assert health.status_code == 200
    assert health.json()["redis"] == "down" and health.json()["status"] == "ok"

    redis_server.start()  # empty, as after a crash
    time.sleep(0.6)  # past the back-off (REDIS_RETRY_SECONDS)

    health = Client().get("/health")
    assert health.status_code == 200 and health.json()["redis"] == "up"
    assert _comment(reader_client, work, "After the outage").status_code in (200, 302)
    assert redis_server.keys("outage:ratelimit:*")  # counting in Redis again
    assert reader_client.get(f"/works/{work.pk}").status_code == 200
    assert redis_server.keys("outage:*")
    # The visit kept in memory is written like any other.
    assert hits.hits_flush() >= 1
    work.refresh_from_db()
    assert work.hit_count >= 1


# --- PostgreSQL ---------------------------------------------------------------------------


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def site_through_proxy(transactional_db):
    """The site served over HTTP by one process that keeps its database
    connection between requests (as a production worker does), reaching
    PostgreSQL through a proxy the test can cut."""
    if connection.vendor != "postgresql":
        pytest.skip("stops PostgreSQL's connections; runs in the PostgreSQL suite")
    # Every copy of the settings: the server's thread makes its own connection.
    dicts = {id(d): d for d in (connection.settings_dict, connections.settings["default"],
                                django_settings.DATABASES["default"])}.values()
    settings_dict = connection.settings_dict
    original = (settings_dict["HOST"], settings_dict["PORT"])
    proxy = CuttableProxy(original[0] or "127.0.0.1", int(original[1] or 5432))
    proxy.restore()
    connection.close()
    for each in dicts:
        each["HOST"], each["PORT"] = "127.0.0.1", str(proxy.port)
    assert settings_dict.get("CONN_MAX_AGE") and settings_dict.get("CONN_HEALTH_CHECKS")
    server = WSGIServer(("127.0.0.1", 0), _Quiet, ipv6=False)
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield proxy, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    proxy.cut()
    connection.close()
    for each in dicts:
        each["HOST"], each["PORT"] = original


def _token(page) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)


def test_with_postgresql_stopped_pages_say_503_and_give_back_what_was_typed(
        site_through_proxy, work, reader):
    proxy, base = site_through_proxy
    session = requests.Session()
    signed_in = Client()
    signed_in.force_login(reader, backend="django.contrib.auth.backends.ModelBackend")
    session.cookies.set("sessionid", signed_in.cookies["sessionid"].value)
    page = session.get(f"{base}/works/{work.pk}", timeout=30)
    assert page.status_code == 200 and "ashby_reader" in page.text
    token = _token(page)
    assert proxy.sockets  # the site's connection goes through the proxy

    proxy.cut()

    down = session.get(f"{base}/works/{work.pk}", timeout=30)
    assert down.status_code == 503
    assert down.headers["Retry-After"] == "10"
    assert down.headers["Cache-Control"] == "no-store"
    assert 'id="header"' in down.text and 'id="footer"' in down.text  # the site's frame
    assert "Traceback" not in down.text and "OperationalError" not in down.text
    assert "Log In" not in down.text  # not shown as signed out either

    typed = "My long answer <script>alert(1)</script>\nwith a second line & more"
    posted = session.post(
        f"{base}/works/{work.pk}/comments",
        data={COMMENT: typed, "authenticity_token": token},
        headers={"Referer": f"{base}/works/{work.pk}"}, timeout=30,
    )
    assert posted.status_code == 503 and posted.headers["Retry-After"] == "10"
    # What she typed, escaped, in a read-only box of a form that sends it again.
    assert "<script>alert(1)</script>" not in posted.text
    box = re.search(
        r'<textarea[^>]*name="comment\[comment_content\]"[^>]*readonly>(.*?)</textarea>',
        posted.text, re.S)
    assert box is not None
    assert box.group(1) == ("My long answer &lt;script&gt;alert(1)&lt;/script&gt;\n"
                            "with a second line &amp; more")
    assert 'id="unavailable_repost"' in posted.text

    health = requests.get(f"{base}/health", timeout=30)
    assert health.status_code == 503 and health.json()["database"] == "unavailable"

    proxy.restore()  # no restart of the site
    connection.close()  # the test's own connection (the site's recovers by itself)

    assert requests.get(f"{base}/health", timeout=30).status_code == 200
    back = session.get(f"{base}/works/{work.pk}", timeout=30)
    assert back.status_code == 200 and "ashby_reader" in back.text
    # The failed post saved nothing; sent again, it is saved once.
    assert not Comment.objects.filter(work=work).exists()
    again = session.post(
        f"{base}/works/{work.pk}/comments",
        data={COMMENT: typed, "authenticity_token": _token(back)},
        headers={"Referer": f"{base}/works/{work.pk}"}, timeout=30, allow_redirects=False,
    )
    assert again.status_code in (200, 302)
    saved = Comment.objects.filter(work=work)
    assert saved.count() == 1 and "with a second line" in saved.get().content


def test_a_comment_whose_connection_is_lost_mid_write_is_not_saved_at_all(
        site_through_proxy, work, reader):
    """The connection drops after the comment's row was inserted, before the
    rest of its transaction (thread, count, notification) ran: nothing of it
    is kept, and the page gives the text back."""
    from django.db.models.signals import post_save

    proxy, base = site_through_proxy
    session = requests.Session()
    signed_in = Client()
    signed_in.force_login(reader, backend="django.contrib.auth.backends.ModelBackend")
    session.cookies.set("sessionid", signed_in.cookies["sessionid"].value)
    page = session.get(f"{base}/works/{work.pk}", timeout=30)

    def cut_mid_write(sender, instance, created, **kwargs):
        if created:
            proxy.cut()

    post_save.connect(cut_mid_write, sender=Comment, weak=False)
    try:
        posted = session.post(
            f"{base}/works/{work.pk}/comments",
            data={COMMENT: "Half a comment is no comment", "authenticity_token": _token(page)},
            headers={"Referer": f"{base}/works/{work.pk}"}, timeout=30,
        )
    finally:
        post_save.disconnect(cut_mid_write, sender=Comment)
    assert posted.status_code == 503
    assert "Half a comment is no comment" in posted.text

    proxy.restore()
    connection.close()
    assert session.get(f"{base}/works/{work.pk}", timeout=30).status_code == 200
    assert not Comment.objects.exists()
    work.refresh_from_db()
    assert work.comment_count == 0
