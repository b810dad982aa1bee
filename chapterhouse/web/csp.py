"""The Content-Security-Policy (docs/security-headers.md).

The site-wide policy is ``CONTENT_SECURITY_POLICY`` in settings, served on
every response by django-csp's middleware (:class:`ContentSecurityPolicyMiddleware`
below). A page that needs more than the policy allows says so for itself:
a work skin, drawn in one ``<style>`` element, is allowed by the hash of
exactly that text (:func:`allow_inline_style`).
"""

from __future__ import annotations

import base64
import hashlib

from csp.constants import HEADER
from csp.middleware import CSPMiddleware
from django.conf import settings


def source_hash(text: str) -> str:
    """The CSP source expression that allows an inline element holding exactly *text*."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def allow_inline_style(response, css: str):
    """Let the ``<style>`` element on *response* that holds exactly *css* apply.

    A hash rather than a nonce: the same page gives the same header, so a page
    stays cacheable, and only that text is allowed, never any other style.
    """
    update = dict(getattr(response, "_csp_update", None) or {})
    update["style-src"] = [*update.get("style-src", ()), source_hash(css)]
    response._csp_update = update
    return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the header's directives always in the
    order the settings list them (django-csp gathers them in a set, whose
    order changes from one process to the next)."""

    def process_response(self, request, response):
        response = super().process_response(request, response)
        if HEADER in response:
            response[HEADER] = _ordered(response[HEADER])
        return response


def _ordered(header: str) -> str:
    order = list(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    parts = [part.strip() for part in header.split(";") if part.strip()]

    def rank(part: str) -> tuple[int, str]:
        name = part.split(" ", 1)[0]
        return (order.index(name) if name in order else len(order), name)

    return "; ".join(sorted(parts, key=rank))
