"""The column store: every posted work as a row of NumPy arrays.

Filters, visibility, mutes, facet counts and sorting all run here, over
arrays indexed by row, so their cost depends on how many works match, not
on how many queries a database would need. Exact by construction: a facet
count is a ``bincount`` of the matched rows' filter tags.

Rows are appended; an updated work gets a new row and its old row is marked
dead, so readers never see a half-written row. ``compacted()`` drops the dead
rows (the indexer does it when it saves a snapshot).

Multi-valued columns (filter tags, creators) are kept twice: row → values
(CSR: ``off``/``val``) for counting facets, and value → rows (an inverted
index built on demand, plus the rows appended since) for filtering.
"""

from __future__ import annotations

import datetime as dt
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .documents import Document

RESTRICTED, HIDDEN, ANONYMOUS, COMPLETE, CROSSOVER, SINGLE = 1, 2, 4, 8, 16, 32

_EPOCH = dt.date(1970, 1, 1)
MULTI_COLUMNS = ("tags", "users", "pseuds", "owners")


def _grow(array: np.ndarray, size: int, fill=0) -> np.ndarray:
    if size <= len(array):
        return array
    bigger = np.full(max(size, int(len(array) * 1.5) + 1024), fill, dtype=array.dtype)
    bigger[: len(array)] = array
    return bigger


class Multi:
    """A multi-valued int column: row → values, and value → rows."""

    def __init__(self) -> None:
        self.off = np.zeros(1, dtype=np.int64)  # off[r]..off[r+1] are row r's values
        self.val = np.zeros(0, dtype=np.int32)
        self.size = 0  # values used
        self.rows = 0
        self._inv_keys = np.zeros(0, dtype=np.int32)
        self._inv_start = np.zeros(1, dtype=np.int64)
        self._inv_rows = np.zeros(0, dtype=np.int32)
        self._inv_upto = 0  # rows below this are in the inverted arrays
        self._delta: dict[int, list[int]] = {}
        self.bulk = False  # during a full build: no per-row inverted updates

    def append(self, row: int, values: list[int]) -> None:
        assert row == self.rows
        end = self.size + len(values)
        self.val = _grow(self.val, end)
        self.val[self.size:end] = values
        self.off = _grow(self.off, row + 2)
        self.off[row + 1] = end
        self.size = end
        self.rows = row + 1
        if self.bulk:
            return
        for value in values:
            self._delta.setdefault(int(value), []).append(row)

    def values_of(self, row: int) -> np.ndarray:
        return self.val[self.off[row]:self.off[row + 1]]

    def reindex(self) -> None:
        """Fold every row into the inverted arrays (O(values · log))."""
        vals = self.val[: self.size]
        lengths = np.diff(self.off[: self.rows + 1])
        row_of_value = np.repeat(np.arange(self.rows, dtype=np.int32), lengths)
        order = np.argsort(vals, kind="stable")
        sorted_vals = vals[order]
        keys, starts = np.unique(sorted_vals, return_index=True)
        self._inv_keys = keys.astype(np.int32)
        self._inv_start = np.append(starts, len(sorted_vals)).astype(np.int64)
        self._inv_rows = row_of_value[order]
        self._inv_upto = self.rows
        self._delta = {}

    def rows_with(self, value: int) -> np.ndarray:
        """Rows holding ``value`` (dead rows included: the caller masks them)."""
        found = np.zeros(0, dtype=np.int32)
        i = np.searchsorted(self._inv_keys, value)
        if i < len(self._inv_keys) and self._inv_keys[i] == value:
            found = self._inv_rows[self._inv_start[i]:self._inv_start[i + 1]]
        extra = self._delta.get(int(value))
        if extra:
            found = np.concatenate([found, np.asarray(extra, dtype=np.int32)])
        return found

    def gather(self, rows: np.ndarray) -> np.ndarray:
        """All values of ``rows``, concatenated."""
        if len(rows) == 0:
            return np.zeros(0, dtype=np.int32)
        starts = self.off[rows]
        lengths = self.off[rows + 1] - starts
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int32)
        # Index of every value: each row's start, then +0, +1, … within the row.
        shifts = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        return self.val[shifts + np.arange(total)]

    def maybe_reindex(self) -> None:
        if not self.bulk and self.rows - self._inv_upto > 50_000:
            self.reindex()


@dataclass
class RowInfo:
    tags: np.ndarray
    flags: int


class Store:
    """All posted works, one row each (see the module docstring)."""

    INT_COLUMNS = ("words", "chapters", "hits", "kudos", "comments", "bookmarks", "published")

    def __init__(self) -> None:
        self.n = 0
        self.work_id = np.zeros(0, dtype=np.int64)
        self.alive = np.zeros(0, dtype=bool)
        self.flags = np.zeros(0, dtype=np.uint8)
        self.lang = np.zeros(0, dtype=np.int16)
        self.revised = np.zeros(0, dtype=np.int64)  # epoch microseconds
        for name in self.INT_COLUMNS:  # published: days since 1970
            setattr(self, name, np.zeros(0, dtype=np.int32))
        self.title_key: list[str] = []
        self.creator_key: list[str] = []
        self.tags = Multi()
        self.users = Multi()
        self.pseuds = Multi()
        self.owners = Multi()  # creators' user ids, anonymous works too: only for the
        #                        creator's own view (her hidden and anonymous works)
        self.row_of = np.zeros(0, dtype=np.int32) - 1  # by work id; -1 = none
        self.languages: list[str] = []
        self._language_index: dict[str, int] = {}
        self.version = 0
        self.live_count = 0
        self.listeners: list = []  # called with (row_info, +1/-1) on each change

    # Writes --------------------------------------------------------------------

    def language_code(self, code: str) -> int:
        index = self._language_index.get(code)
        if index is None:
            index = len(self.languages)
            self.languages.append(code)
            self._language_index[code] = index
        return index

    def _remove_row(self, row: int) -> None:
        if row >= 0 and self.alive[row]:
            self.alive[row] = False
            self.live_count -= 1
            info = RowInfo(tags=self.tags.values_of(row), flags=int(self.flags[row]))
            for listener in self.listeners:
                listener(info, -1)

    def remove(self, work_id: int) -> None:
        if work_id < len(self.row_of):
            self._remove_row(int(self.row_of[work_id]))
            self.row_of[work_id] = -1
            self.version += 1

    def upsert(self, doc: Document) -> None:
        if doc.work_id < len(self.row_of):
            self._remove_row(int(self.row_of[doc.work_id]))
        row = self.n
        size = row + 1
        for name in ("work_id", "alive", "flags", "lang", "revised", *self.INT_COLUMNS):
            setattr(self, name, _grow(getattr(self, name), size))
        self.work_id[row] = doc.work_id
        flags = (
            RESTRICTED * doc.restricted | HIDDEN * doc.hidden | ANONYMOUS * doc.anonymous
            | COMPLETE * doc.complete | CROSSOVER * doc.crossover | SINGLE * doc.single_chapter
        )
        self.flags[row] = flags
        self.lang[row] = self.language_code(doc.language)
        self.revised[row] = round(doc.revised.timestamp() * 1_000_000)
        self.words[row] = min(doc.words, 2**31 - 1)
        self.chapters[row] = doc.chapters
        self.hits[row] = min(doc.hits, 2**31 - 1)
        self.kudos[row] = doc.kudos
        self.comments[row] = doc.comments
        self.bookmarks[row] = doc.bookmarks
        self.published[row] = (doc.published - _EPOCH).days
        self.title_key.append(doc.title.casefold())
        self.creator_key.append(doc.creator_sort)
        self.tags.append(row, doc.filter_tag_ids)
        self.users.append(row, doc.creator_user_ids)
        self.pseuds.append(row, doc.creator_pseud_ids)
        self.owners.append(row, doc.owner_user_ids)
        self.row_of = _grow(self.row_of, doc.work_id + 1, fill=-1)
        self.row_of[doc.work_id] = row
        self.alive[row] = True
        self.n = size
        self.live_count += 1
        self.version += 1
        info = RowInfo(tags=self.tags.values_of(row), flags=flags)
        for listener in self.listeners:
            listener(info, +1)
        for multi in (self.tags, self.users, self.pseuds, self.owners):
            multi.maybe_reindex()

    def apply(self, documents: dict[int, Document | None]) -> None:
        for work_id, doc in documents.items():
            if doc is None:
                self.remove(work_id)
            else:
                self.upsert(doc)

    # Reads ---------------------------------------------------------------------

    def live_rows(self) -> np.ndarray:
        return np.flatnonzero(self.alive[: self.n]).astype(np.int32)

    def rows_for_work_ids(self, work_ids: np.ndarray) -> np.ndarray:
        work_ids = work_ids[(work_ids >= 0) & (work_ids < len(self.row_of))]
        rows = self.row_of[work_ids]
        return rows[rows >= 0]

    # Snapshots ------------------------------------------------------------------

    def compacted(self) -> Store:
        """A copy without dead rows, with fresh inverted indexes."""
        fresh = Store()
        rows = self.live_rows()
        fresh.n = len(rows)
        for name in ("work_id", "flags", "lang", "revised", *self.INT_COLUMNS):
            setattr(fresh, name, getattr(self, name)[rows].copy())
        fresh.alive = np.ones(fresh.n, dtype=bool)
        fresh.title_key = [self.title_key[r] for r in rows]
        fresh.creator_key = [self.creator_key[r] for r in rows]
        for name in MULTI_COLUMNS:
            old: Multi = getattr(self, name)
            new = Multi()
            lengths = old.off[rows + 1] - old.off[rows]
            new.off = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
            new.val = old.gather(rows).astype(np.int32)
            new.size = len(new.val)
            new.rows = fresh.n
            new.reindex()
            setattr(fresh, name, new)
        fresh.row_of = np.full(len(self.row_of), -1, dtype=np.int32)
        fresh.row_of[fresh.work_id] = np.arange(fresh.n, dtype=np.int32)
        fresh.languages = list(self.languages)
        fresh._language_index = dict(self._language_index)
        fresh.live_count = fresh.n
        fresh.version = self.version + 1
        return fresh

    def start_build(self) -> None:
        for multi in (self.tags, self.users, self.pseuds, self.owners):
            multi.bulk = True

    def finish_build(self) -> None:
        for multi in (self.tags, self.users, self.pseuds, self.owners):
            multi.bulk = False
            multi.reindex()

    def save(self, path: Path, *, extra_arrays: dict | None = None) -> None:
        """Write a compacted copy to ``path`` (a .npz beside a .pkl), with the
        inverted indexes, so a new process starts without sorting anything."""
        store = self.compacted()
        arrays = dict(extra_arrays or {})
        arrays |= {
            name: getattr(store, name)
            for name in ("work_id", "flags", "lang", "revised", *self.INT_COLUMNS, "row_of")
        }
        for name in MULTI_COLUMNS:
            multi: Multi = getattr(store, name)
            arrays[f"{name}_off"] = multi.off[: multi.rows + 1]
            arrays[f"{name}_val"] = multi.val[: multi.size]
            arrays[f"{name}_inv_keys"] = multi._inv_keys
            arrays[f"{name}_inv_start"] = multi._inv_start
            arrays[f"{name}_inv_rows"] = multi._inv_rows
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, **arrays)
        tmp.replace(path.with_suffix(".npz"))
        extra = path.with_suffix(".tmp.pkl")
        with open(extra, "wb") as out:
            pickle.dump(
                {"title_key": store.title_key, "creator_key": store.creator_key,
                 "languages": store.languages},
                out, protocol=pickle.HIGHEST_PROTOCOL,
            )
        extra.replace(path.with_suffix(".pkl"))

    @classmethod
    def load(cls, path: Path, *, extra_arrays: dict | None = None) -> Store:
        """A store from ``save``; ``extra_arrays`` (a dict) receives the arrays
        saved beside it."""
        store = cls()
        with np.load(path.with_suffix(".npz")) as data:
            if extra_arrays is not None:
                for name in data.files:
                    if name.startswith("extra_"):
                        extra_arrays[name] = data[name]
            for name in ("work_id", "flags", "lang", "revised", *cls.INT_COLUMNS, "row_of"):
                setattr(store, name, data[name])
            store.n = len(store.work_id)
            store.alive = np.ones(store.n, dtype=bool)
            for name in MULTI_COLUMNS:
                multi = Multi()
                multi.off = data[f"{name}_off"].astype(np.int64)
                multi.val = data[f"{name}_val"].astype(np.int32)
                multi.size = len(multi.val)
                multi.rows = store.n
                multi._inv_keys = data[f"{name}_inv_keys"]
                multi._inv_start = data[f"{name}_inv_start"]
                multi._inv_rows = data[f"{name}_inv_rows"]
                multi._inv_upto = store.n
                setattr(store, name, multi)
        with open(path.with_suffix(".pkl"), "rb") as source:
            extra = pickle.load(source)  # noqa: S301 - our own snapshot file
        store.title_key = extra["title_key"]
        store.creator_key = extra["creator_key"]
        store.languages = extra["languages"]
        store._language_index = {code: i for i, code in enumerate(store.languages)}
        store.live_count = store.n
        return store
