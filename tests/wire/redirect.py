"""Point clients that hard-code AO3's address at a Chapterhouse server.

FanFicFare and the ``ao3-api`` library both talk to
``https://archiveofourown.org`` through ``requests.Session``. ``install``
patches ``Session.__init__`` so that every new session mounts a transport
adapter for that prefix: it sends a copy of each request to the test server
over real HTTP and hands the response back with its ``url`` set to the
address the client asked for, so cookies, relative redirects and the
clients' own URL checks behave as they would against AO3.

The adapter is mounted on the longest prefix, so it wins over the plain
``https://`` adapters a client mounts after creating its session.
"""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter

AO3_PREFIXES = ("https://archiveofourown.org", "http://archiveofourown.org")

_original_init = requests.Session.__init__


class RedirectAdapter(HTTPAdapter):
    """Sends requests for AO3's address to ``target`` instead."""

    def __init__(self, target: str, **kwargs):
        super().__init__(**kwargs)
        self.target = target.rstrip("/")

    def send(self, request, **kwargs):
        asked = request.url
        for prefix in AO3_PREFIXES:
            if asked.startswith(prefix):
                copy = request.copy()
                copy.url = self.target + asked[len(prefix):]
                # The Host header stays the test server's: requests sets it
                # from the new URL when the copy is sent.
                response = super().send(copy, **kwargs)
                if not kwargs.get("stream"):
                    # Read the body, then drop the socket: the live server's
                    # thread for it ends, and with it its database connection,
                    # instead of waiting on an idle keep-alive socket until the
                    # test database is dropped.
                    response.content  # noqa: B018
                    self.poolmanager.clear()
                response.url = asked
                response.request = request
                return response
        return super().send(request, **kwargs)


def install(target: str) -> None:
    """From now on every new ``requests.Session`` sends AO3's requests to ``target``."""

    def patched_init(session, *args, **kwargs):
        _original_init(session, *args, **kwargs)
        adapter = RedirectAdapter(target)
        for prefix in AO3_PREFIXES:
            session.mount(prefix, adapter)

    requests.Session.__init__ = patched_init


def uninstall() -> None:
    requests.Session.__init__ = _original_init
