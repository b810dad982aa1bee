"""Work skin pages over HTTP, and the skin on the reading page."""

import pytest
from bs4 import BeautifulSoup

from chapterhouse.works.models import WorkSkin
from chapterhouse.works.services import skins as skin_services

from .factories import WorkFactory


@pytest.fixture
def skin(user):
    return skin_services.skin_create(user=user, title="Texts", css="p { color: red }")[0]


def test_guests_are_sent_to_log_in(client, skin):
    for url in ["/skins", "/skins/new", f"/skins/{skin.pk}/edit", f"/skins/{skin.pk}/delete"]:
        response = client.get(url)
        assert response.status_code == 302 and "/users/login" in response["Location"]


def test_others_cannot_open_or_delete_my_skin(client, skin, other_user):
    client.force_login(other_user)
    assert client.get(f"/skins/{skin.pk}/edit").status_code == 403
    assert client.post(f"/skins/{skin.pk}/delete").status_code == 403
    assert WorkSkin.objects.filter(pk=skin.pk).exists()
    listing = BeautifulSoup(client.get("/skins").content, "html.parser")
    assert listing.select_one(f"#skin_{skin.pk}") is None


def test_create_a_skin_and_see_what_was_dropped(user_client):
    response = user_client.post(
        "/skins/new",
        {"title": "Letters", "description": "", "css": "p { color: red; position: fixed }"},
        follow=True,
    )
    soup = BeautifulSoup(response.content, "html.parser")
    skin = WorkSkin.objects.get(title="Letters")
    assert response.redirect_chain[-1][0] == f"/skins/{skin.pk}/edit"
    assert "position: fixed" in " ".join(f.text for f in soup.select(".flash"))
    assert soup.select_one("pre.skin-css").text == "#workskin p {\n  color: red;\n}"


def test_a_bad_form_keeps_what_was_typed(user_client, skin):
    response = user_client.post("/skins/new", {"title": "Texts", "css": "p { color: blue }"})
    soup = BeautifulSoup(response.content, "html.parser")
    assert "already have a skin" in soup.select_one("#id_title_field .error").text
    assert soup.select_one("#id_css").text.lstrip("\n") == "p { color: blue }"


def test_edit_and_delete(user_client, skin, user):
    user_client.post(f"/skins/{skin.pk}/edit", {"title": "Texts", "css": "p { color: blue }"})
    skin.refresh_from_db()
    assert "blue" in skin.clean_css
    page = BeautifulSoup(user_client.get("/skins").content, "html.parser")
    assert page.select_one(f"#skin_{skin.pk} h4 a").text == "Texts"
    response = user_client.post(f"/skins/{skin.pk}/delete")
    assert response.status_code == 302
    assert not WorkSkin.objects.filter(pk=skin.pk).exists()


def test_the_reading_page_wears_the_clean_css(client, user, skin):
    skin_services.skin_update(user=user, skin=skin, title="Texts",
                              css="p { color: red; behavior: url(x.htc) }")
    work = WorkFactory(creator=user, skin=skin)
    page = client.get(f"/works/{work.pk}")
    style = BeautifulSoup(page.content, "html.parser").select_one("head style")
    assert style is not None and "#workskin p" in style.text
    assert "behavior" not in style.text


def test_deeply_nested_css_re_renders_the_form_with_the_limit(user_client):
    css = "p { color: " + "(" * 20_000 + " }"
    response = user_client.post("/skins/new", {"title": "Deep", "css": css})
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert "more than 20 deep" in soup.select_one("#id_css_field .error").text
    assert soup.select_one("#id_css").text.lstrip("\n") == css
    assert not WorkSkin.objects.filter(title="Deep").exists()


def test_the_reading_page_never_wears_a_closing_style_tag(client, user, skin):
    skin_services.skin_update(
        user=user, skin=skin, title="Texts",
        css="@media </style><img src=x> { p { color: red } } p { color: blue }",
    )
    work = WorkFactory(creator=user, skin=skin)
    page = client.get(f"/works/{work.pk}")
    soup = BeautifulSoup(page.content, "html.parser")
    assert soup.select_one("head style").text.strip() == "#workskin p {\n  color: blue;\n}"
    assert soup.select("img[src=x]") == []
