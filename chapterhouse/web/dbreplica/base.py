"""PostgreSQL's backend for the ``replica`` alias, which never fails a read
because the replica is away (docs/replicas.md).

- Connecting: when the replica refuses or does not answer within its
  ``connect_timeout``, the replica is marked down in this process
  (``dbrouter.replica_state``) and the connection is made to the primary
  instead, so the query that asked goes on. The router sends the next reads
  to the primary directly; such a fallback connection is closed at the start
  of the next request.
- A query that fails with ``OperationalError`` or ``InterfaceError`` outside
  a transaction (the replica stopped while connected, a query cancelled by a
  recovery conflict) marks the replica down and runs again on a connection to
  the primary. Reads only: the router never sends a write here.
"""

from __future__ import annotations

import contextlib

from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper

from chapterhouse.web.dbpostgresql import base as postgresql


def _state():
    from chapterhouse.web.dbrouter import replica_state

    return replica_state


class DatabaseWrapper(postgresql.DatabaseWrapper):
    #: True while this connection goes to the primary because the replica failed.
    fallback = False
    #: False while checking the replica itself (``ReplicaState``): a refusal
    #: must then be an error, not a connection to the primary.
    allow_fallback = True

    #: True while reconnecting after a failed query: straight to the primary.
    connect_to_primary = False

    def get_new_connection(self, conn_params):
        if self.connect_to_primary:
            return self._primary_connection()
        try:
            connection = super().get_new_connection(conn_params)
        except self.Database.OperationalError as error:
            if not self.allow_fallback:
                raise
            _state().failed(error)
            return self._primary_connection()
        self.fallback = False
        return connection

    def _primary_connection(self):
        self.fallback = True
        primary = connections[DEFAULT_DB_ALIAS]
        return super().get_new_connection(primary.get_connection_params())

    def close_if_unusable_or_obsolete(self):
        if self.fallback and self.connection is not None:
            self.close()  # the next request tries the replica again, if routed here
            return
        super().close_if_unusable_or_obsolete()

    def reconnect_to_primary(self):
        """After a failed query: drop the replica's connection, use the primary's."""
        with contextlib.suppress(Exception):  # the connection is already broken
            self.close()
        self.connection = None
        self.connect_to_primary = True
        try:
            with self.wrap_database_errors:
                self.connect()
        finally:
            self.connect_to_primary = False

    def make_cursor(self, cursor):
        return FallbackCursorWrapper(cursor, self)

    def make_debug_cursor(self, cursor):
        return FallbackCursorDebugWrapper(cursor, self)


class FallbackCursorWrapper(CursorWrapper):
    """Runs a read again on the primary when the replica fails under it."""

    def _execute(self, sql, params, *ignored_wrapper_args):
        try:
            return super()._execute(sql, params, *ignored_wrapper_args)
        except (OperationalError, InterfaceError) as error:
            if not self._retry_on_primary(error):
                raise
            return super()._execute(sql, params, *ignored_wrapper_args)

    def _executemany(self, sql, param_list, *ignored_wrapper_args):
        try:
            return super()._executemany(sql, param_list, *ignored_wrapper_args)
        except (OperationalError, InterfaceError) as error:
            if not self._retry_on_primary(error):
                raise
            return super()._executemany(sql, param_list, *ignored_wrapper_args)

    def _retry_on_primary(self, error) -> bool:
        db = self.db
        if db.fallback or db.in_atomic_block or not db.allow_fallback:
            return False  # already on the primary, or the caller's transaction
        _state().failed(error)
        name = getattr(self.cursor, "name", None)
        db.reconnect_to_primary()
        self.cursor = db.create_cursor(name)
        return True


class FallbackCursorDebugWrapper(FallbackCursorWrapper, CursorDebugWrapper):
    pass
