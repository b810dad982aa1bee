"""AO3's listing and search parameters → WorkQuery, and back."""

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from hypothesis import given, settings
from hypothesis import strategies as st

from chapterhouse.discovery.params import (
    relative_date_range,
    work_query_from_params,
    work_query_to_params,
)
from chapterhouse.discovery.query import SORT_COLUMNS, WorkQuery

TODAY = dt.date(2024, 5, 15)  # a Wednesday


def parse(text: str, **kwargs) -> WorkQuery:
    return work_query_from_params(QueryDict(text), today=TODAY, **kwargs)


def test_no_parameters_is_the_plain_listing_newest_first():
    q = parse("")
    assert q == WorkQuery()
    assert q.sort_column == "revised_at" and q.sort_direction == "desc"
    assert q.errors == ()


def test_sidebar_include_and_exclude_ids_by_group():
    q = parse(
        "include_work_search[rating_ids][]=11&include_work_search[rating_ids][]=10"
        "&include_work_search[fandom_ids][]=501&include_work_search[archive_warning_ids][]=16"
        "&include_work_search[freeform_ids][]=900"
        "&exclude_work_search[archive_warning_ids][]=18&exclude_work_search[character_ids][]=77"
        "&exclude_work_search[rating_ids][]=13"
    )
    assert q.rating_ids == (10, 11)
    assert q.include_ids == (16, 501, 900)
    assert q.exclude_ids == (13, 18, 77)
    assert q.errors == ()


def test_older_ao3_spellings_are_understood():
    q = parse(
        "work_search[rating_ids][]=12&work_search[warning_ids][]=17"
        "&work_search[category_ids][]=23&work_search[fandom_ids][]=5"
        "&work_search[excluded_tag_ids][]=40"
    )
    assert q.rating_ids == (12,)
    assert q.include_ids == (5, 17, 23)
    assert q.exclude_ids == (40,)


def test_search_form_rating_is_a_single_id():
    q = parse("work_search[rating_ids]=13&work_search[archive_warning_ids][]=18"
              "&work_search[category_ids][]=116", search_form=True)
    assert q.rating_ids == (13,)
    assert q.include_ids == (18, 116)


def test_other_tags_and_search_names_become_names_without_repeats():
    q = parse(
        "work_search[other_tag_names]=Slow Burn, Fluff,,"
        "&work_search[fandom_names]=Harbour Lights (TV)"
        "&work_search[character_names]=Ines, Teodor"
        "&work_search[relationship_names]=Ines/Teodor"
        "&work_search[freeform_names]=slow burn,  Angst"
        "&work_search[excluded_tag_names]=Major Character Death, Crack"
    )
    assert q.include_names == (
        "Slow Burn", "Fluff", "Harbour Lights (TV)", "Ines", "Teodor", "Ines/Teodor", "Angst",
    )
    assert q.exclude_names == ("Major Character Death", "Crack")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("T", True), ("F", False), ("", None), ("true", True), ("false", False)],
)
def test_crossover_and_complete_take_t_and_f(value, expected):
    q = parse(f"work_search[crossover]={value}&work_search[complete]={value}")
    assert q.crossover is expected
    assert q.complete is expected


def test_unticked_ao3_checkboxes_mean_either():
    q = parse("work_search[single_chapter]=0&work_search[complete]=0")
    assert q.single_chapter is None and q.complete is None
    assert parse("work_search[single_chapter]=1").single_chapter is True


def test_word_count_from_to_and_search_range_combine():
    q = parse("work_search[words_from]=1,000&work_search[words_to]=50000")
    assert q.words == (1000, 50000)
    q = parse("work_search[words_from]=50000&work_search[words_to]=1000")
    assert q.words == (1000, 50000)  # typed the wrong way round
    q = parse("work_search[word_count]=>5000&work_search[words_to]=20000")
    assert q.words == (5001, 20000)


@pytest.mark.parametrize(
    ("field", "attribute"),
    [("hits", "hits"), ("kudos_count", "kudos"), ("comments_count", "comments"),
     ("bookmarks_count", "bookmarks"), ("word_count", "words")],
)
def test_search_form_ranges(field, attribute):
    assert getattr(parse(f"work_search[{field}]=100-500"), attribute) == (100, 500)
    assert getattr(parse(f"work_search[{field}]=>10"), attribute) == (11, None)
    assert getattr(parse(f"work_search[{field}]=%26lt%3B10"), attribute) == (None, 9)
    assert getattr(parse(f"work_search[{field}]=42"), attribute) == (42, 42)


def test_date_from_and_to_are_revised_dates():
    q = parse("work_search[date_from]=2024-01-01&work_search[date_to]=2024-02-29")
    assert q.revised == (dt.date(2024, 1, 1), dt.date(2024, 2, 29))
    q = parse("work_search[date_from]=2024-03-01")
    assert q.revised == (dt.date(2024, 3, 1), None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("< 2 weeks", (dt.date(2024, 5, 1), None)),
        ("<2 weeks", (dt.date(2024, 5, 1), None)),
        ("> 1 year", (None, dt.date(2023, 5, 15))),
        ("&gt; 3 months", (None, dt.date(2024, 2, 15))),
        ("7 days", (dt.date(2024, 5, 8), dt.date(2024, 5, 8))),
        ("7 days ago", (dt.date(2024, 5, 8), dt.date(2024, 5, 8))),
        ("1 week", (dt.date(2024, 5, 6), dt.date(2024, 5, 12))),
        ("1 month", (dt.date(2024, 4, 1), dt.date(2024, 4, 30))),
        ("2 years", (dt.date(2022, 1, 1), dt.date(2022, 12, 31))),
        ("1-3 months", (dt.date(2024, 2, 15), dt.date(2024, 4, 15))),
        ("3 - 1 Months", (dt.date(2024, 2, 15), dt.date(2024, 4, 15))),
    ],
)
def test_relative_dates(text, expected):
    assert relative_date_range(text, today=TODAY) == expected
    assert parse(urlencode({"work_search[revised_at]": text})).revised == expected


def test_month_arithmetic_keeps_to_the_end_of_short_months():
    assert relative_date_range("> 1 month", today=dt.date(2024, 3, 31)) == (
        None, dt.date(2024, 2, 29),
    )
    assert relative_date_range("> 5000 years", today=TODAY) == (None, dt.date.min)


def test_relative_and_absolute_dates_narrow_each_other():
    q = parse("work_search[revised_at]=< 1 month&work_search[date_to]=2024-05-01")
    assert q.revised == (dt.date(2024, 4, 15), dt.date(2024, 5, 1))


def test_text_fields_and_language():
    q = parse(urlencode({"work_search[query]": '"slow burn" kudos:&gt;10',
                         "work_search[title]": "Lamp", "work_search[creators]": "rowan",
                         "work_search[language_id]": "en"}))
    assert q.query == '"slow burn" kudos:>10'
    assert q.title == "Lamp" and q.creators == "rowan"
    assert q.language == "en"
    assert parse("work_search[language_id]=pt-br").language == "pt-BR"


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("include_work_search[fandom_ids][]=abc", "include_ids", "“abc” is not a tag id"),
        ("exclude_work_search[freeform_ids][]=-3", "exclude_ids", "“-3” is not a tag id"),
        ("work_search[words_from]=lots", "words", "Word count from: “lots”"),
        ("work_search[kudos_count]=>>ten", "kudos", "Kudos: “>>ten”"),
        ("work_search[date_from]=2024-13-40", "revised", "“2024-13-40” is not a date"),
        ("work_search[revised_at]=last tuesday", "revised", "Date: “last tuesday”"),
        ("work_search[crossover]=maybe", "crossover", "Crossovers: “maybe”"),
        ("work_search[language_id]=xx", "language", "we don't know “xx”"),
        ("work_search[sort_column]=id; drop", "sort_column", "Sort by: “id; drop”"),
        ("work_search[sort_direction]=sideways", "sort_direction", "“sideways”"),
    ],
)
def test_bad_values_never_raise_and_say_what_was_left_out(text, field, words):
    q = parse(text)
    assert getattr(q, field) == getattr(WorkQuery(), field)
    assert len(q.errors) == 1
    assert words in q.errors[0]


def test_a_bad_value_leaves_the_good_ones_in_place():
    q = parse("include_work_search[fandom_ids][]=x&include_work_search[fandom_ids][]=12"
              "&work_search[complete]=T")
    assert q.include_ids == (12,) and q.complete is True
    assert len(q.errors) == 1


def test_sorting():
    q = parse("work_search[sort_column]=kudos_count")
    assert (q.sort_column, q.sort_direction) == ("kudos_count", "desc")
    q = parse("work_search[sort_column]=title_to_sort_on")
    assert (q.sort_column, q.sort_direction) == ("title_to_sort_on", "asc")
    q = parse("work_search[sort_column]=hits&work_search[sort_direction]=asc")
    assert (q.sort_column, q.sort_direction) == ("hits", "asc")


def test_best_match_is_for_searches_with_text():
    q = parse("work_search[sort_column]=_score")
    assert q.sort_column == "revised_at"
    assert "Best Match" in q.errors[0]
    assert parse("work_search[query]=storm", search_form=True).sort_column == "_score"
    assert parse("work_search[title]=lamp", search_form=True).sort_column == "_score"
    assert parse("work_search[complete]=T", search_form=True).sort_column == "revised_at"
    q = parse("work_search[query]=storm&work_search[sort_column]=kudos_count", search_form=True)
    assert q.sort_column == "kudos_count"
    q = parse("work_search[sort_column]=_score&work_search[complete]=T", search_form=True)
    assert q.sort_column == "revised_at" and q.errors == ()


def test_base_keeps_the_listing_place():
    base = WorkQuery(tag_ids=(7,), language="fr")
    q = parse("work_search[complete]=T&work_search[language_id]=en", base=base)
    assert q.tag_ids == (7,) and q.complete is True
    assert q.language == "fr"


def test_plain_dict_works_too():
    q = work_query_from_params(
        {"include_work_search[fandom_ids][]": ["3", "4"], "work_search[complete]": "T"},
        today=TODAY,
    )
    assert q.include_ids == (3, 4) and q.complete is True


# Back to parameters -------------------------------------------------------------


GROUPS = {16: "archive_warning", 18: "archive_warning", 501: "fandom", 77: "character",
          900: "freeform", 13: "rating"}


def test_to_params_uses_ao3_names():
    q = parse(
        "include_work_search[rating_ids][]=11&include_work_search[fandom_ids][]=501"
        "&exclude_work_search[archive_warning_ids][]=18&work_search[other_tag_names]=Fluff"
        "&work_search[complete]=T&work_search[crossover]=F&work_search[words_from]=100"
        "&work_search[date_to]=2024-01-31&work_search[kudos_count]=>10"
        "&work_search[sort_column]=kudos_count&work_search[language_id]=en"
        "&work_search[query]=storm"
    )
    params = work_query_to_params(q, groups=GROUPS)
    assert params == [
        ("work_search[sort_column]", "kudos_count"),
        ("include_work_search[rating_ids][]", "11"),
        ("include_work_search[fandom_ids][]", "501"),
        ("exclude_work_search[archive_warning_ids][]", "18"),
        ("work_search[other_tag_names]", "Fluff"),
        ("work_search[crossover]", "F"),
        ("work_search[complete]", "T"),
        ("work_search[words_from]", "100"),
        ("work_search[kudos_count]", ">10"),
        ("work_search[date_to]", "2024-01-31"),
        ("work_search[language_id]", "en"),
        ("work_search[query]", "storm"),
    ]


def test_default_sort_is_left_out_of_plain_links():
    assert work_query_to_params(WorkQuery(), groups={}, default_sort="revised_at") == []
    assert work_query_to_params(WorkQuery(), groups={}) == [
        ("work_search[sort_column]", "revised_at"),
    ]
    asc = WorkQuery(sort_direction="asc")
    assert work_query_to_params(asc, groups={}, default_sort="revised_at") == [
        ("work_search[sort_column]", "revised_at"), ("work_search[sort_direction]", "asc"),
    ]


@pytest.mark.django_db
def test_to_params_looks_up_groups_when_not_given():
    from chapterhouse.tags.models import Tag, TagType

    fandom = Tag.objects.create(name="Harbour Lights (TV)", type=TagType.FANDOM)
    q = WorkQuery(include_ids=(fandom.pk,), exclude_ids=(18,))
    assert work_query_to_params(q, default_sort="revised_at") == [
        ("include_work_search[fandom_ids][]", str(fandom.pk)),
        ("exclude_work_search[archive_warning_ids][]", "18"),
    ]


ids = st.lists(st.integers(min_value=1, max_value=5000), max_size=4).map(
    lambda xs: tuple(sorted(set(xs)))
)
name = st.text(
    alphabet=st.characters(whitelist_categories=("L", "N"), whitelist_characters=" /&.-"),
    min_size=1, max_size=12,
).map(lambda s: " ".join(s.split())).filter(bool)
names = st.lists(name, max_size=3, unique_by=str.casefold).map(tuple)
count = st.integers(min_value=0, max_value=10**6)
ranges = st.tuples(st.none() | count, st.none() | count).map(
    lambda r: r if None in r or r[0] <= r[1] else (r[1], r[0])
)
dates = st.tuples(
    st.none() | st.dates(dt.date(2000, 1, 1), dt.date(2030, 1, 1)),
    st.none() | st.dates(dt.date(2000, 1, 1), dt.date(2030, 1, 1)),
).map(lambda r: r if None in r or r[0] <= r[1] else (r[1], r[0]))
text = st.text(alphabet=st.characters(whitelist_categories=("L", "N", "Zs"),
                                      whitelist_characters='":<>-'), max_size=15).map(str.strip)
queries = st.builds(
    WorkQuery,
    rating_ids=ids, include_ids=ids, exclude_ids=ids, include_names=names, exclude_names=names,
    crossover=st.none() | st.booleans(), complete=st.none() | st.booleans(),
    single_chapter=st.none() | st.booleans(),
    words=ranges, hits=ranges, kudos=ranges, comments=ranges, bookmarks=ranges,
    revised=dates, language=st.sampled_from(["", "en", "fr", "pt-BR"]),
    query=text, title=text, creators=text,
    sort_column=st.sampled_from([c for c in SORT_COLUMNS if c != "_score"]),
    sort_direction=st.sampled_from(["asc", "desc"]),
)


@settings(max_examples=300, deadline=None)
@given(queries)
def test_every_query_survives_the_round_trip_through_parameters(q):
    groups = dict.fromkeys([*q.include_ids, *q.exclude_ids], "freeform")
    params = work_query_to_params(q, groups=groups, default_sort="revised_at")
    querydict = QueryDict(mutable=True)
    for key, value in params:
        querydict.appendlist(key, value)
    back = work_query_from_params(querydict, today=TODAY)
    assert back.errors == ()
    assert back == q


# Ids and numbers no tag or count can have ------------------------------------------------


@pytest.mark.parametrize("value", ["2147483648", "99999999999999999999999999999"])
def test_an_id_past_the_largest_tag_id_is_an_unknown_tag(value):
    q = parse(f"include_work_search[rating_ids][]={value}&include_work_search[fandom_ids][]=12")
    assert q.impossible  # included: nothing can match, as for an id no tag has
    assert q.rating_ids == () and q.include_ids == (12,)
    assert q.errors == (f"No tag has the id “{value}”, so no work can include it.",)
    q = parse(f"exclude_work_search[freeform_ids][]={value}")
    assert not q.impossible and q.exclude_ids == ()  # excluded: nothing is left out
    assert q.errors == (f"No tag has the id “{value}”; nothing was excluded for it.",)


def test_the_largest_tag_id_is_still_an_id():
    q = parse("include_work_search[fandom_ids][]=2147483647")
    assert q.include_ids == (2147483647,) and not q.impossible and q.errors == ()


@pytest.mark.parametrize("value", ["²", "١٢", "0", "00"])
def test_digits_that_are_not_plain_digits_are_not_ids(value):
    q = parse(urlencode({"include_work_search[fandom_ids][]": value}))
    assert q.include_ids == () and not q.impossible
    assert "is not a tag id" in q.errors[0]


@pytest.mark.parametrize("value", ["²", "9" * 5000])
def test_a_number_python_cannot_read_is_left_out(value):
    q = parse(urlencode({"work_search[words_from]": value,
                         "work_search[revised_at]": f"{value} days"}))
    assert q.words == (None, None) and q.revised == (None, None)
    assert len(q.errors) == 2
