import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chapterhouse.accounts import selectors, services
from chapterhouse.accounts.models import Preference, Profile, Pseud, User, UsernameChange

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_new_account_gets_default_pseud_profile_and_preferences():
    user = services.user_create(username="Lark", email="lark@example.org", password=PASSWORD)
    pseuds = list(user.pseuds.all())
    assert [(p.name, p.is_default) for p in pseuds] == [("Lark", True)]
    assert Profile.objects.filter(user=user).exists()
    assert Preference.objects.get(user=user).theme == "system"


def test_user_setup_twice_does_not_duplicate(user):
    services.user_setup(user=user)
    assert user.pseuds.count() == 1


@pytest.mark.parametrize("name", ["login", "Signup", "bad name", "_under", "x" * 41])
def test_unusable_user_names_are_refused(name):
    with pytest.raises(ValidationError):
        services.user_create(username=name, email="a@example.org", password=PASSWORD)


def test_user_names_are_unique_regardless_of_case(user):
    with pytest.raises(ValidationError, match="already taken"):
        services.user_create(username=user.username.upper(), email="x@example.org", password="x")


# --- pseuds ----------------------------------------------------------------


def test_create_second_pseud_and_make_it_default(user):
    pseud = services.pseud_create(
        actor=user, user=user, name="  Ash   and Ember ", description="<p>Dark ones.</p>",
        make_default=True,
    )
    assert pseud.name == "Ash and Ember"
    assert selectors.default_pseud(user) == pseud
    assert user.pseuds.filter(is_default=True).count() == 1


def test_pseud_names_are_unique_per_user_regardless_of_case(user, other_user):
    services.pseud_create(actor=user, user=user, name="Moth")
    with pytest.raises(ValidationError, match="already have a pseud"):
        services.pseud_create(actor=user, user=user, name="MOTH")
    # Another user may use the same name.
    services.pseud_create(actor=other_user, user=other_user, name="Moth")


def test_pseud_description_is_sanitised(user):
    pseud = services.pseud_create(
        actor=user,
        user=user,
        name="Safe",
        description='<p onclick="steal()">Hi<script>alert(1)</script></p>',
    )
    assert "script" not in pseud.description
    assert "onclick" not in pseud.description
    assert "Hi" in pseud.description


def test_plain_text_pseud_description_becomes_paragraphs(user):
    pseud = services.pseud_create(
        actor=user, user=user, name="Plain", description="One.\n\nTwo.", description_format="plain"
    )
    assert pseud.description.count("<p>") == 2


def test_someone_else_cannot_create_pseuds_for_a_user(user, other_user):
    with pytest.raises(PermissionDenied):
        services.pseud_create(actor=other_user, user=user, name="Intruder")
    assert not Pseud.objects.filter(name="Intruder").exists()


def test_last_pseud_cannot_be_deleted(user):
    with pytest.raises(ValidationError, match="only pseud"):
        services.pseud_delete(actor=user, pseud=user.pseuds.get())


def test_default_pseud_cannot_be_deleted(user):
    services.pseud_create(actor=user, user=user, name="Other")
    with pytest.raises(ValidationError, match="default"):
        services.pseud_delete(actor=user, pseud=selectors.default_pseud(user))


def test_deleting_a_pseud_hands_its_things_to_the_default(user):
    doomed = services.pseud_create(actor=user, user=user, name="Doomed")
    received = []

    def receiver(sender, pseud, replacement, **kwargs):
        received.append((pseud.name, replacement.name))

    services.pseud_deleting.connect(receiver)
    try:
        replacement = services.pseud_delete(actor=user, pseud=doomed)
    finally:
        services.pseud_deleting.disconnect(receiver)
    assert received == [("Doomed", user.username)]
    assert replacement.is_default
    assert not Pseud.objects.filter(pk=doomed.pk).exists()


def test_rename_pseud_rejects_a_clash_and_keeps_the_old_name(user):
    services.pseud_create(actor=user, user=user, name="Moth")
    second = services.pseud_create(actor=user, user=user, name="Lantern")
    with pytest.raises(ValidationError):
        services.pseud_update(actor=user, pseud=second, name="moth", description="")
    second.refresh_from_db()
    assert second.name == "Lantern"


# --- user names -------------------------------------------------------------


def test_change_username_records_the_old_name_and_renames_its_pseud(user):
    old = user.username
    services.username_change(user=user, new_username="Heron", password=PASSWORD)
    user.refresh_from_db()
    assert user.username == "Heron"
    assert UsernameChange.objects.filter(user=user, old_username=old).exists()
    assert list(user.pseuds.values_list("name", flat=True)) == ["Heron"]
    assert selectors.user_renamed_from(old) == user


def test_change_username_needs_the_password(user):
    with pytest.raises(ValidationError) as caught:
        services.username_change(user=user, new_username="Heron", password="wrong")
    assert "password" in caught.value.message_dict
    user.refresh_from_db()
    assert user.username == "rowan_test"


def test_change_username_to_a_taken_name_is_refused(user, other_user):
    with pytest.raises(ValidationError) as caught:
        services.username_change(
            user=user, new_username=other_user.username.upper(), password=PASSWORD
        )
    assert "already taken" in str(caught.value.message_dict["username"])


def test_a_former_name_taken_by_someone_new_no_longer_redirects(user):
    old = user.username
    services.username_change(user=user, new_username="Heron", password=PASSWORD)
    UserFactory(username=old, email="newcomer@example.org")
    assert selectors.user_renamed_from(old) is None


# --- deleting an account ----------------------------------------------------


@pytest.mark.parametrize("choice", ["orphan", "delete"])
def test_account_delete_tells_other_apps_what_to_do_with_works(user, choice):
    seen = []

    def receiver(sender, user, works_choice, **kwargs):
        seen.append((user.username, works_choice))

    services.account_deleting.connect(receiver)
    try:
        services.account_delete(user=user, password=PASSWORD, works_choice=choice)
    finally:
        services.account_deleting.disconnect(receiver)
    assert seen == [("rowan_test", choice)]
    assert not User.objects.filter(username="rowan_test").exists()
    assert not Pseud.objects.filter(user_id=user.pk).exists()


def test_account_delete_with_wrong_password_keeps_everything(user):
    with pytest.raises(ValidationError):
        services.account_delete(user=user, password="nope", works_choice="orphan")
    assert User.objects.filter(pk=user.pk).exists()


# --- preferences -----------------------------------------------------------


def test_preferences_update_saves_known_preferences(user):
    services.preferences_update(
        actor=user, user=user, values={"view_adult": True, "time_zone": "Europe/Warsaw"}
    )
    preference = Preference.objects.get(user=user)
    assert preference.view_adult is True
    assert preference.time_zone == "Europe/Warsaw"


def test_preferences_update_refuses_other_users(user, other_user):
    with pytest.raises(PermissionDenied):
        services.preferences_update(actor=other_user, user=user, values={"view_adult": True})


def test_theme_is_remembered_per_user(user):
    services.theme_set(user=user, theme="dark")
    assert Preference.objects.get(user=user).theme == "dark"
    with pytest.raises(ValidationError):
        services.theme_set(user=user, theme="neon")
