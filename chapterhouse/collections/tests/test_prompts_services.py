"""Prompt memes' writes and reads: who may post, claim, fill; limits; what
each viewer sees of fills and counts."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.collections import services
from chapterhouse.collections.models import Claim, Prompt
from chapterhouse.collections.prompts import selectors as prompt_selectors
from chapterhouse.collections.prompts import services as prompts
from chapterhouse.tags.models import Tag, TagType
from chapterhouse.works.models import Work
from chapterhouse.works.services import posting
from chapterhouse.works.services.tagging import TagChoice
from chapterhouse.works.tests.factories import WorkFactory

from .factories import collection as make_collection

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(db):
    return UserFactory(username="meme_owner")


@pytest.fixture
def meme(owner):
    fest = make_collection(owner=owner, name="kink_meme", title="Kink Meme")
    prompts.prompt_meme_set(user=owner, collection=fest, prompts_per_member=2, claims_per_prompt=2)
    return fest


def _post(user, meme, **kw):
    kw.setdefault("tags", {"fandoms": "Tidewater", "characters": "Mara Vell"})
    kw.setdefault("description", "<p>Mara learns to sail.</p>")
    return prompts.prompt_post(user=user, collection=meme, **kw)


def _fill(user, prompt, *, title="A Fill", post=True, restricted=False, anonymous=False):
    from chapterhouse.tags.fixed import GENERAL, NO_WARNINGS_APPLY

    fields = posting.WorkFields(
        title=title,
        content="<p>" + "Words upon words. " * 10 + "</p>",
        tags=TagChoice(rating=GENERAL, warnings=[NO_WARNINGS_APPLY], fandoms="Tidewater"),
        restricted=restricted,
        anonymous=anonymous,
        prompt_id=prompt.pk,
    )
    return posting.work_create(user=user, fields=fields, post=post)


def test_only_owners_make_a_collection_a_prompt_meme(owner):
    fest = make_collection(owner=owner)
    with pytest.raises(PermissionDenied):
        prompts.prompt_meme_set(user=UserFactory(), collection=fest)
    with pytest.raises(ValidationError):
        prompts.prompt_meme_set(user=owner, collection=fest, prompts_per_member=0)


def test_member_posts_a_prompt_with_tags_and_sanitised_text(meme):
    member = UserFactory()
    prompt = _post(member, meme, description='<p onclick="x()">Sail<script>bad()</script></p>')
    assert prompt.description == "<p>Sail</p>"
    tags = {(pt.tag.name, pt.tag.type) for pt in prompt.prompt_tags.select_related("tag")}
    assert tags == {("Tidewater", TagType.FANDOM), ("Mara Vell", TagType.CHARACTER)}


def test_prompt_text_is_bounded_and_tag_names_checked(meme):
    member = UserFactory()
    with pytest.raises(ValidationError) as error:
        _post(member, meme, description="x" * 20000)
    assert "description" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _post(member, meme, tags={"fandoms": "Bad<Name"})
    assert "fandoms" in error.value.message_dict
    assert not Prompt.objects.exists()


def test_guest_and_non_meme_cannot_post(meme, owner):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        _post(AnonymousUser(), meme)
    plain = make_collection(owner=owner, name="plain", title="Plain")
    with pytest.raises(ValidationError):
        _post(UserFactory(), plain)


def test_prompts_per_member_limit(meme):
    member = UserFactory()
    _post(member, meme)
    _post(member, meme)
    with pytest.raises(ValidationError, match="takes 2 from each member"):
        _post(member, meme)


def test_closed_prompts_refuse_members_but_not_maintainers(meme, owner):
    prompts.prompt_meme_set(
        user=owner, collection=meme, closes_at=timezone.now() - datetime.timedelta(hours=1)
    )
    with pytest.raises(ValidationError, match="not taking prompts"):
        _post(UserFactory(), meme)
    assert _post(owner, meme).pk


def test_anonymous_prompts_only_when_allowed(meme, owner):
    prompts.prompt_meme_set(user=owner, collection=meme, anonymous_allowed=False)
    with pytest.raises(ValidationError):
        _post(UserFactory(), meme, anonymous=True)


def test_only_prompter_or_maintainer_edits_and_deletes(meme, owner):
    prompter = UserFactory()
    prompt = _post(prompter, meme)
    with pytest.raises(PermissionDenied):
        prompts.prompt_edit(user=UserFactory(), prompt=prompt, description="mine now")
    prompts.prompt_edit(
        user=prompter, prompt=prompt, description="<p>Changed</p>", tags={"fandoms": "Harbour"}
    )
    prompt.refresh_from_db()
    assert prompt.description == "<p>Changed</p>"
    assert [pt.tag.name for pt in prompt.prompt_tags.all()] == ["Harbour"]
    with pytest.raises(PermissionDenied):
        prompts.prompt_delete(user=UserFactory(), prompt=prompt)
    prompts.prompt_delete(user=owner, prompt=prompt)
    assert not Prompt.objects.exists()


def test_claims_up_to_the_limit_and_once_each(meme):
    prompt = _post(UserFactory(), meme)
    first, second, third = UserFactory(), UserFactory(), UserFactory()
    prompts.claim_create(user=first, prompt=prompt)
    with pytest.raises(ValidationError, match="already claimed"):
        prompts.claim_create(user=first, prompt=prompt)
    prompts.claim_create(user=second, prompt=prompt)
    with pytest.raises(ValidationError, match="as many times"):
        prompts.claim_create(user=third, prompt=prompt)


def test_unlimited_claims_when_zero(meme, owner):
    prompts.prompt_meme_set(user=owner, collection=meme, claims_per_prompt=0)
    prompt = _post(UserFactory(), meme)
    for _ in range(4):
        prompts.claim_create(user=UserFactory(), prompt=prompt)
    assert prompt.claims.count() == 4


def test_unclaim_by_claimant_or_maintainer_only(meme, owner):
    prompt = _post(UserFactory(), meme)
    claimant = UserFactory()
    claim = prompts.claim_create(user=claimant, prompt=prompt)
    with pytest.raises(PermissionDenied):
        prompts.claim_remove(user=UserFactory(), claim=claim)
    prompts.claim_remove(user=claimant, claim=claim)
    claim = prompts.claim_create(user=claimant, prompt=prompt)
    prompts.claim_remove(user=owner, claim=claim)
    assert not Claim.objects.exists()


def test_fill_joins_collection_claims_and_is_listed(meme):
    prompt = _post(UserFactory(), meme)
    writer = UserFactory()
    work = _fill(writer, prompt, title="Sails at Dawn")
    claim = Claim.objects.get(prompt=prompt, claimant=writer)
    assert claim.work_id == work.pk and claim.filled_at is not None
    assert meme.items.filter(work=work).exists()
    entry = prompt_selectors.prompt_entry(viewer=None, collection=meme, prompt_id=prompt.pk)
    assert [w.title for w in entry.fills] == ["Sails at Dawn"]


def test_fill_of_a_fully_claimed_prompt_is_refused_and_nothing_saved(meme):
    prompt = _post(UserFactory(), meme)
    prompts.claim_create(user=UserFactory(), prompt=prompt)
    prompts.claim_create(user=UserFactory(), prompt=prompt)
    with pytest.raises(ValidationError) as error:
        _fill(UserFactory(), prompt, title="Too Late")
    assert "prompt_id" in error.value.message_dict
    assert not Work.objects.filter(title="Too Late").exists()


def test_fill_into_a_closed_collection_is_refused(meme, owner):
    prompt = _post(UserFactory(), meme)
    services.collection_edit(user=owner, collection=meme, is_open=False)
    with pytest.raises(ValidationError):
        _fill(UserFactory(), prompt, title="Closed Out")
    assert not Work.objects.filter(title="Closed Out").exists()


def _counts(viewer, meme, **kw):
    return prompt_selectors.prompts_listing(viewer=viewer, collection=meme, **kw).counts


@pytest.mark.parametrize("kind", ["draft", "restricted", "moderated", "hidden"])
def test_fill_the_viewer_may_not_see_is_neither_shown_nor_counted(meme, owner, kind):
    prompt = _post(UserFactory(), meme)
    writer = UserFactory()
    if kind == "moderated":
        services.collection_edit(user=owner, collection=meme, moderated=True)
    work = _fill(writer, prompt, title="Secret Fill", post=kind != "draft",
                 restricted=kind == "restricted")
    if kind == "hidden":
        Work.objects.filter(pk=work.pk).update(hidden_by_admin=True)
    guest_entry = prompt_selectors.prompt_entry(viewer=None, collection=meme, prompt_id=prompt.pk)
    assert guest_entry.fills == []
    assert _counts(None, meme) == {
        "all": 1, "unclaimed": 0, "claimed": 1, "filled": 0, "unfilled": 1
    }
    assert prompt_selectors.prompts_listing(
        viewer=None, collection=meme, status="filled"
    ).pages.total == 0
    # Who may see it sees the fill (her own draft is no fill yet).
    member = UserFactory()
    shown = _counts(member, meme)["filled"]
    assert shown == (1 if kind == "restricted" else 0)
    writer_sees = _counts(writer, meme)["filled"]
    assert writer_sees == (0 if kind in ("draft", "moderated") else 1)


def test_unrevealed_fill_counts_only_for_who_may_unmask(meme, owner):
    services.collection_edit(user=owner, collection=meme, unrevealed=True)
    prompt = _post(UserFactory(), meme)
    writer = UserFactory()
    _fill(writer, prompt, title="Mystery Fill")
    assert _counts(None, meme)["filled"] == 0
    assert _counts(UserFactory(), meme)["filled"] == 0
    assert _counts(owner, meme)["filled"] == 1
    assert _counts(writer, meme)["filled"] == 1
    services.collection_reveal(user=owner, collection=meme)
    assert _counts(None, meme)["filled"] == 1


def test_listing_filters_by_tag_synonym_and_status(meme):
    a = _post(UserFactory(), meme, tags={"fandoms": "Tidewater"})
    b = _post(UserFactory(), meme, tags={"fandoms": "Tide Water"})
    _post(UserFactory(), meme, tags={"fandoms": "Harbour"})
    canonical = Tag.objects.get(name="Tidewater")
    Tag.objects.filter(pk=canonical.pk).update(canonical=True)
    Tag.objects.filter(name="Tide Water").update(merger=canonical)
    found = prompt_selectors.prompts_listing(viewer=None, collection=meme, tag="tidewater")
    assert {e.prompt.pk for e in found.pages.items} == {a.pk, b.pk}
    prompts.claim_create(user=UserFactory(), prompt=a)
    claimed = prompt_selectors.prompts_listing(
        viewer=None, collection=meme, tag="Tide Water", status="claimed"
    )
    assert [e.prompt.pk for e in claimed.pages.items] == [a.pk]
    assert claimed.counts == {"all": 2, "unclaimed": 1, "claimed": 1, "filled": 0, "unfilled": 2}
    unknown = prompt_selectors.prompts_listing(viewer=None, collection=meme, tag="Nowhere")
    assert unknown.pages.total == 0


def test_listing_is_paginated(meme, owner):
    prompts.prompt_meme_set(user=owner, collection=meme, prompts_per_member=30)
    member = UserFactory()
    for i in range(23):
        _post(member, meme, title=f"Prompt {i}")
    found = prompt_selectors.prompts_listing(viewer=None, collection=meme, page=2)
    assert found.pages.total == 23 and len(found.pages.items) == 3
    assert found.pages.items[-1].prompt.title == "Prompt 0"


def test_my_claims(meme):
    prompt = _post(UserFactory(), meme, title="Ship it")
    claimant = UserFactory()
    prompts.claim_create(user=claimant, prompt=prompt)
    page = prompt_selectors.user_claims(user=claimant)
    assert [uc.prompt.prompt.title for uc in page.items] == ["Ship it"]
    assert prompt_selectors.user_claims(user=UserFactory()).total == 0


def test_an_existing_work_is_not_a_fill_of_someone_elses_claim(meme):
    prompt = _post(UserFactory(), meme)
    other = WorkFactory(title="Unrelated")
    with pytest.raises(PermissionDenied):
        prompts.prompt_fill_record(user=UserFactory(), work=other, prompt=prompt)


def test_listing_reads_a_page_in_a_fixed_number_of_queries(
    meme, owner, django_assert_max_num_queries
):
    prompts.prompt_meme_set(user=owner, collection=meme, prompts_per_member=30,
                            claims_per_prompt=0)
    member = UserFactory()
    for i in range(3):
        prompt = _post(member, meme, title=f"Prompt {i}")
        _fill(UserFactory(), prompt, title=f"Fill {i}")
    viewer = UserFactory()
    with django_assert_max_num_queries(12) as few:
        found = prompt_selectors.prompts_listing(viewer=viewer, collection=meme)
        assert sum(len(e.fills) for e in found.pages.items) == 3
    for i in range(3, 20):
        prompt = _post(member, meme, title=f"Prompt {i}")
        prompts.claim_create(user=UserFactory(), prompt=prompt)
        _fill(UserFactory(), prompt, title=f"Fill {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        found = prompt_selectors.prompts_listing(viewer=viewer, collection=meme)
        assert sum(len(e.fills) for e in found.pages.items) == 20


def test_claimant_of_an_anonymous_fill_is_not_named(meme):
    prompt = _post(UserFactory(), meme)
    writer = UserFactory(username="shy_writer")
    _fill(writer, prompt, title="Unsigned", anonymous=True)
    entry = prompt_selectors.prompt_entry(viewer=None, collection=meme, prompt_id=prompt.pk)
    (claim,) = entry.claims
    assert claim.fill.title == "Unsigned" and claim.claimant is None
    own = prompt_selectors.prompt_entry(viewer=writer, collection=meme, prompt_id=prompt.pk)
    assert own.claims[0].claimant == writer
