"""What the work page and the listings are given to show."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from chapterhouse.tags.fixed import (
    CHOSE_NOT_TO_WARN,
    EXPLICIT,
    MAJOR_CHARACTER_DEATH,
    NO_WARNINGS_APPLY,
    TEEN,
)
from chapterhouse.tags.models import Tag, TagType
from chapterhouse.works.models import Chapter, Gift, RelatedWork, WorkTag
from chapterhouse.works.selectors import listing, reading
from chapterhouse.works.services.versions import works_touched
from chapterhouse.works.tests.factories import WorkFactory, add_to_series, tag

pytestmark = pytest.mark.django_db

GUEST = AnonymousUser()


def test_work_page_is_none_for_works_the_viewer_may_not_see(user):
    draft = WorkFactory(posted=False)
    assert reading.work_page(viewer=GUEST, work_id=draft.pk) is None
    assert reading.work_page(viewer=user, work_id=draft.pk) is None
    assert reading.work_page(viewer=GUEST, work_id=123456) is None


def test_tags_come_grouped_in_ao3_order_and_as_typed():
    work = WorkFactory()
    for position, (name, kind) in enumerate(
        [("Zed", TagType.FREEFORM), ("Mara", TagType.CHARACTER), ("Alpha", TagType.FREEFORM),
         ("Odd One", TagType.UNSORTED)], start=10
    ):
        WorkTag.objects.create(work=work, tag=tag(name, kind), position=position)
    page = reading.work_page(viewer=GUEST, work_id=work.pk)
    groups = [(g.css, g.label, [t.name for t in g.tags]) for g in page.meta_groups]
    assert groups == [
        ("rating", "Rating:", ["General Audiences"]),
        ("warning", "Archive Warning:", ["No Archive Warnings Apply"]),
        ("fandom", "Fandom:", ["Lighthouse Keepers"]),
        ("character", "Character:", ["Mara"]),
        ("freeform", "Additional Tags:", ["Zed", "Alpha", "Odd One"]),
    ]


def test_adult_works_are_recognised_by_rating():
    work = WorkFactory()
    assert not reading.work_page(viewer=GUEST, work_id=work.pk).is_adult
    WorkTag.objects.filter(work=work, tag__type=TagType.RATING).update(tag_id=EXPLICIT)
    works_touched([work.pk])  # as every change of a work's tags does
    assert reading.work_page(viewer=GUEST, work_id=work.pk).is_adult


def test_a_new_rating_reaches_a_page_whose_tags_were_read_before():
    work = WorkFactory()
    assert not reading.work_page(viewer=GUEST, work_id=work.pk).is_adult  # tags kept
    rating = WorkTag.objects.get(work=work, tag__type=TagType.RATING)
    rating.tag_id = EXPLICIT
    rating.save()
    assert reading.work_page(viewer=GUEST, work_id=work.pk).is_adult


def test_a_renamed_pseud_reaches_a_byline_read_before():
    from chapterhouse.accounts.models import Pseud

    work = WorkFactory()
    pseud_id = reading.work_page(viewer=GUEST, work_id=work.pk).creators[0].pseud.pk  # kept
    pseud = Pseud.objects.get(pk=pseud_id)
    pseud.name = "Renamed Keeper"
    pseud.save()
    page = reading.work_page(viewer=GUEST, work_id=work.pk)
    assert page.creators[0].pseud.name == "Renamed Keeper"


def test_the_kept_creators_hold_no_password_hash_or_email():
    work = WorkFactory()
    for _ in range(2):  # read, then from the cache
        user = reading.work_page(viewer=GUEST, work_id=work.pk).creators[0].pseud.user
        assert {"password", "email"} <= user.get_deferred_fields()
        assert user.username


def test_series_neighbours_skip_works_the_viewer_may_not_see(user):
    first, middle, last = WorkFactory(), WorkFactory(restricted=True), WorkFactory()
    series = add_to_series(first, position=1)
    add_to_series(middle, series=series, position=2)
    add_to_series(last, series=series, position=3)
    (link,) = reading.work_page(viewer=GUEST, work_id=last.pk).series
    assert (link.position, link.previous, link.next) == (2, first, None)
    (link,) = reading.work_page(viewer=user, work_id=last.pk).series
    assert (link.position, link.previous) == (3, middle)


def test_refused_gifts_and_hidden_related_works_are_left_out():
    parent = WorkFactory(posted=False)
    work = WorkFactory()
    Gift.objects.create(work=work, recipient_name="kept")
    Gift.objects.create(work=work, recipient_name="refused", refused=True)
    RelatedWork.objects.create(work=work, parent=parent)
    page = reading.work_page(viewer=GUEST, work_id=work.pk)
    assert [g.recipient_name for g in page.gifts] == ["kept"]
    (note,) = page.parents
    assert note.work is None and not note.login_needed


def test_chapters_are_numbered_by_what_the_reader_sees(user):
    work = WorkFactory(creator=user, chapters=3)
    Chapter.objects.filter(work=work, position=2).update(posted=False)
    numbers = [(c.position, c.number) for c in reading.work_page(
        viewer=GUEST, work_id=work.pk).chapters]
    assert numbers == [(1, 1), (3, 2)]
    mine = reading.work_page(viewer=user, work_id=work.pk).chapters
    assert [(c.number, c.is_live) for c in mine] == [(1, True), (2, False), (3, True)]


def _blurb(*tag_ids, complete=True):
    work = WorkFactory(complete=complete)
    WorkTag.objects.filter(work=work).exclude(tag__type=TagType.FANDOM).delete()
    for position, tag_id in enumerate(tag_ids):
        WorkTag.objects.create(work=work, tag=Tag.objects.get(pk=tag_id), position=position)
    works = listing.blurb_queryset(type(work).objects.filter(pk=work.pk))
    return listing.blurbs(works)[0]


def test_required_tag_symbols_follow_ao3():
    assert [c for c, _ in _blurb(TEEN, NO_WARNINGS_APPLY, 116).required_tags] == [
        "rating-teen rating", "warning-no warnings", "category-femslash category",
        "complete-yes iswip",
    ]
    assert [c for c, _ in _blurb(EXPLICIT, MAJOR_CHARACTER_DEATH, 21, 22,
                                 complete=False).required_tags] == [
        "rating-explicit rating", "warning-yes warnings", "category-multi category",
        "complete-no iswip",
    ]
    symbols = _blurb(CHOSE_NOT_TO_WARN).required_tags
    assert symbols[0] == ("rating-notrated rating", "No rating")
    assert symbols[1][0] == "warning-choosenotto warnings"
    assert symbols[2] == ("category-none category", "No category")


def test_listing_pages_count_and_clamp(user):
    from bs4 import BeautifulSoup
    from django.test import Client

    for _ in range(3):
        WorkFactory(creator=user)
    response = Client().get(f"/users/{user.username}/works", {"page": 7})
    page = BeautifulSoup(response.content.decode(), "html.parser")
    assert len(page.select("li.work.blurb.group")) == 3
    assert " ".join(page.select_one("h2.heading").text.split()) == (
        f"1 - 3 of 3 Works by {user.username}"
    )
    big = listing.Page(items=[], number=5, num_pages=60, total=1200)
    assert big.heading("Works") == "81 - 100 of 1,200 Works"
    assert big.page_numbers == [1, 2, 3, 4, 5, 6, 7, 8, None, 59, 60]
    # A big tag's middle page: the dozen links around it and at both ends.
    huge = listing.Page(items=[], number=50_000, num_pages=100_000, total=2_000_000)
    assert huge.page_numbers == [
        1, 2, None, *range(49_997, 50_004), None, 99_999, 100_000,
    ]
    assert listing.Page(items=[], number=1, num_pages=1, total=3).page_numbers == [1]


def test_recent_works_are_newest_first_and_posted_only(user):
    old = WorkFactory(revised_at=timezone.now() - datetime.timedelta(days=2))
    new = WorkFactory()
    WorkFactory(creator=user, posted=False)
    assert [b.work_id for b in listing.recent_works(viewer=user)] == [new.pk, old.pk]
