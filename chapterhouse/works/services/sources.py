"""What the writer typed, kept beside the HTML we show.

Pages show the sanitised HTML. A writer who typed Markdown or plain text
should get that text back in the edit form, not our HTML. So each text
field's source is kept in the object's ``sources`` JSON, with a fingerprint
of the HTML it produced. If the HTML changes some other way (an accepted
correction, a restored revision), the fingerprint no longer matches and the
form falls back to the HTML, so a stale source never overwrites newer text.
"""

from __future__ import annotations

import hashlib

from ..text import TextFormat, render_user_text


def _fingerprint(html: str) -> str:
    return hashlib.sha256(html.encode()).hexdigest()[:32]


def text_store(obj, field: str, text: str, text_format: str, *, html: str | None = None) -> None:
    """Set ``obj.<field>`` to the sanitised HTML of ``text``, remembering the source.
    ``html`` is that HTML when the caller has already rendered it."""
    if html is None:
        html = render_user_text(text, text_format=text_format)
    setattr(obj, field, html)
    sources = dict(obj.sources or {})
    if text_format == TextFormat.HTML or not (text or "").strip():
        sources.pop(field, None)
    else:
        sources[field] = {"text": text, "format": text_format, "html": _fingerprint(html)}
    obj.sources = sources


def text_source(obj, field: str) -> tuple[str, str]:
    """The text and format to put back in the edit form for ``obj.<field>``."""
    html = getattr(obj, field) or ""
    entry = (obj.sources or {}).get(field)
    if entry and entry.get("html") == _fingerprint(html):
        return entry["text"], entry["format"]
    return html, TextFormat.HTML
