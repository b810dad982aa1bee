"""Reader corrections: who may propose, the rules, the rate limit, accept and dismiss."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chapterhouse.works.models import ChapterRevision, CorrectionStatus
from chapterhouse.works.services import corrections
from chapterhouse.works.services.corrections import (
    CorrectionRateLimited,
    correction_accept,
    correction_apply_to_html,
    correction_dismiss,
    correction_propose,
)
from chapterhouse.works.text import word_count

from .factories import WorkFactory

TEXT = ("<p>The keeper climbed the <em>winding</em> stairs and lit the lamp.</p>"
        "<p>Below, the the sea was quiet.</p>")


@pytest.fixture
def chapter(user):
    work = WorkFactory(creator=user)
    chapter = work.chapters.get()
    chapter.content = TEXT
    chapter.word_count = word_count(TEXT)
    chapter.save()
    return chapter


def propose(reader, chapter, passage="the the sea", replacement="the sea", **extra):
    return correction_propose(reader=reader, chapter=chapter, passage=passage,
                              replacement=replacement, message=extra.pop("message", "typo"),
                              **extra)


def test_a_reader_proposes_a_correction(chapter, other_user):
    correction = propose(other_user, chapter, passage="Below, the  the\nsea")
    assert correction.status == CorrectionStatus.PENDING
    assert correction.passage == "Below, the the sea"
    assert correction.reader == other_user


def test_the_passage_must_be_in_the_chapter(chapter, other_user):
    with pytest.raises(ValidationError) as error:
        propose(other_user, chapter, passage="the the ocean", replacement="the ocean")
    assert "could not find this passage" in str(error.value.message_dict["passage"])


def test_a_passage_across_inline_markup_matches(chapter, other_user):
    propose(other_user, chapter, passage="the winding stairs", replacement="the spiral stairs")


def test_the_suggestion_must_differ_from_the_passage(chapter, other_user):
    with pytest.raises(ValidationError) as error:
        propose(other_user, chapter, passage="lit the lamp", replacement=" lit  the lamp ")
    assert "same as the passage" in str(error.value.message_dict["replacement"])


def test_creators_cannot_propose_to_their_own_work(chapter, user):
    with pytest.raises(ValidationError) as error:
        propose(user, chapter)
    assert "edit the chapter" in str(error.value)


def test_no_proposals_when_the_creator_turned_corrections_off(chapter, user, other_user):
    corrections.work_corrections_set(user=user, work=chapter.work, enabled=False)
    chapter.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        propose(other_user, chapter)
    assert "turned off" in str(error.value)


def test_guests_and_readers_who_cannot_see_the_chapter_are_refused(chapter, other_user):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        propose(AnonymousUser(), chapter)
    chapter.posted = False
    chapter.save()
    with pytest.raises(PermissionDenied):
        propose(other_user, chapter)


def test_drafts_are_refused(user, other_user):
    draft = WorkFactory(creator=user, posted=False)
    with pytest.raises(PermissionDenied):
        propose(other_user, draft.chapters.get(), passage="rain", replacement="snow")


def test_eleventh_proposal_in_an_hour_is_refused_with_when_to_retry(chapter, other_user):
    words = ["keeper", "climbed", "stairs", "lit", "lamp", "Below", "sea", "was", "quiet",
             "winding"]
    for word in words:
        propose(other_user, chapter, passage=word, replacement=word.upper())
    with pytest.raises(CorrectionRateLimited) as error:
        propose(other_user, chapter, passage="The keeper", replacement="A keeper")
    assert "try again in 60 minutes" in str(error.value)
    assert 3500 < error.value.retry_after <= 3601


def test_accept_edits_the_text_records_a_revision_and_thanks_the_reader(chapter, user,
                                                                        other_user):
    words_before = chapter.word_count
    correction = propose(other_user, chapter)
    correction_accept(user=user, correction=correction)
    chapter.refresh_from_db()
    assert chapter.content == (
        "<p>The keeper climbed the <em>winding</em> stairs and lit the lamp.</p>"
        "<p>Below, the sea was quiet.</p>"
    )
    assert chapter.word_count == words_before - 1
    chapter.work.refresh_from_db()
    assert chapter.work.word_count == words_before - 1
    revision = ChapterRevision.objects.get(chapter=chapter)
    assert revision.content == TEXT
    assert revision.reason == f"correction from {other_user.username}"
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.ACCEPTED and correction.resolved_at


def test_accept_within_inline_markup_keeps_the_markup(chapter, user, other_user):
    correction = propose(other_user, chapter, passage="the winding stairs",
                         replacement="the windng stairs")
    correction_accept(user=user, correction=correction)
    chapter.refresh_from_db()
    assert "climbed the <em>windng</em> stairs" in chapter.content


def test_accept_uses_the_context_to_pick_the_right_occurrence(chapter, user, other_user):
    correction = propose(other_user, chapter, passage="the", replacement="a",
                         context_before="Below,", context_after="the sea was quiet.")
    correction_accept(user=user, correction=correction)
    chapter.refresh_from_db()
    assert "<p>Below, a the sea was quiet.</p>" in chapter.content
    assert "climbed the <em>" in chapter.content


def test_a_correction_across_paragraphs_is_refused_and_left_pending(chapter, user, other_user):
    correction = propose(other_user, chapter, passage="lamp. Below,", replacement="lamp, and below")
    with pytest.raises(ValidationError) as error:
        correction_accept(user=user, correction=correction)
    assert "edit the chapter by hand" in str(error.value)
    chapter.refresh_from_db()
    assert chapter.content == TEXT
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.PENDING


def test_a_fix_within_one_paragraph_of_a_passage_across_two_is_applied(chapter, user,
                                                                      other_user):
    correction = propose(other_user, chapter, passage="lamp. Below,", replacement="lamp! Below,")
    correction_accept(user=user, correction=correction)
    chapter.refresh_from_db()
    assert "lit the lamp!</p><p>Below," in chapter.content


def test_a_passage_edited_away_since_cannot_be_accepted(chapter, user, other_user):
    correction = propose(other_user, chapter)
    chapter.content = "<p>All new text.</p>"
    chapter.save()
    with pytest.raises(ValidationError) as error:
        correction_accept(user=user, correction=correction)
    assert "no longer in the chapter" in str(error.value)


def test_replacements_are_text_not_markup():
    html = correction_apply_to_html("<p>a cat</p>", passage="cat",
                                    replacement="<script>x</script>dog")
    assert html == "<p>a &lt;script&gt;x&lt;/script&gt;dog</p>"


def test_dismiss_and_only_creators_decide(chapter, user, other_user):
    correction = propose(other_user, chapter)
    with pytest.raises(PermissionDenied):
        correction_accept(user=other_user, correction=correction)
    with pytest.raises(PermissionDenied):
        correction_dismiss(user=other_user, correction=correction)
    correction_dismiss(user=user, correction=correction)
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.DISMISSED
    chapter.refresh_from_db()
    assert chapter.content == TEXT
    with pytest.raises(ValidationError):
        correction_accept(user=user, correction=correction)


def test_pending_corrections_are_shown_in_their_paragraph(chapter, user, other_user):
    propose(other_user, chapter)
    [item] = corrections.corrections_pending(user=user, work=chapter.work)
    assert str(item.in_context) == "<p>Below, <mark>the the sea</mark> was quiet.</p>"


def test_a_reader_sees_only_their_own_corrections(chapter, user, other_user):
    propose(other_user, chapter)
    assert corrections.corrections_of_reader(viewer=other_user, reader=other_user).count() == 1
    with pytest.raises(PermissionDenied):
        corrections.corrections_of_reader(viewer=user, reader=other_user)
