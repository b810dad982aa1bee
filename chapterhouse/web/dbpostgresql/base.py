"""PostgreSQL's backend, with a health check that costs no round trip while
the connection has nothing to say (docs/outages.md, "The connection's health
check").

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` on the first query of
every request that reuses a connection, so that a connection the server
closed meanwhile (a restart, ``pg_terminate_backend``, a proxy or a network
that dropped it) is replaced instead of failing the request. A server that
ends a connection tells the client: it sends an error and closes the socket,
or the operating system closes it when the server process dies. Either way
the idle connection's socket becomes readable, which ``poll`` with a zero
timeout sees without leaving this process. So the check asks the server only
then (or when psycopg already knows the connection is broken, or the socket
cannot be polled); a socket with nothing to read is a connection the server
has not closed, which is all ``SELECT 1`` would have learnt too. A host that
vanished without a word stalls ``SELECT 1`` as it stalls the page's first
query: ``connect_timeout`` and the outage page (docs/outages.md) cover both.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base as postgresql


def _quiet(connection) -> bool:
    """True when ``connection`` (psycopg's) is open, idle and its socket has
    nothing to read: the server has neither closed it nor sent anything."""
    try:
        if connection.closed or connection.broken:
            return False
        if connection.info.transaction_status != 0:  # not IDLE
            return False
        poller = select.poll()
        poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
        return not poller.poll(0)
    except Exception:  # noqa: BLE001 - anything odd: ask the server
        return False


class DatabaseWrapper(postgresql.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not self.pool
            and _quiet(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
