"""Work skins: a creator's own CSS, sanitised and scoped by ``works/skins.py``.

The raw CSS is kept as typed (``css``) so the creator can edit it; pages use
only ``clean_css``. Works pick a skin on the work form (``services/posting``
checks it is the creator's own).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import Http404

from ..models import WorkSkin
from ..skins import CleanedCss, clean_css, input_problem

TITLE_MAX_LENGTH = 255
DESCRIPTION_MAX_LENGTH = 1000


def _signed_in(user) -> None:
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Please log in to manage work skins.")


def _owner_required(*, user, skin: WorkSkin) -> None:
    _signed_in(user)
    if skin.owner_id != user.pk:
        raise PermissionDenied("Only the skin's owner may change it.")


def _check(*, user, title: str, description: str, css: str, skin: WorkSkin | None) -> str:
    errors: dict[str, list[str]] = {}
    title = " ".join((title or "").split())
    if not title:
        errors["title"] = ["Please give the skin a title."]
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = [f"Titles can be at most {TITLE_MAX_LENGTH} characters long."]
    else:
        taken = WorkSkin.objects.filter(owner=user, title__iexact=title)
        if skin is not None:
            taken = taken.exclude(pk=skin.pk)
        if taken.exists():
            errors["title"] = ["You already have a skin with this title; please pick another."]
    if len(description or "") > DESCRIPTION_MAX_LENGTH:
        errors["description"] = [
            f"Descriptions can be at most {DESCRIPTION_MAX_LENGTH} characters long "
            f"(this one has {len(description)})."
        ]
    css_problem = input_problem(css or "")
    if css_problem:
        errors["css"] = [css_problem]
    if errors:
        raise ValidationError(errors)
    return title


def _fill(skin: WorkSkin, *, title: str, description: str, css: str) -> CleanedCss:
    cleaned = clean_css(css)
    skin.title = title
    skin.description = (description or "").strip()
    skin.css = css or ""
    skin.clean_css = cleaned.css
    return cleaned


@transaction.atomic
def skin_create(*, user, title: str, description: str = "", css: str = "") -> tuple[
    WorkSkin, list[str]
]:
    """A new skin of ``user``'s. Returns it and the list of what the sanitiser dropped."""
    _signed_in(user)
    title = _check(user=user, title=title, description=description, css=css, skin=None)
    skin = WorkSkin(owner=user)
    cleaned = _fill(skin, title=title, description=description, css=css)
    skin.save()
    return skin, cleaned.dropped


@transaction.atomic
def skin_update(*, user, skin: WorkSkin, title: str, description: str = "", css: str = "") -> tuple[
    WorkSkin, list[str]
]:
    """Save new CSS over ``skin``; every work wearing it changes with it."""
    _owner_required(user=user, skin=skin)
    title = _check(user=user, title=title, description=description, css=css, skin=skin)
    cleaned = _fill(skin, title=title, description=description, css=css)
    skin.save()
    return skin, cleaned.dropped


def skins_recleaned(model=WorkSkin) -> int:
    """Clean every stored skin's CSS again with today's sanitiser; how many changed.

    Run when the sanitiser's rules change (migration 0004 does), so that skins
    saved under older rules get the newer ones. ``model`` lets a migration pass
    its historical model.
    """
    changed = 0
    for skin in model.objects.only("pk", "css", "clean_css").iterator():
        cleaned = clean_css(skin.css).css
        if cleaned != skin.clean_css:
            model.objects.filter(pk=skin.pk).update(clean_css=cleaned)
            changed += 1
    return changed


@transaction.atomic
def skin_delete(*, user, skin: WorkSkin) -> None:
    """Delete a skin; works that wore it go back to the site's own style."""
    _owner_required(user=user, skin=skin)
    skin.delete()


# --- reads for the skin pages ---------------------------------------------


def skins_of(*, user) -> QuerySet[WorkSkin]:
    """``user``'s skins by title, each with ``work_count`` (works wearing it)."""
    return (
        WorkSkin.objects.filter(owner=user)
        .annotate(work_count=Count("works"))
        .order_by("title", "pk")
    )


def skin_for_owner(*, user, skin_id: int) -> WorkSkin:
    """The skin, if ``user`` owns it: Http404 when there is none, else PermissionDenied."""
    skin = WorkSkin.objects.filter(pk=skin_id).first()
    if skin is None:
        raise Http404("No such work skin.")
    _owner_required(user=user, skin=skin)
    return skin
