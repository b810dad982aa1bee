"""The work page's plain-SQL reads (``visible_work``, ``visible_chapters``)
answer exactly as the ORM door (``works_visible_to``, ``annotate_is_creator``,
``chapters_visible_to``), for every state of a work and every kind of viewer."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.collections import services as collections
from chapterhouse.exchange.models import ImportedWork, ImportSource
from chapterhouse.works.models import Chapter, Creatorship, Gift, Series, SeriesWork, Work, WorkSkin
from chapterhouse.works.selectors.visibility import (
    annotate_is_creator,
    chapters_visible_to,
    visible_chapters,
    visible_work,
    works_visible_to,
)
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def matrix():
    creator = UserFactory(username="wren_writer")
    co_creator = UserFactory(username="cass_cowriter")
    invitee = UserFactory(username="ivo_invited")
    maintainer = UserFactory(username="mara_maintains")
    admin = UserFactory(username="ada_admin", is_staff=True)
    viewers = {
        "guest": AnonymousUser(),
        "none": None,
        "reader": UserFactory(username="rhea_reader"),
        "creator": creator,
        "co-creator": co_creator,
        "invitee": invitee,
        "maintainer": maintainer,
        "admin": admin,
        "admin creator": UserFactory(username="abe_admin_writer", is_staff=True),
    }
    works = {
        "posted": WorkFactory(creator=creator),
        "restricted": WorkFactory(creator=creator, restricted=True),
        "draft": WorkFactory(creator=creator, posted=False),
        "hidden": WorkFactory(creator=creator, hidden_by_admin=True),
        "hidden restricted": WorkFactory(creator=creator, hidden_by_admin=True, restricted=True),
        "anonymous": WorkFactory(creator=creator, anonymous=True),
        "admin's draft": WorkFactory(creator=viewers["admin creator"], posted=False),
        "admin's hidden": WorkFactory(creator=viewers["admin creator"], hidden_by_admin=True),
        "chapters": WorkFactory(creator=creator, chapters=4),
    }
    for work in works.values():
        Creatorship.objects.create(work=work, pseud=co_creator.pseuds.get(), accepted=True,
                                   position=2)
        Creatorship.objects.create(work=work, pseud=invitee.pseuds.get(), accepted=False,
                                   position=3)
    now = timezone.now()
    chapters = works["chapters"]
    Chapter.objects.filter(work=chapters, position=2).update(posted=False)
    Chapter.objects.filter(work=chapters, position=3).update(
        posted=False, scheduled_for=now - datetime.timedelta(minutes=5))
    Chapter.objects.filter(work=chapters, position=4).update(
        posted=False, scheduled_for=now + datetime.timedelta(days=1))
    # Unrevealed collections: one the maintainer looks after, with a public
    # and a restricted work in it.
    owner = UserFactory(username="otto_owner")
    fest = collections.collection_create(user=owner, name="quiet_fest", title="Quiet Fest",
                                         unrevealed=True)
    collections.maintainer_add(user=owner, collection=fest, username="mara_maintains")
    for name, extra in (("unrevealed", {}), ("unrevealed restricted", {"restricted": True}),
                        ("unrevealed draft", {"posted": False})):
        work = WorkFactory(creator=creator, **extra)
        assert collections.collection_items_add(user=creator, work=work, names="quiet_fest").added
        works[name] = Work.objects.get(pk=work.pk)
    assert works["unrevealed"].in_unrevealed_collection
    return viewers, works


def test_plain_sql_work_read_matches_the_orm_door(matrix):
    viewers, works = matrix
    checked = 0
    for viewer_name, viewer in viewers.items():
        for work_name, work in works.items():
            expected = (annotate_is_creator(works_visible_to(viewer), viewer)
                        .filter(pk=work.pk).first())
            found = visible_work(viewer, work.pk)
            where = (viewer_name, work_name)
            assert (found is None) == (expected is None), where
            if expected is None:
                continue
            checked += 1
            assert found.viewer_is_creator == expected.viewer_is_creator, where
            for field in Work._meta.concrete_fields:
                assert getattr(found, field.attname) == getattr(expected, field.attname), (
                    where, field.name)
            creator = bool(found.viewer_is_creator)
            assert (
                [(c.pk, c.content, c.scheduled_for, c.posted)
                 for c in visible_chapters(viewer, found, creator=creator)]
                == [(c.pk, c.content, c.scheduled_for, c.posted)
                    for c in chapters_visible_to(viewer, expected, creator=creator)]
            ), where
    # Not a vacuous matrix: what each side lets through was compared.
    assert checked > 30


def test_the_chapter_read_leaves_out_draft_and_future_chapters_for_readers(matrix):
    viewers, works = matrix
    work = works["chapters"]
    reader = visible_work(viewers["reader"], work.pk)
    assert [c.position for c in visible_chapters(viewers["reader"], reader, creator=False)] \
        == [1, 3]
    mine = visible_work(viewers["creator"], work.pk)
    assert mine.viewer_is_creator
    assert [c.position for c in visible_chapters(viewers["creator"], mine, creator=True)] \
        == [1, 2, 3, 4]


def test_flags_and_related_rows_come_with_the_work(user):
    skin = WorkSkin.objects.create(title="Sea glass", css="p { color: teal; }",
                                   clean_css="p { color: teal; }", owner=user)
    plain = WorkFactory()
    dressed = WorkFactory(skin=skin)
    ImportedWork.objects.create(work=dressed, source=ImportSource.TEXT,
                                original_url="https://example.org/story/1")
    Gift.objects.create(work=dressed, recipient_name="someone")
    series = Series.objects.create(title="Tides")
    SeriesWork.objects.create(series=series, work=dressed, position=1)
    flags = {"has_gifts": "EXISTS (SELECT 1 FROM works_gift g WHERE g.work_id = w.id)",
             "has_series": "EXISTS (SELECT 1 FROM works_serieswork s WHERE s.work_id = w.id)"}
    read = {work.pk: visible_work(user, work.pk, flags=flags, related=("skin", "import_record"))
            for work in (plain, dressed)}
    assert (read[plain.pk].has_gifts, read[plain.pk].has_series) == (False, False)
    assert (read[dressed.pk].has_gifts, read[dressed.pk].has_series) == (True, True)
    assert read[plain.pk].skin is None
    assert getattr(read[plain.pk], "import_record", None) is None
    assert read[dressed.pk].skin.clean_css == "p { color: teal; }"
    assert read[dressed.pk].import_record.original_url == "https://example.org/story/1"
