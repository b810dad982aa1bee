"""The download address: ``/downloads/ID/Title.epub`` (also .azw3, .mobi, .pdf, .html,
.txt), and the downloads help, ``/help/downloads.html``.

A thin view: the privacy door (``works/selectors/visibility.py``) decides who
may have the file, ``files.py`` makes or finds it. The title part of the
address is ignored, so old links keep working after a rename. Drafts,
works hidden from the reader and unknown ids answer 404; a guest asking for a
restricted work gets the log-in page the work page gives.

A file that is not in the cache yet is rendered for the request (a long PDF
takes seconds), so fresh renders are limited per client address
(``FRESH_RENDER_RATE``); files already on disk are never limited.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponseNotModified
from django.shortcuts import render
from django.utils.http import http_date, quote_etag
from django.views.decorators.http import require_safe

from chapterhouse.web.addresses import client_address
from chapterhouse.web.login import redirect_restricted
from chapterhouse.web.ratelimit import RateLimited, rate_limit_check, rate_limit_record
from chapterhouse.web.views import rate_limited
from chapterhouse.works.models import Work
from chapterhouse.works.selectors.visibility import work_needs_login, works_visible_to

from .calibre import KINDLE_FORMATS
from .document import document_for
from .files import cached_path, download_prepare, fingerprint, served_formats
from .links import FORMATS, LINKED_FORMATS, download_path

#: Fresh renders (cache misses) one client address may cause: 30 per 10 minutes.
FRESH_RENDER_RATE = {"count": 30, "window": 600}
FRESH_RENDER_SCOPE = "download-render"
FRESH_RENDER_MESSAGE = (
    "You have asked for many new download files in a short time, and each one has to be "
    "made for you. Please try again in {wait}; files that are ready download at once."
)


def _client_address(request) -> str:
    return client_address(request) or "unknown"


def _etag_matches(request, etag: str) -> bool:
    asked = request.headers.get("If-None-Match", "")
    return any(part.strip().removeprefix("W/") == etag for part in asked.split(","))


@require_safe
def download(request, work_id: str, name: str, fmt: str):
    if fmt not in served_formats():
        raise Http404("No such format.")
    work = works_visible_to(request.user, Work.objects.filter(pk=work_id, posted=True)).first()
    if work is None:
        if work_needs_login(request.user, int(work_id)):
            return redirect_restricted(request)
        raise Http404("No such work.")
    doc = document_for(work)
    digest = fingerprint(doc, fmt)
    etag = quote_etag(digest[:32])
    if _etag_matches(request, etag):
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return response
    fresh = not cached_path(doc, digest, fmt).is_file()
    who = _client_address(request)
    if fresh:
        try:
            rate_limit_check(
                scope=FRESH_RENDER_SCOPE, who=who, message=FRESH_RENDER_MESSAGE,
                **FRESH_RENDER_RATE,
            )
        except RateLimited as limited:
            return rate_limited(request, limited)
    prepared = download_prepare(work, fmt, doc=doc, digest=digest)
    if fresh:
        rate_limit_record(scope=FRESH_RENDER_SCOPE, who=who, **FRESH_RENDER_RATE)
    try:
        handle = open(prepared.path, "rb")  # noqa: SIM115 - FileResponse closes it
    except FileNotFoundError:  # replaced by a newer version a moment ago
        prepared = download_prepare(work, fmt)
        handle = open(prepared.path, "rb")  # noqa: SIM115
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=prepared.filename,
        content_type=prepared.content_type,
    )
    response["ETag"] = quote_etag(prepared.fingerprint[:32])
    response["Last-Modified"] = http_date(prepared.path.stat().st_mtime)
    # Restricted works are for signed-in readers: keep them out of shared caches.
    response["Cache-Control"] = "private, no-cache" if work.restricted else "public, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response


def download_links(work) -> list[tuple[str, str]]:
    """(link text, address) of each format the work page links, in AO3's order,
    with ``?updated_at=`` so browsers and tools see a new file after a change."""
    served = served_formats()
    return [
        (FORMATS[fmt], download_path(work, fmt, with_version=True))
        for fmt in LINKED_FORMATS
        if fmt in served
    ]


@require_safe
def downloads_help(request):
    """``/help/downloads.html``: the formats this site offers, and why AZW3 and
    MOBI are missing when ebook-convert is not installed."""
    served = served_formats()
    return render(request, "exchange/downloads_help.html", {
        "main_class": "help",
        "linked": [FORMATS[fmt] for fmt in LINKED_FORMATS if fmt in served],
        "kindle": all(fmt in served for fmt in KINDLE_FORMATS),
    })


#: Globals for the Jinja environment (``web/jinja.py``).
JINJA_GLOBALS = {"download_links": download_links, "download_path": download_path}
