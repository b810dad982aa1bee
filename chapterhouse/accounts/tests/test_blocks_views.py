"""Blocking over HTTP: the blocked-users page, the Block/Unblock buttons on
people's pages, the confirmation pages, and the work form refusing gifts and
invitations."""

import pytest
from bs4 import BeautifulSoup

from chapterhouse.accounts import services
from chapterhouse.accounts.models import Block
from chapterhouse.tags.fixed import GENERAL, NO_WARNINGS_APPLY
from chapterhouse.works.models import Creatorship, Gift, Work
from chapterhouse.works.tests.factories import WorkFactory

from .factories import UserFactory

pytestmark = pytest.mark.django_db

EFFECTS = (
    "mireille_test can no longer comment on your works, reply to your comments, leave kudos "
    "on your works, or give you gifts or co-creator invitations. You can still see their works."
)


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def flashes(page) -> list[str]:
    return [div.get_text(" ", strip=True) for div in page.select("div.flash")]


@pytest.fixture
def client_of(client):
    def login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return login


# --- the blocked-users page ------------------------------------------------


def test_guest_is_sent_to_log_in(client, user):
    response = client.get("/users/rowan_test/blocked/users")
    assert response.status_code == 302 and "/users/login" in response["Location"]


def test_only_the_owner_sees_her_blocked_users(client_of, user, other_user):
    client = client_of(other_user)
    assert client.get("/users/rowan_test/blocked/users").status_code == 403
    assert client.post(
        "/users/rowan_test/blocked/users", {"username": "mireille_test"}
    ).status_code == 403
    assert not Block.objects.exists()


def test_empty_page_has_a_labelled_form_and_the_count(client_of, user):
    page = soup(client_of(user).get("/users/rowan_test/blocked/users"))
    assert "blocked-users-index" in page.select_one("#main")["class"]
    assert page.select_one("#block-count").get_text(strip=True) == (
        "You have blocked 0 of at most 2,000 users."
    )
    field = page.select_one("form#block-user input[name=username]")
    label = page.select_one(f"label[for={field['id']}]")
    assert label.get_text(strip=True).rstrip(":") == "User name"
    assert "You haven't blocked anyone." in page.text


def test_owner_blocks_by_name_and_is_told_what_it_does(client_of, user, other_user):
    client = client_of(user)
    response = client.post("/users/rowan_test/blocked/users", {"username": "Mireille_Test"})
    assert response.status_code == 302
    assert Block.objects.filter(blocker=user, blocked=other_user).exists()
    page = soup(client.get(response["Location"]))
    assert f"You have blocked mireille_test. {EFFECTS}" in flashes(page)
    item = page.select_one("ul.block.index li.block")
    assert item.select_one("a")["href"] == "/users/mireille_test"
    assert item.select_one("button").get_text(strip=True) == "Unblock"
    assert "You have blocked 1 of at most 2,000 users." in page.text


def test_problems_show_beside_the_field_and_keep_what_was_typed(client_of, user):
    client = client_of(user)
    response = client.post("/users/rowan_test/blocked/users", {"username": "nobody_here"})
    assert response.status_code == 400
    page = soup(response)
    field = page.select_one("#id_username_field")
    assert "We couldn't find a user with that name." in field.text
    assert field.select_one("input")["value"] == "nobody_here"
    response = client.post("/users/rowan_test/blocked/users", {"username": "rowan_test"})
    assert "You can't block yourself." in soup(response).select_one("#id_username_field").text
    assert not Block.objects.exists()


def test_unblock_button_unblocks(client_of, user, other_user):
    block = services.block_create(blocker=user, blocked=other_user)
    client = client_of(user)
    page = soup(client.get("/users/rowan_test/blocked/users"))
    form = page.select_one(f"#block_{block.pk} form")
    assert form["action"] == f"/users/rowan_test/blocked/users/{block.pk}"
    assert form.select_one("input[name=_method]")["value"] == "delete"
    response = client.post(form["action"], {"_method": "delete"})
    assert response.status_code == 302
    assert not Block.objects.exists()
    assert any("You have unblocked mireille_test." in f for f in flashes(
        soup(client.get(response["Location"]))))


def test_nobody_can_remove_someone_elses_block(client_of, user, other_user):
    block = services.block_create(blocker=other_user, blocked=user)
    client = client_of(user)
    assert client.post(f"/users/mireille_test/blocked/users/{block.pk}").status_code == 403
    assert client.post(f"/users/rowan_test/blocked/users/{block.pk}").status_code == 404
    assert Block.objects.filter(pk=block.pk).exists()


def test_unblock_confirmation_page(client_of, user, other_user):
    block = services.block_create(blocker=user, blocked=other_user)
    page = soup(client_of(user).get(f"/users/rowan_test/blocked/users/{block.pk}/confirm_unblock"))
    assert page.select_one("h2").get_text(strip=True) == "Unblock mireille_test"
    form = page.select_one("form#unblock-confirm")
    assert form["action"] == f"/users/rowan_test/blocked/users/{block.pk}"


# --- the Block button on people's pages and its confirmation --------------


@pytest.mark.parametrize("path", ["/users/mireille_test", "/users/mireille_test/profile"])
def test_block_button_on_other_users_pages(client_of, user, other_user, path):
    client = client_of(user)
    link = soup(client.get(path)).select_one("li.block a")
    assert link.get_text(strip=True) == "Block"
    assert link["href"] == "/users/rowan_test/blocked/users/confirm_block?blocked_id=mireille_test"
    block = services.block_create(blocker=user, blocked=other_user)
    link = soup(client.get(path)).select_one("li.block a")
    assert link.get_text(strip=True) == "Unblock"
    assert link["href"] == f"/users/rowan_test/blocked/users/{block.pk}/confirm_unblock"


@pytest.mark.parametrize("path", ["/users/rowan_test", "/users/rowan_test/profile"])
def test_no_block_button_on_your_own_pages_but_a_link_to_the_list(client_of, user, path):
    page = soup(client_of(user).get(path))
    assert page.select_one("li.block") is None
    assert page.select_one('a[href="/users/rowan_test/blocked/users"]') is not None


def test_guests_and_admin_pages_get_no_block_button(client, client_of, user):
    UserFactory(username="harbour_admin", is_staff=True)
    assert soup(client.get("/users/rowan_test")).select_one("li.block") is None
    assert soup(client_of(user).get("/users/harbour_admin")).select_one("li.block") is None


def test_confirm_then_block(client_of, user, other_user):
    client = client_of(user)
    page = soup(client.get("/users/rowan_test/blocked/users/confirm_block",
                           {"blocked_id": "mireille_test"}))
    assert EFFECTS in page.select_one("p.note").text
    form = page.select_one("form#block-confirm")
    assert form["method"] == "post" and form["action"] == "/users/rowan_test/blocked/users"
    assert not Block.objects.exists()
    data = {i["name"]: i.get("value", "") for i in form.select("input[name]")}
    response = client.post(form["action"], data)
    assert response.status_code == 302
    assert Block.objects.filter(blocker=user, blocked=other_user).exists()


def test_confirm_page_for_someone_already_blocked_or_unblockable(client_of, user, other_user):
    client = client_of(user)
    services.block_create(blocker=user, blocked=other_user)
    page = soup(client.get("/users/rowan_test/blocked/users/confirm_block",
                           {"blocked_id": "mireille_test"}))
    main = page.select_one("#main")
    assert "You have already blocked" in main.text and main.select_one("form") is None
    UserFactory(username="harbour_admin", is_superuser=True)
    page = soup(client.get("/users/rowan_test/blocked/users/confirm_block",
                           {"blocked_id": "harbour_admin"}))
    assert "administrators can't be blocked" in page.select_one("div.flash.error").text
    assert client.get("/users/rowan_test/blocked/users/confirm_block",
                      {"blocked_id": "nobody_here"}).status_code == 404


def test_confirm_page_is_the_owners_alone(client, client_of, user, other_user):
    url = "/users/rowan_test/blocked/users/confirm_block?blocked_id=mireille_test"
    assert client.get(url).status_code == 302
    assert client_of(other_user).get(url).status_code == 403


# --- the work form --------------------------------------------------------


def work_post_data(**kwargs):
    data = {
        "title": "Lanterns for the Ferry", "rating": str(GENERAL),
        "warnings": [str(NO_WARNINGS_APPLY)], "fandoms": "Tidewatch",
        "language": "en", "comment_permission": "everyone",
        "content": "The ferry left at dusk with every lantern lit.",
        "content_format": "html", "summary_format": "html",
        "notes_format": "html", "endnotes_format": "html", "expected_chapters": "?",
        "post_button": "Post",
    }
    data.update(kwargs)
    return {key: value for key, value in data.items() if value is not None}


def test_work_form_refuses_a_gift_to_a_blocker(client_of, user, other_user):
    services.block_create(blocker=other_user, blocked=user)
    response = client_of(user).post("/works/new", work_post_data(gifts="mireille_test"))
    field = soup(response).select_one("#id_gifts_field")
    assert "You can't give a gift to mireille_test." in field.text
    assert field.select_one("input")["value"] == "mireille_test"
    assert not Work.objects.exists() and not Gift.objects.exists()


def test_work_form_refuses_to_invite_a_blocker(client_of, user, other_user):
    services.block_create(blocker=other_user, blocked=user)
    response = client_of(user).post("/works/new", work_post_data(cocreators="mireille_test"))
    field = soup(response).select_one("#id_cocreators_field")
    assert "You can't invite mireille_test to be a co-creator." in field.text
    assert not Work.objects.exists()
    assert not Creatorship.objects.filter(pseud__user=other_user).exists()


def test_work_edit_form_refuses_a_new_gift_to_a_blocker(client_of, user, other_user):
    work = WorkFactory(creator=user)
    services.block_create(blocker=other_user, blocked=user)
    response = client_of(user).post(f"/works/{work.pk}/edit", work_post_data(
        gifts="mireille_test", post_button=None, update_button="Update"))
    assert "You can't give a gift to mireille_test." in soup(response).select_one(
        "#id_gifts_field").text
    assert not Gift.objects.exists()
