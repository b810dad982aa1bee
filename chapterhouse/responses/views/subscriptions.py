"""Pages for subscriptions: subscribe and unsubscribe (AO3's form fields),
and the reader's own subscriptions page. Thin: the rules are in
``services/subscriptions.py``, the reads in ``selectors/subscriptions.py``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render

from chapterhouse.accounts.models import User
from chapterhouse.accounts.views import owner_required
from chapterhouse.tags.page_selectors import tag_path
from chapterhouse.web.forms import as_int, posted_next
from chapterhouse.works.models import Series, Work

from ..models import Subscription
from ..selectors import subscriptions as selectors
from ..services import subscriptions as services

_MODELS = {"Work": Work, "User": User, "Series": Series}
_FIELDS = {"Work": "work", "User": "creator", "Series": "series"}






def _target(request):
    kind = request.POST.get("subscription[subscribable_type]", "")
    pk = as_int(request.POST.get("subscription[subscribable_id]"))
    model = _MODELS.get(kind)
    if model is None or pk is None:
        raise ValidationError("Please choose a work, user or series to subscribe to.")
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError(f"We couldn't find that {kind.lower()}.")
    return kind, found


def _name(kind: str, target) -> str:
    return target.username if kind == "User" else target.title


def _path(kind: str, target) -> str:
    if kind == "User":
        return f"/users/{target.username}"
    return f"/works/{target.pk}" if kind == "Work" else f"/series/{target.pk}"


@owner_required
def subscriptions(request, user):
    """GET: the owner's subscriptions. POST: subscribe (AO3's
    ``subscription[subscribable_id]`` and ``subscription[subscribable_type]``)."""
    if request.method == "POST":
        return _create(request, user)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    kind = request.GET.get("type", "")
    if kind not in selectors.TYPES:
        kind = ""
    found = selectors.subscriptions_of(user=user, kind=kind, page=request.GET.get("page"))
    return render(
        request,
        "responses/subscriptions.html",
        {
            "main_class": "subscriptions-index",
            "person": user,
            "kind": kind,
            "rows": found,
            "counts": selectors.subscription_counts(user=user),
            "page_query": f"type={kind}" if kind else "",
            "tag_path": tag_path,
            **selectors.follows_of(user=user),
        },
    )


def _create(request, user):
    back = f"/users/{user.username}/subscriptions"
    try:
        kind, target = _target(request)
        services.subscription_create(user=user, **{_FIELDS[kind]: target})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(posted_next(request, back))
    except PermissionDenied as error:
        messages.error(request, str(error) or "Sorry, you can't subscribe to that.")
        return HttpResponseRedirect(posted_next(request, back))
    messages.success(
        request,
        f"You are now following {_name(kind, target)}. If you'd like to stop receiving "
        "updates, you can unsubscribe from your Subscriptions page.",
    )
    return HttpResponseRedirect(posted_next(request, _path(kind, target)))


@owner_required
def subscription_delete(request, user, subscription_id: int):
    """Unsubscribe: POST (AO3 adds ``_method=delete``; a plain POST does the same)."""
    if request.method not in ("POST", "DELETE"):
        return HttpResponseNotAllowed(["POST", "DELETE"])
    subscription = (
        Subscription.objects.filter(pk=subscription_id, user=user)
        .select_related("work", "creator", "series")
        .first()
    )
    if subscription is None:
        raise Http404("No such subscription.")
    if subscription.work_id:
        name = subscription.work.title
    elif subscription.creator_id:
        name = subscription.creator.username
    else:
        name = subscription.series.title
    services.subscription_delete(user=request.user, subscription=subscription)
    messages.success(request, f"You have successfully unsubscribed from {name}.")
    return HttpResponseRedirect(posted_next(request, f"/users/{user.username}/subscriptions"))
