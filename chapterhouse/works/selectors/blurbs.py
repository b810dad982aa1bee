"""Listing pages' blurbs, rendered once per work version and viewer class.

``listing_blurbs`` answers "these works, in this order, for this viewer" with
one query when every blurb is cached: the visibility check, which also reads
each work's ``version`` (works/services/versions.py). The cache key is the
work, its version and the viewer's class (guest, member, admin), so

- a change to anything a blurb shows gives the work a new version in the
  writing transaction, and no page reads the old copy after it commits;
- a copy rendered for one class is never shown to another: admins see an
  anonymous work's creators in brackets, members and guests never do, and a
  guest only ever asks for works the visibility check let through (no
  restricted or hidden work reaches the key lookup);
- what differs between readers of one class stays out of the copy: the two
  hideable lists (warnings, additional tags) are kept both open and folded,
  and the page picks by the reader's preference; a work the reader created
  is rendered for her on the spot (her own byline, no folding, her actions);
- the hit count, which the hits flush changes every few seconds on a popular
  work, stays out of the copy too: the copy holds ``HITS_MARK`` where the
  number goes, and the listing puts in the count its query read, so a flush
  changes no version and throws no copy away.

Blurbs not in the cache are read as plain values (the work row from the
visibility query, then tags, credits, series and gifts: four queries for the
whole page) instead of model instances with prefetches, rendered through
``works/_blurb_parts.html``, and stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from markupsafe import Markup

from chapterhouse.web.caches import html_cache

from ..models import Creatorship, Gift, SeriesWork
from .listing import Blurb, blurb, tags_of
from .visibility import anonymous_among_named_q, works_visible_to

GUEST, MEMBER, ADMIN = "guest", "member", "admin"

#: Change when the blurb's HTML changes shape, so older copies are not used.
TEMPLATE_VERSION = 2

#: Where a cached copy's hit count goes: the last thing in the blurb's tail,
#: so the last occurrence is replaced (no escaping changes the mark).
HITS_MARK = "\x00hits\x00"

_COLUMNS = (
    "pk", "version", "title", "summary", "language", "word_count", "posted_chapter_count",
    "expected_chapters", "complete", "restricted", "anonymous", "hidden_by_admin", "posted",
    "hit_count", "kudos_count", "comment_count", "bookmark_count", "revised_at", "created_at",
)


def viewer_class(viewer) -> str:
    if not getattr(viewer, "is_authenticated", False):
        return GUEST
    return ADMIN if getattr(viewer, "is_staff", False) else MEMBER


class WorkRow:
    """The columns of a work a blurb shows, read as plain values."""

    __slots__ = _COLUMNS

    def __init__(self, row) -> None:
        for name, value in zip(_COLUMNS, row, strict=True):
            setattr(self, name, value)

    @property
    def id(self) -> int:
        return self.pk

    @property
    def chapters_display(self) -> str:
        expected = "?" if self.expected_chapters is None else str(self.expected_chapters)
        return f"{self.posted_chapter_count}/{expected}"


class _Named:
    __slots__ = ("username",)

    def __init__(self, username) -> None:
        self.username = username


class _Pseud:
    __slots__ = ("name", "user", "user_id")

    def __init__(self, name, user_id, username) -> None:
        self.name, self.user_id, self.user = name, user_id, _Named(username)


@dataclass(slots=True)
class _Credit:
    pseud: _Pseud


@dataclass(slots=True)
class _Gift:
    recipient: _Named | None
    recipient_name: str


@dataclass(slots=True)
class _SeriesRef:
    pk: int
    title: str


@dataclass(slots=True)
class _Part:
    position: int
    series: _SeriesRef


class RenderedBlurb:
    """A blurb from the cache: ``html(hide_warnings, hide_freeform)`` for this
    reader, with ``hit_count`` (read by the listing's query) in its place."""

    __slots__ = ("hit_count", "parts", "work_id")

    def __init__(self, work_id: int, parts: tuple[str, ...], hit_count: int = 0) -> None:
        self.work_id, self.parts, self.hit_count = work_id, parts, hit_count

    def html(self, hide_warnings: bool = False, hide_freeform: bool = False) -> Markup:
        head, warnings, folded_warnings, middle, freeforms, folded_freeforms, tail = self.parts
        before, mark, after = tail.rpartition(HITS_MARK)
        if mark:
            tail = f"{before}{self.hit_count:,}{after}"
        # Every piece is the output of an autoescaping template (render_parts),
        # and the number is digits and commas.
        return Markup("".join((  # noqa: S704
            head, folded_warnings if hide_warnings else warnings, middle,
            folded_freeforms if hide_freeform else freeforms, tail,
        )))


def _key(work_id: int, version: int, kind: str) -> str:
    return f"blurb:{TEMPLATE_VERSION}:{settings.TIME_ZONE}:{work_id}:{version}:{kind}"


_parts_module = None


def _parts():
    global _parts_module
    if _parts_module is None:
        from django.template import engines

        env = engines["jinja2"].env
        _parts_module = env.get_template("works/_blurb_parts.html").module
    return _parts_module


def render_parts(b: Blurb, kind: str) -> tuple[str, ...]:
    """The seven pieces of ``b``'s inside as ``kind`` sees it (nobody's own),
    with ``HITS_MARK`` for the hit count."""
    parts = _parts()
    return (
        str(parts.head(b, kind == ADMIN)),
        str(parts.warnings(b, False)), str(parts.warnings(b, True)),
        str(parts.middle(b)),
        str(parts.freeforms(b, False)), str(parts.freeforms(b, True)),
        str(parts.tail(b, HITS_MARK)),
    )


def blurbs_of_rows(rows: list[WorkRow]) -> list[Blurb]:
    """Full blurbs for ``rows`` from plain values: four queries for any number."""
    if not rows:
        return []
    ids = [row.pk for row in rows]
    credits: dict[int, list] = {pk: [] for pk in ids}
    for work_id, name, user_id, username in (
        Creatorship.objects.filter(work_id__in=ids, accepted=True).order_by("position", "pk")
        .values_list("work_id", "pseud__name", "pseud__user_id", "pseud__user__username")
    ):
        credits[work_id].append(_Credit(_Pseud(name, user_id, username)))
    parts: dict[int, list] = {pk: [] for pk in ids}
    # An anonymous work beside named ones shows no series (visibility.md).
    for work_id, position, series_id, title in (
        SeriesWork.objects.filter(work_id__in=ids).exclude(anonymous_among_named_q())
        .order_by("series_id").values_list("work_id", "position", "series_id", "series__title")
    ):
        parts[work_id].append(_Part(position, _SeriesRef(series_id, title)))
    gifts: dict[int, list] = {pk: [] for pk in ids}
    for work_id, username, name in (
        Gift.objects.filter(work_id__in=ids, refused=False).order_by("created_at", "pk")
        .values_list("work_id", "recipient__username", "recipient_name")
    ):
        gifts[work_id].append(_Gift(_Named(username) if username else None, name))
    tags = tags_of(rows)
    return [
        blurb(row, tags[row.pk], creators=credits[row.pk], series=parts[row.pk],
              gifts=gifts[row.pk])
        for row in rows
    ]


def listing_blurbs(*, viewer, work_ids, queryset=None) -> list:
    """The blurbs of ``work_ids`` (in that order) that ``viewer`` may see:
    ``RenderedBlurb`` from the cache, or a full ``Blurb`` for a work of her
    own. ``queryset`` narrows the works further (default: posted works)."""
    work_ids = list(work_ids)
    if not work_ids:
        return []
    base = works_visible_to(viewer, queryset).filter(pk__in=work_ids)
    if queryset is None:
        base = base.filter(posted=True)
    rows = {row[0]: WorkRow(row) for row in base.order_by().values_list(*_COLUMNS)}
    kind = viewer_class(viewer)
    me = viewer.pk if getattr(viewer, "is_authenticated", False) else None
    keys = {pk: _key(pk, row.version, kind) for pk, row in rows.items()}
    cached = html_cache.get_many(list(keys.values()))
    shown: dict[int, object] = {}
    missing = []
    for pk, row in rows.items():
        entry = cached.get(keys[pk])
        if entry is not None and me not in entry[0]:
            shown[pk] = RenderedBlurb(pk, entry[1], row.hit_count)
        else:
            missing.append(row)
    fresh = {}
    for b in blurbs_of_rows(missing):
        creator_ids = tuple(c.pseud.user_id for c in b.creators)
        parts = render_parts(b, kind)
        fresh[keys[b.work.pk]] = (creator_ids, parts)
        shown[b.work.pk] = b if me is not None and me in creator_ids else RenderedBlurb(
            b.work.pk, parts, b.work.hit_count
        )
    html_cache.set_many(fresh)
    return [shown[pk] for pk in work_ids if pk in shown]
