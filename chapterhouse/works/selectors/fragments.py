"""Pieces of the work page rendered once per work version.

The work meta's tag groups (rating, warnings, … additional tags) are the same
for everyone who may see the work, and change only with its tags, so they are
kept in ``web.caches.html_cache`` under the work's ``version``
(works/services/versions.py), each group open and, for warnings and
additional tags, folded: the reader's "hide" preferences pick between them
outside the cached part. Series, related works, gifts and counts stay live:
they depend on other works or on the viewer.
"""

from __future__ import annotations

from markupsafe import Markup

from chapterhouse.web.caches import html_cache

#: Change when the fragment's HTML changes shape.
TEMPLATE_VERSION = 1

_FOLDABLE = ("warning", "freeform")
_module = None


def _parts():
    global _module
    if _module is None:
        from django.template import engines

        _module = engines["jinja2"].env.get_template("works/_meta_parts.html").module
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
