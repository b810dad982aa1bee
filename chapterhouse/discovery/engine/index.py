"""Keeping the index: generations on disk, the outbox follower, rebuilds.

Layout under ``settings.CHAPTERHOUSE_SEARCH_DIR``::

    current            the name of the live generation (swapped atomically)
    gen-<stamp>/text/  the Tantivy index (written by one indexer per node)
    gen-<stamp>/columns-<stamp>/
                       a snapshot of the column store (one .npy per array)
    gen-<stamp>/columns.json
                       which snapshot is the newest, and the outbox position
                       (and skipped ids) it reflects

Each process holds one ``Index``: the column store, mapped from the newest
snapshot (so the processes of a node share its pages) and brought up to date
from the outbox by itself, before each search, and a reader on the text
index. The node's indexer writes a new snapshot every few minutes; the other
processes notice it and map it instead of their own changes. The text index
has one writer per node: the process that holds Tantivy's writer lock (the
worker under ``chapterhouse serve``; the only process in tests and
``runserver``).

Outbox ids can commit out of order on PostgreSQL (two transactions, the
later id first), so the follower remembers the ids it skipped and looks for
them again for a minute.
"""

from __future__ import annotations

import fcntl
import gc
import json
import logging
import os
import shutil
import threading
import time
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db.models import Max

from chapterhouse.web.metrics import indexer_at

from ..models import OutboxEvent
from ..outbox import TAG_CHANGED, written_here
from .columns import Store
from .documents import all_posted_work_ids, documents_for
from .search import FacetCache

log = logging.getLogger(__name__)
#: Searches after which the process's long-lived objects are frozen once more
#: (by then the templates are compiled and the caches warm).
SETTLE_AFTER = 100

#: How long a skipped outbox id is looked for again.
GAP_SECONDS = 60.0
#: Seconds between looks at the outbox when this process wrote nothing.
LOOK_INTERVAL = 0.25
#: Events applied per round by ``sync``.
EVENTS_PER_ROUND = 5000


def search_dir() -> Path:
    return Path(settings.CHAPTERHOUSE_SEARCH_DIR)


def _group_codes() -> dict[str, int]:
    from chapterhouse.tags.models import TagType

    from ..query import FACET_GROUPS

    by_type = {
        "rating": [TagType.RATING], "archive_warning": [TagType.WARNING],
        "category": [TagType.CATEGORY], "fandom": [TagType.FANDOM],
        "character": [TagType.CHARACTER], "relationship": [TagType.RELATIONSHIP],
        "freeform": [TagType.FREEFORM, TagType.UNSORTED],
    }
    codes = {}
    for code, group in enumerate(FACET_GROUPS, start=1):
        for tag_type in by_type[group]:
            codes[str(tag_type)] = code
    return codes


class TagGroups:
    """Each tag id's facet group (0 = none), as one array."""

    def __init__(self) -> None:
        self.array = np.zeros(0, dtype=np.uint8)
        self.codes = _group_codes()

    def load(self, tag_ids=None) -> None:
        from chapterhouse.tags.models import Tag

        tags = Tag.objects.all() if tag_ids is None else Tag.objects.filter(pk__in=tag_ids)
        rows = list(tags.values_list("pk", "type"))
        if not rows:
            return
        top = max(pk for pk, _ in rows)
        if top >= len(self.array):
            bigger = np.zeros(top + 1024, dtype=np.uint8)
            bigger[: len(self.array)] = self.array
            self.array = bigger
        for pk, kind in rows:
            self.array[pk] = self.codes.get(kind, 0)

    def ensure(self, tag_ids) -> None:
        missing = [t for t in tag_ids if t >= len(self.array) or self.array[t] == 0]
        if missing:
            self.load(missing)


class Generation:
    """One built index on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def text_path(self) -> Path:
        return self.path / "text"

    def columns_path(self, meta: dict) -> Path:
        """The newest column snapshot (``columns`` alone: the older format)."""
        return self.path / meta.get("columns", "columns")

    def meta_stamp(self) -> int:
        try:
            return os.stat(self.path / "columns.json").st_mtime_ns
        except OSError:
            return 0

    def read_meta(self) -> dict:
        try:
            return json.loads((self.path / "columns.json").read_text())
        except (OSError, ValueError):
            return {}

    def write_meta(self, meta: dict) -> None:
        tmp = self.path / "columns.json.tmp"
        tmp.write_text(json.dumps(meta))
        tmp.replace(self.path / "columns.json")


def _current_name(base: Path | None = None) -> str | None:
    try:
        return ((base or search_dir()) / "current").read_text().strip() or None
    except OSError:
        return None


def _set_current(name: str, base: Path) -> None:
    tmp = base / "current.tmp"
    tmp.write_text(name)
    tmp.replace(base / "current")


class OutboxCursor:
    """Where a follower is in the outbox, with the ids it skipped."""

    def __init__(self, position: int = 0, gaps=()) -> None:
        self.position = position
        now = time.monotonic()
        self.gaps: dict[int, float] = {int(gap): now for gap in gaps}

    def take(self, limit: int = EVENTS_PER_ROUND) -> list[OutboxEvent]:
        events = list(OutboxEvent.objects.filter(pk__gt=self.position).order_by("pk")[:limit])
        now = time.monotonic()
        late: list[OutboxEvent] = []
        if self.gaps:
            for gap, since in list(self.gaps.items()):
                if now - since > GAP_SECONDS:
                    del self.gaps[gap]
            if self.gaps:
                late = list(OutboxEvent.objects.filter(pk__in=list(self.gaps)))
                for event in late:
                    self.gaps.pop(event.pk, None)
        expected = self.position + 1
        for event in events:
            for missing in range(expected, event.pk):
                if len(self.gaps) < 10_000:
                    self.gaps[missing] = now
            expected = event.pk + 1
        if events:
            self.position = events[-1].pk
        return late + events


def _work_ids_of(events: list[OutboxEvent]) -> tuple[set[int], set[int]]:
    work_ids: set[int] = set()
    tag_ids: set[int] = set()
    for event in events:
        payload = event.payload or {}
        work_ids.update(int(w) for w in payload.get("work_ids", ()))
        if event.topic == TAG_CHANGED and payload.get("tag_id"):
            tag_ids.add(int(payload["tag_id"]))
    return work_ids, tag_ids


class Index:
    """This process's view of the index (see the module docstring)."""

    def __init__(self, *, base: Path | None = None, text_writer: bool | None = None) -> None:
        self.base = base or search_dir()
        self.lock = threading.RLock()
        self.generation: Generation | None = None
        self.store = Store()
        self.cache = FacetCache(self.store)
        self.groups = TagGroups()
        self.cursor = OutboxCursor()
        self.text = None
        self.text_cursor = OutboxCursor()
        self.want_text_writer = (
            getattr(settings, "CHAPTERHOUSE_SEARCH_INDEXER", True)
            if text_writer is None else text_writer
        )
        self.is_text_writer = False
        self.last_look = 0.0
        self.names: dict[int, str] = {}  # facet tag names, dropped when a tag changes
        self.syncs = 0  # calls of sync(): the SETTLE_AFTER-th settles again
        self.columns_name = ""  # the snapshot the store is mapped from
        self.meta_stamp = 0  # columns.json as last read

    def _use_store(self, store: Store) -> None:
        """Answer from ``store`` from now on. The old store's pages are let go
        (its listener is dropped, so no cycle keeps it)."""
        self.store.listeners.clear()
        self.store = store
        self.cache = FacetCache(store)
        self._settle()

    def _settle(self) -> None:
        """Move what the process holds now out of the garbage collector's way,
        so a full collection no longer walks it in the middle of a request.
        Garbage is collected first, so none is kept forever."""
        if getattr(settings, "CHAPTERHOUSE_SEARCH_FREEZE_GC", True):
            gc.collect()
            gc.freeze()

    # Opening ------------------------------------------------------------------------

    def _open(self, name: str) -> None:
        from .text import TextIndex, WriterBusy

        generation = Generation(self.base / name)
        stamp = generation.meta_stamp()
        meta = generation.read_meta()
        saved: dict = {}
        store = Store.load(generation.columns_path(meta), extra_arrays=saved)
        if self.text is not None:
            self.text.close()
        text = None
        self.is_text_writer = False
        if self.want_text_writer:
            try:
                text = TextIndex(generation.text_path, writer=True)
                self.is_text_writer = True
            except WriterBusy:
                text = None
        if text is None:
            text = TextIndex(generation.text_path, writer=False)
        self.generation = generation
        self.columns_name = meta.get("columns", "")
        self.meta_stamp = stamp
        self.groups = TagGroups()
        if "extra_tag_groups" in saved:
            self.groups.array = saved["extra_tag_groups"]
        else:
            self.groups.load()
        position = int(meta.get("position", 0))
        text_position = int(meta.get("text_position", position))
        if self.is_text_writer:
            # Replay what the text index may lack; applying a work twice is harmless.
            position = min(position, text_position)
        self.cursor = OutboxCursor(position, meta.get("gaps", ()))
        self.text_cursor = OutboxCursor(text_position)
        self.text = text
        self._use_store(store)

    def _map_newer_snapshot(self) -> None:
        """Map the indexer's newer snapshot in place of this process's own
        changes, then catch up from the position it reflects (only the events
        of the moment since it was written). The text writer keeps its own
        store: it writes the snapshots."""
        if self.is_text_writer or self.generation is None:
            return
        stamp = self.generation.meta_stamp()
        if stamp == self.meta_stamp:
            return
        self.meta_stamp = stamp
        meta = self.generation.read_meta()
        name = meta.get("columns", "")
        if not name or name == self.columns_name:
            return
        saved: dict = {}
        try:
            store = Store.load(self.generation.columns_path(meta), extra_arrays=saved)
        except (OSError, ValueError, KeyError):
            log.warning("Could not map the column snapshot %s; keeping the current one.", name)
            return
        if "extra_tag_groups" in saved:
            self.groups.array = saved["extra_tag_groups"]
        self.columns_name = name
        self.cursor = OutboxCursor(int(meta.get("position", 0)), meta.get("gaps", ()))
        self._use_store(store)

    def ensure_open(self) -> None:
        name = _current_name(self.base)
        if self.generation is None or self.generation.path.name != name:
            name = ensure_built(base=self.base).name
        if self.generation is None or self.generation.path.name != name:
            self._open(name)

    # Following the outbox ---------------------------------------------------------

    def sync(self, *, force: bool = False) -> int:
        """Apply every outbox event this process hasn't seen yet; returns how many.

        Without ``force`` the outbox is read at most every ``LOOK_INTERVAL``
        seconds, unless this process wrote an event since (its own writes show
        on its next page); other processes' writes show within the interval."""
        with self.lock:
            self.ensure_open()
            self.syncs += 1
            if self.syncs == SETTLE_AFTER:
                self._settle()
            now = time.monotonic()
            if (not force and not written_here.is_set()
                    and now - self.last_look < LOOK_INTERVAL):
                return 0
            written_here.clear()
            self.last_look = now
            self._map_newer_snapshot()
            applied = 0
            while True:
                events = self.cursor.take()
                if not events:
                    break
                work_ids, tag_ids = _work_ids_of(events)
                if tag_ids:
                    self.groups.load(tag_ids)
                    self.cache.entries.clear()
                    for tag_id in tag_ids:
                        self.names.pop(tag_id, None)
                documents = documents_for(work_ids)
                for doc in documents.values():
                    if doc is not None:
                        self.groups.ensure(doc.filter_tag_ids)
                self.store.apply(documents)
                if self.is_text_writer:
                    self._write_text(documents)
                    self.text_cursor.position = self.cursor.position
                applied += len(events)
                if len(events) < EVENTS_PER_ROUND:
                    break
            if self.is_text_writer:
                indexer_at(self.cursor.position)  # for /metrics: how far behind the node is
            else:
                self.text.reload()
            return applied

    def _write_text(self, documents) -> None:
        upserts = [doc for doc in documents.values() if doc is not None]
        deletes = [work_id for work_id, doc in documents.items() if doc is None]
        if deletes:
            self.text.delete(deletes)
        if upserts:
            self.text.upsert(upserts)
        if upserts or deletes:
            self.text.commit()

    def tag_names(self, tag_ids) -> dict[int, str]:
        """Names of facet tags, remembered until a wrangler changes the tag."""
        from chapterhouse.tags.models import Tag

        missing = [t for t in tag_ids if t not in self.names]
        if missing:
            self.names.update(Tag.objects.filter(pk__in=missing).values_list("pk", "name"))
            if len(self.names) > 200_000:
                self.names.clear()
        return {t: self.names.get(t, "") for t in tag_ids}

    def save_snapshot(self) -> None:
        """Write the column store and positions as a new snapshot, and map it:
        new processes start near now, running ones map it in place of their
        own changes (``_map_newer_snapshot``), and this one answers from it."""
        with self.lock:
            self.ensure_open()
            name = _snapshot_name()
            path = self.generation.path / name
            self.store.save(path, extra_arrays={"extra_tag_groups": self.groups.array})
            meta = self.generation.read_meta()
            meta["columns"] = name
            meta["position"] = self.cursor.position
            meta["gaps"] = sorted(self.cursor.gaps)
            if self.is_text_writer:
                meta["text_position"] = self.text_cursor.position
            self.generation.write_meta(meta)
            self.columns_name = name
            self.meta_stamp = self.generation.meta_stamp()
            self._use_store(Store.load(path))
            _prune_snapshots(self.generation.path, live=name)

    def close(self) -> None:
        with self.lock:
            if self.text is not None:
                self.text.close()
                self.text = None
            self.generation = None


# The process's index ------------------------------------------------------------------

_index: Index | None = None
_index_lock = threading.Lock()


def get_index() -> Index:
    global _index
    with _index_lock:
        if _index is None:
            _index = Index()
        return _index


def reset_index() -> None:
    """Forget this process's index (tests point it at a fresh directory)."""
    global _index
    with _index_lock:
        if _index is not None:
            _index.close()
        _index = None


# Snapshots --------------------------------------------------------------------------


def _snapshot_name() -> str:
    return f"columns-{time.time_ns()}"


def _prune_snapshots(path: Path, *, live: str, keep: int = 2) -> None:
    """Delete all but the newest snapshots (a process still mapping a deleted
    one keeps its pages until it maps a newer one), and the older format's."""
    snapshots = sorted(p for p in path.glob("columns-*") if p.is_dir()
                       and not p.name.endswith(".tmp"))
    for old in snapshots[:-keep]:
        if old.name != live:
            shutil.rmtree(old, ignore_errors=True)
    for legacy in ("columns.npz", "columns.pkl"):
        (path / legacy).unlink(missing_ok=True)


# Rebuilding -------------------------------------------------------------------------


def ensure_built(*, base: Path | None = None) -> Path:
    """The live generation, built first when there is none or when it was
    built by a version with another text schema."""
    from .text import SCHEMA_VERSION

    base = base or search_dir()
    name = _current_name(base)
    if name is not None and Generation(base / name).read_meta().get(
        "text_schema"
    ) == SCHEMA_VERSION:
        return base / name
    return rebuild(base=base, only_if_schema_old=True)


def rebuild(
    *, base: Path | None = None, keep: int = 2, progress=None, only_if_schema_old: bool = False,
) -> Path:
    """Build a fresh generation from the database beside the live one, then swap
    it in. Readers keep answering from the old one until they see the swap.
    Returns the new generation's path."""
    from .text import TextIndex

    base = base or search_dir()
    base.mkdir(parents=True, exist_ok=True)
    with open(base / "rebuild.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        from .text import SCHEMA_VERSION

        if only_if_schema_old and _current_name(base) is not None:
            current = Generation(base / _current_name(base))
            if current.read_meta().get("text_schema") == SCHEMA_VERSION:
                return current.path
        name = f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{int(time.time() * 1000) % 1000:03d}"
        generation = Generation(base / name)
        generation.path.mkdir(parents=True)
        position = OutboxEvent.objects.aggregate(top=Max("pk"))["top"] or 0
        store = Store()
        store.start_build()
        text = TextIndex(generation.text_path, writer=True)
        done = 0
        for chunk in all_posted_work_ids():
            documents = documents_for(chunk)
            store.apply(documents)
            text.upsert([doc for doc in documents.values() if doc is not None])
            done += len(chunk)
            if done % 50_000 < len(chunk):
                text.commit()  # keeps the writer's pending deletes small
            if callable(progress):
                progress(done)
        store.finish_build()
        text.commit()
        # Catch up with what was written while we read.
        cursor = OutboxCursor(position)
        while True:
            events = cursor.take()
            if not events:
                break
            work_ids, _ = _work_ids_of(events)
            documents = documents_for(work_ids)
            store.apply(documents)
            upserts = [doc for doc in documents.values() if doc is not None]
            deletes = [w for w, doc in documents.items() if doc is None]
            if deletes:
                text.delete(deletes)
            if upserts:
                text.upsert(upserts)
            text.commit()
        text.close(merged=True)
        groups = TagGroups()
        groups.load()
        columns = _snapshot_name()
        store.save(generation.path / columns, extra_arrays={"extra_tag_groups": groups.array})
        generation.write_meta({"columns": columns, "gaps": sorted(cursor.gaps),
                               "position": cursor.position, "text_position": cursor.position,
                               "text_schema": SCHEMA_VERSION,
                               "built_at": time.time(), "works": store.live_count})
        previous = _current_name(base)
        _set_current(name, base)
        _prune(base, keep=keep, live=name, previous=previous)
        return generation.path


def _prune(base: Path, *, keep: int, live: str, previous: str | None) -> None:
    generations = sorted(p for p in base.glob("gen-*") if p.is_dir())
    for old in generations[:-keep]:
        if old.name not in (live, previous):
            shutil.rmtree(old, ignore_errors=True)
