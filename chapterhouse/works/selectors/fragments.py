"""Pieces of the work page rendered once and kept.

The work meta's tag groups (rating, warnings, … additional tags) are the same
for everyone who may see the work, and change only with its tags, so they are
kept in ``web.caches.html_cache`` under the work's ``version``
(works/services/versions.py), each group open and, for warnings and
additional tags, folded: the reader's "hide" preferences pick between them
outside the cached part.

The work body (``work_body``: the meta, preface, text and afterword, everything
in ``div.work`` below the actions) is kept in this process (``work_bodies``)
under a digest of everything it is drawn from: the work's row and version,
its creators' names, the tag groups as this reader sees them, each chapter
shown (its text included), the page's mode and the viewer's class (whether
she sees an anonymous work's creators, whether she gets the corrections
hook). A kept copy is therefore only ever found by a request that read the
very same inputs through the privacy door itself: it is a memo of the
rendering, never a way around the door, and nothing in it needs
invalidating. The kudos and hits stats and the CSRF token stay out of it
(marks that each page fills in). Pages of creators (their edit links) and
of works with series, gifts, related works, collections or an import record
(drawn from other works and the viewer) are rendered every time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from markupsafe import Markup

from chapterhouse.web.caches import LocalLRU, html_cache

#: Change when the fragment's HTML changes shape.
TEMPLATE_VERSION = 1
#: Change when the work body's templates change.
BODY_VERSION = 1

_FOLDABLE = ("warning", "freeform")
_module = None


def _env():
    from django.template import engines

    return engines["jinja2"].env


def _parts():
    global _module
    if _module is None:
        _module = _env().get_template("works/_meta_parts.html").module
    return _module


def meta_tags_html(page, *, hide_warnings: bool, hide_freeform: bool) -> Markup:
    """The tag groups of ``page`` (a ``reading.WorkPage``) as this reader sees them."""
    work = page.work
    key = f"meta-tags:{TEMPLATE_VERSION}:{work.pk}:{work.version}"
    groups = html_cache.get_many([key]).get(key)
    if groups is None:
        parts = _parts()
        groups = tuple(
            (group.css, str(parts.group(group, False)),
             str(parts.group(group, True)) if group.css in _FOLDABLE else "")
            for group in page.meta_groups
        )
        html_cache.set_many({key: groups})
    folded = {"warning": hide_warnings, "freeform": hide_freeform}
    # Every piece is the output of an autoescaping template.
    return Markup("".join(  # noqa: S704
        closed if folded.get(css) else open_ for css, open_, closed in groups
    ))


# The work body -------------------------------------------------------------------------

#: Where a kept body's own values go. Text from the database never holds a NUL
#: (a body drawn from one is not kept), so no reader's text can fake a mark.
KUDOS_MARK = "\x00kudos\x00"
HITS_MARK = "\x00hits\x00"
CSRF_MARK = "\x00csrf\x00"
_MARKS = {"kudos": KUDOS_MARK, "hits": HITS_MARK, "csrf": CSRF_MARK}

#: Kept bodies: each process's own (a body holds the whole text shown, so they
#: stay out of the shared cache), at most 16 million characters in all; a body
#: longer than a million characters (an entire long work) is drawn every time.
work_bodies = LocalLRU(5000, max_chars=16_000_000, name="work_body")


@dataclass(frozen=True)
class WorkBody:
    """A kept body and this page's values for its marks."""

    text: str
    kudos: int
    hits: int

    def html(self, csrf_input) -> Markup:
        text = self.text.replace(KUDOS_MARK, str(_parts().kudos_stat(self.kudos)))
        text = text.replace(HITS_MARK, f"{self.hits:,}")
        if CSRF_MARK in text:  # only then: the token sets the visitor's cookie
            text = text.replace(CSRF_MARK, str(csrf_input))
        # Rendered by an autoescaping template; the marks' values are escaped
        # or digits (the token's input is built by ``format_html``).
        return Markup(text)  # noqa: S704


def _shown_of(page, context: dict) -> tuple | None:
    """Everything the body is drawn from, or None when it is not to be kept."""
    work = page.work
    if (
        page.is_creator
        or work.has_gifts or work.has_series or work.has_related or work.has_collections
        or page.series or page.gifts or page.parents or page.translations or page.children
        or context.get("work_collections") or page.imported_from is not None
    ):
        return None
    mode, chapter = context["mode"], context["chapter"]
    shown = [
        BODY_VERSION, work.pk, work.version, mode, chapter.pk if chapter else None,
        bool(context["first"]), bool(context["last"]), bool(context["reveal_creators"]),
        bool(context["corrections_hook"]), str(context["published"]), str(context["updated"]),
        str(context["meta_tags"]), context["change_note"],
        work.title, work.summary, work.notes, work.endnotes, work.language,
        work.anonymous, work.restricted, work.hidden_by_admin, work.complete,
        work.word_count, work.chapters_display, work.expected_chapters,
        work.comment_count, work.bookmark_count,
        tuple((c.pseud.name, c.pseud.user.username) for c in page.creators),
        tuple(
            (c.pk, c.number, c.is_live, str(c.scheduled_for), c.title, c.summary, c.notes,
             c.endnotes, c.content)
            for c in page.chapters
        ),
    ]
    return tuple(shown)


def _digest(shown: tuple) -> str | None:
    """A digest of ``shown``: each value written with its length, so no two
    different inputs read alike; None if a text holds a NUL."""
    digest = hashlib.blake2b(digest_size=20)

    def add(value) -> bool:
        text = str(value)
        if "\x00" in text:
            return False
        data = text.encode()
        digest.update(b"%d:" % len(data))
        digest.update(data)
        return True

    for value in shown:
        if isinstance(value, tuple):
            digest.update(b"(%d" % len(value))
            for row in value:
                digest.update(b"(%d" % len(row))
                if not all(add(each) for each in row):
                    return None
        elif not add(value):
            return None
    return digest.hexdigest()


def work_body(page, context: dict, *, kudos: int) -> WorkBody | None:
    """The body of the work page ``context`` draws (``works.views.reading``),
    kept, or None when this page renders it itself."""
    shown = _shown_of(page, context)
    digest = _digest(shown) if shown is not None else None
    if digest is None:
        return None
    text = work_bodies.get_or_make(digest, lambda: render_body(context))
    return WorkBody(text, kudos, page.work.hit_count)


def render_body(context: dict) -> str:
    """The body with its marks, as ``work_body`` keeps it."""
    # The marks are constants of this module, written as they are.
    marks = {name: Markup(mark) for name, mark in _MARKS.items()}  # noqa: S704
    return _env().get_template("works/_work_body.html").render({
        **context,
        "csrf_input": marks["csrf"],
        "stat_marks": {"kudos": marks["kudos"], "hits": marks["hits"]},
    })
