"""The HTML download: one self-contained page in AO3's download layout.

The markup lives in ``exchange/jinja2/exchange/download.html``; this module
only feeds it the document. See docs/downloads.md for the layout, which the
AO3 importer reads back.
"""

from __future__ import annotations

from django.template.loader import render_to_string

from .document import DownloadDocument

CONTENT_TYPE = "text/html; charset=utf-8"
TEMPLATE = "exchange/download.html"


def render(doc: DownloadDocument) -> bytes:
    return render_to_string(TEMPLATE, {"doc": doc}, using="jinja2").encode("utf-8")
