"""Prompt memes' pages, at AO3's addresses (docs/prompt-memes.md). Thin: the
forms check shape, the services decide who may, the selectors what is seen."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_POST

from chapterhouse.accounts.selectors import user_by_name
from chapterhouse.web.forms import apply_errors, as_int

from .. import selectors as collection_selectors
from ..services import is_owner
from ..views import _collection, _errors, flash_errors
from . import selectors, services, tag_sets
from .forms import PromptForm, PromptMemeForm
from .models import Claim, OwnedTagSet, Prompt, TagNomination

#: The work form's hidden field naming the prompt a new work answers.
PROMPT_FIELD = "prompt_id"


def _meme_or_404(collection):
    meme = selectors.prompt_meme_of(collection)
    if meme is None:
        raise Http404("This collection is not a prompt meme.")
    return meme


def _context(request, collection, main_class: str, **extra) -> dict:
    return {
        "main_class": main_class,
        "collection": collection,
        "roles": collection_selectors.roles_of(request.user, collection),
        "prompt_meme": selectors.prompt_meme_of(collection),
        **extra,
    }


def _back(collection, prompt_id=None) -> str:
    base = f"/collections/{collection.name}/prompts"
    return f"{base}/{prompt_id}" if prompt_id else base


# Settings -------------------------------------------------------------------------------


@login_required
def prompt_meme_edit(request, name: str):
    """Owners make the collection a prompt meme or change its settings."""
    collection = _collection(name)
    if not is_owner(request.user, collection):
        raise PermissionDenied("Only the collection's owners may change its challenge.")
    meme = selectors.prompt_meme_of(collection)
    initial = {}
    if meme is not None:
        initial = {f: getattr(meme, f) for f in services.MEME_FIELDS}
        initial["tag_set"] = meme.tag_set.title if meme.tag_set else ""
    form = PromptMemeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        title = data.pop("tag_set", "").strip()
        tag_set = OwnedTagSet.objects.filter(title=title).first() if title else None
        if title and tag_set is None:
            form.add_error("tag_set", f"We couldn't find the tag set {title}.")
        else:
            try:
                services.prompt_meme_set(
                    user=request.user, collection=collection, tag_set=tag_set, **data
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "Challenge was successfully updated.")
                return HttpResponseRedirect(_back(collection))
    return render(
        request,
        "collections/prompts/meme_form.html",
        _context(request, collection, "prompt_memes-edit", form=form),
    )


# Prompts --------------------------------------------------------------------------------


def prompts(request, name: str):
    """The prompts, newest first, filtered by tag and status (claimed,
    unclaimed, filled, unfilled)."""
    collection = _collection(name)
    meme = _meme_or_404(collection)
    found = selectors.prompts_listing(
        viewer=request.user,
        collection=collection,
        tag=request.GET.get("tag", "")[:200],
        status=request.GET.get("status", ""),
        page=request.GET.get("page"),
    )
    query = {k: v for k, v in (("tag", found.tag_name), ("status", found.status)) if v}
    return render(
        request,
        "collections/prompts/index.html",
        _context(
            request, collection, "prompts-index", listing=found, pages=found.pages,
            page_query=urlencode(query), prompt_meme=meme,
            accepting=meme.accepting_prompts() and collection.is_open,
        ),
    )


def _prompt_or_404(collection, prompt_id) -> Prompt:
    prompt = selectors.prompt_of(collection=collection, prompt_id=prompt_id)
    if prompt is None:
        raise Http404("No such prompt.")
    return prompt


def prompt_show(request, name: str, prompt_id: int):
    collection = _collection(name)
    _meme_or_404(collection)
    entry = selectors.prompt_entry(viewer=request.user, collection=collection, prompt_id=prompt_id)
    if entry is None:
        raise Http404("No such prompt.")
    return render(
        request,
        "collections/prompts/show.html",
        _context(
            request, collection, "prompts-show", entry=entry,
            may_change=services.may_change_prompt(request.user, entry.prompt),
        ),
    )


@login_required
def prompt_new(request, name: str):
    collection = _collection(name)
    meme = _meme_or_404(collection)
    form = PromptForm(request.POST or None, anonymous_allowed=meme.anonymous_allowed)
    if request.method == "POST" and form.is_valid():
        try:
            prompt = services.prompt_post(
                user=request.user,
                collection=collection,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                anonymous=form.cleaned_data.get("anonymous", False),
                tags=form.tags(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Prompt was successfully posted.")
            return HttpResponseRedirect(_back(collection, prompt.pk))
    return render(
        request,
        "collections/prompts/form.html",
        _context(request, collection, "prompts-new", form=form, prompt=None),
    )


@login_required
def prompt_edit(request, name: str, prompt_id: int):
    collection = _collection(name)
    meme = _meme_or_404(collection)
    prompt = _prompt_or_404(collection, prompt_id)
    if not services.may_change_prompt(request.user, prompt):
        raise PermissionDenied("Only the prompter or the collection's maintainers may edit it.")
    initial = {"title": prompt.title, "description": prompt.description,
               "anonymous": prompt.anonymous, **selectors.prompt_tag_fields(prompt)}
    form = PromptForm(
        request.POST or None, initial=initial,
        anonymous_allowed=meme.anonymous_allowed or prompt.anonymous,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.prompt_edit(
                user=request.user,
                prompt=prompt,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                anonymous=form.cleaned_data.get("anonymous", False),
                tags=form.tags(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Prompt was successfully updated.")
            return HttpResponseRedirect(_back(collection, prompt.pk))
    return render(
        request,
        "collections/prompts/form.html",
        _context(request, collection, "prompts-edit", form=form, prompt=prompt),
    )


@login_required
@require_POST
def prompt_delete(request, name: str, prompt_id: int):
    collection = _collection(name)
    prompt = _prompt_or_404(collection, prompt_id)
    services.prompt_delete(user=request.user, prompt=prompt)
    messages.success(request, "Prompt was deleted.")
    return HttpResponseRedirect(_back(collection))


# Claims ---------------------------------------------------------------------------------


@login_required
def claims(request, name: str):
    """GET: every claim (maintainers); POST ``?prompt_id=ID``: claim it."""
    collection = _collection(name)
    _meme_or_404(collection)
    if request.method == "POST":
        prompt = _prompt_or_404(
            collection, request.GET.get("prompt_id") or request.POST.get("prompt_id")
        )
        try:
            services.claim_create(user=request.user, prompt=prompt)
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, "New claim made.")
        return HttpResponseRedirect(_back(collection, prompt.pk))
    page = selectors.collection_claims(
        viewer=request.user, collection=collection, page=request.GET.get("page")
    )
    if page is None:
        raise PermissionDenied("Only the collection's maintainers may see all its claims.")
    return render(
        request,
        "collections/prompts/claims.html",
        _context(request, collection, "claims-index", pages=page),
    )


@login_required
@require_POST
def claim_delete(request, name: str, claim_id: int):
    collection = _collection(name)
    claim = Claim.objects.filter(pk=claim_id, prompt__collection=collection).first()
    if claim is None:
        raise Http404("No such claim.")
    try:
        services.claim_remove(user=request.user, claim=claim)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, "Your claim was deleted.")
    return HttpResponseRedirect(_back(collection, claim.prompt_id))


@login_required
def user_claims(request, username: str):
    """A member's own claims ("My Claims")."""
    user = user_by_name(username)
    if user is None:
        raise Http404("No such user.")
    if user.pk != request.user.pk:
        raise PermissionDenied("You may only see your own claims.")
    page = selectors.user_claims(user=user, page=request.GET.get("page"))
    return render(
        request,
        "collections/prompts/user_claims.html",
        {"main_class": "claims-index", "pages": page, "owner": user},
    )


# The work form ----------------------------------------------------------------------------


def prompt_for_work_form(request) -> Prompt | None:
    """The prompt a new work answers (``?prompt_id=`` or the form's field)."""
    value = request.POST.get(PROMPT_FIELD) if request.method == "POST" else None
    value = value or request.GET.get(PROMPT_FIELD)
    if as_int(value) is None:
        return None
    return services.prompt_for_fill(value)


def prompt_work_form_initial(prompt: Prompt) -> dict[str, str]:
    """The work form's tags, from the prompt's."""
    return {k: v for k, v in selectors.prompt_tag_fields(prompt).items() if v}


# Owned tag sets (/tag_sets) ---------------------------------------------------------------


def _tag_set_or_404(tag_set_id: int) -> OwnedTagSet:
    found = OwnedTagSet.objects.filter(pk=tag_set_id).first()
    if found is None:
        raise Http404("No such tag set.")
    return found


def tag_sets_index(request):
    from chapterhouse.works.selectors import listing

    page = listing.paginate(
        OwnedTagSet.objects.prefetch_related("owners").order_by("title", "pk"),
        request.GET.get("page"),
    )
    return render(
        request, "collections/tag_sets/index.html", {"main_class": "owned_tag_sets-index",
                                                      "pages": page},
    )


@login_required
def tag_set_new(request):
    values = {"title": "", "description": "", "nominations_open": False}
    problems: list[str] = []
    if request.method == "POST":
        values = {
            "title": request.POST.get("title", "")[:300],
            "description": request.POST.get("description", "")[:20000],
            "nominations_open": bool(request.POST.get("nominations_open")),
        }
        try:
            created = tag_sets.tag_set_create(user=request.user, **values)
        except ValidationError as error:
            problems = _errors(error)
        else:
            messages.success(request, "Tag set was successfully created.")
            return HttpResponseRedirect(f"/tag_sets/{created.pk}")
    return render(
        request, "collections/tag_sets/form.html",
        {"main_class": "owned_tag_sets-new", "values": values, "problems": problems},
    )


def tag_set_show(request, tag_set_id: int):
    """The set's tags by type; owners add tags and open or close nominations
    here (POST ``tag_type`` and ``names``, or ``nominations_open``)."""
    tag_set = _tag_set_or_404(tag_set_id)
    owner = tag_sets.is_tag_set_owner(request.user, tag_set)
    if request.method == "POST":
        if not owner:
            raise PermissionDenied("Only the tag set's owners may change it.")
        try:
            if "names" in request.POST:
                tag_sets.tag_set_tags_add(
                    user=request.user, tag_set=tag_set,
                    tag_type=request.POST.get("tag_type", ""),
                    names=request.POST.get("names", "")[:50000],
                )
            else:
                tag_sets.tag_set_edit(
                    user=request.user, tag_set=tag_set,
                    nominations_open=bool(request.POST.get("nominations_open")),
                )
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, "Tag set was successfully updated.")
        return HttpResponseRedirect(f"/tag_sets/{tag_set.pk}")
    return render(
        request, "collections/tag_sets/show.html",
        {"main_class": "owned_tag_sets-show", "tag_set": tag_set, "owner": owner,
         "tags": tag_sets.tag_set_tags(tag_set), "owners": list(tag_set.owners.all())},
    )


@login_required
def tag_set_nominate(request, tag_set_id: int):
    tag_set = _tag_set_or_404(tag_set_id)
    values = {"tag_type": "Fandom", "name": ""}
    problems: list[str] = []
    if request.method == "POST":
        values = {"tag_type": request.POST.get("tag_type", ""),
                  "name": request.POST.get("name", "")[:300]}
        try:
            tag_sets.tag_nominate(user=request.user, tag_set=tag_set, **values)
        except ValidationError as error:
            problems = _errors(error)
        else:
            messages.success(request, "Your nomination was submitted.")
            return HttpResponseRedirect(f"/tag_sets/{tag_set.pk}")
    return render(
        request, "collections/tag_sets/nominate.html",
        {"main_class": "tag_set_nominations-new", "tag_set": tag_set, "values": values,
         "problems": problems},
    )


@login_required
def tag_set_nominations(request, tag_set_id: int):
    """Owners review nominations: POST ``nomination_id`` and ``status``."""
    tag_set = _tag_set_or_404(tag_set_id)
    if request.method == "POST":
        nomination = TagNomination.objects.filter(
            pk=as_int(request.POST.get("nomination_id")) or 0, tag_set=tag_set
        ).first()
        if nomination is None:
            raise Http404("No such nomination.")
        tag_sets.tag_nomination_review(
            user=request.user, nomination=nomination,
            approve=request.POST.get("status") == "approved",
        )
        messages.success(request, "Nomination reviewed.")
        return HttpResponseRedirect(f"/tag_sets/{tag_set.pk}/nominations")
    waiting = tag_sets.tag_set_nominations(viewer=request.user, tag_set=tag_set)
    if waiting is None:
        raise PermissionDenied("Only the tag set's owners may review its nominations.")
    return render(
        request, "collections/tag_sets/nominations.html",
        {"main_class": "tag_set_nominations-index", "tag_set": tag_set, "nominations": waiting},
    )
