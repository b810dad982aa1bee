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

A saved store is a directory of ``.npy`` files that ``load`` maps into memory
(copy-on-write) instead of reading: every process of a node that loads the
same snapshot shares one copy of its pages through the OS page cache. The
files carry spare rows at the end, so a process appends its own new rows
and marks its dead ones in place; only the pages it writes become its own.
When a process outgrows the spare rows, the column is copied into its own
memory (``_grow``) until the next snapshot is mapped.

Title and creator sort keys are ``SortKey``s: integer ranks in NumPy, not
Python strings, so they are shared with the other columns and cost the
garbage collector nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import mmap
import pickle
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .documents import Document

RESTRICTED, HIDDEN, ANONYMOUS, COMPLETE, CROSSOVER, SINGLE = 1, 2, 4, 8, 16, 32

_EPOCH = dt.date(1970, 1, 1)
MULTI_COLUMNS = ("tags", "users", "pseuds", "owners", "collections")


def _grow(array: np.ndarray, size: int, fill=0) -> np.ndarray:
    if size <= len(array):
        return array
    bigger = np.full(max(size, int(len(array) * 1.5) + 1024), fill, dtype=array.dtype)
    bigger[: len(array)] = array
    return bigger


def _headroom(n: int) -> int:
    """Spare rows written after a snapshot's last row, for the rows a process
    adds before the next snapshot."""
    return max(4096, n // 8)


def _padded(array: np.ndarray, capacity: int, fill=0) -> np.ndarray:
    if capacity <= len(array):
        return array
    padded = np.full(capacity, fill, dtype=array.dtype)
    padded[: len(array)] = array
    return padded


def _map(directory: Path, name: str) -> np.ndarray:
    """A saved array, mapped copy-on-write: reads share the page cache with
    every other process mapping the file; a write copies only its page."""
    path = directory / f"{name}.npy"
    array = np.load(path, mmap_mode="r")
    if array.size == 0:
        return np.array(array)
    return np.load(path, mmap_mode="c").view(np.ndarray)


def is_mapped(array: np.ndarray) -> bool:
    """Whether ``array``'s memory is a mapped file (not this process's heap)."""
    base = array
    while base is not None:
        if isinstance(base, mmap.mmap):
            return True
        base = getattr(base, "base", None)
    return False


def _gather_segments(buffer: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``buffer[starts[i]:starts[i] + lengths[i]]`` for every i, concatenated."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=buffer.dtype)
    shifts = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return buffer[shifts + np.arange(total)]


def _encode(text: str) -> bytes:
    # UTF-8 bytes compare in the same order as the code points Python compares.
    return text.encode("utf-8", "surrogatepass")


class SortKey:
    """A text sort key (casefolded title, first creator) for every row, as
    integers: ``rank[row]`` is ``2 * i`` when the row's text is the i-th of the
    snapshot's distinct texts (kept sorted as UTF-8 in ``blob``), and ``2 * i - 1``
    for a text added since that sorts between the (i-1)-th and the i-th. Rows
    with such a new text keep it in ``fresh``, to order them among themselves;
    a snapshot folds them in again (``compacted``)."""

    def __init__(self) -> None:
        self.rank = np.zeros(0, dtype=np.int32)
        self.blob = np.zeros(0, dtype=np.uint8)
        self.starts = np.zeros(1, dtype=np.int64)
        self.fresh: dict[int, str] = {}

    @property
    def distinct(self) -> int:
        return len(self.starts) - 1

    def _base(self, i: int) -> bytes:
        return self.blob[self.starts[i]:self.starts[i + 1]].tobytes()

    def set(self, row: int, text: str) -> None:
        self.rank = _grow(self.rank, row + 1)
        raw = _encode(text)
        low, high = 0, self.distinct
        while low < high:
            middle = (low + high) // 2
            if self._base(middle) < raw:
                low = middle + 1
            else:
                high = middle
        if low < self.distinct and self._base(low) == raw:
            self.rank[row] = 2 * low
            self.fresh.pop(row, None)
        else:
            self.rank[row] = 2 * low - 1
            self.fresh[row] = text

    def text(self, row: int) -> str:
        rank = int(self.rank[row])
        if rank % 2:
            return self.fresh[row]
        return self._base(rank // 2).decode("utf-8", "surrogatepass")

    def order(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """The rows' ranks, and (when some rows hold new texts) a second key
        that orders the rows holding new texts among themselves."""
        rank = self.rank[rows].astype(np.int64)
        odd = np.flatnonzero(rank & 1)
        if len(odd) == 0:
            return rank, None
        texts = [self.fresh[int(row)] for row in rows[odd]]
        position = {text: i for i, text in enumerate(sorted(set(texts)))}
        second = np.zeros(len(rows), dtype=np.int64)
        second[odd] = [position[text] for text in texts]
        return rank, second

    def compacted(self, rows: np.ndarray) -> SortKey:
        """The keys of ``rows`` (new row i is old row ``rows[i]``), with every
        text among the sorted distinct texts again."""
        rank = self.rank[rows].astype(np.int64)
        even = (rank & 1) == 0
        used = np.unique(rank[even] // 2)  # the snapshot's texts still in use, sorted
        new_rows = rows[~even]
        new_texts = [self.fresh[int(row)] for row in new_rows]
        gap_of = dict(zip(new_texts, ((rank[~even] + 1) // 2).tolist(), strict=True))
        added = sorted(gap_of)
        added_index = {text: i for i, text in enumerate(added)}
        # Merge: a new text comes just before the snapshot's text its gap names.
        primary = np.concatenate([used, np.array([gap_of[t] for t in added], dtype=np.int64)])
        second = np.concatenate([np.ones(len(used), dtype=np.int64),
                                 np.zeros(len(added), dtype=np.int64)])
        third = np.concatenate([np.zeros(len(used), dtype=np.int64),
                                np.arange(len(added), dtype=np.int64)])
        merged = np.lexsort((third, second, primary))
        position = np.empty(len(merged), dtype=np.int64)
        position[merged] = np.arange(len(merged))
        # The bytes: the used texts, then the added ones, gathered in merged order.
        used_lengths = self.starts[used + 1] - self.starts[used]
        encoded = [_encode(t) for t in added]
        source = np.concatenate([
            _gather_segments(self.blob, self.starts[used], used_lengths),
            np.frombuffer(b"".join(encoded), dtype=np.uint8),
        ])
        lengths = np.concatenate([used_lengths,
                                  np.array([len(e) for e in encoded], dtype=np.int64)])
        source_starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        fresh = SortKey()
        fresh.blob = _gather_segments(source, source_starts[merged], lengths[merged])
        fresh.starts = np.concatenate([[0], np.cumsum(lengths[merged])]).astype(np.int64)
        new_rank = np.empty(len(rows), dtype=np.int64)
        new_rank[even] = 2 * position[np.searchsorted(used, rank[even] // 2)]
        new_rank[~even] = 2 * position[
            len(used) + np.array([added_index[t] for t in new_texts], dtype=np.int64)
        ]
        fresh.rank = new_rank.astype(np.int32)
        return fresh


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

    @classmethod
    def empty(cls, rows: int) -> Multi:
        """``rows`` rows holding no values."""
        multi = cls()
        multi.off = np.zeros(rows + 1, dtype=np.int64)
        multi.rows = rows
        multi._inv_upto = rows
        return multi

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
        self.title_key = SortKey()
        self.creator_key = SortKey()
        self.tags = Multi()
        self.users = Multi()
        self.pseuds = Multi()
        self.owners = Multi()  # creators' user ids, anonymous works too: only for the
        #                        creator's own view (her hidden and anonymous works)
        self.collections = Multi()  # the collections it is approved in (their ids)
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
        self.title_key.set(row, doc.title.casefold())
        self.creator_key.set(row, doc.creator_sort)
        self.tags.append(row, doc.filter_tag_ids)
        self.users.append(row, doc.creator_user_ids)
        self.pseuds.append(row, doc.creator_pseud_ids)
        self.owners.append(row, doc.owner_user_ids)
        self.collections.append(row, doc.collection_ids)
        self.row_of = _grow(self.row_of, doc.work_id + 1, fill=-1)
        self.row_of[doc.work_id] = row
        self.alive[row] = True
        self.n = size
        self.live_count += 1
        self.version += 1
        info = RowInfo(tags=self.tags.values_of(row), flags=flags)
        for listener in self.listeners:
            listener(info, +1)
        for multi in self._multis():
            multi.maybe_reindex()

    def _multis(self) -> tuple[Multi, ...]:
        return tuple(getattr(self, name) for name in MULTI_COLUMNS)

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
        fresh.title_key = self.title_key.compacted(rows)
        fresh.creator_key = self.creator_key.compacted(rows)
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
        for multi in self._multis():
            multi.bulk = True

    def finish_build(self) -> None:
        for multi in self._multis():
            multi.bulk = False
            multi.reindex()

    ROW_COLUMNS = ("work_id", "flags", "lang", "revised", *INT_COLUMNS)

    def save(self, directory: Path, *, extra_arrays: dict | None = None) -> None:
        """Write a compacted copy as the directory ``directory`` (one ``.npy``
        per array, with spare rows, and ``store.json``), inverted indexes
        included, so a new process starts without sorting anything. The
        directory appears whole or not at all."""
        store = self.compacted()
        n = store.n
        capacity = n + _headroom(n)
        tmp = directory.with_name(directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)

        def write(name: str, array: np.ndarray, size: int | None = None, fill=0) -> None:
            np.save(tmp / f"{name}.npy", _padded(np.ascontiguousarray(array), size or 0, fill))

        for name, array in (extra_arrays or {}).items():
            write(name, array)
        for name in self.ROW_COLUMNS:
            write(name, getattr(store, name), capacity)
        write("alive", store.alive, capacity)
        row_of = store.row_of[: int(store.work_id.max()) + 1 if n else 0]
        write("row_of", row_of, len(row_of) + _headroom(len(row_of)), -1)
        multis = {}
        for name in MULTI_COLUMNS:
            multi: Multi = getattr(store, name)
            write(f"{name}_off", multi.off[: multi.rows + 1], capacity + 1, multi.size)
            write(f"{name}_val", multi.val[: multi.size],
                  multi.size + _headroom(multi.size) + 16 * _headroom(n))
            write(f"{name}_inv_keys", multi._inv_keys)
            write(f"{name}_inv_start", multi._inv_start)
            write(f"{name}_inv_rows", multi._inv_rows)
            multis[name] = multi.size
        for name in ("title_key", "creator_key"):
            key: SortKey = getattr(store, name)
            write(f"{name}_rank", key.rank[:n], capacity)
            write(f"{name}_blob", key.blob)
            write(f"{name}_starts", key.starts)
        (tmp / "store.json").write_text(json.dumps({
            "rows": n, "sizes": multis, "languages": store.languages,
            "extra": sorted(extra_arrays or {}),
        }))
        if directory.exists():
            shutil.rmtree(directory)
        tmp.rename(directory)

    @classmethod
    def load(cls, directory: Path, *, extra_arrays: dict | None = None) -> Store:
        """A store from ``save``, its arrays mapped from the files (shared with
        every process that maps them); ``extra_arrays`` (a dict) receives the
        arrays saved beside it."""
        if not directory.is_dir():
            return cls.load_legacy(directory, extra_arrays=extra_arrays)
        meta = json.loads((directory / "store.json").read_text())
        store = cls()
        n = store.n = int(meta["rows"])
        if extra_arrays is not None:
            for name in meta.get("extra", ()):
                extra_arrays[name] = np.array(np.load(directory / f"{name}.npy"))
        for name in (*cls.ROW_COLUMNS, "alive", "row_of"):
            setattr(store, name, _map(directory, name))
        for name in MULTI_COLUMNS:
            if name not in meta["sizes"]:
                # A snapshot older than the column (its generation is rebuilt
                # on opening: text.SCHEMA_VERSION); until then, no values.
                setattr(store, name, Multi.empty(n))
                continue
            multi = Multi()
            multi.off = _map(directory, f"{name}_off")
            multi.val = _map(directory, f"{name}_val")
            multi.size = int(meta["sizes"][name])
            multi.rows = n
            multi._inv_keys = _map(directory, f"{name}_inv_keys")
            multi._inv_start = _map(directory, f"{name}_inv_start")
            multi._inv_rows = _map(directory, f"{name}_inv_rows")
            multi._inv_upto = n
            setattr(store, name, multi)
        for name in ("title_key", "creator_key"):
            key = SortKey()
            key.rank = _map(directory, f"{name}_rank")
            key.blob = _map(directory, f"{name}_blob")
            key.starts = _map(directory, f"{name}_starts")
            setattr(store, name, key)
        store.languages = list(meta["languages"])
        store._language_index = {code: i for i, code in enumerate(store.languages)}
        store.live_count = n
        return store

    @classmethod
    def load_legacy(cls, path: Path, *, extra_arrays: dict | None = None) -> Store:
        """A store from the older snapshot format (``columns.npz`` beside
        ``columns.pkl``), read into this process's memory; the next snapshot
        is written in the mapped format."""
        store = cls()
        with np.load(path.with_suffix(".npz")) as data:
            if extra_arrays is not None:
                for name in data.files:
                    if name.startswith("extra_"):
                        extra_arrays[name] = data[name]
            for name in (*cls.ROW_COLUMNS, "row_of"):
                setattr(store, name, data[name])
            store.n = len(store.work_id)
            store.alive = np.ones(store.n, dtype=bool)
            for name in MULTI_COLUMNS:
                if f"{name}_off" not in data.files:
                    setattr(store, name, Multi.empty(store.n))
                    continue
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
        rows = np.arange(store.n, dtype=np.int32)
        for name in ("title_key", "creator_key"):
            key = SortKey()
            for row, text in enumerate(extra[name]):
                key.set(row, text)
            setattr(store, name, key.compacted(rows))
        store.languages = extra["languages"]
        store._language_index = {code: i for i, code in enumerate(store.languages)}
        store.live_count = store.n
        return store
