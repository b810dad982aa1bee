"""AO3's listing and search parameters, to a ``WorkQuery`` and back.

``work_query_from_params`` reads the filter sidebar's parameters
(``work_search[...]``, ``include_work_search[...][]``,
``exclude_work_search[...][]``) and the search form's (``work_search[title]``,
``work_search[kudos_count]``, ``work_search[revised_at]`` …), including the
older spellings AO3 links still carry. It never raises on what a reader typed:
a value it cannot use is left out and explained in ``WorkQuery.errors``.

``work_query_to_params`` writes a query back as parameters, so pagination
links, sort links and saved filters carry every filter. The listing's own
place (``tag_id``, ``user_id``, ``pseud_id``, ``collection_id``) is the view's to add: it comes
from the URL, not from the query.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping

from django.utils import timezone

from chapterhouse.works.languages import LANGUAGES

from .query import (
    ASCENDING_BY_DEFAULT,
    FACET_GROUPS,
    MAX_TAG_ID,
    SORT_COLUMNS,
    WorkQuery,
    parse_range,
)

#: Tag type (tags.models.TagType values) → FACET_GROUPS key.
GROUP_OF_TYPE = {
    "Rating": "rating",
    "ArchiveWarning": "archive_warning",
    "Category": "category",
    "Fandom": "fandom",
    "Character": "character",
    "Relationship": "relationship",
    "Freeform": "freeform",
    "UnsortedTag": "freeform",
}

#: The search form's name fields, all of which include tags by name.
NAME_FIELDS = ("other_tag_names", "fandom_names", "character_names", "relationship_names",
               "freeform_names")

#: The search form's range fields: parameter → (WorkQuery field, what the reader calls it).
RANGE_FIELDS = {
    "word_count": ("words", "Word count"),
    "hits": ("hits", "Hits"),
    "kudos_count": ("kudos", "Kudos"),
    "comments_count": ("comments", "Comments"),
    "bookmarks_count": ("bookmarks", "Bookmarks"),
}

_TRUE = {"t", "true", "1", "yes", "on"}
_FALSE = {"f", "false", "no"}
# "0" and "" mean "either": AO3's unticked checkboxes send "0".
_EITHER = {"", "0"}

_RELATIVE_DATE = re.compile(
    r"^(?P<op>[<>]?)\s*(?P<amount>[0-9]{1,9}(?:\s*-\s*[0-9]{1,9})?)\s*"
    r"(?P<period>year|month|week|day|hour)s?(?:\s+ago)?$"
)


_DIGITS = re.compile(r"[0-9]+")
#: Longer numbers than this are no count of anything (and Python refuses to
#: read numbers of thousands of digits).
_MAX_DIGITS = 30


def _shown(text: str, limit: int = 40) -> str:
    """What the reader typed, cut short for a message."""
    return text if len(text) <= limit else text[:limit] + "…"


def ws(name: str) -> str:
    """``work_search[name]``"""
    return f"work_search[{name}]"


# Reading ----------------------------------------------------------------------------


def _getlist(params, key: str) -> list[str]:
    if hasattr(params, "getlist"):
        values = params.getlist(key)
    else:
        value = params.get(key)
        values = [] if value is None else value if isinstance(value, list | tuple) else [value]
    return [str(v) for v in values]


def _value(params, *keys: str) -> str:
    """The last non-blank value under the first of ``keys`` that has one."""
    for key in keys:
        values = [v.strip() for v in _getlist(params, key) if v.strip()]
        if values:
            return values[-1]
    return ""


def _values(params, *keys: str) -> list[str]:
    return [v.strip() for key in keys for v in _getlist(params, key) if v.strip()]


def _clean_brackets(text: str) -> str:
    return text.replace("&gt;", ">").replace("&lt;", "<")


class _Reader:
    """Collects messages while fields are read."""

    def __init__(self, params):
        self.params = params
        self.errors: list[str] = []
        self.impossible = False  # an included tag id that no tag can have

    def error(self, message: str) -> None:
        if message not in self.errors:
            self.errors.append(message)

    # ids ---------------------------------------------------------------------------

    def ids(self, *keys: str, include: bool) -> list[int]:
        """Tag ids under ``keys``. An id past ``MAX_TAG_ID`` is one no tag has,
        answered as an unknown id is: included, nothing matches; excluded,
        nothing is left out."""
        found: list[int] = []
        for value in _values(self.params, *keys):
            for part in value.split(","):
                part = part.strip()
                if not part:
                    continue
                shown = _shown(part)
                if not _DIGITS.fullmatch(part) or not part.strip("0"):
                    self.error(f"“{shown}” is not a tag id, so that tag filter was left out.")
                elif len(part) > 10 or int(part) > MAX_TAG_ID:
                    if include:
                        self.impossible = True
                        self.error(f"No tag has the id “{shown}”, so no work can include it.")
                    else:
                        self.error(f"No tag has the id “{shown}”; nothing was excluded for it.")
                else:
                    found.append(int(part))
        return found

    # names -------------------------------------------------------------------------

    def names(self, *keys: str) -> list[str]:
        return split_names(_values(self.params, *keys))

    # yes / no ----------------------------------------------------------------------

    def yes_no(self, key: str, label: str) -> bool | None:
        value = _value(self.params, key).lower()
        if value in _EITHER:
            return None
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        self.error(f"{label}: “{value}” is neither T nor F, so it was left out.")
        return None

    # numbers -----------------------------------------------------------------------

    def whole_number(self, key: str, label: str) -> int | None:
        raw = _value(self.params, key)
        if not raw:
            return None
        value = raw.translate({ord(c): None for c in ",._ "})
        if _DIGITS.fullmatch(value) and len(value) <= _MAX_DIGITS:
            return int(value)
        self.error(f"{label}: “{raw}” is not a whole number, so it was left out.")
        return None

    def range(self, key: str, label: str):
        raw = _clean_brackets(_value(self.params, key))
        if not raw:
            return None
        found = parse_range(raw)
        if found is None:
            self.error(
                f"{label}: “{raw}” is not a number or range (try 1000, >1000, <100 or "
                "100-500), so it was left out."
            )
        return found

    # dates -------------------------------------------------------------------------

    def date(self, key: str, label: str) -> dt.date | None:
        raw = _value(self.params, key)
        if not raw:
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            self.error(f"{label}: “{raw}” is not a date like 2024-03-31, so it was left out.")
            return None

    def relative_dates(self, key: str, today: dt.date, now: dt.datetime):
        raw = _value(self.params, key)
        if not raw:
            return None
        found = relative_date_range(raw, today=today, now=now)
        if found is None:
            self.error(
                f"Date: “{raw}” is not a period we understand (try “< 2 weeks”, "
                "“> 1 year”, “7 days” or “1-3 months”), so it was left out."
            )
        return found


def split_names(values: Iterable[str]) -> list[str]:
    """Comma-separated tag names, tidied, without repeats (any case), in order."""
    names: list[str] = []
    seen: set[str] = set()
    for value in values:
        for part in value.split(","):
            name = " ".join(part.split())
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                names.append(name)
    return names


def _intersect(first, second):
    """Two inclusive ranges (``None`` = open side) → the range both allow."""
    if first is None:
        return second
    if second is None:
        return first
    lows = [v for v in (first[0], second[0]) if v is not None]
    highs = [v for v in (first[1], second[1]) if v is not None]
    return (max(lows) if lows else None, min(highs) if highs else None)


def _ordered(low, high):
    if low is not None and high is not None and low > high:
        return (high, low)
    return (low, high)


# Relative dates --------------------------------------------------------------------


def _months_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    if year < 1:
        return dt.date.min
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _ago(amount: int, period: str, today: dt.date, now: dt.datetime) -> dt.date:
    try:
        if period == "hour":
            return timezone.localdate(now - dt.timedelta(hours=amount))
        if period == "day":
            return today - dt.timedelta(days=amount)
        if period == "week":
            return today - dt.timedelta(weeks=amount)
        if period == "month":
            return _months_back(today, amount)
        return _months_back(today, amount * 12)
    except OverflowError:
        return dt.date.min


def relative_date_range(text: str, *, today: dt.date | None = None,
                        now: dt.datetime | None = None):
    """AO3's relative dates for "Date" on the search form, as a range of revised
    dates: ``< 2 weeks`` (updated within the last two weeks), ``> 1 year`` (not
    updated for a year), ``1-3 months`` (between one and three months ago) and
    ``7 days`` (on that day; a week, month or year means that whole one).
    ``None`` when the text is none of these."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    value = " ".join(_clean_brackets(text).lower().split())
    match = _RELATIVE_DATE.match(value)
    if not match:
        return None
    op, period = match["op"], match["period"]
    amounts = [int(part) for part in match["amount"].replace(" ", "").split("-")]
    if len(amounts) == 2:
        if op:
            return None
        nearer, further = sorted(amounts)
        return (_ago(further, period, today, now), _ago(nearer, period, today, now))
    day = _ago(amounts[0], period, today, now)
    if op == "<":
        return (day, None)
    if op == ">":
        return (None, day)
    if period == "week":
        monday = day - dt.timedelta(days=day.weekday())
        return (monday, monday + dt.timedelta(days=6))
    if period == "month":
        return (day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1]))
    if period == "year":
        return (dt.date(day.year, 1, 1), dt.date(day.year, 12, 31))
    return (day, day)


# The query -------------------------------------------------------------------------


def _language(reader: _Reader, raw: str) -> str:
    if not raw:
        return ""
    if raw in LANGUAGES:
        return raw
    for code, name in LANGUAGES.items():
        if raw.casefold() in (code.casefold(), name.casefold()):
            return code
    reader.error(f"Language: we don't know “{raw}”, so works in every language are shown.")
    return ""


def work_query_from_params(
    querydict: Mapping,
    *,
    base: WorkQuery = WorkQuery(),  # noqa: B008 - frozen, so one shared default is safe
    search_form: bool = False,
    today: dt.date | None = None,
) -> WorkQuery:
    """The ``WorkQuery`` that AO3's parameters ask for, on top of ``base`` (the
    listing's own tag, user or language). ``search_form``: the request comes
    from the search page, where "Best Match" is a sort and the default when
    there is text to match."""
    reader = _Reader(querydict)
    now = timezone.now()
    today = today or timezone.localdate(now)
    params = querydict

    # Tags by id: each facet group, included and excluded, in every spelling AO3 used.
    rating_ids: list[int] = []
    include_ids: list[int] = []
    exclude_ids: list[int] = []
    for group, name in FACET_GROUPS.items():
        names = [name] + (["warning_ids"] if group == "archive_warning" else [])
        include_keys = [
            key
            for n in names
            for key in (f"include_work_search[{n}][]", f"include_work_search[{n}]",
                        f"work_search[{n}][]", f"work_search[{n}]")
        ]
        exclude_keys = [
            key for n in names
            for key in (f"exclude_work_search[{n}][]", f"exclude_work_search[{n}]")
        ]
        found = reader.ids(*include_keys, include=True)
        (rating_ids if group == "rating" else include_ids).extend(found)
        exclude_ids.extend(reader.ids(*exclude_keys, include=False))
    exclude_ids.extend(
        reader.ids(ws("excluded_tag_ids") + "[]", ws("excluded_tag_ids"), include=False)
    )

    include_names = reader.names(*(ws(name) for name in NAME_FIELDS))
    exclude_names = reader.names(ws("excluded_tag_names"))

    # Ranges: the sidebar's from/to fields and the search form's range fields.
    words_from = reader.whole_number(ws("words_from"), "Word count from")
    words_to = reader.whole_number(ws("words_to"), "Word count to")
    words = None
    if words_from is not None or words_to is not None:
        words = _ordered(words_from, words_to)
    ranges = {field: getattr(base, field) for field, _ in RANGE_FIELDS.values()}
    ranges["words"] = _intersect(words, ranges["words"]) if words else ranges["words"]
    for key, (field, label) in RANGE_FIELDS.items():
        found = reader.range(ws(key), label)
        if found is not None and found != (None, None):
            ranges[field] = _intersect(ranges[field], found)

    date_from = reader.date(ws("date_from"), "Date updated from")
    date_to = reader.date(ws("date_to"), "Date updated to")
    revised = base.revised
    if date_from or date_to:
        revised = _intersect(revised, _ordered(date_from, date_to))
    relative = reader.relative_dates(ws("revised_at"), today, now)
    if relative is not None:
        revised = _intersect(revised, relative)

    # A language listing's own language wins over the parameter.
    language = base.language or _language(reader, _value(params, ws("language_id")))

    query = WorkQuery(
        tag_ids=base.tag_ids,
        user_id=base.user_id,
        pseud_id=base.pseud_id,
        collection_id=base.collection_id,
        rating_ids=_unique(base.rating_ids, rating_ids),
        include_ids=_unique(base.include_ids, include_ids),
        exclude_ids=_unique(base.exclude_ids, exclude_ids),
        include_names=tuple(split_names([*base.include_names, *include_names])),
        exclude_names=tuple(split_names([*base.exclude_names, *exclude_names])),
        crossover=_either(reader.yes_no(ws("crossover"), "Crossovers"), base.crossover),
        complete=_either(reader.yes_no(ws("complete"), "Completion status"), base.complete),
        single_chapter=_either(
            reader.yes_no(ws("single_chapter"), "Single chapter"), base.single_chapter
        ),
        revised=revised,
        language=language,
        query=_clean_brackets(_value(params, ws("query"))) or base.query,
        title=_value(params, ws("title")) or base.title,
        creators=_value(params, ws("creators")) or base.creators,
        **ranges,
    )

    # Order last: the search page's default depends on whether there is text.
    column = _value(params, ws("sort_column"))
    direction = _value(params, ws("sort_direction")).lower()
    if column and column not in SORT_COLUMNS:
        reader.error(f"Sort by: “{column}” is not something works can be sorted by.")
        column = ""
    elif column == "_score" and not search_form:
        reader.error("Best Match sorts search results only; these works are sorted by date.")
        column = ""
    if column == "_score" and not query.has_text:
        column = ""  # nothing to match, so nothing to rank by
    if not column:
        column = "_score" if search_form and query.has_text else base.sort_column
        if not direction and column == base.sort_column:
            direction = base.sort_direction
    if direction not in ("asc", "desc"):
        if direction:
            reader.error(f"Sort direction: “{direction}” is neither asc nor desc.")
        direction = "asc" if column in ASCENDING_BY_DEFAULT else "desc"
    return query.with_(
        sort_column=column,
        sort_direction=direction,
        impossible=base.impossible or reader.impossible,
        errors=tuple(base.errors) + tuple(reader.errors),
    )


def _unique(*groups: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted({i for group in groups for i in group}))


def _either(value, fallback):
    return fallback if value is None else value


# Writing ---------------------------------------------------------------------------


def tag_groups(tag_ids: Iterable[int]) -> dict[int, str]:
    """Each tag id's FACET_GROUPS key, from its type (one query)."""
    from chapterhouse.tags.models import Tag

    ids = set(tag_ids)
    if not ids:
        return {}
    rows = Tag.objects.filter(pk__in=ids).values_list("pk", "type")
    return {pk: GROUP_OF_TYPE.get(kind, "freeform") for pk, kind in rows}


def range_text(value) -> str:
    """An inclusive range in AO3's range syntax (``parse_range`` reads it back)."""
    low, high = value
    if low is not None and high is not None:
        return str(low) if low == high else f"{low}-{high}"
    if low is not None:
        return f">{low - 1}" if low >= 1 else f">={low}"
    if high is not None:
        return f"<{high + 1}"
    return ""


def _yes_no_text(value: bool | None) -> str:
    return "" if value is None else "T" if value else "F"


def work_query_to_params(
    q: WorkQuery, *, groups: Mapping[int, str] | None = None, default_sort: str | None = None
) -> list[tuple[str, str]]:
    """``q`` as AO3 parameters, in the sidebar's spelling. ``groups`` (tag id →
    FACET_GROUPS key) names the group of each included or excluded id; without
    it they are looked up. ``default_sort``: the page's own order, left out of
    the parameters when ``q`` uses it (so plain listings keep plain links)."""
    if groups is None:
        groups = tag_groups([*q.include_ids, *q.exclude_ids])
    params: list[tuple[str, str]] = []
    default_direction = "asc" if q.sort_column in ASCENDING_BY_DEFAULT else "desc"
    if q.sort_column != default_sort or q.sort_direction != default_direction:
        params.append((ws("sort_column"), q.sort_column))
    if q.sort_direction != default_direction:
        params.append((ws("sort_direction"), q.sort_direction))
    for tag_id in q.rating_ids:
        params.append(("include_work_search[rating_ids][]", str(tag_id)))
    for prefix, ids in (("include", q.include_ids), ("exclude", q.exclude_ids)):
        for tag_id in ids:
            group = groups.get(tag_id, "freeform")
            params.append((f"{prefix}_work_search[{FACET_GROUPS[group]}][]", str(tag_id)))
    if q.include_names:
        params.append((ws("other_tag_names"), ", ".join(q.include_names)))
    if q.exclude_names:
        params.append((ws("excluded_tag_names"), ", ".join(q.exclude_names)))
    if q.crossover is not None:
        params.append((ws("crossover"), _yes_no_text(q.crossover)))
    if q.complete is not None:
        params.append((ws("complete"), _yes_no_text(q.complete)))
    if q.single_chapter is not None:
        params.append((ws("single_chapter"), "1" if q.single_chapter else "F"))
    low, high = q.words
    if low is not None:
        params.append((ws("words_from"), str(low)))
    if high is not None:
        params.append((ws("words_to"), str(high)))
    for key, (field, _) in RANGE_FIELDS.items():
        if field != "words" and getattr(q, field) != (None, None):
            params.append((ws(key), range_text(getattr(q, field))))
    date_from, date_to = q.revised
    if date_from is not None:
        params.append((ws("date_from"), date_from.isoformat()))
    if date_to is not None:
        params.append((ws("date_to"), date_to.isoformat()))
    if q.language:
        params.append((ws("language_id"), q.language))
    for field in ("query", "title", "creators"):
        if getattr(q, field):
            params.append((ws(field), getattr(q, field)))
    return params


__all__ = [
    "GROUP_OF_TYPE",
    "relative_date_range",
    "split_names",
    "tag_groups",
    "work_query_from_params",
    "work_query_to_params",
    "ws",
]
