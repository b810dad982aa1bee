"""Reads for prompt memes, already filtered by who may see what.

- A prompt's fills are works read through the one door
  (``works_visible_to``): a fill the viewer may not see (a draft, hidden,
  restricted for a guest, unrevealed, or waiting for a moderator) is neither
  shown nor counted, and the prompt is "filled" only by fills she sees.
- The prompter of an anonymous prompt (or of any prompt in an anonymous
  collection not yet revealed) is named only to herself, the collection's
  maintainers and admins. A claimant is named to everyone unless the
  collection is anonymous or unrevealed, or her fill is anonymous; then only
  to herself, the maintainers and admins.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from chapterhouse.tags.models import Tag, TagType
from chapterhouse.tags.selectors import tag_named
from chapterhouse.works.models import Work
from chapterhouse.works.selectors import listing
from chapterhouse.works.selectors.visibility import signed_in_user, works_visible_to

from ..models import Collection, CollectionItem
from ..services import is_maintainer
from .models import Claim, Prompt, PromptMeme, PromptTag

#: The listing's status filter.
STATUSES = ("unclaimed", "claimed", "filled", "unfilled")


def prompt_meme_of(collection: Collection) -> PromptMeme | None:
    return PromptMeme.objects.filter(collection=collection).select_related("tag_set").first()


def _sees_hidden_names(viewer, collection: Collection) -> bool:
    """Maintainers and admins see every prompter and claimant."""
    user = signed_in_user(viewer)
    return user is not None and (bool(user.is_staff) or is_maintainer(user, collection))


def prompter_shown(viewer, prompt: Prompt, *, privileged: bool | None = None) -> bool:
    """Whether ``viewer`` may learn who posted ``prompt``."""
    if not (prompt.anonymous or prompt.collection.anonymous):
        return True
    user = signed_in_user(viewer)
    if user is not None and user.pk == prompt.prompter_id:
        return True
    if privileged is None:
        privileged = _sees_hidden_names(viewer, prompt.collection)
    return privileged


def fills_visible_to(viewer, collection: Collection) -> QuerySet[Work]:
    """Posted works approved in ``collection`` that ``viewer`` may see: the
    only fills any page shows or counts."""
    return works_visible_to(viewer).filter(
        posted=True,
        pk__in=CollectionItem.objects.approved()
        .filter(collection_id=collection.pk)
        .values("work_id"),
    )


def _claimed_and_filled(viewer, collection: Collection) -> tuple[QuerySet, QuerySet]:
    """The ids of the collection's claimed prompts, and of those with a fill
    ``viewer`` may see: subqueries that do not depend on the prompt, so the
    database answers each once for the whole listing (not once a prompt)."""
    claims = Claim.objects.filter(prompt__collection_id=collection.pk)
    filled = claims.filter(work__in=fills_visible_to(viewer, collection).values("pk"))
    return claims.values("prompt_id"), filled.values("prompt_id")


def _tag_ids(tag: Tag) -> set[int]:
    """A tag and the tags that mean the same: its canonical and their synonyms."""
    canonical_id = tag.merger_id or tag.pk
    ids = {tag.pk, canonical_id}
    ids.update(Tag.objects.filter(merger_id=canonical_id).values_list("pk", flat=True))
    return ids


@dataclass
class ClaimEntry:
    claim: Claim
    claimant_shown: bool
    fill: Work | None

    @property
    def claimant(self):
        return self.claim.claimant if self.claimant_shown else None


@dataclass
class PromptEntry:
    prompt: Prompt
    prompter_shown: bool
    tags: dict[str, list[Tag]]
    claims: list[ClaimEntry] = field(default_factory=list)
    mine: ClaimEntry | None = None

    @property
    def prompter(self):
        return self.prompt.prompter if self.prompter_shown else None

    @property
    def fills(self) -> list[Work]:
        return [c.fill for c in self.claims if c.fill is not None]

    @property
    def claim_count(self) -> int:
        return len(self.claims)


_TAG_ORDER = (TagType.FANDOM, TagType.RELATIONSHIP, TagType.CHARACTER, TagType.FREEFORM)


def _entries(viewer, collection: Collection, prompts: list[Prompt]) -> list[PromptEntry]:
    """What the pages show of ``prompts`` (a few queries for a whole page)."""
    user = signed_in_user(viewer)
    privileged = _sees_hidden_names(viewer, collection)
    fill_ids = {c.work_id for p in prompts for c in p.all_claims if c.work_id}
    seen = {
        w.pk: w
        for w in fills_visible_to(viewer, collection).filter(pk__in=fill_ids).only(
            "pk", "title", "anonymous"
        )
    }
    # Naming the claimant of an anonymous fill would name its creator.
    anonymous_fills = set(
        Work.objects.filter(pk__in=fill_ids, anonymous=True).values_list("pk", flat=True)
    )
    hiding = collection.anonymous or collection.unrevealed
    out = []
    for prompt in prompts:
        prompt.collection = collection
        tags: dict[str, list[Tag]] = {t: [] for t in _TAG_ORDER}
        for pt in prompt.prompt_tags.all():
            tags.setdefault(pt.tag.type, []).append(pt.tag)
        entry = PromptEntry(prompt, prompter_shown(viewer, prompt, privileged=privileged), tags)
        for claim in prompt.all_claims:
            fill = seen.get(claim.work_id)
            own = user is not None and claim.claimant_id == user.pk
            # Naming the claimant of an anonymous fill would name its creator.
            shown = own or privileged or not (hiding or claim.work_id in anonymous_fills)
            claim_entry = ClaimEntry(claim, shown, fill)
            entry.claims.append(claim_entry)
            if own:
                entry.mine = claim_entry
        out.append(entry)
    return out


def _with_details(prompts: QuerySet[Prompt]) -> QuerySet[Prompt]:
    return prompts.select_related("prompter").prefetch_related(
        Prefetch("prompt_tags", queryset=PromptTag.objects.select_related("tag")),
        Prefetch(
            "claims",
            queryset=Claim.objects.select_related("claimant").order_by("created_at", "pk"),
            to_attr="all_claims",
        ),
    )


@dataclass
class PromptListing:
    pages: listing.Page
    counts: dict[str, int]
    tag: Tag | None
    tag_name: str
    status: str


def prompts_listing(
    *, viewer, collection: Collection, tag: str = "", status: str = "", page=1
) -> PromptListing:
    """The collection's prompts, newest first, 20 a page, filtered by a tag
    (its synonyms too) and by status; with the counts of each status, for
    this viewer (fills she may not see count for nothing)."""
    status = status if status in STATUSES else ""
    tag_name = " ".join((tag or "").split())
    prompts = Prompt.objects.filter(collection=collection)
    claimed, filled = _claimed_and_filled(viewer, collection)
    found = tag_named(tag_name) if tag_name else None
    if tag_name:
        if found is None:
            prompts = prompts.none()
        else:
            prompts = prompts.filter(
                pk__in=PromptTag.objects.filter(tag_id__in=_tag_ids(found)).values("prompt_id")
            )
    counts = prompts.aggregate(
        all=Count("pk"),
        claimed=Count("pk", filter=Q(pk__in=claimed)),
        filled=Count("pk", filter=Q(pk__in=filled)),
    )
    counts = {k: v or 0 for k, v in counts.items()}
    counts["unclaimed"] = counts["all"] - counts["claimed"]
    counts["unfilled"] = counts["all"] - counts["filled"]
    if status == "unclaimed":
        prompts = prompts.exclude(pk__in=claimed)
    elif status == "claimed":
        prompts = prompts.filter(pk__in=claimed)
    elif status == "filled":
        prompts = prompts.filter(pk__in=filled)
    elif status == "unfilled":
        prompts = prompts.exclude(pk__in=filled)
    prompts = _with_details(prompts.order_by("-created_at", "-pk"))
    pages = listing.paginate(
        prompts, page, prepare=lambda rows: _entries(viewer, collection, rows)
    )
    return PromptListing(pages, counts, found, tag_name, status)


def prompt_entry(*, viewer, collection: Collection, prompt_id: int) -> PromptEntry | None:
    prompt = _with_details(Prompt.objects.filter(collection=collection, pk=prompt_id)).first()
    if prompt is None:
        return None
    return _entries(viewer, collection, [prompt])[0]


def prompt_of(*, collection: Collection, prompt_id) -> Prompt | None:
    from chapterhouse.web.forms import as_int

    pk = as_int(prompt_id)
    if pk is None:
        return None
    return Prompt.objects.filter(collection=collection, pk=pk).select_related("collection").first()


def prompt_tag_fields(prompt: Prompt) -> dict[str, str]:
    """The prompt's tags as the four comma-separated fields of a form."""
    from chapterhouse.works.services.tagging import USER_TAG_FIELDS

    by_type = {kind: field_name for field_name, kind in USER_TAG_FIELDS.items()}
    fields = {f: [] for f in USER_TAG_FIELDS}
    for pt in prompt.prompt_tags.select_related("tag"):
        fields[by_type.get(pt.tag.type, "freeforms")].append(pt.tag.name)
    return {f: ", ".join(names) for f, names in fields.items()}


@dataclass
class UserClaim:
    claim: Claim
    prompt: PromptEntry


def user_claims(*, user, page=1) -> listing.Page:
    """``user``'s own claims, newest first (her "my claims" page)."""
    claims = (
        Claim.objects.filter(claimant=user)
        .select_related("prompt__collection")
        .order_by("-created_at", "-pk")
    )

    def prepare(rows: list[Claim]) -> list[UserClaim]:
        prompts = _with_details(Prompt.objects.filter(pk__in=[c.prompt_id for c in rows]))
        by_collection: dict[int, list[Prompt]] = {}
        for prompt in prompts:
            by_collection.setdefault(prompt.collection_id, []).append(prompt)
        collections = {c.prompt.collection_id: c.prompt.collection for c in rows}
        entries = {
            e.prompt.pk: e
            for cid, group in by_collection.items()
            for e in _entries(user, collections[cid], group)
        }
        return [UserClaim(c, entries[c.prompt_id]) for c in rows]

    return listing.paginate(claims, page, prepare=prepare)


def collection_claims(*, viewer, collection: Collection, page=1) -> listing.Page | None:
    """Every claim in the collection (maintainers only; ``None`` for others)."""
    if not is_maintainer(viewer, collection):
        return None
    prompts = _with_details(
        Prompt.objects.filter(collection=collection, claims__isnull=False)
        .distinct()
        .order_by("-created_at", "-pk")
    )
    return listing.paginate(prompts, page, prepare=lambda rows: _entries(viewer, collection, rows))
