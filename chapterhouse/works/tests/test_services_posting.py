import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.tags.fixed import GENERAL, NO_WARNINGS_APPLY
from chapterhouse.works.models import (
    Chapter,
    Gift,
    RelatedWork,
    Series,
    SeriesWork,
    Work,
    WorkRevision,
    WorkSkin,
)
from chapterhouse.works.selectors.visibility import can_view_work, is_creator
from chapterhouse.works.services import posting
from chapterhouse.works.services.posting import WorkFields
from chapterhouse.works.services.tagging import TagChoice
from chapterhouse.works.tests.factories import WorkFactory, add_to_series

pytestmark = pytest.mark.django_db

TEXT = "The lamp burned all night while the sea argued with the rocks."


def fields(**kwargs) -> WorkFields:
    base = dict(
        title="Salt and Lamplight",
        tags=TagChoice(rating=GENERAL, warnings=[NO_WARNINGS_APPLY], fandoms="Tidewatch"),
        content=TEXT,
    )
    base.update(kwargs)
    return WorkFields(**base)


def test_new_work_is_a_draft_only_its_creator_sees(user, other_user):
    work = posting.work_create(user=user, fields=fields())
    assert not work.posted and work.published_on is None
    assert is_creator(user, work)
    assert can_view_work(user, work)
    assert not can_view_work(other_user, work)
    chapter = work.chapters.get()
    assert chapter.content == TEXT
    assert chapter.word_count == 12


def test_posting_sets_dates_and_counts(user):
    work = posting.work_create(user=user, fields=fields(expected_chapters=1), post=True)
    work.refresh_from_db()
    assert work.posted and work.published_on == timezone.localdate()
    assert work.revised_at is not None
    assert work.posted_chapter_count == 1 and work.word_count == 12
    assert work.complete and work.chapters_display == "1/1"
    assert work.chapters.get().posted


def test_draft_is_posted_later_with_work_post(user, other_user):
    work = posting.work_create(user=user, fields=fields())
    with pytest.raises(PermissionDenied):
        posting.work_post(user=other_user, work=work)
    posting.work_post(user=user, work=work)
    work.refresh_from_db()
    assert work.posted and can_view_work(other_user, work)


def test_posting_needs_some_text(user):
    with pytest.raises(ValidationError) as caught:
        posting.work_create(user=user, fields=fields(content="short"), post=True)
    assert "content" in caught.value.message_dict
    assert not Work.objects.exists()


def test_every_text_format_is_sanitised(user):
    work = posting.work_create(user=user, fields=fields(
        summary="**bold** <script>alert(1)</script>", summary_format="markdown",
        notes="a < b\n\nnext", notes_format="plain",
        content="<p onclick='x()'>Long enough text here</p>",
    ))
    assert work.summary == "<p><strong>bold</strong> </p>"
    assert work.notes == "<p>a &lt; b</p>\n<p>next</p>"
    assert "onclick" not in work.chapters.get().content


@pytest.mark.parametrize("name,value,limit", [
    ("title", "t" * 256, 255), ("summary", "s" * 1251, 1250), ("notes", "n" * 5001, 5000),
    ("endnotes", "e" * 5001, 5000),
])
def test_ao3_length_limits(user, name, value, limit):
    with pytest.raises(ValidationError) as caught:
        posting.work_create(user=user, fields=fields(**{name: value}))
    assert f"{limit:,}" in caught.value.message_dict[name][0]
    posting.work_create(user=user, fields=fields(**{name: value[:limit]}))


def test_blank_title_is_refused(user):
    with pytest.raises(ValidationError) as caught:
        posting.work_create(user=user, fields=fields(title="   "))
    assert "title" in caught.value.message_dict


def test_backdating_keeps_the_past_date_and_refuses_the_future(user):
    past = timezone.localdate() - datetime.timedelta(days=400)
    work = posting.work_create(user=user, fields=fields(published_on=past), post=True)
    work.refresh_from_db()
    assert work.published_on == past
    assert work.chapters.get().published_on == past
    assert work.revised_at.date() == past
    with pytest.raises(ValidationError) as caught:
        posting.work_create(user=user, fields=fields(
            published_on=timezone.localdate() + datetime.timedelta(days=1)))
    assert "published_on" in caught.value.message_dict


def test_editing_posted_text_keeps_a_revision(user):
    work = posting.work_create(user=user, fields=fields(), post=True)
    posting.work_update(user=user, work=work, fields=fields(
        title="Salt and Lamplight (revised)", content=TEXT + " Then morning."))
    revision = WorkRevision.objects.get(work=work)
    assert revision.title == "Salt and Lamplight"
    chapter = work.chapters.get()
    assert chapter.revisions.get().content == TEXT
    assert "Then morning." in chapter.content


def test_editing_a_draft_keeps_no_revision(user):
    work = posting.work_create(user=user, fields=fields())
    posting.work_update(user=user, work=work, fields=fields(title="Another"))
    assert not WorkRevision.objects.exists()


def test_only_creators_may_edit_or_delete(user, other_user):
    work = posting.work_create(user=user, fields=fields())
    with pytest.raises(PermissionDenied):
        posting.work_update(user=other_user, work=work, fields=fields(title="Mine now"))
    with pytest.raises(PermissionDenied):
        posting.work_delete(user=other_user, work=work)
    posting.work_delete(user=user, work=work)
    assert not Work.objects.filter(pk=work.pk).exists()


def test_gifts_to_users_and_names_and_refusal(user, other_user):
    closed = UserFactory(username="no_gifts")
    closed.preference.allow_gifts = False
    closed.preference.save()
    with pytest.raises(ValidationError) as caught:
        posting.work_create(user=user, fields=fields(gifts="no_gifts"))
    assert caught.value.message_dict["gifts"] == ["You can't give a gift to no_gifts."]
    with pytest.raises(ValidationError):
        posting.work_create(user=user, fields=fields(gifts=user.username))
    work = posting.work_create(user=user, fields=fields(gifts="mireille_test, Aunt Wen"))
    assert {(g.recipient_id, g.recipient_name) for g in work.gifts.all()} == {
        (other_user.pk, ""), (None, "Aunt Wen")}
    gift = Gift.objects.get(recipient=other_user)
    with pytest.raises(PermissionDenied):
        posting.gift_refuse(user=user, gift=gift)
    posting.gift_refuse(user=other_user, gift=gift)
    gift.refresh_from_db()
    assert gift.refused
    # Saving the work again does not give the refused gift back.
    posting.work_update(user=user, work=work, fields=fields(gifts="mireille_test, Aunt Wen"))
    assert Gift.objects.filter(recipient=other_user, refused=False).count() == 0


def test_related_work_here_must_be_visible(user, other_user):
    parent = WorkFactory(creator=other_user)
    draft = WorkFactory(creator=other_user, posted=False)
    work = posting.work_create(user=user, fields=fields(parent_url=f"/works/{parent.pk}",
                                                        parent_translation=True))
    link = RelatedWork.objects.get(work=work)
    assert link.parent == parent and link.translation
    with pytest.raises(ValidationError) as caught:
        posting.work_create(user=user, fields=fields(parent_url=f"/works/{draft.pk}"))
    assert "parent_url" in caught.value.message_dict


def test_related_work_elsewhere_needs_title_and_author(user):
    with pytest.raises(ValidationError) as caught:
        posting.work_create(user=user, fields=fields(parent_url="https://example.org/story"))
    assert {"parent_title", "parent_author"} <= set(caught.value.message_dict)
    with pytest.raises(ValidationError):
        posting.work_create(user=user, fields=fields(parent_url="javascript:alert(1)"))
    work = posting.work_create(user=user, fields=fields(
        parent_url="https://example.org/story", parent_title="Gulls", parent_author="Pell"))
    assert work.parent_links.get().external_author == "Pell"


def test_series_new_and_existing_with_automatic_position(user, other_user):
    work = posting.work_create(user=user, fields=fields(new_series_title="Harbour Lights"))
    series = Series.objects.get(title="Harbour Lights")
    assert SeriesWork.objects.get(work=work).position == 1
    second = posting.work_create(user=user, fields=fields(series_id=series.pk))
    assert SeriesWork.objects.get(work=second).position == 2
    theirs = add_to_series(WorkFactory(creator=other_user), Series.objects.create(title="X"))
    with pytest.raises(ValidationError) as caught:
        posting.work_create(user=user, fields=fields(series_id=theirs.pk))
    assert "series" in caught.value.message_dict


def test_work_skin_must_be_ones_own(user, other_user):
    mine = WorkSkin.objects.create(owner=user, title="Mine")
    theirs = WorkSkin.objects.create(owner=other_user, title="Theirs")
    assert posting.work_create(user=user, fields=fields(skin_id=mine.pk)).skin == mine
    with pytest.raises(ValidationError) as caught:
        posting.work_create(user=user, fields=fields(skin_id=theirs.pk))
    assert "skin" in caught.value.message_dict


def test_settings_are_stored(user):
    work = posting.work_create(user=user, fields=fields(
        restricted=True, comment_permission="registered", moderated_comments=True,
        corrections_enabled=False, language="fr", change_note="typo fixes",
    ))
    assert (work.restricted, work.comment_permission, work.moderated_comments,
            work.corrections_enabled, work.language, work.change_note) == (
        True, "registered", True, False, "fr", "typo fixes")


def test_unknown_language_is_refused(user):
    with pytest.raises(ValidationError) as caught:
        posting.work_create(user=user, fields=fields(language="xx"))
    assert "language" in caught.value.message_dict


def test_expected_chapters_cannot_be_below_existing(user):
    work = WorkFactory(creator=user, chapters=3)
    with pytest.raises(ValidationError) as caught:
        posting.work_update(user=user, work=work, fields=fields(expected_chapters=2))
    assert "expected_chapters" in caught.value.message_dict
    posting.work_update(user=user, work=work, fields=fields(expected_chapters=3))
    work.refresh_from_db()
    assert work.complete and work.chapters_display == "3/3"


def test_form_values_of_a_saved_work(user):
    work = posting.work_create(user=user, fields=fields(gifts="Aunt Wen",
                                                        new_series_title="S"))
    back = posting.work_fields_of(work)
    assert back.title == "Salt and Lamplight" and back.gifts == "Aunt Wen"
    assert back.tags.fandoms == "Tidewatch" and back.series_id is not None
    assert Chapter.objects.filter(work=work).count() == 1
