"""Prompt memes over HTTP: the addresses, forms, claims and the work form's
"in response to" a prompt."""

import pytest
from bs4 import BeautifulSoup

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.collections.models import Claim, Prompt, PromptMeme
from chapterhouse.collections.prompts import services as prompts

from .factories import collection as make_collection

pytestmark = pytest.mark.django_db


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


@pytest.fixture
def owner(db):
    return UserFactory(username="meme_owner")


@pytest.fixture
def meme(owner):
    fest = make_collection(owner=owner, name="kink_meme", title="Kink Meme")
    prompts.prompt_meme_set(user=owner, collection=fest, claims_per_prompt=1)
    return fest


def _prompt(meme, user=None, **kw):
    return prompts.prompt_post(
        user=user or UserFactory(), collection=meme,
        tags=kw.pop("tags", {"fandoms": "Tidewater"}), description="<p>Sail.</p>", **kw
    )


def test_owner_sets_up_the_prompt_meme(logged_in, owner):
    make_collection(owner=owner, name="fest", title="Fest")
    client = logged_in(owner)
    assert client.get("/collections/fest/prompts").status_code == 404
    response = client.post(
        "/collections/fest/prompt_meme/edit",
        {"prompts_open": "on", "prompts_per_member": "3", "claims_per_prompt": "2"},
    )
    assert response.status_code == 302
    meme = PromptMeme.objects.get(collection__name="fest")
    assert (meme.prompts_per_member, meme.claims_per_prompt, meme.anonymous_allowed) == (
        3, 2, False
    )
    other = logged_in(UserFactory())
    assert other.get("/collections/fest/prompt_meme/edit").status_code == 403


def test_member_posts_a_prompt_and_bad_input_keeps_what_was_typed(logged_in, meme):
    client = logged_in(UserFactory(username="prompter_one"))
    form = soup(client.get("/collections/kink_meme/prompts/new"))
    assert form.select_one("input#id_fandoms")["data-autocomplete"] == "Fandom"
    response = client.post(
        "/collections/kink_meme/prompts/new",
        {"fandoms": "Tide<water", "description": "My long idea"},
    )
    assert response.status_code == 200
    page = soup(response)
    assert "restricted characters" in page.get_text()
    assert page.select_one("textarea#id_description").get_text().strip() == "My long idea"
    response = client.post(
        "/collections/kink_meme/prompts/new",
        {"fandoms": "Tidewater", "characters": "Mara", "title": "Sails",
         "description": "<p>My idea</p>"},
    )
    prompt = Prompt.objects.get()
    assert response["Location"] == f"/collections/kink_meme/prompts/{prompt.pk}"
    page = soup(logged_in(UserFactory()).get(response["Location"]))
    li = page.select_one("ul.prompt.index.group > li.prompt.blurb")
    assert li.select_one("span.byline").get_text(strip=True) == "prompter_one"
    assert li.select_one("h5.fandoms a").get_text() == "Tidewater"


def test_listing_filters_and_counts_over_http(client, meme):
    _prompt(meme, title="One", tags={"fandoms": "Tidewater"})
    _prompt(meme, title="Two", tags={"fandoms": "Harbour"})
    page = soup(client.get("/collections/kink_meme/prompts", {"tag": "Harbour"}))
    assert [a.get_text() for a in page.select("li.prompt h4.heading > a")] == ["Two"]
    assert page.select_one("h2.prompts.heading").get_text().startswith("1 - 1 of 1 Prompts")
    assert page.select_one("span.count[data-status=unclaimed]").get_text() == "(1)"


def test_claim_unclaim_and_my_claims(logged_in, meme):
    prompt = _prompt(meme, title="Claim me")
    claimant = UserFactory(username="eager_writer")
    client = logged_in(claimant)
    response = client.post(f"/collections/kink_meme/claims?prompt_id={prompt.pk}", follow=True)
    assert "New claim made." in soup(response).select_one("div.flash.notice").get_text()
    late = logged_in(UserFactory())
    response = late.post(f"/collections/kink_meme/claims?prompt_id={prompt.pk}", follow=True)
    assert "as many times" in soup(response).select_one("div.flash.error").get_text()
    page = soup(client.get("/users/eager_writer/claims"))
    assert [a.get_text() for a in page.select("li.claim h4.heading a")][:1] == ["Claim me"]
    assert late.get("/users/eager_writer/claims").status_code == 403
    assert late.get("/collections/kink_meme/claims").status_code == 403
    claim = Claim.objects.get()
    assert late.post(f"/collections/kink_meme/claims/{claim.pk}/delete").status_code == 403
    client.post(f"/collections/kink_meme/claims/{claim.pk}/delete")
    assert not Claim.objects.exists()


def test_work_form_answers_a_prompt(logged_in, meme):
    from chapterhouse.works.tests.test_views_posting import work_post_data

    prompt = _prompt(meme, tags={"fandoms": "Tidewater", "characters": "Mara Vell"})
    writer = UserFactory()
    client = logged_in(writer)
    form = soup(client.get(f"/works/new?prompt_id={prompt.pk}"))
    assert form.select_one("input[name=prompt_id]")["value"] == str(prompt.pk)
    assert form.select_one("input[name='work[collection_names]']")["value"] == "kink_meme"
    assert form.select_one("input#id_characters")["value"] == "Mara Vell"
    data = work_post_data(title="Answer", fandoms="Tidewater", prompt_id=str(prompt.pk))
    data["work[collection_names]"] = ""  # removed by hand: the prompt's collection still holds it
    data["post_button"] = "Post"
    response = client.post("/works/new", data)
    assert response.status_code == 302
    claim = Claim.objects.get(prompt=prompt, claimant=writer)
    assert claim.work.title == "Answer"
    page = soup(logged_in(UserFactory()).get(f"/collections/kink_meme/prompts/{prompt.pk}"))
    assert [a.get_text() for a in page.select("ul.fills li.fill a")] == ["Answer"]


def test_work_form_refusal_keeps_the_text(logged_in, meme):
    from chapterhouse.works.tests.test_views_posting import work_post_data

    prompt = _prompt(meme)
    prompts.claim_create(user=UserFactory(), prompt=prompt)
    client = logged_in(UserFactory())
    data = work_post_data(title="Too Late", prompt_id=str(prompt.pk), post_button="Post")
    response = client.post("/works/new", data)
    assert response.status_code == 200
    page = soup(response)
    assert "as many times" in page.get_text()
    assert page.select_one("input#id_title")["value"] == "Too Late"
    assert page.select_one("input[name=prompt_id]")["value"] == str(prompt.pk)


def test_collection_pages_link_to_the_prompts_of_a_prompt_meme(client, meme, owner):
    links = [a["href"] for a in soup(client.get("/collections/kink_meme")).select(
        "div.collection.header ul.navigation a")]
    assert "/collections/kink_meme/prompts" in links
    make_collection(owner=owner, name="plain_fest", title="Plain Fest")
    links = [a["href"] for a in soup(client.get("/collections/plain_fest")).select(
        "div.collection.header ul.navigation a")]
    assert "/collections/plain_fest/prompts" not in links
