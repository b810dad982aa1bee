"""Claiming a placeholder account made by an archive import."""

import re
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.core import signing

from chapterhouse.exchange.importing.efiction import claims
from chapterhouse.exchange.importing.efiction.claims import claim_token, placeholder_create
from chapterhouse.exchange.models import PlaceholderAccount
from chapterhouse.works.models import Work
from chapterhouse.works.tests.factories import WorkFactory

NEW_PASSWORD = "lamp-oil-and-salt-42"


@pytest.fixture
def placeholder(db):
    placeholder = placeholder_create(archive="Lanternfall Archive", original_id="1",
                                     penname="Quillon", email="quillon@example.org")
    WorkFactory(creator=placeholder.user, title="The Lamplighter's Daughter")
    return placeholder


def _ask(client, email, capture):
    with capture(execute=True):
        return client.post("/claim", {"email": email})


def _run_queued_tasks():
    from chapterhouse.responses.services.tasks_runner import tasks_run_pending

    tasks_run_pending()


def test_asking_mails_a_link_and_says_the_same_either_way(
    client, placeholder, mailoutbox, django_capture_on_commit_callbacks
):
    matched = _ask(client, "QUILLON@example.org", django_capture_on_commit_callbacks)
    _run_queued_tasks()
    unmatched = _ask(client, "nobody@example.org", django_capture_on_commit_callbacks)
    _run_queued_tasks()
    assert matched.status_code == unmatched.status_code == 200
    sent_text = "If an imported account has that address"
    assert sent_text in matched.content.decode() and sent_text in unmatched.content.decode()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["QUILLON@example.org"]
    assert "Quillon (from Lanternfall Archive)" in mail.body
    assert re.search(r"/claim/\S+", mail.body)


def test_claim_requests_are_rate_limited(client, placeholder):
    for _ in range(5):
        assert client.post("/claim", {"email": "x@example.org"}).status_code == 200
    limited = client.post("/claim", {"email": "x@example.org"})
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0


def test_the_link_lets_her_choose_a_name_and_password(client, placeholder):
    token = claim_token(placeholder)
    form = client.get(f"/claim/{token}")
    assert form.status_code == 200
    assert 'value="Quillon"' in form.content.decode()  # the user name is prefilled
    response = client.post(f"/claim/{token}", {
        "username": "quillon_writes", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
    })
    assert response.status_code == 302 and response["Location"] == "/users/quillon_writes"
    user = placeholder.user
    user.refresh_from_db()
    placeholder.refresh_from_db()
    assert user.username == "quillon_writes" and user.check_password(NEW_PASSWORD)
    assert user.email == "quillon@example.org"
    address = EmailAddress.objects.get(user=user)
    assert address.verified and address.primary and address.email == "quillon@example.org"
    assert placeholder.claimed_at is not None
    assert int(client.session["_auth_user_id"]) == user.pk
    work = Work.objects.get(title="The Lamplighter's Daughter")
    assert work.creatorships.get().pseud.user == user
    # Logging in with the new password works too.
    client.logout()
    assert client.login(username="quillon_writes", password=NEW_PASSWORD)


def test_a_used_link_is_refused(client, placeholder):
    token = claim_token(placeholder)
    client.post(f"/claim/{token}", {
        "username": "Quillon", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
    })
    client.logout()
    again = client.get(f"/claim/{token}")
    assert again.status_code == 410 and "already been claimed" in again.content.decode()
    retry = client.post(f"/claim/{token}", {
        "username": "Thief", "password1": "another-pass-99", "password2": "another-pass-99",
    })
    assert retry.status_code == 410
    placeholder.user.refresh_from_db()
    assert placeholder.user.check_password(NEW_PASSWORD)


def test_an_expired_link_is_refused(client, placeholder):
    token = claim_token(placeholder)
    with mock.patch.object(claims, "CLAIM_MAX_AGE", -1):
        page = client.get(f"/claim/{token}")
    assert page.status_code == 410 and "expired" in page.content.decode()
    placeholder.refresh_from_db()
    assert placeholder.claimed_at is None


def test_a_forged_link_is_refused(client, placeholder):
    forged = signing.dumps({"p": placeholder.pk}, salt="something else")
    page = client.get(f"/claim/{forged}")
    assert page.status_code == 400 and "not valid" in page.content.decode()


def test_bad_choices_keep_the_form_and_change_nothing(client, placeholder, other_user):
    token = claim_token(placeholder)
    page = client.post(f"/claim/{token}", {
        "username": other_user.username, "password1": "short", "password2": "short",
    })
    assert page.status_code == 200
    html = page.content.decode()
    assert "already taken" in html
    mismatch = client.post(f"/claim/{token}", {
        "username": "fine_name", "password1": NEW_PASSWORD, "password2": "different-1234",
    })
    assert "do not match" in mismatch.content.decode()
    placeholder.refresh_from_db()
    assert placeholder.claimed_at is None and not placeholder.user.has_usable_password()


def test_an_address_owned_by_another_account_is_not_taken_over(client, placeholder,
                                                               other_user):
    EmailAddress.objects.create(user=other_user, email="quillon@example.org", verified=True,
                                primary=False)
    token = claim_token(placeholder)
    page = client.post(f"/claim/{token}", {
        "username": "Quillon", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
    })
    assert page.status_code == 200 and "already belongs to another account" in (
        page.content.decode())
    assert PlaceholderAccount.objects.get(pk=placeholder.pk).claimed_at is None
