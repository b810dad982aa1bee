"""Guest pages from a shared HTTP cache (Varnish; docs/http-cache.md).

The pages a guest reads most (a work, its chapters, listings, tag, series,
user and search pages) are the same for every guest, so a cache in front of
the site can keep one copy and answer everyone from it. Three parts:

- :class:`SharedGuestPageMiddleware` marks such a request before its view
  runs, so the page is rendered without a per-visitor CSRF token
  (:func:`shared_page_tokens`; forms fetch one from ``/token_dispenser.json``
  when they are sent), then gives the answer ``Cache-Control: public`` and
  an ``X-Works`` header naming each work on the page (``w12,w13``), plus the
  word ``listing`` on pages that list works.
- The cache's configuration (``deploy/varnish/default.vcl``) stores only
  answers marked ``public``, passes every request that carries the session or
  messages cookie, and takes ``BAN`` requests from the site's own hosts.
- :func:`bans_follow` follows the outbox in the background worker and bans,
  within a second, every cached page naming a changed work, and every
  listing when works were posted or re-tagged.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.middleware.csrf import get_token
from django.template.backends.utils import csrf_token_lazy
from django.utils.cache import patch_cache_control
from django.utils.html import format_html
from markupsafe import Markup

log = logging.getLogger(__name__)

#: The pages a cache may share among guests ("namespace:name" of the URL).
#: The work page covers the entire work (``?view_full_work=true``).
WORK_PAGES = frozenset({"works:work", "works:chapter"})
LISTING_PAGES = frozenset({
    "web:home",
    "discovery:works",
    "discovery:search",
    "discovery:language_works",
    "tags:works",
    "tags:show",
    "tags:media",
    "tags:media_fandoms",
    "works:series",
    "works:user_works",
    "works:user_series",
    "accounts:user",
    "accounts:profile",
    "accounts:pseud",
    "responses:bookmarks_user",
    "responses:bookmarks_work",
    "responses:bookmarks_series",
})
SHARED_PAGES = WORK_PAGES | LISTING_PAGES

#: The cookies a guest's page depends on: the cache keeps one copy per value.
#: The session and messages cookies make a page someone's own: never shared.
VARIANT_COOKIES = ("theme", "view_adult")
#: The messages framework's cookie (``CookieStorage.cookie_name``).
MESSAGES_COOKIE = "messages"


def personal_cookies() -> tuple[str, str]:
    return (settings.SESSION_COOKIE_NAME, MESSAGES_COOKIE)

#: Every work a page names links to it; the header lists them for bans.
_WORK_LINK = re.compile(rb'href="/works/(\d+)[/"?#]')
#: The header's word for pages that list works (banned when works are posted).
LISTING = "listing"
#: The answer header naming a page's works; the cache bans by it.
WORKS_HEADER = "X-Works"

#: The token input a shared page's forms carry: empty, and filled by
#: web/static/web/token.js from /token_dispenser.json when the form is sent.
#: A form sent without it (no JavaScript) is shown again with its fields
#: kept and a fresh token (web/views.csrf_repost).
EMPTY_TOKEN_INPUT = Markup('<input type="hidden" name="csrfmiddlewaretoken" value="">')


def shared_ttl() -> int:
    return int(getattr(settings, "HTTP_CACHE_TTL", 120))


def _may_share(request) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if request.META.get("HTTP_AUTHORIZATION"):
        return False
    return not any(name in request.COOKIES for name in personal_cookies())


def is_shared_page(request) -> bool:
    """True while rendering a page that one copy serves to every guest."""
    return getattr(request, "shared_guest_page", False)


class SharedGuestPageMiddleware:
    """Render the guest pages of :data:`SHARED_PAGES` the same for every
    guest, and mark them for shared caches.

    A page stays private (no ``public``) when anything about this answer is the
    visitor's own: it sets a cookie, the view chose ``private`` or
    ``no-store``, a message was queued for her, or the request was signed
    in. Answers to requests that carry the session or messages cookie are
    ``private`` (``PrivateCacheMiddleware`` also adds ``no-cache`` for a
    signed-in person), and the shipped VCL never stores them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and match.view_name in SHARED_PAGES and _may_share(request):
            request.shared_guest_page = True
            request.shared_listing = match.view_name in LISTING_PAGES
        return None

    def __call__(self, request):
        response = self.get_response(request)
        if is_shared_page(request):
            if _shareable(request, response):
                _mark_public(request, response)
            else:
                _keep_private(response)
        elif any(name in request.COOKIES for name in personal_cookies()):
            _keep_private(response)
        return response


def _keep_private(response) -> None:
    """``private`` unless the answer is already ``private`` or ``no-store``."""
    directives = response.get("Cache-Control", "").lower()
    if "private" not in directives and "no-store" not in directives:
        patch_cache_control(response, private=True)


def _shareable(request, response) -> bool:
    if response.status_code not in (200, 404) or response.cookies:
        return False
    if response.has_header("Cache-Control"):
        directives = response["Cache-Control"].lower()
        if "private" in directives or "no-store" in directives or "no-cache" in directives:
            return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    # No messages cookie or session came in (``_may_share``), so only a message
    # queued by this request could be on its way to her.
    storage = getattr(request, "_messages", None)
    if storage is not None and getattr(storage, "_queued_messages", None):
        return False
    return not getattr(response, "streaming", False)


def _mark_public(request, response) -> None:
    ttl = shared_ttl()
    patch_cache_control(response, public=True, max_age=0, s_maxage=ttl)
    words = [LISTING] if getattr(request, "shared_listing", False) else []
    if not getattr(response, "streaming", False):
        seen = dict.fromkeys(m.group(1).decode() for m in _WORK_LINK.finditer(response.content))
        words.extend(f"w{work_id}" for work_id in seen)
        response_path = getattr(request.resolver_match, "kwargs", {}).get("work_id")
        if response_path is not None and str(response_path) not in seen:
            words.append(f"w{response_path}")
    response[WORKS_HEADER] = ",".join(words) or "-"


class _OncePerPage:
    """The CSRF token (or its hidden input) of a page, masked once for the
    whole page as Django's own templates do (``context_processors.csrf``):
    the Jinja2 backend's lazy values mask the secret again at every form.
    Still lazy, so a page that writes no form sets no cookie."""

    __slots__ = ("_make", "_value")

    def __init__(self, make) -> None:
        self._make, self._value = make, None

    def __str__(self) -> str:
        if self._value is None:
            self._value = str(self._make())
        return self._value

    # Safe to write as it is: a token is letters and digits, and the input is
    # built by ``format_html``.
    __html__ = __str__


def shared_page_tokens(request) -> dict:
    """Context processor: on a shared page the CSRF token is left empty, so no
    visitor's token (and no ``Set-Cookie: csrftoken``) is in the copy. On any
    other page the token is masked once per page (``_OncePerPage``)."""
    if is_shared_page(request):
        # ``own_csrf_token``: for a form that must work without JavaScript
        # (log-in); using it sets the visitor's cookie, so the page is not shared.
        return {"csrf_token": "", "csrf_input": EMPTY_TOKEN_INPUT, "shared_page": True,
                "own_csrf_token": csrf_token_lazy(request)}
    token = _OncePerPage(lambda: get_token(request))
    return {"shared_page": False, "own_csrf_token": token, "csrf_token": token,
            # The hidden input carries the same masked token: one masking per page.
            "csrf_input": _OncePerPage(lambda: format_html(
                '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', str(token)))}


# --- Invalidation ---------------------------------------------------------------------------


def cache_urls() -> list[str]:
    return [url.rstrip("/") for url in getattr(settings, "HTTP_CACHE_URLS", []) if url]


def _works_regex(words) -> str:
    # No spaces: Varnish's ban expressions split on them.
    return "(^|,)(" + "|".join(sorted(words)) + ")(,|$)"


def bans_for(events) -> list[str]:
    """The ``X-Works`` regular expressions to ban for these outbox events:
    every page naming a changed work; every listing when works were posted,
    re-tagged, or a tag was wrangled (a listing may now hold a work it did
    not name). Changes of hit counts alone (``hits_only``) ban nothing."""
    from chapterhouse.discovery.outbox import TAG_CHANGED, WORK_FILTER_TAGS, WORK_POSTED

    works: set[str] = set()
    listings = False
    for event in events:
        payload = event.payload or {}
        if payload.get("hits_only"):
            # Hit counts change with every reader (every guest's beacon);
            # banning for them would empty the cache of every popular work
            # and every listing naming one. They catch up within the TTL.
            continue
        works.update(f"w{int(pk)}" for pk in payload.get("work_ids", ()))
        if event.topic in (WORK_POSTED, WORK_FILTER_TAGS, TAG_CHANGED):
            listings = True
    bans = []
    if listings:
        bans.append(_works_regex([LISTING]))
    ordered = sorted(works)
    for start in range(0, len(ordered), 200):  # keep each header a sane length
        bans.append(_works_regex(ordered[start:start + 200]))
    return bans


def send_ban(*, works_regex: str | None = None, url_regex: str | None = None) -> bool:
    """Send one BAN to every configured cache; True when each one took it."""
    ok = True
    for base in cache_urls():
        request = urllib.request.Request(base + "/", method="BAN")  # noqa: S310 - our setting
        if works_regex is not None:
            request.add_header("X-Ban-Works", works_regex)
        if url_regex is not None:
            request.add_header("X-Ban-Url", url_regex)
        try:
            with urllib.request.urlopen(request, timeout=2) as answer:  # noqa: S310 - our setting
                ok = ok and answer.status == 200
        except (urllib.error.URLError, OSError) as error:
            log.warning("The HTTP cache at %s did not take a ban: %s", base, error)
            ok = False
    return ok


class BanFollower:
    """Follows the outbox and bans what each event changed. Bans that a cache
    did not take are sent again on the next round."""

    def __init__(self) -> None:
        from django.db.models import Max

        from chapterhouse.discovery.engine.index import OutboxCursor
        from chapterhouse.discovery.models import OutboxEvent

        top = OutboxEvent.objects.aggregate(top=Max("pk"))["top"] or 0
        self.cursor = OutboxCursor(top)
        # What changed while no one followed the outbox is unknown: start afresh.
        self.pending: list[dict] = [{"url_regex": "."}]

    def run(self) -> int:
        """One round; returns how many bans were sent."""
        events = self.cursor.take()
        self.pending.extend({"works_regex": regex} for regex in bans_for(events))
        sent, failed = 0, []
        for ban in self.pending:
            if send_ban(**ban):
                sent += 1
            else:
                failed.append(ban)
        self.pending = failed[-1000:]
        return sent


#: Seconds between rounds of :func:`bans_follow`.
BAN_INTERVAL = 0.25


def bans_follow(stop: threading.Event | None = None, interval: float = BAN_INTERVAL,
                follower: BanFollower | None = None) -> None:
    """Run :class:`BanFollower` until ``stop`` is set (the worker's thread)."""
    from django.db import close_old_connections

    while stop is None or not stop.is_set():
        try:
            if follower is None:
                follower = BanFollower()
            follower.run()
        except Exception:  # the database may be away for a moment
            log.exception("Following the outbox into the HTTP cache failed; trying again.")
        finally:
            close_old_connections()
        time.sleep(interval)
