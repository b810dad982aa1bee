"""Writes for prompt memes: settings, prompts, claims and fills. Each checks
who may make it (docs/prompt-memes.md).

- Owners of a collection make it a prompt meme and change its settings.
- Signed-in members post prompts while prompts are open (maintainers at any
  time), up to the meme's number each; the prompter or a maintainer edits or
  deletes a prompt.
- Members claim prompts (up to the meme's number of claims on each); the
  claimant or a maintainer drops an unfilled claim.
- A work posted in response to a prompt joins the collection and fills the
  poster's claim on it (claiming it first when she had none).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from chapterhouse.moderation.guards import may_write
from chapterhouse.tags.models import Tag
from chapterhouse.tags.selectors import tags_by_names
from chapterhouse.works.models import Work
from chapterhouse.works.selectors.visibility import is_creator, signed_in_user
from chapterhouse.works.services.tagging import (
    USER_TAG_FIELDS,
    tag_name_problems,
    tag_names_split,
    tags_find_or_create,
)
from chapterhouse.works.text import sanitize_html

from ..models import Collection, CollectionItem
from ..services import _owner_required, is_maintainer
from .models import (
    CLAIMS_PER_PROMPT_MAX,
    PROMPT_MAX_TAGS,
    PROMPT_TEXT_MAX_LENGTH,
    PROMPT_TITLE_MAX_LENGTH,
    PROMPTS_PER_MEMBER_MAX,
    Claim,
    Prompt,
    PromptMeme,
    PromptTag,
)
from .tag_sets import tag_set_allows

MEME_FIELDS = (
    "prompts_open",
    "opens_at",
    "closes_at",
    "prompts_per_member",
    "anonymous_allowed",
    "claims_per_prompt",
)


def _signed_in(user, what: str):
    if signed_in_user(user) is None:
        raise PermissionDenied(f"Please log in to {what}.")
    may_write(user=user, action="post")


def _meme_of(collection: Collection) -> PromptMeme:
    meme = PromptMeme.objects.filter(collection=collection).first()
    if meme is None:
        raise ValidationError(f"{collection.title} is not a prompt meme.")
    return meme


# Settings -------------------------------------------------------------------------------


@transaction.atomic
def prompt_meme_set(*, user, collection: Collection, tag_set=None, **settings) -> PromptMeme:
    """Owners make ``collection`` a prompt meme, or change its settings."""
    _owner_required(user, collection)
    meme = PromptMeme.objects.select_for_update().filter(collection=collection).first()
    meme = meme or PromptMeme(collection=collection)
    for name in MEME_FIELDS:
        if name in settings:
            setattr(meme, name, settings[name])
    meme.tag_set = tag_set
    errors: dict[str, list[str]] = {}
    if not 1 <= int(meme.prompts_per_member or 0) <= PROMPTS_PER_MEMBER_MAX:
        errors["prompts_per_member"] = [
            f"Members may post between 1 and {PROMPTS_PER_MEMBER_MAX} prompts each."
        ]
    if not 0 <= int(meme.claims_per_prompt or 0) <= CLAIMS_PER_PROMPT_MAX:
        errors["claims_per_prompt"] = [
            f"Claims per prompt: between 0 (no limit) and {CLAIMS_PER_PROMPT_MAX}."
        ]
    if meme.opens_at and meme.closes_at and meme.closes_at <= meme.opens_at:
        errors["closes_at"] = ["Prompts must close after they open."]
    if errors:
        raise ValidationError(errors)
    meme.save()
    return meme


# Prompts --------------------------------------------------------------------------------


def _prompt_tags(meme: PromptMeme, tags: dict[str, str]) -> list[Tag]:
    """The tags typed in the prompt form's four fields, found or made (as on
    the work form); a meme restricted to a tag set takes only its tags."""
    typed = {f: tag_names_split(tags.get(f, "")) for f in USER_TAG_FIELDS}
    errors: dict[str, list[str]] = {}
    total = 0
    for field_name, names in typed.items():
        total += len(names)
        for name in names:
            problems = tag_name_problems(name)
            if problems:
                errors.setdefault(field_name, []).extend(problems)
    if total > PROMPT_MAX_TAGS:
        errors.setdefault("freeforms", []).append(
            f"You have {total} tags; a prompt may have at most {PROMPT_MAX_TAGS}."
        )
    if errors:
        raise ValidationError(errors)
    found = tags_by_names(n for names in typed.values() for n in names)
    if meme.tag_set_id:
        for field_name, names in typed.items():
            for name in names:
                tag = found.get(name)
                if tag is None or not tag_set_allows(meme.tag_set, tag):
                    errors.setdefault(field_name, []).append(
                        f"'{name}' is not in this challenge's tag set ({meme.tag_set.title})."
                    )
        if errors:
            raise ValidationError(errors)
    chosen: list[Tag] = []
    for field_name, names in typed.items():
        for tag in tags_find_or_create(
            names=names, tag_type=USER_TAG_FIELDS[field_name], found=found
        ):
            if tag not in chosen:
                chosen.append(tag)
    return chosen


def _prompt_texts(title: str, description: str) -> dict:
    title = " ".join((title or "").split())
    errors: dict[str, list[str]] = {}
    if len(title) > PROMPT_TITLE_MAX_LENGTH:
        errors["title"] = [f"Titles may be at most {PROMPT_TITLE_MAX_LENGTH} characters."]
    try:
        html = sanitize_html(description or "", max_length=PROMPT_TEXT_MAX_LENGTH)
    except ValidationError as error:
        errors["description"] = list(error.messages)
        html = ""
    if errors:
        raise ValidationError(errors)
    return {"title": title, "description": html}


def _tags_write(prompt: Prompt, tags: list[Tag]) -> None:
    PromptTag.objects.filter(prompt=prompt).delete()
    PromptTag.objects.bulk_create(
        [PromptTag(prompt=prompt, tag=tag, position=i) for i, tag in enumerate(tags)]
    )


def _anonymous(meme: PromptMeme, anonymous: bool) -> bool:
    if anonymous and not meme.anonymous_allowed:
        raise ValidationError({"anonymous": ["This prompt meme does not take anonymous prompts."]})
    return bool(anonymous)


@transaction.atomic
def prompt_post(
    *, user, collection: Collection, title: str = "", description: str = "",
    anonymous: bool = False, tags: dict[str, str] | None = None,
) -> Prompt:
    """A member posts a prompt: while prompts are open (maintainers at any
    time), up to the meme's number of prompts each."""
    _signed_in(user, "post a prompt")
    meme = _meme_of(collection)
    maintainer = is_maintainer(user, collection)
    if not maintainer and not (meme.accepting_prompts() and collection.is_open):
        raise ValidationError(f"{collection.title} is not taking prompts now.")
    # One member's prompts are counted under a lock on her, so two tabs at
    # once cannot both take the last place.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    mine = Prompt.objects.filter(collection=collection, prompter=user).count()
    if mine >= meme.prompts_per_member:
        raise ValidationError(
            f"You have posted {mine} prompts; this prompt meme takes "
            f"{meme.prompts_per_member} from each member."
        )
    texts = _prompt_texts(title, description)
    chosen = _prompt_tags(meme, tags or {})
    if not chosen and not texts["description"]:
        raise ValidationError({"description": ["Please give your prompt some tags or a text."]})
    prompt = Prompt.objects.create(
        collection=collection, prompter=user, anonymous=_anonymous(meme, anonymous), **texts
    )
    _tags_write(prompt, chosen)
    return prompt


def may_change_prompt(user, prompt: Prompt) -> bool:
    user = signed_in_user(user)
    return user is not None and (
        prompt.prompter_id == user.pk or is_maintainer(user, prompt.collection)
    )


def _change_required(user, prompt: Prompt) -> None:
    if not may_change_prompt(user, prompt):
        raise PermissionDenied("Only the prompter or the collection's maintainers may do that.")


@transaction.atomic
def prompt_edit(
    *, user, prompt: Prompt, title: str = "", description: str = "",
    anonymous: bool = False, tags: dict[str, str] | None = None,
) -> Prompt:
    """The prompter (or a maintainer) changes the prompt's text, tags and
    anonymity."""
    prompt = Prompt.objects.select_for_update().select_related("collection").get(pk=prompt.pk)
    _change_required(user, prompt)
    meme = _meme_of(prompt.collection)
    texts = _prompt_texts(title, description)
    chosen = _prompt_tags(meme, tags or {})
    if not chosen and not texts["description"]:
        raise ValidationError({"description": ["Please give your prompt some tags or a text."]})
    for key, value in texts.items():
        setattr(prompt, key, value)
    # A prompt already anonymous may stay so after the meme stops taking new ones.
    prompt.anonymous = bool(anonymous) if prompt.anonymous else _anonymous(meme, anonymous)
    prompt.updated_at = timezone.now()
    prompt.save()
    _tags_write(prompt, chosen)
    return prompt


@transaction.atomic
def prompt_delete(*, user, prompt: Prompt) -> None:
    """The prompter (or a maintainer) deletes the prompt and its claims; the
    works that filled it stay where they are."""
    _change_required(user, prompt)
    prompt.delete()


# Claims ---------------------------------------------------------------------------------


@transaction.atomic
def claim_create(*, user, prompt: Prompt) -> Claim:
    """A member claims a prompt, if it has room for another claim."""
    _signed_in(user, "claim a prompt")
    prompt = Prompt.objects.select_for_update().select_related("collection").get(pk=prompt.pk)
    collection = prompt.collection
    meme = _meme_of(collection)
    if not collection.is_open and not is_maintainer(user, collection):
        raise ValidationError(f"{collection.title} is closed.")
    existing = Claim.objects.filter(prompt=prompt, claimant=user).first()
    if existing is not None:
        raise ValidationError("You have already claimed this prompt.")
    if meme.claims_per_prompt and prompt.claims.count() >= meme.claims_per_prompt:
        raise ValidationError("This prompt has already been claimed as many times as it may be.")
    try:
        with transaction.atomic():
            return Claim.objects.create(prompt=prompt, claimant=user)
    except IntegrityError:
        raise ValidationError("You have already claimed this prompt.") from None


@transaction.atomic
def claim_remove(*, user, claim: Claim) -> None:
    """The claimant (or a maintainer) drops a claim not yet filled."""
    claim = Claim.objects.select_for_update().select_related("prompt__collection").get(pk=claim.pk)
    user = signed_in_user(user)
    if user is None or (
        claim.claimant_id != user.pk and not is_maintainer(user, claim.prompt.collection)
    ):
        raise PermissionDenied("Only the claimant or the collection's maintainers may do that.")
    if claim.work_id is not None:
        raise ValidationError("This claim has been filled; it can no longer be dropped.")
    claim.delete()


# Fills ----------------------------------------------------------------------------------


def prompt_for_fill(prompt_id) -> Prompt | None:
    from chapterhouse.web.forms import as_int

    pk = as_int(prompt_id)
    if pk is None:
        return None
    return Prompt.objects.select_related("collection").filter(pk=pk).first()


def prompt_fill_record(*, user, work: Work, prompt: Prompt) -> Claim:
    """``work`` (new, by ``user``) answers ``prompt``: it fills her claim on
    it, claiming the prompt first when she had none. Called by the posting
    service inside its transaction, after the work joined the collection.
    A ValidationError undoes the whole posting (the form keeps what was typed)."""
    _signed_in(user, "fill a prompt")
    if not is_creator(user, work):
        raise PermissionDenied("Only the work's creators may do that.")
    joined = (
        CollectionItem.objects.consented()
        .filter(collection=prompt.collection, work=work)
        .exists()
    )
    if not joined:
        raise ValidationError(
            {"prompt_id": [f"Your work could not be added to {prompt.collection.title}, "
                           "so it cannot answer this prompt."]}
        )
    claim = Claim.objects.select_for_update().filter(prompt=prompt, claimant=user).first()
    if claim is None:
        try:
            claim = claim_create(user=user, prompt=prompt)
        except ValidationError as error:
            raise ValidationError({"prompt_id": list(error.messages)}) from None
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
    claim.work = work
    claim.filled_at = timezone.now()
    claim.save(update_fields=["work", "filled_at"])
    return claim
