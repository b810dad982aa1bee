"""Gift exchanges' pages at AO3's addresses (docs/gift-exchanges.md). Thin:
exchange_selectors read, exchange_services write and check who may."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_POST

from chapterhouse.accounts.selectors import user_by_name
from chapterhouse.web.login import login_required

from . import exchange_selectors as selectors
from . import exchange_services as services
from .forms import GiftExchangeForm
from .models import (
    PROMPT_TEXT_MAX_LENGTH,
    PROMPTS_MAX,
    TAG_NAME_MAX_LENGTH,
    TAGS_MAX,
    Assignment,
    MatchingStatus,
    PromptKind,
)
from .prompts.models import OwnedTagSet
from .services import is_maintainer
from .views import _collection, _errors, _page_context, flash_errors

#: The longest tag list or details field read from the sign-up form.
FIELD_MAX = TAGS_MAX * (TAG_NAME_MAX_LENGTH + 2) + PROMPT_TEXT_MAX_LENGTH


def _exchange_or_404(collection):
    exchange = selectors.exchange_for(collection)
    if exchange is None:
        raise Http404("This collection is not a gift exchange.")
    return exchange


def _maintainer_or_403(request, collection) -> None:
    if not is_maintainer(request.user, collection):
        raise PermissionDenied("Only the collection's maintainers may see this page.")


def _context(request, collection, main_class: str, **extra) -> dict:
    context = _page_context(request, collection, main_class)
    context.update(extra)
    return context


# Settings ---------------------------------------------------------------------------------


@login_required
def exchange_settings(request, name: str):
    """``/collections/N/gift_exchange/new`` and ``…/edit``: the maintainers' settings."""
    collection = _collection(name)
    _maintainer_or_403(request, collection)
    exchange = selectors.exchange_for(collection)
    form = GiftExchangeForm(request.POST or None, initial=GiftExchangeForm.initial_for(exchange))
    tag_set = None
    if request.method == "POST" and form.is_valid():
        title = form.cleaned_data["tag_set"].strip()
        tag_set = OwnedTagSet.objects.filter(title=title).first() if title else None
        if title and tag_set is None:
            form.add_error("tag_set", f"We couldn't find the tag set {title}.")
    if request.method == "POST" and form.is_valid():
        try:
            services.gift_exchange_save(
                user=request.user, collection=collection, tag_set=tag_set,
                **form.service_arguments(),
            )
        except ValidationError as error:
            for message in _errors(error):
                form.add_error(None, message)
        else:
            messages.success(request, "Challenge was successfully updated.")
            return HttpResponseRedirect(f"/collections/{collection.name}/profile")
    return render(request, "collections/exchange_settings.html", _context(
        request, collection, "gift_exchange-edit", form=form, exchange=exchange))


# Sign-ups ---------------------------------------------------------------------------------


def _posted_prompts(post, kind: str, count: int, tag_types: list[str]) -> list[dict]:
    """The sign-up form's prompts as the service takes them (and as the form
    shows them again after an error)."""
    prompts = []
    for n in range(count):
        prefix = f"{kind}_{n}"
        prompts.append({
            # Bounded: a field longer than any valid one is cut (and then refused).
            "tags": {t: post.get(f"{prefix}_{t}", "")[:FIELD_MAX] for t in tag_types},
            "any": [t for t in tag_types if post.get(f"{prefix}_any_{t}")],
            "description": post.get(f"{prefix}_description", "")[:FIELD_MAX],
        })
    return prompts


def _stored_prompts(signup, kind: str, count: int, tag_types: list[str]) -> list[dict]:
    stored = selectors.prompts_of(signup)[kind] if signup else []
    prompts = [
        {"tags": {t: ", ".join(p.tags.get(t, [])) for t in tag_types},
         "any": list(p.any_types), "description": p.description}
        for p in stored
    ]
    while len(prompts) < count:
        prompts.append({"tags": {t: "" for t in tag_types}, "any": [], "description": ""})
    return prompts[:count]


def _signup_form(request, collection, exchange, signup=None):
    types = exchange.tag_types
    counts = {
        PromptKind.REQUEST: min(exchange.requests_allowed, PROMPTS_MAX),
        PromptKind.OFFER: min(exchange.offers_allowed, PROMPTS_MAX),
    }
    errors: list[str] = []
    if request.method == "POST":
        prompts = {k: _posted_prompts(request.POST, k, n, types) for k, n in counts.items()}
        try:
            saved = services.signup_save(
                user=request.user, collection=collection, signup=signup,
                requests=prompts[PromptKind.REQUEST], offers=prompts[PromptKind.OFFER],
            )
        except ValidationError as error:
            errors = _errors(error)
        else:
            messages.success(request, "Sign-up was successfully updated." if signup
                             else "Sign-up was successfully created.")
            return HttpResponseRedirect(f"/collections/{collection.name}/signups/{saved.pk}")
    else:
        prompts = {k: _stored_prompts(signup, k, n, types) for k, n in counts.items()}
    main_class = "challenge_signups-" + ("new" if signup is None else "edit")
    return render(request, "collections/signup_form.html", _context(
        request, collection, main_class,
        exchange=exchange, signup=signup, prompts=prompts, tag_types=types, errors=errors,
        limits={t: exchange.limits(t) for t in types},
    ), status=422 if errors else 200)


@login_required
def signup_new(request, name: str):
    collection = _collection(name)
    exchange = _exchange_or_404(collection)
    mine = selectors.signup_of(request.user, collection)
    if mine is not None:
        return HttpResponseRedirect(f"/collections/{collection.name}/signups/{mine.pk}/edit")
    if not exchange.signups_are_open():
        messages.error(request, "Sign-up is currently closed: please contact a moderator "
                                "for help.")
        return HttpResponseRedirect(f"/collections/{collection.name}/profile")
    return _signup_form(request, collection, exchange)


@login_required
def signup_edit(request, name: str, signup_id: int):
    collection = _collection(name)
    exchange = _exchange_or_404(collection)
    signup = selectors.signup_visible(request.user, collection, signup_id)
    if signup is None or signup.user_id != request.user.pk:
        raise Http404("No such sign-up.")
    return _signup_form(request, collection, exchange, signup)


@login_required
def signup_show(request, name: str, signup_id: int):
    collection = _collection(name)
    exchange = _exchange_or_404(collection)
    signup = selectors.signup_visible(request.user, collection, signup_id)
    if signup is None:
        raise Http404("No such sign-up.")
    return render(request, "collections/signup_show.html", _context(
        request, collection, "challenge_signups-show", exchange=exchange, signup=signup,
        prompts=selectors.prompts_of(signup),
    ))


@login_required
@require_POST
def signup_delete(request, name: str, signup_id: int):
    collection = _collection(name)
    _exchange_or_404(collection)
    signup = selectors.signup_visible(request.user, collection, signup_id)
    if signup is None:
        raise Http404("No such sign-up.")
    try:
        services.signup_delete(user=request.user, signup=signup)
    except ValidationError as error:
        flash_errors(request, error)
        return HttpResponseRedirect(f"/collections/{collection.name}/signups/{signup.pk}")
    messages.success(request, "Challenge sign-up was deleted.")
    return HttpResponseRedirect(f"/collections/{collection.name}/profile")


@login_required
def signups(request, name: str):
    collection = _collection(name)
    exchange = _exchange_or_404(collection)
    found = selectors.signups_for_maintainers(request.user, collection)
    if found is None:
        raise PermissionDenied("Only the collection's maintainers may see its sign-ups.")
    return render(request, "collections/signups.html", _context(
        request, collection, "challenge_signups-index", exchange=exchange, signups=found))


@login_required
def signup_summary(request, name: str):
    collection = _collection(name)
    exchange = _exchange_or_404(collection)
    summary = selectors.signup_summary(request.user, collection)
    if summary is None:
        raise PermissionDenied("Only the collection's maintainers may see the summary.")
    rows, total = summary
    return render(request, "collections/signup_summary.html", _context(
        request, collection, "challenge_signups-summary", exchange=exchange, rows=rows,
        total=total))


# Matching and assignments -------------------------------------------------------------------


@login_required
def potential_matches(request, name: str):
    """The maintainers' matching page: start a run, watch its progress, review
    and edit the result, send it."""
    collection = _collection(name)
    exchange = _exchange_or_404(collection)
    _maintainer_or_403(request, collection)
    running = exchange.matching_status in (MatchingStatus.QUEUED, MatchingStatus.RUNNING)
    return render(request, "collections/potential_matches.html", _context(
        request, collection, "potential_matches-index", exchange=exchange, running=running,
        assignments=selectors.assignments_for_maintainers(request.user, collection),
    ))


@login_required
@require_POST
def potential_matches_generate(request, name: str):
    collection = _collection(name)
    _exchange_or_404(collection)
    try:
        services.matching_start(user=request.user, collection=collection)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, "Beginning generation of potential matches. This may take "
                                  "some time, especially if your challenge is large.")
    return HttpResponseRedirect(f"/collections/{collection.name}/potential_matches")


@login_required
@require_POST
def assignments_set(request, name: str):
    """Maintainers edit one assignment: ``assignment_id``, ``giver``, ``recipient``."""
    collection = _collection(name)
    _exchange_or_404(collection)
    _maintainer_or_403(request, collection)
    assignment = _assignment_of(collection, request.POST.get("assignment_id"))
    try:
        services.assignment_edit(
            user=request.user, assignment=assignment,
            giver=request.POST.get("giver"), recipient=request.POST.get("recipient"),
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, "Assignment updated.")
    back = request.POST.get("return_to") or ""
    if not back.startswith(f"/collections/{collection.name}/"):
        back = f"/collections/{collection.name}/potential_matches"
    return HttpResponseRedirect(back)


@login_required
@require_POST
def assignments_send_out(request, name: str):
    collection = _collection(name)
    _exchange_or_404(collection)
    try:
        told = services.assignments_send(user=request.user, collection=collection)
    except ValidationError as error:
        flash_errors(request, error)
        return HttpResponseRedirect(f"/collections/{collection.name}/potential_matches")
    messages.success(request, f"Assignments are now being sent out ({told}).")
    return HttpResponseRedirect(f"/collections/{collection.name}/assignments")


def _assignment_of(collection, value) -> Assignment:
    value = str(value or "")
    assignment = Assignment.objects.filter(
        collection=collection, pk=int(value) if value.isdigit() else 0
    ).first()
    if assignment is None:
        raise Http404("No such assignment.")
    return assignment


@login_required
def assignments(request, name: str):
    """Maintainers: every assignment. Others: their own, and open pinch hits."""
    collection = _collection(name)
    exchange = _exchange_or_404(collection)
    return render(request, "collections/assignments.html", _context(
        request, collection, "challenge_assignments-index", exchange=exchange,
        all_assignments=selectors.assignments_for_maintainers(request.user, collection),
        mine=selectors.assignments_given_by(request.user, collection),
        pinch_hits=selectors.open_pinch_hits(request.user, collection),
    ))


@login_required
def assignment_show(request, name: str, assignment_id: int):
    collection = _collection(name)
    exchange = _exchange_or_404(collection)
    assignment = selectors.assignment_visible(request.user, collection, assignment_id)
    if assignment is None:
        raise Http404("No such assignment.")
    return render(request, "collections/assignment_show.html", _context(
        request, collection, "challenge_assignments-show", exchange=exchange,
        assignment=assignment, requests=selectors.requests_of(collection, assignment.recipient),
    ))


@login_required
@require_POST
def assignment_default(request, name: str, assignment_id: int):
    collection = _collection(name)
    assignment = selectors.assignment_visible(request.user, collection, assignment_id)
    if assignment is None:
        raise Http404("No such assignment.")
    try:
        services.assignment_default(user=request.user, assignment=assignment)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, "We have notified the collection maintainers that you had to "
                                  "default on your assignment." if assignment.giver_id ==
                         request.user.pk else "The assignment is marked as defaulted.")
    return HttpResponseRedirect(f"/collections/{collection.name}/assignments")


@login_required
@require_POST
def assignment_claim(request, name: str, assignment_id: int):
    collection = _collection(name)
    assignment = selectors.assignment_visible(request.user, collection, assignment_id)
    if assignment is None:
        raise Http404("No such assignment.")
    try:
        services.assignment_claim(user=request.user, assignment=assignment)
    except ValidationError as error:
        flash_errors(request, error)
        return HttpResponseRedirect(f"/collections/{collection.name}/assignments")
    messages.success(request, "You have claimed this pinch hit. Thank you!")
    return HttpResponseRedirect(f"/collections/{collection.name}/assignments/{assignment.pk}")


@login_required
def user_assignments(request, username: str):
    """``/users/L/assignments``: her own assignments, in every collection."""
    user = user_by_name(username)
    if user is None:
        raise Http404("No such user.")
    if user.pk != request.user.pk:
        raise PermissionDenied("You may only see your own assignments.")
    return render(request, "collections/user_assignments.html", {
        "main_class": "challenge_assignments-index", "owner": user,
        "mine": selectors.assignments_given_by(user),
    })


@login_required
def work_new_for_assignment(request, name: str):
    """``/collections/N/works/new?assignment_id=ID``: the new-work form for the
    giver's assignment, with the collection and the recipient filled in."""
    from chapterhouse.works.views.posting import work_new_prefilled

    collection = _collection(name)
    _exchange_or_404(collection)
    value = request.GET.get("assignment_id") or ""
    assignment = selectors.assignment_visible(
        request.user, collection, int(value) if value.isdigit() else 0
    )
    if assignment is None or assignment.giver_id != request.user.pk:
        raise Http404("No such assignment.")
    return work_new_prefilled(
        request, gifts=assignment.recipient.username, collection_names=collection.name
    )


@login_required
def user_signups(request, username: str):
    """``/users/L/signups``: her own sign-ups."""
    user = user_by_name(username)
    if user is None:
        raise Http404("No such user.")
    if user.pk != request.user.pk:
        raise PermissionDenied("You may only see your own sign-ups.")
    return render(request, "collections/user_signups.html", {
        "main_class": "challenge_signups-index", "owner": user,
        "signups": selectors.signups_of_user(user),
    })
