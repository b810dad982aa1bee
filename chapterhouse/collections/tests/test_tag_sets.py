"""Owned tag sets: owners keep them, others nominate, owners review; a prompt
meme restricted to a tag set takes only its tags."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.collections.models import NominationStatus, Prompt
from chapterhouse.collections.prompts import services as prompts
from chapterhouse.collections.prompts import tag_sets
from chapterhouse.tags.models import Tag, TagType

from .factories import collection as make_collection

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(db):
    return UserFactory(username="set_keeper")


@pytest.fixture
def tag_set(owner):
    found = tag_sets.tag_set_create(user=owner, title="Yuletide 2026", nominations_open=True)
    tag_sets.tag_set_tags_add(
        user=owner, tag_set=found, tag_type=TagType.FANDOM, names="Tidewater, Harbour Lights"
    )
    return found


def test_owner_adds_tags_others_may_not(tag_set, owner):
    assert [t.name for t in tag_sets.tag_set_tags(tag_set)[TagType.FANDOM]] == [
        "Harbour Lights", "Tidewater"
    ]
    with pytest.raises(PermissionDenied):
        tag_sets.tag_set_tags_add(
            user=UserFactory(), tag_set=tag_set, tag_type=TagType.FANDOM, names="Mine"
        )
    with pytest.raises(ValidationError):
        tag_sets.tag_set_tags_add(
            user=owner, tag_set=tag_set, tag_type=TagType.RATING, names="Explicit"
        )


def test_nominations_reviewed_by_owners(tag_set, owner):
    nominator = UserFactory()
    nomination = tag_sets.tag_nominate(
        user=nominator, tag_set=tag_set, tag_type=TagType.FANDOM, name="Quiet Ports"
    )
    with pytest.raises(ValidationError, match="already nominated"):
        tag_sets.tag_nominate(
            user=nominator, tag_set=tag_set, tag_type=TagType.FANDOM, name="quiet ports"
        )
    assert tag_sets.tag_set_nominations(viewer=nominator, tag_set=tag_set) is None
    assert [n.name for n in tag_sets.tag_set_nominations(viewer=owner, tag_set=tag_set)] == [
        "Quiet Ports"
    ]
    with pytest.raises(PermissionDenied):
        tag_sets.tag_nomination_review(user=nominator, nomination=nomination, approve=True)
    reviewed = tag_sets.tag_nomination_review(user=owner, nomination=nomination, approve=True)
    assert reviewed.status == NominationStatus.APPROVED
    assert tag_sets.tag_set_allows(tag_set, Tag.objects.get(name="Quiet Ports"))
    rejected = tag_sets.tag_nominate(
        user=nominator, tag_set=tag_set, tag_type=TagType.FANDOM, name="Loud Ports"
    )
    tag_sets.tag_nomination_review(user=owner, nomination=rejected, approve=False)
    assert not tag_set.set_tags.filter(tag__name="Loud Ports").exists()


def test_nominations_closed_and_limited(tag_set, owner):
    tag_set.nominations_per_type = 1
    tag_set.save()
    nominator = UserFactory()
    tag_sets.tag_nominate(user=nominator, tag_set=tag_set, tag_type=TagType.FANDOM, name="A1")
    with pytest.raises(ValidationError, match="1 tags of each type"):
        tag_sets.tag_nominate(user=nominator, tag_set=tag_set, tag_type=TagType.FANDOM, name="A2")
    tag_sets.tag_set_edit(user=owner, tag_set=tag_set, nominations_open=False)
    with pytest.raises(ValidationError, match="closed"):
        tag_sets.tag_nominate(
            user=UserFactory(), tag_set=tag_set, tag_type=TagType.FANDOM, name="B1"
        )


def test_tag_set_allows_synonyms_of_its_tags(tag_set):
    canonical = Tag.objects.get(name="Tidewater")
    synonym = Tag.objects.create(name="Tide Water", type=TagType.FANDOM, merger=canonical)
    other = Tag.objects.create(name="Elsewhere", type=TagType.FANDOM)
    assert tag_sets.tag_set_allows(tag_set, synonym)
    assert not tag_sets.tag_set_allows(tag_set, other)
    assert tag_sets.tag_set_allows(None, other)


def test_prompt_meme_restricted_to_a_tag_set(tag_set, owner):
    meme = make_collection(owner=owner, name="yule_meme", title="Yule Meme")
    prompts.prompt_meme_set(user=owner, collection=meme, tag_set=tag_set)
    member = UserFactory()
    with pytest.raises(ValidationError) as error:
        prompts.prompt_post(user=member, collection=meme, tags={"fandoms": "Elsewhere"})
    assert "not in this challenge's tag set" in error.value.message_dict["fandoms"][0]
    assert not Tag.objects.filter(name="Elsewhere").exists()
    prompts.prompt_post(user=member, collection=meme, tags={"fandoms": "Tidewater"})
    assert Prompt.objects.count() == 1


# Pages ------------------------------------------------------------------------------------


def _soup(response):
    from bs4 import BeautifulSoup

    return BeautifulSoup(response.content.decode(), "html.parser")


def test_tag_set_pages_create_nominate_and_review(logged_in, owner):
    client = logged_in(owner)
    response = client.post("/tag_sets/new", {"title": "Small Fandoms", "nominations_open": "on"})
    tag_set = tag_sets.OwnedTagSet.objects.get(title="Small Fandoms")
    assert response["Location"] == f"/tag_sets/{tag_set.pk}"
    client.post(f"/tag_sets/{tag_set.pk}", {"tag_type": "Fandom", "names": "Tidewater, Moorland"})
    page = _soup(client.get("/tag_sets"))
    assert [a.get_text() for a in page.select("li.tagset h4.heading a")] == ["Small Fandoms"]
    shown = _soup(client.get(f"/tag_sets/{tag_set.pk}"))
    assert [li.get_text() for li in shown.select("ul.fandom li")] == ["Moorland", "Tidewater"]

    member = logged_in(UserFactory(username="fan_nominator"))
    assert member.post(
        f"/tag_sets/{tag_set.pk}", {"tag_type": "Fandom", "names": "Mine"}
    ).status_code == 403
    assert member.get(f"/tag_sets/{tag_set.pk}/nominations").status_code == 403
    response = member.post(
        f"/tag_sets/{tag_set.pk}/nominations/new", {"tag_type": "Fandom", "name": "Bad<Tag"}
    )
    assert response.status_code == 200 and "restricted characters" in _soup(response).get_text()
    assert _soup(response).select_one("#nomination_name")["value"] == "Bad<Tag"
    member.post(
        f"/tag_sets/{tag_set.pk}/nominations/new", {"tag_type": "Fandom", "name": "Fenland"}
    )
    review = _soup(client.get(f"/tag_sets/{tag_set.pk}/nominations"))
    (li,) = review.select("li.nomination")
    assert li.select_one("span.name").get_text() == "Fenland"
    nomination_id = li.select_one("input[name=nomination_id]")["value"]
    client.post(
        f"/tag_sets/{tag_set.pk}/nominations",
        {"nomination_id": nomination_id, "status": "approved"},
    )
    shown = _soup(client.get(f"/tag_sets/{tag_set.pk}"))
    assert "Fenland" in [li.get_text() for li in shown.select("ul.fandom li")]


def test_prompt_meme_settings_name_a_tag_set(logged_in, owner, tag_set):
    make_collection(owner=owner, name="yule_meme", title="Yule Meme")
    client = logged_in(owner)
    response = client.post(
        "/collections/yule_meme/prompt_meme/edit",
        {"prompts_per_member": "2", "claims_per_prompt": "0", "tag_set": "Nowhere Set"},
    )
    assert response.status_code == 200
    assert "couldn't find the tag set" in _soup(response).get_text()
    client.post(
        "/collections/yule_meme/prompt_meme/edit",
        {"prompts_open": "on", "prompts_per_member": "2", "claims_per_prompt": "0",
         "tag_set": "Yuletide 2026"},
    )
    member = logged_in(UserFactory())
    response = member.post("/collections/yule_meme/prompts/new", {"fandoms": "Elsewhere"})
    assert "not in this challenge's tag set" in _soup(response).get_text()


def test_gift_exchange_sign_ups_take_only_the_tag_sets_tags(tag_set, owner):
    from chapterhouse.collections import exchange_services as exchange

    fest = make_collection(owner=owner, name="yule_swap", title="Yule Swap")
    exchange.gift_exchange_save(
        user=owner, collection=fest, tag_set=tag_set,
        tag_limits={"fandom": {"required": 1, "allowed": 2}},
    )
    member = UserFactory()
    Tag.objects.create(name="Tide Water", type=TagType.FANDOM,
                       merger=Tag.objects.get(name="Tidewater"))

    def sign_up(request, offer):
        return exchange.signup_save(
            user=member, collection=fest,
            requests=[{"tags": {"fandom": request}}], offers=[{"tags": {"fandom": offer}}],
        )

    with pytest.raises(ValidationError) as error:
        sign_up("Elsewhere", "Tidewater, Nowhere At All")
    assert error.value.messages == [
        "Request 1: Elsewhere is not in this challenge's tag set (Yuletide 2026).",
        "Offer 1: Nowhere At All is not in this challenge's tag set (Yuletide 2026).",
    ]
    # A synonym of a tag in the set counts as that tag.
    signup = sign_up("Tide Water", "Harbour Lights")
    assert signup.prompts.count() == 2


def test_the_exchange_settings_page_names_its_tag_set(tag_set, owner, client):
    fest = make_collection(owner=owner, name="yule_swap", title="Yule Swap")
    client.force_login(owner)
    form = {
        "signups_open": "on", "requests_required": 1, "requests_allowed": 1,
        "offers_required": 1, "offers_allowed": 1, "fandom_required": 1, "fandom_allowed": 1,
        "fandom_match": 1, "character_required": 0, "character_allowed": 0,
        "character_match": 0, "relationship_required": 0, "relationship_allowed": 0,
        "relationship_match": 0, "freeform_required": 0, "freeform_allowed": 0,
        "freeform_match": 0,
    }
    missing = client.post("/collections/yule_swap/gift_exchange/new",
                          {**form, "tag_set": "No Such Set"})
    assert "We couldn't find the tag set No Such Set." in _soup(missing).get_text()
    # What she typed is kept.
    assert _soup(missing).select_one("input[name=tag_set]")["value"] == "No Such Set"
    saved = client.post("/collections/yule_swap/gift_exchange/new",
                        {**form, "tag_set": "Yuletide 2026"})
    assert saved.status_code == 302
    fest.gift_exchange.refresh_from_db()
    assert fest.gift_exchange.tag_set == tag_set
    page = _soup(client.get("/collections/yule_swap/gift_exchange/edit"))
    assert page.select_one("input[name=tag_set]")["value"] == "Yuletide 2026"
