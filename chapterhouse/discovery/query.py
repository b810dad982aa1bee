"""What a reader asks a listing or a search for, in one value.

Views turn AO3's parameters (``work_search[...]``, ``include_work_search[...]``,
``exclude_work_search[...]``, ``tag_id``) into a ``WorkQuery`` (see
``params.py``); ``selectors.search_works`` answers it. Nothing here touches the
database or the index.

Semantics (AO3's, written down):

- ``collection_id``: a collection's listing (``/collections/N/works``,
  ``collection_id=N``): works approved in it by their creators and by its
  maintainers.
- ``tag_ids``: the listing's own tags (``/tags/NAME/works``, ``tag_id=``); a
  work must be listed under every one of them.
- ``rating_ids``: a work has one rating, so ratings are alternatives (OR).
- ``include_ids``: every other included tag must be there (AND).
- ``exclude_ids``: none of them may be there.
- ``include_names`` / ``exclude_names``: tags typed by name (other tags to
  include/exclude, and the search form's ``*_names``); resolved to tags by the
  selector, which reports names it does not know.
- Ranges are inclusive ``(low, high)``; ``None`` on a side means open.
- ``query``, ``title``, ``creators``: text in AO3's search syntax (quoted
  phrases, AND/OR/NOT, field prefixes, numeric ranges such as
  ``kudos_count:>100``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

#: AO3's sort columns and the names the sidebar shows.
SORT_COLUMNS: dict[str, str] = {
    "_score": "Best Match",
    "authors_to_sort_on": "Creator",
    "title_to_sort_on": "Title",
    "created_at": "Date Posted",
    "revised_at": "Date Updated",
    "word_count": "Word Count",
    "hits": "Hits",
    "kudos_count": "Kudos",
    "comments_count": "Comments",
    "bookmarks_count": "Bookmarks",
}
#: Columns sorted A→Z by default; the rest are sorted highest/newest first.
ASCENDING_BY_DEFAULT = frozenset({"authors_to_sort_on", "title_to_sort_on"})

#: Facet groups in the order the sidebar shows them, with AO3's parameter names.
FACET_GROUPS: dict[str, str] = {
    "rating": "rating_ids",
    "archive_warning": "archive_warning_ids",
    "category": "category_ids",
    "fandom": "fandom_ids",
    "character": "character_ids",
    "relationship": "relationship_ids",
    "freeform": "freeform_ids",
}

#: The largest tag id a filter can name: the search index holds tag ids as
#: 32-bit integers. A larger id is one no tag has (see ``params.py``).
MAX_TAG_ID = 2**31 - 1

Range = tuple[int | None, int | None]
DateRange = tuple[dt.date | None, dt.date | None]


@dataclass(frozen=True)
class WorkQuery:
    # Whose and where.
    tag_ids: tuple[int, ...] = ()
    user_id: int | None = None
    pseud_id: int | None = None
    collection_id: int | None = None  # a collection's listing (approved items only)
    # Tag filters.
    rating_ids: tuple[int, ...] = ()
    include_ids: tuple[int, ...] = ()
    exclude_ids: tuple[int, ...] = ()
    include_names: tuple[str, ...] = ()
    exclude_names: tuple[str, ...] = ()
    # Yes/no filters: None means either.
    crossover: bool | None = None
    complete: bool | None = None
    single_chapter: bool | None = None
    # Ranges.
    words: Range = (None, None)
    hits: Range = (None, None)
    kudos: Range = (None, None)
    comments: Range = (None, None)
    bookmarks: Range = (None, None)
    revised: DateRange = (None, None)
    language: str = ""
    # Text.
    query: str = ""
    title: str = ""
    creators: str = ""
    # Order.
    sort_column: str = "revised_at"
    sort_direction: str = "desc"
    # An included tag id no tag can have (past MAX_TAG_ID): nothing matches.
    impossible: bool = False
    # Extra, not from the reader: leave out works not posted since this id.
    errors: tuple[str, ...] = field(default=(), compare=False)

    @property
    def has_text(self) -> bool:
        return bool(self.query.strip() or self.title.strip() or self.creators.strip())

    def with_(self, **changes) -> WorkQuery:
        return replace(self, **changes)


def parse_range(text: str) -> Range | None:
    """AO3's range syntax: ``>1000``, ``<1000``, ``>=5``, ``100-500``, ``1000``.
    ``None`` when it is not one (the caller reports it); commas are allowed."""
    value = (text or "").strip().replace(",", "").replace(" ", "")
    if not value:
        return (None, None)
    try:
        if value.startswith(">="):
            return (int(value[2:]), None)
        if value.startswith("<="):
            return (None, int(value[2:]))
        if value.startswith(">"):
            return (int(value[1:]) + 1, None)
        if value.startswith("<"):
            return (None, int(value[1:]) - 1)
        if "-" in value.strip("-"):
            low, high = value.split("-", 1)
            low_n, high_n = int(low), int(high)
            return (min(low_n, high_n), max(low_n, high_n))
        number = int(value)
        return (number, number)
    except ValueError:
        return None
