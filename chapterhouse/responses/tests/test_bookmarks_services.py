"""The bookmark services: every rule a reader would run into."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from chapterhouse.accounts.models import Pseud
from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.discovery.models import OutboxEvent
from chapterhouse.discovery.outbox import WORK_CHANGED
from chapterhouse.responses.models import Bookmark, BookmarkTag, ExternalWork
from chapterhouse.responses.services.bookmarks import (
    DUPLICATE_MESSAGE,
    NOTES_MAX,
    TAGS_MAX,
    bookmark_create,
    bookmark_delete,
    bookmark_update,
    external_bookmark_create,
    external_work_create,
)
from chapterhouse.tags.fixed import EXPLICIT
from chapterhouse.tags.models import Tag, TagType
from chapterhouse.works.models import Work
from chapterhouse.works.tests.factories import WorkFactory, add_to_series

pytestmark = pytest.mark.django_db


def pseud(user):
    return user.pseuds.get(is_default=True)


def make(user, **kwargs):
    return bookmark_create(user=user, pseud=pseud(user), **kwargs)


def count(work):
    return Work.objects.get(pk=work.pk).bookmark_count


def test_reader_bookmarks_work_with_notes_tags_and_flags(work, reader):
    bookmark = make(reader, work=work, notes="<p>So <b>good</b></p>",
                    tag_string="comfort read, Slow Burn, comfort READ", rec=True)
    assert bookmark.notes == "<p>So <b>good</b></p>"
    assert bookmark.rec and not bookmark.private
    names = list(BookmarkTag.objects.filter(bookmark=bookmark).values_list("tag__name", flat=True))
    assert names == ["comfort read", "Slow Burn"]
    assert Tag.objects.get(name="Slow Burn").type == TagType.FREEFORM


def test_bookmarker_tags_reuse_existing_tags_in_any_case(work, reader):
    existing = Tag.objects.create(name="Found Family", type=TagType.FREEFORM, canonical=True)
    bookmark = make(reader, work=work, tag_string="found family")
    assert list(bookmark.tags.all()) == [existing]


def test_notes_are_sanitised(work, reader):
    bookmark = make(reader, work=work, notes='<p onclick="x()">Hi<script>alert(1)</script></p>')
    assert "script" not in bookmark.notes and "onclick" not in bookmark.notes
    assert "Hi" in bookmark.notes


def test_notes_longer_than_the_limit_are_refused(work, reader):
    with pytest.raises(ValidationError) as error:
        make(reader, work=work, notes="a" * (NOTES_MAX + 1))
    assert "notes" in error.value.message_dict
    assert not Bookmark.objects.exists()


def test_too_many_tags_are_refused(work, reader):
    names = ", ".join(f"tag {n}" for n in range(TAGS_MAX + 1))
    with pytest.raises(ValidationError) as error:
        make(reader, work=work, tag_string=names)
    assert "tag_string" in error.value.message_dict


def test_tag_with_forbidden_characters_is_refused(work, reader):
    with pytest.raises(ValidationError) as error:
        make(reader, work=work, tag_string="good*stuff")
    assert "tag_string" in error.value.message_dict


def test_second_bookmark_of_the_same_work_is_refused(work, reader):
    make(reader, work=work)
    with pytest.raises(ValidationError) as error:
        make(reader, work=work, notes="again")
    assert error.value.messages == [DUPLICATE_MESSAGE]
    assert Bookmark.objects.count() == 1


def test_bookmark_under_someone_elses_pseud_is_refused(work, reader, creator):
    with pytest.raises(ValidationError) as error:
        bookmark_create(user=reader, pseud=pseud(creator), work=work)
    assert "pseud" in error.value.message_dict


def test_bookmark_under_a_second_pseud(work, reader):
    other = Pseud.objects.create(user=reader, name="Ashby Elsewhere")
    bookmark = bookmark_create(user=reader, pseud=other, work=work)
    assert bookmark.pseud == other


def test_guest_cannot_bookmark(work):
    with pytest.raises(PermissionDenied):
        bookmark_create(user=AnonymousUser(), pseud=None, work=work)


@pytest.mark.parametrize("state", ["draft", "hidden_by_admin"])
def test_reader_cannot_bookmark_work_she_cannot_see(creator, reader, state):
    work = WorkFactory(creator=creator, posted=state != "draft",
                       hidden_by_admin=state == "hidden_by_admin")
    with pytest.raises(PermissionDenied):
        make(reader, work=work)


def test_reader_may_bookmark_restricted_work(creator, reader):
    work = WorkFactory(creator=creator, restricted=True)
    assert make(reader, work=work).work == work


def test_creator_may_bookmark_her_own_work_but_not_her_draft(creator):
    posted = WorkFactory(creator=creator)
    draft = WorkFactory(creator=creator, posted=False)
    assert make(creator, work=posted)
    with pytest.raises(PermissionDenied):
        make(creator, work=draft)


def test_series_bookmark_needs_a_work_the_reader_can_see(creator, reader):
    series = add_to_series(WorkFactory(creator=creator, hidden_by_admin=True))
    with pytest.raises(PermissionDenied):
        make(reader, series=series)
    add_to_series(WorkFactory(creator=creator), series, position=2)
    assert make(reader, series=series).series == series


def test_exactly_one_thing_is_bookmarked(work, reader, creator):
    series = add_to_series(WorkFactory(creator=creator))
    with pytest.raises(ValidationError):
        make(reader, work=work, series=series)
    with pytest.raises(ValidationError):
        make(reader)


# Counts -----------------------------------------------------------


def test_bookmark_count_counts_public_bookmarks_only(work, reader):
    make(reader, work=work)
    make(UserFactory(), work=work, private=True)
    assert count(work) == 1


def test_bookmark_count_follows_private_switch_and_delete(work, reader):
    bookmark = make(reader, work=work)
    assert count(work) == 1
    bookmark_update(bookmark=bookmark, user=reader, private=True)
    assert count(work) == 0
    bookmark_update(bookmark=bookmark, user=reader, private=False)
    assert count(work) == 1
    bookmark_delete(bookmark=bookmark, user=reader)
    assert count(work) == 0


def test_bookmark_count_leaves_out_bookmarks_hidden_by_admin(work, reader):
    bookmark = make(reader, work=work)
    Bookmark.objects.filter(pk=bookmark.pk).update(hidden_by_admin=True)
    bookmark_update(bookmark=Bookmark.objects.get(pk=bookmark.pk), user=reader, notes="x")
    assert count(work) == 0


def test_bookmarking_tells_the_search_index(work, reader):
    OutboxEvent.objects.all().delete()
    make(reader, work=work)
    events = OutboxEvent.objects.filter(topic=WORK_CHANGED)
    assert any(work.pk in event.payload["work_ids"] for event in events)


# Owner only -----------------------------------------------------------


def test_only_the_owner_updates_a_bookmark(work, reader, creator):
    bookmark = make(reader, work=work, notes="mine")
    with pytest.raises(PermissionDenied):
        bookmark_update(bookmark=bookmark, user=creator, notes="hers")
    with pytest.raises(PermissionDenied):
        bookmark_update(bookmark=bookmark, user=AnonymousUser(), notes="nobody's")
    assert Bookmark.objects.get(pk=bookmark.pk).notes == "mine"


def test_only_the_owner_deletes_a_bookmark(work, reader, creator):
    bookmark = make(reader, work=work)
    admin = UserFactory(is_staff=True)
    for someone in (creator, admin):
        with pytest.raises(PermissionDenied):
            bookmark_delete(bookmark=bookmark, user=someone)
    assert Bookmark.objects.filter(pk=bookmark.pk).exists()


def test_update_changes_notes_tags_flags_and_pseud(work, reader):
    bookmark = make(reader, work=work, tag_string="one, two")
    other = Pseud.objects.create(user=reader, name="Ashby Elsewhere")
    bookmark_update(bookmark=bookmark, user=reader, pseud=other, notes="new notes",
                    tag_string="three", private=True, rec=True)
    bookmark.refresh_from_db()
    assert bookmark.pseud == other and bookmark.private and bookmark.rec
    assert "new notes" in bookmark.notes
    assert [t.name for t in bookmark.tags.all()] == ["three"]


# External works -----------------------------------------------------------


def external_kwargs(**changes):
    data = {
        "url": "https://example.org/stories/42",
        "title": "Letters from the Shore",
        "creator": "marisol",
        "summary": "<p>Letters.<script>x</script></p>",
        "fandoms": "Lighthouse Keepers",
        "rating": EXPLICIT,
        "relationships": "Wren/Ashby",
        "characters": "Wren, Ashby",
    }
    data.update(changes)
    return data


def test_external_work_gets_its_tags(reader):
    external = external_work_create(user=reader, **external_kwargs())
    by_type = {tag.name: tag.type for tag in external.tags.all()}
    assert by_type["Explicit"] == TagType.RATING
    assert by_type["Lighthouse Keepers"] == TagType.FANDOM
    assert by_type["Wren/Ashby"] == TagType.RELATIONSHIP
    assert by_type["Wren"] == TagType.CHARACTER
    assert "script" not in external.summary


@pytest.mark.parametrize("changes, field", [
    ({"url": "ftp://example.org/x"}, "url"),
    ({"url": "not a url"}, "url"),
    ({"title": " "}, "title"),
    ({"creator": ""}, "creator"),
    ({"fandoms": ""}, "fandoms"),
    ({"rating": 99}, "rating"),
])
def test_external_work_needs_its_fields(reader, changes, field):
    with pytest.raises(ValidationError) as error:
        external_work_create(user=reader, **external_kwargs(**changes))
    assert field in error.value.message_dict
    assert not ExternalWork.objects.exists()


def test_external_work_at_the_same_address_is_reused(reader):
    first = external_work_create(user=reader, **external_kwargs())
    second = external_work_create(user=UserFactory(), **external_kwargs(title="Other"))
    assert first == second


def test_external_bookmark_is_made_with_its_work_or_not_at_all(reader):
    with pytest.raises(ValidationError) as error:
        external_bookmark_create(
            user=reader, pseud=pseud(reader), external=external_kwargs(),
            notes="x" * (NOTES_MAX + 1),
        )
    assert "notes" in error.value.message_dict
    assert not ExternalWork.objects.exists()
    bookmark = external_bookmark_create(
        user=reader, pseud=pseud(reader), external=external_kwargs(), notes="kept"
    )
    assert bookmark.external_work.title == "Letters from the Shore"
    with pytest.raises(ValidationError) as error:
        external_bookmark_create(user=reader, pseud=pseud(reader), external=external_kwargs())
    assert error.value.messages == [DUPLICATE_MESSAGE]


def test_external_work_hidden_by_admin_cannot_be_bookmarked(reader):
    external = external_work_create(user=reader, **external_kwargs())
    ExternalWork.objects.filter(pk=external.pk).update(hidden_by_admin=True)
    external.refresh_from_db()
    with pytest.raises(PermissionDenied):
        make(reader, external=external)
