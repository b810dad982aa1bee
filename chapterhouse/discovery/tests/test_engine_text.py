"""The full-text index on a real Tantivy index in a temporary directory."""

import datetime as dt
import subprocess
import sys
import textwrap

import numpy
import pytest

from chapterhouse.discovery.engine.documents import Document
from chapterhouse.discovery.engine.syntax import Phrase, Term, parse
from chapterhouse.discovery.engine.text import TextIndex, WriterBusy


def make_doc(work_id: int, **fields) -> Document:
    values = dict(
        work_id=work_id,
        title=f"Untitled {work_id}",
        summary="",
        notes="",
        tag_names=[],
        creator_names=[],
        creator_user_ids=[],
        creator_pseud_ids=[],
        creator_sort="",
        filter_tag_ids=[],
        language="en",
        restricted=False,
        hidden=False,
        anonymous=False,
        complete=True,
        crossover=False,
        single_chapter=True,
        words=1000,
        chapters=1,
        hits=100,
        kudos=10,
        comments=0,
        bookmarks=0,
        published=dt.date(2024, 5, 1),
        revised=dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC),
    )
    values.update(fields)
    return Document(**values)


@pytest.fixture
def index(tmp_path):
    text_index = TextIndex(tmp_path / "text", writer=True)
    yield text_index
    text_index.close()


def load(index, *documents):
    index.upsert(list(documents))
    index.commit()


def found(index, query) -> set[int]:
    node = parse(query) if isinstance(query, str) else query
    ids, scores = index.match(node)
    assert ids.dtype == numpy.int64 and scores.dtype == numpy.float32
    assert len(ids) == len(scores) == len(set(ids.tolist()))
    return set(ids.tolist())


def scores_by_id(index, query) -> dict[int, float]:
    ids, scores = index.match(parse(query))
    return dict(zip(ids.tolist(), scores.tolist(), strict=True))


# --- Words and phrases --------------------------------------------------------


def test_phrase_matches_only_adjacent_words(index):
    load(
        index,
        make_doc(1, summary="They went from enemies to lovers in ten chapters."),
        make_doc(2, summary="Enemies at first; to everyone's surprise, lovers by the end."),
        make_doc(3, summary="Lovers to enemies, the sad way round."),
    )
    assert found(index, '"enemies to lovers"') == {1}
    assert found(index, "enemies lovers") == {1, 2, 3}


def test_phrase_does_not_run_from_one_tag_into_the_next(index):
    load(
        index,
        make_doc(1, tag_names=["Enemies", "Lovers"]),
        make_doc(2, tag_names=["Enemies Lovers"]),
    )
    assert found(index, '"enemies lovers"') == {2}


def test_words_match_exactly_without_stemming_but_ignoring_case(index):
    load(index, make_doc(1, summary="Two lovers by the sea."), make_doc(2, summary="A lover."))
    assert found(index, "lovers") == {1}
    assert found(index, "LOVER") == {2}


def test_hyphenated_word_needs_its_parts_side_by_side(index):
    load(
        index,
        make_doc(1, title="Spider Man and the Long Night"),
        make_doc(2, summary="A spider, and a man who fears it."),
    )
    assert found(index, "spider-man") == {1}


def test_words_are_searched_in_every_text_field(index):
    load(
        index,
        make_doc(1, title="Lighthouse"),
        make_doc(2, summary="a lighthouse keeper"),
        make_doc(3, notes="written at a lighthouse"),
        make_doc(4, tag_names=["Lighthouse Keeper"]),
        make_doc(5, creator_names=["lighthouse"]),
        make_doc(6, summary="nothing to see"),
    )
    assert found(index, "lighthouse") == {1, 2, 3, 4, 5}


def test_title_match_ranks_above_tag_match_above_summary_match(index):
    load(
        index,
        make_doc(1, title="Lighthouse", summary="a story"),
        make_doc(2, title="A Story", summary="lighthouse"),
        make_doc(3, title="A Story", tag_names=["Lighthouse"]),
    )
    scores = scores_by_id(index, "lighthouse")
    assert scores[1] > scores[3] > scores[2] > 0


def test_word_without_letters_matches_nothing(index):
    load(index, make_doc(1, summary="wow!!! & more"))
    assert found(index, Term(None, "!!!")) == set()
    assert found(index, Phrase(None, "& ?")) == set()
    assert found(index, Term("title", "…")) == set()


def test_search_text_cannot_use_the_engines_own_query_language(index):
    load(index, make_doc(1, title="Ghost"), make_doc(2, title="Vampire", kudos=5))
    # A query-string engine would read these as an OR and a range.
    assert found(index, Phrase(None, "ghost OR vampire")) == set()
    assert found(index, Term(None, "kudos:[0 TO 10]")) == set()
    assert found(index, Term(None, "*")) == set()


# --- Fields -------------------------------------------------------------------


def test_field_prefixes_search_only_that_field(index):
    load(
        index,
        make_doc(1, title="Harbour Lights"),
        make_doc(2, summary="harbour at dusk"),
        make_doc(3, notes="thanks to my harbour beta"),
        make_doc(4, tag_names=["Harbour Town (Fictional)"]),
        make_doc(5, creator_names=["harbour_writes"]),
    )
    assert found(index, "title:harbour") == {1}
    assert found(index, "summary:harbour") == {2}
    assert found(index, "notes:harbour") == {3}
    assert found(index, "fandom:harbour") == {4}
    assert found(index, 'tags:"harbour town"') == {4}
    assert found(index, "creator:harbour_writes") == {5}


def test_anonymous_work_cannot_be_found_by_its_creator(index):
    load(
        index,
        make_doc(1, creator_names=["rowan"], summary="a ghost story"),
        make_doc(2, anonymous=True, creator_names=[], summary="another ghost story"),
        # Even if the reader of the database slipped a name in, it stays out.
        make_doc(3, anonymous=True, creator_names=["rowan"], summary="a third ghost story"),
    )
    assert found(index, "creators:rowan") == {1}
    assert found(index, "rowan") == {1}
    assert found(index, "ghost") == {1, 2, 3}


def test_language_code(index):
    load(index, make_doc(1, language="en"), make_doc(2, language="fr"), make_doc(3, language="EN"))
    assert found(index, "language:en") == {1, 3}
    assert found(index, "language_id:fr") == {2}


# --- OR and NOT -------------------------------------------------------------


@pytest.fixture
def creatures(index):
    load(
        index,
        make_doc(1, title="Ghost"),
        make_doc(2, title="Vampire"),
        make_doc(3, title="Ghost Vampire"),
        make_doc(4, title="Werewolf"),
    )
    return index


def test_or_finds_either(creatures):
    assert found(creatures, "ghost OR vampire") == {1, 2, 3}


def test_not_leaves_out(creatures):
    assert found(creatures, "ghost NOT vampire") == {1}
    assert found(creatures, "ghost -vampire") == {1}


def test_search_that_only_excludes_finds_everything_else(creatures):
    assert found(creatures, "-vampire") == {1, 4}
    assert found(creatures, "NOT ghost NOT vampire") == {4}


def test_or_with_a_not_inside(creatures):
    assert found(creatures, "werewolf OR NOT ghost") == {2, 4}


def test_and_binds_tighter_than_or(creatures):
    assert found(creatures, "werewolf OR ghost vampire") == {3, 4}
    assert found(creatures, "(werewolf OR ghost) vampire") == {3}


def test_empty_search_matches_every_work(creatures):
    assert found(creatures, None) == {1, 2, 3, 4}


# --- Numbers and yes/no -----------------------------------------------------


@pytest.fixture(scope="module")
def counted(tmp_path_factory):
    index = TextIndex(tmp_path_factory.mktemp("counted") / "text", writer=True)
    load(
        index,
        make_doc(1, kudos=0, words=500, hits=3, complete=False, chapters=3, single_chapter=False),
        make_doc(2, kudos=100, words=1000, comments=4, bookmarks=2, crossover=True),
        make_doc(3, kudos=101, words=5000, comments=0, bookmarks=30),
        make_doc(4, kudos=5000, words=120_000, hits=90_000),
    )
    yield index
    index.close()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kudos:>100", {3, 4}),
        ("kudos:>=100", {2, 3, 4}),
        ("kudos:<100", {1}),
        ("kudos:<=100", {1, 2}),
        ("kudos:100", {2}),
        ("kudos:100-101", {2, 3}),
        ("kudos_count:[1 TO 1000]", {2, 3}),
        ("kudos:{100 TO 5000}", {3}),
        ("words:1000-5000", {2, 3}),
        ("word_count:>100000", {4}),
        ("hits:<10", {1}),
        ("comments:>0", {2}),
        ("bookmarks:>=2", {2, 3}),
        ("chapters:>1", {1}),
        ("kudos:>100000", set()),
    ],
)
def test_numeric_ranges(counted, query, expected):
    assert found(counted, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("complete:false", {1}),
        ("complete:true", {2, 3, 4}),
        ("crossover:true", {2}),
        ("single_chapter:false", {1}),
    ],
)
def test_yes_no_fields(counted, query, expected):
    assert found(counted, query) == expected


def test_ranges_combine_with_words(index):
    load(
        index,
        make_doc(1, title="Ghost", kudos=5),
        make_doc(2, title="Ghost", kudos=500),
        make_doc(3, title="Vampire", kudos=500),
    )
    assert found(index, "ghost kudos:>100") == {2}
    assert found(index, "ghost OR kudos:>100") == {1, 2, 3}


# --- Keeping the index in step ---------------------------------------------


def test_upsert_replaces_a_work(index):
    load(index, make_doc(1, title="First Draft"), make_doc(2, title="Other"))
    load(index, make_doc(1, title="Second Draft"))
    load(index, make_doc(1, title="Final Draft"))
    assert found(index, "first") == set()
    assert found(index, "second") == set()
    assert found(index, "final") == {1}
    assert found(index, "draft") == {1}
    ids, _ = index.match(None)
    assert sorted(ids.tolist()) == [1, 2]
    assert index.num_docs() == 2


def test_same_work_twice_in_one_batch_keeps_the_last(index):
    load(index, make_doc(7, title="Old Title"), make_doc(7, title="New Title"))
    assert found(index, "title") == {7}
    assert found(index, "new") == {7}
    assert found(index, "old") == set()
    assert index.num_docs() == 1


def test_delete_removes_a_work(index):
    load(index, make_doc(1, title="Ghost"), make_doc(2, title="Ghost"))
    index.delete([1])
    index.commit()
    assert found(index, "ghost") == {2}
    assert index.num_docs() == 1


def test_changes_are_not_searched_until_commit(index):
    load(index, make_doc(1, title="Ghost"))
    index.upsert([make_doc(2, title="Ghost")])
    index.delete([1])
    assert found(index, "ghost") == {1}
    index.commit()
    assert found(index, "ghost") == {2}


def test_reader_sees_writers_commit_after_reload(index, tmp_path):
    load(index, make_doc(1, title="Ghost"))
    reader = TextIndex(tmp_path / "text")
    try:
        assert found(reader, "ghost") == {1}
        load(index, make_doc(2, title="Ghost"))
        index.delete([1])
        index.commit()
        reader.reload()
        assert found(reader, "ghost") == {2}
        reader.reload()  # nothing new: still the same answer
        assert found(reader, "ghost") == {2}
    finally:
        reader.close()


def test_reader_cannot_write(index, tmp_path):
    reader = TextIndex(tmp_path / "text")
    try:
        with pytest.raises(RuntimeError):
            reader.upsert([make_doc(1)])
    finally:
        reader.close()


def test_second_writer_is_refused_until_the_first_closes(tmp_path):
    first = TextIndex(tmp_path / "text", writer=True)
    with pytest.raises(WriterBusy):
        TextIndex(tmp_path / "text", writer=True)
    first.close()
    second = TextIndex(tmp_path / "text", writer=True)
    second.close()


def test_writer_in_another_process_is_refused(index, tmp_path):
    script = textwrap.dedent(
        f"""
        import pathlib
        from chapterhouse.discovery.engine.text import TextIndex, WriterBusy
        try:
            TextIndex(pathlib.Path({str(tmp_path / "text")!r}), writer=True)
        except WriterBusy:
            print("busy")
        else:
            print("got the writer")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "busy"


def test_index_survives_reopening(tmp_path):
    with TextIndex(tmp_path / "text", writer=True) as writer:
        load(writer, make_doc(1, title="Ghost"))
    with TextIndex(tmp_path / "text") as reader:
        assert found(reader, "ghost") == {1}


# --- Large result sets ------------------------------------------------------


def test_match_returns_every_matching_work_of_twenty_thousand(index):
    batch, expected = [], set()
    for work_id in range(1, 20_001):
        common = work_id % 3 != 0
        if common:
            expected.add(work_id)
        summary = f"story number {work_id}" + (" about the sea" if common else " inland")
        batch.append(make_doc(work_id, title=f"Work {work_id}", summary=summary))
        if len(batch) == 5000:
            index.upsert(batch)
            batch = []
    index.upsert(batch)
    index.commit()
    ids, scores = index.match(parse("sea"))
    assert len(ids) == len(expected) == 13_334
    assert set(ids.tolist()) == expected
    assert bool((scores > 0).all())
    assert len(index.match(None)[0]) == 20_000


def test_a_phrase_within_tags_needs_the_words_side_by_side_and_every_tag(index):
    load(
        index,
        make_doc(1, summary="From enemies to lovers, slowly.", filter_tag_ids=[7, 8]),
        make_doc(2, summary="Lovers to enemies, and back.", filter_tag_ids=[7, 8]),
        make_doc(3, summary="Enemies, then lovers; nothing to say.", filter_tag_ids=[7, 8]),
        make_doc(4, summary="Enemies to lovers in another fandom.", filter_tag_ids=[9]),
        make_doc(5, title="Enemies to Lovers", filter_tag_ids=[7]),
        make_doc(6, tag_names=["Enemies to Lovers"], filter_tag_ids=[7, 8]),
        make_doc(7, summary="enemies to lovers", notes="enemies", filter_tag_ids=[8]),
    )
    phrase = parse('"enemies to lovers"')
    assert set(index.match(phrase, tags=(7,))[0]) == {1, 5, 6}
    assert set(index.match(phrase, tags=(7, 8))[0]) == {1, 6}
    assert set(index.match(phrase, tags=(8,), scored=False)[0]) == {1, 6, 7}
    assert set(index.match(parse('"enemies to lovers" OR back'), tags=(7,))[0]) == {1, 2, 5, 6}
    assert set(index.match(parse('"enemies to lovers" -slowly'), tags=(7,))[0]) == {5, 6}
    # Scores are the text's alone: the tags add nothing.
    ids, scores = index.match(phrase, tags=(7,))
    alone = dict(zip(*index.match(phrase), strict=True))
    assert {int(i): float(s) for i, s in zip(ids, scores, strict=True)} == {
        int(i): float(alone[i]) for i in ids
    }


def test_closing_after_a_rebuild_leaves_the_index_merged(tmp_path):
    # Every commit leaves a segment; the eighth starts merging them in the
    # background, and a search pays for every segment still there. Closing
    # at a rebuild's end waits for that merge instead of cancelling it.
    writer = TextIndex(tmp_path / "text", writer=True)
    for batch in range(8):
        writer.upsert([make_doc(batch * 2500 + n, summary=f"enemies to lovers {n}")
                       for n in range(1, 2501)])
        writer.commit()
    writer.close(merged=True)
    reader = TextIndex(tmp_path / "text")
    assert reader.num_segments() <= 2
    assert reader.num_docs() == 20_000
