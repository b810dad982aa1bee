"""Account pages over HTTP: what a person signing up, logging in and changing
their settings sees."""

import io
import re

import pytest
from bs4 import BeautifulSoup
from PIL import Image

from chapterhouse.accounts import services
from chapterhouse.accounts.models import Preference, User
from chapterhouse.moderation.tests.helpers import second_factor_record

from .factories import PASSWORD

pytestmark = pytest.mark.django_db

STRONG_PASSWORD = "a quiet lantern in the rain"


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def field_errors(page: BeautifulSoup, name: str) -> list[str]:
    container = page.select_one(f"#id_{name}_field")
    return [p.get_text(strip=True) for p in container.select("p.error")] if container else []


def signup(client, **overrides):
    data = {
        "username": "newcomer",
        "email": "newcomer@example.org",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
    }
    data.update(overrides)
    return client.post("/users/signup/", data)


# --- sign-up, confirmation, log-in ------------------------------------------------


def test_signup_sends_a_confirmation_link_that_logs_the_user_in(client, mailoutbox):
    response = signup(client)
    assert response.status_code == 302
    assert response["Location"] == "/users/confirm-email/"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["newcomer@example.org"]
    assert mailoutbox[0].body.startswith("Hello from Chapterhouse!")
    confirm_url = link_in(mailoutbox[0])

    page = client.get(confirm_url)
    assert page.status_code == 200
    assert "newcomer@example.org" in page.content.decode()
    confirmed = client.post(confirm_url)
    assert confirmed.status_code == 302

    home = soup(client.get("/"))
    assert home.body["class"] == ["logged-in"]
    assert home.select_one('a[href="/users/logout"]') is not None
    user = User.objects.get(username="newcomer")
    assert user.pseuds.get().name == "newcomer"
    assert user.emailaddress_set.get().verified


def test_unconfirmed_account_cannot_log_in(client, mailoutbox):
    signup(client)
    client.logout()
    response = client.post("/users/login/", {"login": "newcomer", "password": STRONG_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/users/confirm-email/"
    assert soup(client.get("/")).body["class"] == ["logged-out"]


def test_signup_with_taken_name_shows_error_beside_field_and_keeps_input(client, user):
    response = signup(client, username=user.username.upper(), email="fresh@example.org")
    assert response.status_code == 200
    page = soup(response)
    assert any("already" in error for error in field_errors(page, "username"))
    assert page.select_one("#id_email")["value"] == "fresh@example.org"
    # Passwords are never sent back to the browser.
    assert page.select_one("#id_password1").get("value") in (None, "")


def test_signup_with_taken_email_is_refused_clearly(client, user):
    response = signup(client, email=user.email)
    assert response.status_code == 200
    assert field_errors(soup(response), "email")
    assert not User.objects.filter(username="newcomer").exists()


def test_signup_with_overlong_or_reserved_names_gives_messages_not_errors(client):
    long_response = signup(client, username="x" * 200)
    assert long_response.status_code == 200
    assert field_errors(soup(long_response), "username")
    reserved = signup(client, username="login")
    assert reserved.status_code == 200
    assert any("reserved" in e for e in field_errors(soup(reserved), "username"))


def test_bad_confirmation_key_explains_itself(client):
    response = client.get("/users/confirm-email/not-a-real-key/")
    assert response.status_code in (200, 404)
    assert "expired or is not valid" in response.content.decode()


@pytest.mark.parametrize("login_name", ["rowan_test", "ROWAN_TEST", "rowan_test@example.org"])
def test_log_in_by_user_name_or_email(client, user, login_name):
    response = client.post("/users/login/", {"login": login_name, "password": PASSWORD})
    assert response.status_code == 302
    assert soup(client.get("/")).body["class"] == ["logged-in"]


def test_failed_login_keeps_the_login_name_and_says_why(client, user):
    response = client.post("/users/login/", {"login": "rowan_test", "password": "wrong"})
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one("#main.sessions-new") is not None
    assert page.select_one("form#new_user #id_login")["value"] == "rowan_test"
    assert "not correct" in page.select_one("div.flash.error").get_text()


def test_logout_asks_then_logs_out(user_client):
    assert user_client.get("/users/logout").status_code in (301, 302)
    page = user_client.get("/users/logout/")
    assert "Are you sure" in page.content.decode()
    user_client.post("/users/logout/")
    assert soup(user_client.get("/")).body["class"] == ["logged-out"]


def test_password_reset_by_emailed_link(client, user, mailoutbox):
    client.post("/users/password/reset/", {"email": user.email})
    assert len(mailoutbox) == 1
    reset_url = link_in(mailoutbox[0])
    form_page = client.get(reset_url, follow=True)
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else reset_url
    done = client.post(action, {"password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(STRONG_PASSWORD)


def test_used_password_reset_link_is_refused(client, user, mailoutbox):
    client.post("/users/password/reset/", {"email": user.email})
    reset_url = link_in(mailoutbox[0])
    page = client.get(reset_url.replace("-", "-x", 1), follow=True)
    assert "not valid" in page.content.decode()


def test_change_password(user_client, user):
    response = user_client.post(
        "/users/password/change/",
        {"oldpassword": PASSWORD, "password1": STRONG_PASSWORD, "password2": STRONG_PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(STRONG_PASSWORD)


def test_change_email_takes_effect_only_when_confirmed(user_client, user, mailoutbox):
    user_client.post("/users/email/", {"action_add": "", "email": "moved@example.org"})
    user.refresh_from_db()
    assert user.email == "rowan_test@example.org"
    assert mailoutbox[-1].to == ["moved@example.org"]
    confirm_url = link_in(mailoutbox[-1])
    user_client.post(confirm_url)
    user.refresh_from_db()
    assert user.email == "moved@example.org"
    assert list(user.emailaddress_set.values_list("email", flat=True)) == ["moved@example.org"]


# --- profile and pseuds ----------------------------------------------------------


def test_profile_page_shows_sanitised_bio(client, user):
    services.profile_update(
        actor=user, user=user, title="Hi", location="", about="<p>About me<script>x()</script></p>"
    )
    page = soup(client.get(f"/users/{user.username}/profile"))
    bio = page.select_one("div.bio.module blockquote.userstuff")
    assert bio.get_text() == "About me"
    # Only the site's own scripts (a guest page has its token script).
    assert all(script.get("src", "").startswith("/static/") for script in page.select("script"))
    assert "x()" not in page.decode()


def test_unknown_user_is_a_404_in_the_frame(client):
    response = client.get("/users/nobody_here/profile")
    assert response.status_code == 404
    page = soup(response)
    assert "error-404" in page.select_one("div#main")["class"]
    assert page.select_one("h2.heading").get_text() == "Error 404"
    assert page.select_one("#header") is not None


def test_old_profile_urls_redirect_after_a_rename(client, user):
    services.username_change(user=user, new_username="Heron", password=PASSWORD)
    response = client.get("/users/rowan_test/profile?x=1")
    assert response.status_code == 301
    assert response["Location"] == "/users/Heron/profile?x=1"


def test_change_username_page(user_client, user):
    bad = user_client.post(
        f"/users/{user.username}/change_username", {"username": "Heron", "password": "wrong"}
    )
    assert bad.status_code == 200
    page = soup(bad)
    assert field_errors(page, "password")
    assert page.select_one("#id_username")["value"] == "Heron"
    good = user_client.post(
        f"/users/{user.username}/change_username", {"username": "Heron", "password": PASSWORD}
    )
    assert good["Location"] == "/users/Heron/profile"


def _png() -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (100, 100), (200, 30, 30)).save(data, "PNG")
    data.seek(0)
    data.name = "icon.png"
    return data


def test_create_pseud_with_icon_then_make_default_and_delete(user_client, user):
    response = user_client.post(
        f"/users/{user.username}/pseuds/new",
        {"name": "Ash and Ember", "description": "Dark ones.", "description_format": "plain",
         "icon": _png(), "icon_alt_text": "a red square"},
    )
    assert response.status_code == 302
    listing = soup(user_client.get(f"/users/{user.username}/pseuds"))
    names = [h.a.get_text() for h in listing.select("li.pseud h4")]
    assert sorted(names) == ["Ash and Ember", "rowan_test"]
    icon = listing.select_one('img.icon[alt="a red square"]')
    assert icon is not None
    assert user_client.get(icon["src"]).status_code == 200

    user_client.post(f"/users/{user.username}/pseuds/Ash and Ember/default")
    assert user.pseuds.get(is_default=True).name == "Ash and Ember"

    refused = user_client.post(f"/users/{user.username}/pseuds/Ash and Ember/delete")
    assert refused.status_code == 400
    assert "default" in soup(refused).select_one("div.flash.error").get_text()

    deleted = user_client.post(f"/users/{user.username}/pseuds/{user.username}/delete")
    assert deleted.status_code == 302
    assert list(user.pseuds.values_list("name", flat=True)) == ["Ash and Ember"]


def test_deleting_an_account_removes_its_uploaded_icons(
    user_client, user, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    user_client.post(
        f"/users/{user.username}/pseuds/new", {"name": "Iconic", "icon": _png()}
    )
    icon_path = tmp_path / user.pseuds.get(name="Iconic").icon.name
    assert icon_path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        user_client.post(
            f"/users/{user.username}/delete",
            {"works_choice": "delete", "password": PASSWORD, "confirm": "on"},
        )
    assert not icon_path.exists()


def test_duplicate_pseud_keeps_what_was_typed(user_client, user):
    response = user_client.post(
        f"/users/{user.username}/pseuds/new",
        {"name": user.username.upper(), "description": "My long description"},
    )
    assert response.status_code == 200
    page = soup(response)
    assert field_errors(page, "name")
    assert page.select_one("#id_description").get_text().lstrip("\n") == "My long description"


def test_pseud_icon_is_stored_by_what_it_is_not_what_it_is_called(user_client, user):
    disguised = io.BytesIO()
    Image.new("RGB", (50, 50), (0, 90, 200)).save(disguised, "JPEG")
    disguised.seek(0)
    disguised.name = "icon.gif"
    user_client.post(f"/users/{user.username}/pseuds/new", {"name": "Sly", "icon": disguised})
    icon = user.pseuds.get(name="Sly").icon
    assert icon.name.endswith(".jpg")
    served = user_client.get(icon.url)
    assert served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"


def test_pseud_icon_with_a_web_page_name_is_refused(user_client, user):
    named_html = _png()
    named_html.name = "page.html"
    response = user_client.post(
        f"/users/{user.username}/pseuds/new", {"name": "Sly", "icon": named_html}
    )
    assert response.status_code == 200
    assert field_errors(soup(response), "icon")
    assert soup(response).select_one("#id_name")["value"] == "Sly"


def test_pseud_icon_must_be_an_image(user_client, user):
    fake = io.BytesIO(b"<script>alert(1)</script>")
    fake.name = "icon.png"
    response = user_client.post(
        f"/users/{user.username}/pseuds/new", {"name": "Fake", "icon": fake}
    )
    assert response.status_code == 200
    assert field_errors(soup(response), "icon")


def test_other_peoples_settings_are_forbidden(client, user, other_user):
    client.force_login(other_user, backend="django.contrib.auth.backends.ModelBackend")
    for path in ("preferences", "pseuds/new", "profile/edit", "change_username", "delete"):
        response = client.get(f"/users/{user.username}/{path}")
        assert response.status_code == 403, path
        assert "error-403" in soup(response).select_one("div#main")["class"]
    response = client.post(f"/users/{user.username}/pseuds/new", {"name": "Sneaky"})
    assert response.status_code == 403
    assert not user.pseuds.filter(name="Sneaky").exists()


def test_guests_are_sent_to_log_in_for_settings(client, user):
    response = client.get(f"/users/{user.username}/preferences")
    assert response.status_code == 302
    assert response["Location"].startswith("/users/login?return_to=")


def test_preferences_page_saves(user_client, user):
    page = soup(user_client.get(f"/users/{user.username}/preferences"))
    assert page.select_one("form#edit_preference") is not None
    response = user_client.post(
        f"/users/{user.username}/preferences",
        {"view_adult": "on", "hide_warnings": "on", "theme": "dark", "time_zone": "Asia/Tokyo",
         "allow_gifts": "on"},
    )
    assert response.status_code == 302
    preference = Preference.objects.get(user=user)
    assert (preference.view_adult, preference.hide_warnings, preference.allow_gifts) == (
        True, True, True)
    assert preference.allow_cocreator is False
    assert preference.time_zone == "Asia/Tokyo"


def test_preferences_with_unknown_time_zone_show_an_error(user_client, user):
    response = user_client.post(
        f"/users/{user.username}/preferences", {"theme": "dark", "time_zone": "Mars/Olympus"}
    )
    assert response.status_code == 200
    assert field_errors(soup(response), "time_zone")


def test_delete_account_asks_then_deletes(user_client, user):
    page = soup(user_client.get(f"/users/{user.username}/delete"))
    assert page.select('input[name="works_choice"]')
    unconfirmed = user_client.post(
        f"/users/{user.username}/delete", {"works_choice": "orphan", "password": PASSWORD}
    )
    assert unconfirmed.status_code == 200
    assert User.objects.filter(pk=user.pk).exists()
    done = user_client.post(
        f"/users/{user.username}/delete",
        {"works_choice": "orphan", "password": PASSWORD, "confirm": "on"},
    )
    assert done.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert soup(user_client.get("/")).body["class"] == ["logged-out"]


def test_admin_logs_in_through_the_site_login(client, user):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/users/login?")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/admin/login/?next=/admin/").status_code == 403
    user.is_staff = True
    user.save()
    # Staff still need a second factor this session (moderation/django_admin.py).
    assert client.get("/admin/").status_code != 200
    second_factor_record(client, user)
    assert client.get("/admin/").status_code == 200


def test_admins_can_find_users_and_give_them_roles(client, user):
    admin_user = User.objects.create_superuser("keeper", "keeper@example.org", "x" * 20)
    client.force_login(admin_user, backend="django.contrib.auth.backends.ModelBackend")
    second_factor_record(client, admin_user)
    listing = client.get("/admin/accounts/user/?q=rowan")
    assert listing.status_code == 200
    assert "rowan_test" in listing.content.decode()
    assert client.get(f"/admin/accounts/user/{user.pk}/change/").status_code == 200
