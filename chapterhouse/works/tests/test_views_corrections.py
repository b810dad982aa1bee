"""Reader corrections over HTTP: the hook, the form, the creator's queue, the reader's list."""

import pytest
from bs4 import BeautifulSoup

from chapterhouse.works.models import Correction, CorrectionStatus
from chapterhouse.works.services.corrections import correction_propose

from .factories import WorkFactory


@pytest.fixture
def work(user):
    return WorkFactory(creator=user)


@pytest.fixture
def chapter(work):
    return work.chapters.get()


@pytest.fixture
def reader_client(client, other_user):
    client.force_login(other_user)
    return client


def _new_url(chapter):
    return f"/works/{chapter.work_id}/chapters/{chapter.pk}/corrections/new"


def _soup(response):
    return BeautifulSoup(response.content, "html.parser")


def test_signed_in_readers_see_the_hook_on_the_work_page(reader_client, work, chapter):
    soup = _soup(reader_client.get(f"/works/{work.pk}"))
    link = soup.select_one(".corrections-hook a.correction-link")
    assert link["href"] == _new_url(chapter)
    # The hook is beside the story text, never inside it, so downloaders skip it.
    assert soup.select_one(".userstuff .corrections-hook") is None
    assert soup.select_one(".userstuff + .corrections-hook") is not None
    assert soup.select_one('script[src$="works/corrections.js"]') is not None


def test_guests_and_creators_see_no_hook(client, user, work):
    assert _soup(client.get(f"/works/{work.pk}")).select_one(".corrections-hook") is None
    client.force_login(user)
    assert _soup(client.get(f"/works/{work.pk}")).select_one(".corrections-hook") is None


def test_the_form_is_prefilled_from_the_query(reader_client, chapter):
    soup = _soup(reader_client.get(_new_url(chapter) + "?passage=rain+against"))
    assert soup.select_one("#id_passage").text.strip() == "rain against"
    assert "corrections-new region" in " ".join(soup.select_one("#main")["class"])


def test_guests_are_sent_to_log_in(client, chapter):
    response = client.get(_new_url(chapter))
    assert response.status_code == 302 and "/users/login" in response["Location"]


def test_a_reader_sends_a_correction(reader_client, chapter, other_user):
    response = reader_client.post(_new_url(chapter), {
        "passage": "rain against", "replacement": "rain lashing", "message": "stronger verb?",
        "context_before": "Chapter 1 begins with", "context_after": "the glass.",
    })
    assert response.status_code == 302
    assert response["Location"] == f"/works/{chapter.work_id}/chapters/{chapter.pk}"
    correction = Correction.objects.get()
    assert correction.reader == other_user and correction.message == "stronger verb?"


def test_a_refused_correction_keeps_what_was_typed(reader_client, chapter):
    response = reader_client.post(_new_url(chapter), {
        "passage": "snow against", "replacement": "snow upon", "message": "my long note",
    })
    assert response.status_code == 200
    soup = _soup(response)
    assert "could not find this passage" in soup.select_one("#id_passage_field .error").text
    assert soup.select_one("#id_message").text.strip() == "my long note"
    assert not Correction.objects.exists()


def test_the_rate_limit_answers_429_and_keeps_the_text(reader_client, chapter, settings):
    from chapterhouse.works.services import corrections

    settings.DEBUG = False
    for n in range(corrections.RATE_LIMIT):
        reader_client.post(_new_url(chapter), {"passage": "rain", "replacement": f"rain{n}"})
    response = reader_client.post(_new_url(chapter), {"passage": "glass",
                                                      "replacement": "window"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    soup = _soup(response)
    assert "try again in" in soup.select_one(".flash.error").text
    assert soup.select_one("#id_replacement").text.strip() == "window"


def test_corrections_turned_off_show_a_notice_not_a_form(reader_client, work, chapter):
    work.corrections_enabled = False
    work.save()
    soup = _soup(reader_client.get(_new_url(chapter)))
    assert "turned off" in soup.select_one(".flash.error").text
    assert soup.select_one("form.correction-form") is None
    assert reader_client.post(_new_url(chapter), {"passage": "rain",
                                                  "replacement": "snow"}).status_code == 403
    assert not Correction.objects.exists()


def test_a_draft_chapter_is_not_found(reader_client, user):
    draft = WorkFactory(creator=user, posted=False)
    assert reader_client.get(_new_url(draft.chapters.get())).status_code == 404


@pytest.fixture
def correction(chapter, other_user):
    return correction_propose(reader=other_user, chapter=chapter, passage="rain against",
                              replacement="rain lashing", message="stronger verb?")


def test_the_creator_sees_pending_corrections_in_context(user_client, work, correction):
    soup = _soup(user_client.get(f"/works/{work.pk}/corrections"))
    item = soup.select_one(f"#correction_{correction.pk}")
    assert item.select_one(".in-context mark").text == "rain against"
    assert "rain lashing" in item.select_one(".suggestion").text
    assert "stronger verb?" in item.select_one(".message").text


def test_only_creators_open_the_queue_and_decide(reader_client, work, correction):
    assert reader_client.get(f"/works/{work.pk}/corrections").status_code == 403
    base = f"/works/{work.pk}/corrections/{correction.pk}"
    assert reader_client.post(f"{base}/accept").status_code == 403
    assert reader_client.post(f"{base}/dismiss").status_code == 403
    assert reader_client.post(f"/works/{work.pk}/corrections/switch",
                              {"enabled": "off"}).status_code == 403


def test_guests_cannot_open_the_queue(client, work):
    response = client.get(f"/works/{work.pk}/corrections")
    assert response.status_code == 302 and "/users/login" in response["Location"]


def test_accept_over_http_changes_the_chapter(user_client, work, chapter, correction):
    response = user_client.post(f"/works/{work.pk}/corrections/{correction.pk}/accept")
    assert response.status_code == 302
    chapter.refresh_from_db()
    assert "rain lashing the glass" in chapter.content
    history = _soup(user_client.get(f"/works/{work.pk}/history"))
    assert f"Correction from {correction.reader.username}" in history.select_one(".reason").text


def test_dismiss_over_http(user_client, work, chapter, correction):
    user_client.post(f"/works/{work.pk}/corrections/{correction.pk}/dismiss")
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.DISMISSED


def test_the_creator_turns_corrections_off(user_client, work):
    user_client.post(f"/works/{work.pk}/corrections/switch", {"enabled": "off"})
    work.refresh_from_db()
    assert not work.corrections_enabled
    soup = _soup(user_client.get(f"/works/{work.pk}/corrections"))
    assert soup.select_one(".corrections-switch input[type=submit]")["value"] == (
        "Turn Corrections On"
    )


def test_the_reader_sees_the_status_of_their_corrections(reader_client, user, work,
                                                        correction, other_user):
    from chapterhouse.works.services.corrections import correction_accept

    correction_accept(user=user, correction=correction)
    soup = _soup(reader_client.get(f"/users/{other_user.username}/corrections"))
    assert soup.select_one(f"#correction_{correction.pk} .status").text == (
        "Accepted — thank you!"
    )


def test_no_one_else_sees_a_readers_corrections(user_client, client, other_user, correction):
    assert user_client.get(f"/users/{other_user.username}/corrections").status_code == 403
    client.logout()
    response = client.get(f"/users/{other_user.username}/corrections")
    assert response.status_code == 302
