"""Reads from a PostgreSQL streaming replica, writes to the primary
(docs/replicas.md).

Only in use when ``DATABASE_REPLICA_URL`` is set: the settings then add the
``replica`` database, :class:`ReplicaRouter` and :class:`ReplicaMiddleware`.
Without it none of this runs and every query goes to ``default`` as before.

- Only a web request's reads go to the replica. The worker, the commands and
  any thread outside a request read the primary (no request, no replica).
- Read-your-writes: a request that is a POST, PUT, PATCH or DELETE, or that
  saves or deletes a model through the ORM, reads the primary from then on,
  and its answer carries the :data:`PIN_COOKIE` cookie; the visitor's
  requests that carry it read the primary for
  ``DATABASE_REPLICA_PIN_SECONDS``. Reads inside a
  transaction on the primary stay there.
- Fallback: :class:`ReplicaState` checks, at most once a second per process,
  that the replica answers and how far behind the primary it is. While it
  does not answer, or lags more than ``DATABASE_REPLICA_MAX_LAG`` seconds,
  reads go to the primary. A replica that fails in the middle of a request is
  handled by its database backend (``web/dbreplica``), which runs the query
  again on the primary.
"""

from __future__ import annotations

import logging
import threading
import time
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

log = logging.getLogger(__name__)

#: The database alias of the replica (settings.DATABASES).
REPLICA = "replica"
#: The cookie that pins a visitor's reads to the primary after she wrote. Its
#: value is the time of the write (seconds since the epoch).
PIN_COOKIE = "recent_write"
#: Methods that read; any other marks the request as a write.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: The app label of Django's database cache table: rate-limit counts and
#: sessions' cached copies must be read where they are written.
_CACHE_APP_LABEL = "django_cache"


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


# --- The replica's state, per process ------------------------------------------------

#: On the primary: where its WAL is now.
_PRIMARY_SQL = "SELECT pg_current_wal_lsn()::text"
#: On the replica: whether it is one, whether it replayed up to the primary's
#: position, and the age of the last transaction it replayed.
_REPLICA_SQL = (
    "SELECT pg_is_in_recovery(), "
    "COALESCE(pg_last_wal_replay_lsn() >= %s::pg_lsn, false), "
    "EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())"
)


class ReplicaState:
    """Whether this process may read from the replica, checked at most every
    ``DATABASE_REPLICA_CHECK_SECONDS`` (and, after it failed to answer, not
    before ``DATABASE_REPLICA_RETRY_SECONDS``). Between checks the answer
    costs a clock reading.

    The lag is 0 when the replica has replayed everything the primary had
    written when asked; otherwise it is the age of the last transaction it
    replayed. A replica that has stopped receiving WAL therefore lags, and
    is left alone once the lag passes the threshold."""

    UP, LAGGING, DOWN = "up", "lagging", "down"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next_check = 0.0  # monotonic time of the next check
        self.status = self.UP
        self.lag: float | None = None
        self.reason = ""

    def usable(self) -> bool:
        """True when reads may go to the replica now."""
        if time.monotonic() >= self._next_check:
            self.check()
        return self.status == self.UP

    def check(self) -> None:
        with self._lock:
            now = time.monotonic()
            if now < self._next_check:
                return  # another thread just did
            # Set before asking, so other threads go on with the last answer.
            self._next_check = now + _setting("DATABASE_REPLICA_RETRY_SECONDS", 5.0)
        try:
            lag = self._measure()
        except Exception as error:  # refused, timed out, shut down: not usable
            self.failed(error)
            return
        max_lag = _setting("DATABASE_REPLICA_MAX_LAG", 5.0)
        status = self.UP if lag is not None and lag <= max_lag else self.LAGGING
        self._set(status, lag, "" if status == self.UP else
                  f"replica is {'an unknown time' if lag is None else f'{lag:.1f} s'} behind "
                  f"(more than {max_lag:g} s)")
        self._next_check = time.monotonic() + _setting("DATABASE_REPLICA_CHECK_SECONDS", 1.0)

    @staticmethod
    def _measure() -> float | None:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(_PRIMARY_SQL)
            (primary_lsn,) = cursor.fetchone()
        replica = connections[REPLICA]
        if getattr(replica, "fallback", False):
            replica.close()  # connected to the primary last time: try the replica
        # Here a refusal is the answer, not a reason to connect to the primary.
        replica.allow_fallback = False
        try:
            with replica.cursor() as cursor:
                cursor.execute(_REPLICA_SQL, [primary_lsn])
                in_recovery, caught_up, age = cursor.fetchone()
        finally:
            replica.allow_fallback = True
        if not in_recovery:
            raise RuntimeError("the replica's address leads to a server that is not a replica")
        if caught_up:
            return 0.0
        return None if age is None else max(0.0, float(age))

    def failed(self, error: Exception) -> None:
        """The replica did not answer: reads go to the primary until the next
        try, ``DATABASE_REPLICA_RETRY_SECONDS`` from now."""
        with self._lock:
            self._next_check = time.monotonic() + _setting("DATABASE_REPLICA_RETRY_SECONDS", 5.0)
        reason = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
        self._set(self.DOWN, None, reason or type(error).__name__)

    def _set(self, status: str, lag: float | None, reason: str) -> None:
        before = self.status
        self.status, self.lag, self.reason = status, lag, reason
        if status != before:
            if status == self.UP:
                log.warning("The database replica is usable again; reading from it.")
            else:
                log.warning("Reading from the primary database instead of the replica: %s",
                            reason)

    def reset(self) -> None:
        """Forget the last answer (tests)."""
        self._next_check, self.status, self.lag, self.reason = 0.0, self.UP, None, ""


replica_state = ReplicaState()


def replica_status() -> dict:
    """For ``/health``: ``{"replica": "off"}`` without a replica, else its
    state ("up", "lagging", "down") and lag in seconds."""
    if not replica_configured():
        return {"replica": "off"}
    replica_state.usable()
    answer = {"replica": replica_state.status, "replica_lag": replica_state.lag}
    if replica_state.reason:
        answer["replica_reason"] = replica_state.reason
    return answer


# --- Routing --------------------------------------------------------------------------


class _Route:
    """What the request being answered may read from."""

    __slots__ = ("pinned", "wrote")

    def __init__(self, pinned: bool) -> None:
        self.pinned = pinned
        self.wrote = False


#: The current request's route; None outside a request (worker, commands).
_route: ContextVar[_Route | None] = ContextVar("chapterhouse_db_route", default=None)


class ReplicaRouter:
    """``DATABASE_ROUTERS`` entry: reads of a request to the replica unless
    the request is pinned to the primary, a transaction is open on the
    primary, or the replica is down or behind; every write to the primary."""

    def db_for_read(self, model, **hints):
        route = _route.get()
        if (
            route is None
            or route.pinned
            or model._meta.app_label == _CACHE_APP_LABEL
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
            or not replica_state.usable()
        ):
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        # Not a sign that the request wrote: Django also asks when a foreign
        # key is set on an unsaved object. Writes are seen by ``_wrote``.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same rows on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def _wrote(sender, **kwargs) -> None:
    """A model saved or deleted through the ORM during a request: from here
    on the request reads what it wrote, and so do the visitor's next few
    requests (the cookie). Signals, not ``db_for_write``, which Django also
    asks when a foreign key is set on an unsaved object."""
    route = _route.get()
    if route is not None:
        route.pinned = route.wrote = True


def _connect_write_signals() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_wrote, dispatch_uid="chapterhouse.dbrouter.wrote")


def no_read_pin(view):
    """Mark a view whose POST must not pin the visitor to the primary (the hit
    counter's beacon, sent by every guest's page: pinning would keep guests
    off the replica for no write of theirs)."""
    view.no_read_pin = True
    return view


def _recently_wrote(request, now: float) -> bool:
    raw = request.COOKIES.get(PIN_COOKIE)
    if not raw:
        return False
    try:
        wrote_at = float(raw)
    except ValueError:
        return False
    # A forged value in the future pins no longer than a real one.
    return -1.0 <= now - wrote_at < _setting("DATABASE_REPLICA_PIN_SECONDS", 5.0)


class ReplicaMiddleware:
    """Sets the request's route; after a write, sets :data:`PIN_COOKIE` on
    the answer unless the answer is a shared guest page (``public``: such a
    page sets no cookie, docs/http-cache.md) or the view is :func:`no_read_pin`.
    Sits before ``SharedGuestPageMiddleware``, so it sees that decision."""

    def __init__(self, get_response):
        self.get_response = get_response
        _connect_write_signals()

    def __call__(self, request):
        now = time.time()
        unsafe = request.method not in SAFE_METHODS
        route = _Route(pinned=unsafe or _recently_wrote(request, now))
        token = _route.set(route)
        try:
            response = self.get_response(request)
        finally:
            _route.reset(token)
        if (
            (unsafe or route.wrote)
            and not getattr(request, "no_read_pin", False)
            and "public" not in response.get("Cache-Control", "")
        ):
            response.set_cookie(
                PIN_COOKIE, f"{time.time():.3f}",
                max_age=max(1, round(_setting("DATABASE_REPLICA_PIN_SECONDS", 5.0))),
                httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "no_read_pin", False):
            request.no_read_pin = True
        return None
