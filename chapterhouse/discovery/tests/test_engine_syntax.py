"""AO3's search syntax: what a reader types and how it is understood."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chapterhouse.discovery.engine.syntax import (
    And,
    Bool,
    Not,
    Or,
    Phrase,
    Range,
    Term,
    describe,
    parse,
    parse_with_notices,
)


def w(text, field=None):
    return Term(field, text)


# --- Words, phrases, operators ----------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "AND", "OR NOT", "()", '""', "&&"])
def test_blank_or_operator_only_search_asks_for_nothing(text):
    assert parse(text) is None


def test_words_are_all_required_by_default():
    assert parse("slow burn") == And([w("slow"), w("burn")])


def test_quoted_phrase_is_one_phrase():
    assert parse('"enemies to lovers"') == Phrase(None, "enemies to lovers")
    assert parse('fluff "enemies to lovers"') == And(
        [w("fluff"), Phrase(None, "enemies to lovers")]
    )


def test_and_binds_tighter_than_or():
    assert parse("ghost OR vampire romance") == Or([w("ghost"), And([w("vampire"), w("romance")])])
    assert parse("ghost AND vampire OR romance") == Or(
        [And([w("ghost"), w("vampire")]), w("romance")]
    )


def test_not_binds_tighter_than_and():
    assert parse("NOT ghost vampire") == And([Not(w("ghost")), w("vampire")])
    assert parse("ghost OR NOT vampire romance") == Or(
        [w("ghost"), And([Not(w("vampire")), w("romance")])]
    )


def test_minus_means_not():
    assert parse("ghost -vampire") == And([w("ghost"), Not(w("vampire"))])
    assert parse('-"slow burn"') == Not(Phrase(None, "slow burn"))


def test_minus_inside_a_word_is_part_of_it():
    assert parse("spider-man") == w("spider-man")


def test_symbol_operators():
    assert parse("ghost || vampire && romance") == Or(
        [w("ghost"), And([w("vampire"), w("romance")])]
    )


def test_lower_case_operators_are_words():
    assert parse("ghost and vampire") == And([w("ghost"), w("and"), w("vampire")])


def test_parentheses_group():
    assert parse("(ghost OR vampire) romance") == And(
        [Or([w("ghost"), w("vampire")]), w("romance")]
    )
    assert parse("-(ghost vampire)") == Not(And([w("ghost"), w("vampire")]))


def test_words_without_letters_or_digits_are_ignored():
    assert parse("enemies & lovers") == And([w("enemies"), w("lovers")])
    assert parse("ghost - vampire") == And([w("ghost"), w("vampire")])


# --- Fields --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "field"),
    [
        ("title", "title"),
        ("summary", "summary"),
        ("notes", "notes"),
        ("creators", "creators"),
        ("creator", "creators"),
        ("author", "creators"),
        ("tag", "tags"),
        ("tags", "tags"),
        ("fandoms", "tags"),
        ("fandom", "tags"),
        ("characters", "tags"),
        ("relationships", "tags"),
        ("freeforms", "tags"),
        ("Title", "title"),
    ],
)
def test_field_prefix(prefix, field):
    assert parse(f"{prefix}:ghost") == Term(field, "ghost")


def test_field_prefix_on_a_phrase_and_on_a_group():
    assert parse('title:"the long way home"') == Phrase("title", "the long way home")
    assert parse("title:(ghost OR spirit) fluff") == And(
        [Or([w("ghost", "title"), w("spirit", "title")]), w("fluff")]
    )


def test_field_prefix_covers_only_the_next_word():
    assert parse("title:ghost story") == And([w("ghost", "title"), w("story")])


def test_space_after_field_colon_is_forgiven():
    assert parse('title: "ghost story"') == Phrase("title", "ghost story")


def test_negated_field():
    assert parse("-creators:rowan") == Not(w("rowan", "creators"))
    assert parse("title:-ghost") == Not(w("ghost", "title"))


def test_search_box_for_one_field():
    assert parse("ghost story", field="title") == And([w("ghost", "title"), w("story", "title")])
    assert parse('"ghost story" OR summary:ghost', field="title") == Or(
        [Phrase("title", "ghost story"), w("ghost", "summary")]
    )
    assert parse("rowan", field="author") == w("rowan", "creators")


@pytest.mark.parametrize("text", ["language:en", "language_id:EN", "language: en"])
def test_language_code(text):
    assert parse(text) == Term("language", "en")


def test_unknown_field_prefix_is_plain_words():
    assert parse("foo:bar") == And([w("foo"), w("bar")])
    assert parse("Re:Zero fluff") == And([w("Re"), w("Zero"), w("fluff")])


# --- Numbers and yes/no ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kudos:>1000", Range("kudos", 1001, None)),
        ("kudos:<100", Range("kudos", None, 99)),
        ("kudos:>=5", Range("kudos", 5, None)),
        ("kudos:<=5", Range("kudos", None, 5)),
        ("words:100-500", Range("words", 100, 500)),
        ("words:500-100", Range("words", 100, 500)),
        ("hits:1000", Range("hits", 1000, 1000)),
        ("word_count:1,000-5,000", Range("words", 1000, 5000)),
        ("kudos_count:[100 TO 500]", Range("kudos", 100, 500)),
        ("comments:[100 TO *]", Range("comments", 100, None)),
        ("comments_count:[* TO 9]", Range("comments", None, 9)),
        ("bookmarks:{100 TO 500}", Range("bookmarks", 101, 499)),
        ("bookmarks_count:>0", Range("bookmarks", 1, None)),
        ("chapters:[2 TO 10", Range("chapters", 2, 10)),
    ],
)
def test_numeric_ranges(text, expected):
    assert parse(text) == expected


def test_range_inside_a_search():
    assert parse("ghost kudos:>100 OR title:vampire") == Or(
        [And([w("ghost"), Range("kudos", 101, None)]), w("vampire", "title")]
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("complete:true", Bool("complete", True)),
        ("complete:false", Bool("complete", False)),
        ("crossover:False", Bool("crossover", False)),
        ("single_chapter:yes", Bool("single_chapter", True)),
        ("complete:T", Bool("complete", True)),
    ],
)
def test_yes_no_fields(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "mentioned"),
    [
        ("slow burn kudos:lots", "kudos:lots"),
        ("slow burn words:[1 TO many]", "words:[1 TO many]"),
        ("slow burn complete:maybe", "complete:maybe"),
    ],
)
def test_a_value_the_field_cannot_take_is_left_out_with_a_notice(text, mentioned):
    node, notices = parse_with_notices(text)
    assert node == And([w("slow"), w("burn")])
    assert len(notices) == 1
    assert mentioned in notices[0]


def test_good_search_has_no_notices():
    assert parse_with_notices('title:"x y" kudos:>5 complete:true')[1] == []


# --- Input that is not well formed ------------------------------------------


def test_unclosed_quote_runs_to_the_end():
    assert parse('ghost "slow burn') == And([w("ghost"), Phrase(None, "slow burn")])


def test_unclosed_parenthesis_closes_at_the_end():
    assert parse("(ghost OR vampire") == Or([w("ghost"), w("vampire")])


def test_stray_closing_parenthesis_is_ignored():
    assert parse("ghost) vampire") == And([w("ghost"), w("vampire")])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AND ghost", w("ghost")),
        ("ghost OR", w("ghost")),
        ("ghost NOT", w("ghost")),
        ("ghost AND AND vampire", And([w("ghost"), w("vampire")])),
        ("OR OR ghost", w("ghost")),
        ("title:", None),
        ("title: OR ghost", w("ghost")),
        ("NOT NOT ghost", w("ghost")),
    ],
)
def test_stray_operators_are_ignored(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "(" * 5000 + "ghost",
        ")" * 5000,
        "NOT " * 5000 + "ghost",
        "-" * 5000 + "ghost",
        "title:" * 5000 + "ghost",
        '"' * 5001,
        "kudos:" + "[" * 100,
        "kudos:{",
        "kudos:[",
        "\x00\ufeff\u202e",
        "a:b:c:d:",
        ":::",
    ],
)
def test_pathological_input_does_not_raise(text):
    node = parse(text)
    assert node is None or parse(describe(node)) == node


def test_deep_nesting_keeps_the_words():
    node = parse("(" * 5000 + "ghost" + ")" * 5000)
    assert node == w("ghost")


_junk = st.lists(
    st.sampled_from(
        list('abc -+()"[]{}:*&|!<>=,0123456789 \t')
        + ["AND ", "OR ", "NOT ", "&&", "||", "TO ", "title:", "kudos:", "complete:", "lang:"]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(_junk)
def test_any_input_parses_and_describes_back_to_the_same_search(text):
    node = parse(text)
    assert parse(describe(node)) == node


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_any_unicode_input_parses(text):
    node, notices = parse_with_notices(text)
    assert isinstance(notices, list)
    assert parse(describe(node)) == node


# --- Describing ----------------------------------------------------------------


def test_describe_spells_out_how_the_search_was_read():
    node = parse('title:(ghost OR spirit) -fluff "slow burn" kudos:>100 complete:true')
    assert describe(node) == (
        '(title:ghost OR title:spirit) AND NOT fluff AND "slow burn" AND kudos:>=101 '
        "AND complete:true"
    )


def test_describe_nothing_is_empty():
    assert describe(None) == ""
