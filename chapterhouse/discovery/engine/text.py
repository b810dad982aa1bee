"""The full-text index: one Tantivy document per posted work.

It answers one question — which works match this parsed search, and how well
(BM25) — and leaves everything else (visibility, tag filters, facets, sorting,
pages) to the column engine, which intersects its answer with the work ids
``match`` returns. It is derived data: ``upsert`` and ``delete`` keep it in
step with the database, and a lost index is rebuilt from ``Document``s.

Text is analysed the way AO3 matches words: split on anything that is not a
letter or digit, lower-cased, never stemmed (``lovers`` does not find
``lover``). A word that splits into several (``spider-man``) must find them
side by side. Search input never reaches Tantivy's own query language: the
tree from ``syntax.parse`` is turned into queries with the builder API, so
whatever a reader types can only ever be words.

One process holds the writer (Tantivy's lock file enforces it across
processes); any number of readers open the same directory and see the
writer's commits after ``reload()``, which costs one ``stat`` when nothing
changed.
"""

from __future__ import annotations

import gc
import os
import pathlib
import threading
from dataclasses import dataclass
from operator import itemgetter

import numpy
import tantivy

from chapterhouse.discovery.engine import syntax
from chapterhouse.discovery.engine.documents import Document

#: Text fields a word without a field prefix is looked for in, with their
#: weights: a word in the title counts most, then in a tag name.
TEXT_FIELDS: dict[str, float] = {
    "title": 3.0,
    "tags": 2.0,
    "summary": 1.0,
    "notes": 1.0,
    "creators": 1.0,
}
NUMBER_FIELDS = ("words", "hits", "kudos", "comments", "bookmarks", "chapters")
BOOLEAN_FIELDS = ("complete", "crossover", "single_chapter")
VISIBILITY_FIELDS = ("restricted", "hidden")
_U64_MAX = 2**64 - 1
#: How many hits ``match`` collects in its first search: fewer need no second.
FIRST_LIMIT = 4096
#: Memory the writer may fill before it writes a segment (Tantivy wants at
#: least 15 MB per indexing thread).
WRITER_HEAP_BYTES = 64_000_000


class WriterBusy(Exception):
    """Another TextIndex (in this process or another) holds the writer."""


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("work_id", stored=True, indexed=True, fast=True)
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name="default", index_option="position")
    for name in NUMBER_FIELDS:
        builder.add_unsigned_field(name, indexed=True, fast=True)
    for name in BOOLEAN_FIELDS:
        builder.add_boolean_field(name, indexed=True, fast=True)
    builder.add_text_field("language", tokenizer_name="raw", index_option="basic")
    # The work's effective filter tags, so a text search within a listing
    # intersects posting lists inside Tantivy instead of collecting every hit.
    builder.add_unsigned_field("filter_tag", indexed=True, fast=False)
    # Who may see the work, so a search ranked by best match can count its
    # results inside Tantivy (see ``Narrowing``).
    for name in VISIBILITY_FIELDS:
        builder.add_boolean_field(name, indexed=True, fast=False)
    return builder.build()


SCHEMA = _schema()
#: Changes whenever the schema does, or what a generation's column store
#: holds (4: each work's collections): a generation built with another
#: version is rebuilt before use (see index.ensure_built).
SCHEMA_VERSION = 4

#: The analysis Tantivy's "default" tokenizer applies to the text fields
#: (split on non-alphanumerics, drop tokens over 40 bytes, lower-case), for
#: turning a reader's words into the same terms.
_ANALYZER = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.remove_long(40))
    .filter(tantivy.Filter.lowercase())
    .build()
)


def analyse(text: str) -> list[str]:
    """The terms ``text`` is indexed as in a text field."""
    return _ANALYZER.analyze(text)


@dataclass(frozen=True)
class Narrowing:
    """A listing's filters as the text index can apply them: with these, its
    count of a search is the listing's total (as of its last commit).

    ``all_tags`` must all be there, one of ``any_tags`` (when given), none of
    ``no_tags``; the ``hide`` fields (``VISIBILITY_FIELDS``) must be false;
    ``flags`` are (``BOOLEAN_FIELDS`` name, wanted value); ``ranges`` are
    (``NUMBER_FIELDS`` name, low, high), inclusive, None for open."""

    all_tags: tuple[int, ...] = ()
    any_tags: tuple[int, ...] = ()
    no_tags: tuple[int, ...] = ()
    hide: tuple[str, ...] = ()
    flags: tuple[tuple[str, bool], ...] = ()
    ranges: tuple[tuple[str, int | None, int | None], ...] = ()

    def clauses(self) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        """Everything but ``all_tags`` (which ``TextIndex._narrowed`` pushes
        into the search itself), as unscored boolean clauses."""
        clauses = []
        if self.any_tags:
            clauses.append((_Occur.Must, _unscored(tantivy.Query.boolean_query([
                (_Occur.Should, _tag(t)) for t in self.any_tags
            ]))))
        clauses.extend((_Occur.MustNot, _tag(t)) for t in self.no_tags)
        for name in self.hide:
            if name not in VISIBILITY_FIELDS:
                raise ValueError(f"not a visibility field: {name!r}")
            clauses.append((_Occur.MustNot, tantivy.Query.term_query(SCHEMA, name, True)))
        for name, wanted in self.flags:
            if name not in BOOLEAN_FIELDS:
                raise ValueError(f"not a yes/no field: {name!r}")
            clauses.append((_Occur.Must, _unscored(
                tantivy.Query.term_query(SCHEMA, name, bool(wanted)))))
        for name, low, high in self.ranges:
            clauses.append((_Occur.Must, _unscored(_range(syntax.Range(name, low, high)))))
        return clauses


def _tag(tag_id: int) -> tantivy.Query:
    return tantivy.Query.term_query(SCHEMA, "filter_tag", int(tag_id))


class TextIndex:
    def __init__(self, path: pathlib.Path, *, writer: bool = False):
        """Open the index at ``path``, creating it if it is missing.
        ``writer=True`` takes the writer; ``WriterBusy`` when another
        TextIndex holds it. Readers never write."""
        self.path = pathlib.Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self._index = tantivy.Index(SCHEMA, path=str(self.path), reuse=True)
        # Readers reload when told to (``reload``), not from a watcher thread.
        self._index.config_reader(reload_policy="manual")
        self._lock = threading.Lock()
        self._seen = self._meta_signature()
        self._index.reload()
        self._writer: tantivy.IndexWriter | None = None
        # Works added since the last commit (not yet in any searcher).
        self._uncommitted: set[int] = set()
        if writer:
            try:
                self._writer = self._index.writer(heap_size=WRITER_HEAP_BYTES)
            except ValueError as error:
                if "LockBusy" in str(error):
                    raise WriterBusy(
                        f"the search index in {self.path} is already open for writing "
                        "(by this process or another)"
                    ) from error
                raise

    # --- Writing -----------------------------------------------------------

    def upsert(self, documents: list[Document]) -> None:
        """Add or replace these works (seen by searches after ``commit``)."""
        writer = self._require_writer()
        with self._lock:
            searcher = self._index.searcher()
            for document in documents:
                work_id = int(document.work_id)
                # Delete only what may be there: a delete is a query Tantivy
                # runs again on every segment it writes before the commit, so
                # deleting each of a million new works would make a rebuild
                # quadratic. (``doc_freq`` may still count a deleted copy,
                # which costs one needless delete.)
                if work_id in self._uncommitted or searcher.doc_freq("work_id", work_id):
                    writer.delete_documents_by_query(self._id_query(work_id))
                writer.add_document(_tantivy_document(document))
                self._uncommitted.add(work_id)

    def delete(self, work_ids: list[int]) -> None:
        """Remove these works (seen by searches after ``commit``)."""
        writer = self._require_writer()
        with self._lock:
            for work_id in work_ids:
                writer.delete_documents_by_query(self._id_query(work_id))

    def commit(self) -> None:
        """Make the changes so far durable and visible to this process (other
        processes see them at their next ``reload``)."""
        writer = self._require_writer()
        with self._lock:
            writer.commit()
            self._seen = self._meta_signature()
            self._index.reload()
            self._uncommitted.clear()

    def _require_writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            raise RuntimeError("this TextIndex was opened to read; open it with writer=True")
        return self._writer

    @staticmethod
    def _id_query(work_id: int) -> tantivy.Query:
        # A query, not ``delete_documents_by_term``: that one turns a Python
        # int into a signed term, which never matches an unsigned field.
        return tantivy.Query.term_query(SCHEMA, "work_id", int(work_id))

    # --- Reading -----------------------------------------------------------

    def reload(self) -> None:
        """See the latest commit of whichever process writes. Cheap when
        nothing changed (one ``stat`` of meta.json), so call it before every
        search."""
        signature = self._meta_signature()
        if signature != self._seen:
            self._seen = signature
            self._index.reload()

    def _meta_signature(self) -> tuple[int, int, int] | None:
        # Tantivy replaces meta.json atomically on each commit.
        try:
            stat = os.stat(self.path / "meta.json")
        except FileNotFoundError:
            return None
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def num_docs(self) -> int:
        return self._index.searcher().num_docs

    def num_segments(self) -> int:
        """Segments of the last commit seen (each costs a search about the same)."""
        return self._index.searcher().num_segments

    def match(
        self, node: syntax.Node | None, *, within=None, tags=(), scored: bool = True
    ) -> tuple[numpy.ndarray, numpy.ndarray]:
        """Every work matching ``node``: their ids (int64) and BM25 scores
        (float32), in no particular order. ``None`` matches every work.
        ``tags``: only works listed under every one of them; ``within``: only
        these work ids (both are applied by the column engine again).
        ``scored=False`` when the scores are not needed (they come back as
        zeros): Tantivy then scores nothing and hands the ids over itself.

        One search collects the hits (a second one only when there are more
        than ``FIRST_LIMIT``); the ids come from the ``work_id`` fast field,
        never from stored documents: as the hits' sort values when unscored,
        else looked up for each hit's address (about 3 µs a hit). Every hit
        becomes a Python object on the way, so the cost grows with the hits.
        A search ranked by best match that needs no facet counts should use
        ``top``, which collects only the best.

        A query that only excludes (``NOT x``) means every document but
        those, so it costs what matching everything costs; the column engine
        may prefer to subtract ``match(x)`` itself.
        """
        query = self._narrowed(node, Narrowing(all_tags=tuple(tags)))
        if within is not None:
            # Only these works (the rest of a listing's filters, already
            # applied by the column engine): Tantivy intersects, and only
            # the few hits that remain become Python objects.
            query = tantivy.Query.boolean_query([
                (tantivy.Occur.Must, query),
                (tantivy.Occur.Must, _unscored(tantivy.Query.term_set_query(
                    SCHEMA, "work_id", [int(w) for w in within]))),
            ])
        searcher = self._index.searcher()
        order = {} if scored else {"order_by_field": "work_id"}
        collecting = gc.isenabled()
        gc.disable()
        try:
            result = searcher.search(query, limit=FIRST_LIMIT, count=True, **order)
            if result.count > FIRST_LIMIT:
                result = searcher.search(query, limit=result.count, count=False, **order)
            hits = result.hits
            if scored:
                return self._ids_and_scores(searcher, hits)
            ids = numpy.fromiter(map(itemgetter(0), hits), dtype=numpy.int64, count=len(hits))
            return ids, numpy.zeros(len(ids), dtype=numpy.float32)
        finally:
            if collecting:
                gc.enable()

    def top(
        self, node: syntax.Node | None, narrowing: Narrowing, limit: int
    ) -> tuple[int, numpy.ndarray, numpy.ndarray]:
        """The ``limit`` best-scored works matching ``node`` within
        ``narrowing``: (how many match in all, their ids, their scores), best
        first. Ties at the last place may continue past ``limit``; ask again
        with a higher limit when that matters. Tantivy keeps only the best
        ``limit`` while it counts, so the cost hardly grows with the matches.
        """
        query = self._narrowed(node, narrowing)
        searcher = self._index.searcher()
        result = searcher.search(query, limit=max(int(limit), 1), count=True)
        ids, scores = self._ids_and_scores(searcher, result.hits)
        return int(result.count), ids, scores

    @staticmethod
    def _ids_and_scores(searcher, hits) -> tuple[numpy.ndarray, numpy.ndarray]:
        if not hits:
            return numpy.empty(0, dtype=numpy.int64), numpy.empty(0, dtype=numpy.float32)
        scores = numpy.fromiter(map(itemgetter(0), hits), dtype=numpy.float32, count=len(hits))
        ids = numpy.fromiter(
            searcher.fast_field_values("work_id", list(map(itemgetter(1), hits))),
            dtype=numpy.int64,
            count=len(hits),
        )
        return ids, scores

    def _narrowed(self, node: syntax.Node | None, narrowing: Narrowing) -> tantivy.Query:
        """The query for ``node`` within ``narrowing``, built so that Tantivy
        walks the tags' posting lists first: a listing's tags are joined to
        every word or phrase of the search, field by field, so each field's
        matches are looked for only among the tag's works (a phrase in five
        fields joined once with a small tag costs a tenth of the phrase alone).
        The narrowing's clauses score nothing, so scores are the text's alone.
        """
        tags = [_unscored(_tag(t)) for t in narrowing.all_tags]
        doc_freq = self._index.searcher().doc_freq if tags else None
        query = _query(node, tags, doc_freq) if node is not None else _all(tags)
        extra = narrowing.clauses()
        if not extra:
            return query
        return tantivy.Query.boolean_query([(_Occur.Must, query), *extra])

    def query_for(self, node: syntax.Node | None) -> tantivy.Query:
        """The Tantivy query for a parsed search (every document for None)."""
        if node is None:
            return tantivy.Query.all_query()
        return _query(node, [])

    def close(self, *, merged: bool = False) -> None:
        """Let go of the writer (uncommitted changes are dropped) and the index.

        ``merged=True`` first lets the merges that the last commits started
        finish, so the index is left in few segments (a rebuild's end). A
        search costs about the same per segment whatever its size, so a
        freshly rebuilt index of nine segments answered a phrase within a big
        tag three times slower than the same works in two. Without it, the
        merges in flight are cancelled (a quick shutdown); the writer's next
        commits start them again."""
        with self._lock:
            writer, self._writer = self._writer, None
            if writer is not None:
                if not merged:
                    writer.rollback()
                # Waits for merges in flight and releases the lock file.
                writer.wait_merging_threads()
            self._index = None

    def __enter__(self) -> TextIndex:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _tantivy_document(document: Document) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_unsigned("work_id", int(document.work_id))
    doc.add_text("title", document.title or "")
    doc.add_text("summary", document.summary or "")
    doc.add_text("notes", document.notes or "")
    for name in document.tag_names:
        doc.add_text("tags", name)
    # An anonymous work's creators are never searchable, whatever the
    # reader of the database filled in.
    if not document.anonymous:
        for name in document.creator_names:
            doc.add_text("creators", name)
    for name in NUMBER_FIELDS:
        doc.add_unsigned(name, min(max(int(getattr(document, name) or 0), 0), _U64_MAX))
    for name in BOOLEAN_FIELDS + VISIBILITY_FIELDS:
        doc.add_boolean(name, bool(getattr(document, name)))
    language = (document.language or "").strip().lower()
    if language:
        doc.add_text("language", language)
    for tag_id in document.filter_tag_ids:
        doc.add_unsigned("filter_tag", int(tag_id))
    return doc


# --- From the parsed tree to Tantivy queries ------------------------------

_Occur = tantivy.Occur


def _unscored(query: tantivy.Query) -> tantivy.Query:
    return tantivy.Query.const_score_query(query, 0.0)


def _all(musts: list[tantivy.Query]) -> tantivy.Query:
    """Every document, or every document matching all of ``musts``."""
    if not musts:
        return tantivy.Query.all_query()
    if len(musts) == 1:
        return musts[0]
    return tantivy.Query.boolean_query([(_Occur.Must, q) for q in musts])


def _joined(query: tantivy.Query, musts: list[tantivy.Query]) -> tantivy.Query:
    if not musts:
        return query
    return tantivy.Query.boolean_query([(_Occur.Must, q) for q in (query, *musts)])


def _query(node: syntax.Node, musts: list[tantivy.Query], doc_freq=None) -> tantivy.Query:
    """The query for ``node`` intersected with every one of ``musts`` (unscored
    filters). The filters are pushed down to the leaves of the positive parts
    — every result of an AND, OR or word passes through one — so Tantivy can
    start each leaf from the filter's short posting list. Excluded parts
    (NOT) are left unfiltered: they only take documents away. ``doc_freq``
    (field, term → how many documents hold it) picks the word a filtered
    phrase starts from (see ``_phrase_within``)."""
    if isinstance(node, syntax.And):
        positive = [c for c in node.children if not isinstance(c, syntax.Not)]
        must = [_query(c, musts, doc_freq) for c in positive] or [_all(musts)]
        must_not = [_query(c.node, []) for c in node.children if isinstance(c, syntax.Not)]
        return tantivy.Query.boolean_query(
            [(_Occur.Must, q) for q in must] + [(_Occur.MustNot, q) for q in must_not]
        )
    if isinstance(node, syntax.Or):
        return tantivy.Query.boolean_query(
            [(_Occur.Should, _query(c, musts, doc_freq)) for c in node.children]
        )
    if isinstance(node, syntax.Not):
        return tantivy.Query.boolean_query(
            [(_Occur.Must, _all(musts)), (_Occur.MustNot, _query(node.node, []))]
        )
    if isinstance(node, syntax.Term | syntax.Phrase):
        if node.field == syntax.LANGUAGE_FIELD:
            return _joined(
                tantivy.Query.term_query(SCHEMA, "language", node.text.strip().lower()), musts
            )
        return _words(node.field, analyse(node.text), musts, doc_freq)
    if isinstance(node, syntax.Range):
        return _joined(_range(node), musts)
    if isinstance(node, syntax.Bool):
        if node.field not in BOOLEAN_FIELDS:
            raise ValueError(f"not a yes/no field: {node.field!r}")
        return _joined(tantivy.Query.term_query(SCHEMA, node.field, bool(node.value)), musts)
    raise TypeError(f"not a search node: {node!r}")


def _words(field_name: str | None, terms: list[str], musts: list[tantivy.Query],
           doc_freq=None) -> tantivy.Query:
    """The terms side by side in one text field, or in any of them (each
    field's query joined with ``musts``)."""
    if not terms:
        return tantivy.Query.empty_query()
    if field_name is not None:
        if field_name not in TEXT_FIELDS:
            raise ValueError(f"not a text field: {field_name!r}")
        return _phrase_within(field_name, terms, musts, 1.0, doc_freq)
    return tantivy.Query.boolean_query(
        [
            (_Occur.Should, _phrase_within(name, terms, musts, boost, doc_freq))
            for name, boost in TEXT_FIELDS.items()
        ]
    )


def _phrase_within(field_name: str, terms: list[str], musts: list[tantivy.Query],
                   boost: float, doc_freq) -> tantivy.Query:
    """The terms side by side in one field, among the works of ``musts``.

    Tantivy checks a phrase's word positions for every document holding all
    its words before it looks at the other clauses, so for a phrase within a
    big tag most of that work is thrown away. Listing first the phrase's
    rarest word joined with the filters makes Tantivy start from their
    intersection and check positions only there (at a million works,
    "enemies to lovers" in the largest fandom takes about a third less)."""
    query = _boosted(_words_in(field_name, terms), boost)
    if not musts:
        return query
    if len(terms) < 2 or doc_freq is None:
        return _joined(query, musts)
    rarest = min(dict.fromkeys(terms), key=lambda term: doc_freq(field_name, term))
    lead = tantivy.Query.boolean_query(
        [(_Occur.Must, q)
         for q in (_unscored(tantivy.Query.term_query(SCHEMA, field_name, rarest)), *musts)]
    )
    return tantivy.Query.boolean_query([(_Occur.Must, lead), (_Occur.Must, query)])


def _words_in(field_name: str, terms: list[str]) -> tantivy.Query:
    if len(terms) == 1:
        return tantivy.Query.term_query(SCHEMA, field_name, terms[0])
    return tantivy.Query.phrase_query(SCHEMA, field_name, terms)


def _boosted(query: tantivy.Query, boost: float) -> tantivy.Query:
    return query if boost == 1.0 else tantivy.Query.boost_query(query, boost)


def _range(node: syntax.Range) -> tantivy.Query:
    if node.field not in NUMBER_FIELDS:
        raise ValueError(f"not a numeric field: {node.field!r}")
    low = None if node.low is None else max(node.low, 0)
    high = node.high
    if high is not None and high < 0:
        return tantivy.Query.empty_query()
    if low is not None and low > _U64_MAX:
        return tantivy.Query.empty_query()
    if high is not None:
        high = min(high, _U64_MAX)
    if low is not None and high is not None and low > high:
        return tantivy.Query.empty_query()
    if low is None and high is None:
        return tantivy.Query.all_query()
    return tantivy.Query.range_query(
        SCHEMA, node.field, tantivy.FieldType.Unsigned, lower_bound=low, upper_bound=high
    )
