"""The PostgreSQL connection's health check (web/dbpostgresql): no round trip
for a connection the server has not closed, a fresh connection for one it has."""

import select
import time

import psycopg
import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pg():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's connections; runs in the PostgreSQL suite")
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    connection.ensure_connection()
    return connection


def _next_request(conn):
    """What Django does between two requests of a worker (close_old_connections)."""
    conn.close_if_unusable_or_obsolete()


def _asked_server(conn, monkeypatch) -> list:
    asked = []
    real = conn.is_usable

    def counted():
        asked.append(True)
        return real()

    monkeypatch.setattr(conn, "is_usable", counted)
    return asked


def test_a_healthy_reused_connection_is_not_pinged(pg, monkeypatch):
    asked = _asked_server(pg, monkeypatch)
    for _ in range(3):
        _next_request(pg)
        with pg.cursor() as cursor:
            cursor.execute("SELECT 1")
    assert asked == []


def test_a_connection_the_server_ended_is_replaced_before_the_first_query(pg, monkeypatch):
    asked = _asked_server(pg, monkeypatch)
    before = pg.connection.info.backend_pid
    params = pg.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [before])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # the server's goodbye reaches the socket
        poller = select.poll()
        poller.register(pg.connection.fileno(), select.POLLIN)
        if poller.poll(0):
            break
        time.sleep(0.02)

    _next_request(pg)
    with pg.cursor() as cursor:  # no error: the ended connection was replaced
        cursor.execute("SELECT pg_backend_pid()")
        after = cursor.fetchone()[0]
    assert after != before
    assert asked == [True]

