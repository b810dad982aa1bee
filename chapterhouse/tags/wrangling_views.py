"""The wranglers' pages: the fandoms to wrangle, and one fandom's queue with
actions on one tag or many at once. Only wranglers (and staff) may open them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render

from chapterhouse.web.login import login_required

from . import queue
from .models import Tag, TagType
from .roles import is_wrangler
from .selectors import tag_by_url_name
from .services.wrangling import MASS_ACTIONS, tags_mass_action

ACTION_LABELS = {
    "make_canonical": "Make canonical",
    "make_synonym": "Make synonym of…",
    "unmake_synonym": "Remove synonym link",
    "mark_unwrangleable": "Mark unwrangleable",
    "parent_add": "Add parent tag…",
    "parent_remove": "Remove parent tag…",
    "metatag_add": "Add metatag…",
    "metatag_remove": "Remove metatag…",
}


def _wrangler(request) -> None:
    if not is_wrangler(request.user):
        raise PermissionDenied("Only tag wranglers can open this page.")


@login_required
def fandoms(request):
    _wrangler(request)
    return render(
        request,
        "tags/wrangle_fandoms.html",
        {"fandoms": queue.fandoms_to_wrangle(), "main_class": "tag_wranglings-index"},
    )


@login_required
def fandom_queue(request, name):
    _wrangler(request)
    fandom = tag_by_url_name(name)
    if fandom is None or fandom.type != TagType.FANDOM:
        raise Http404("No such fandom.")
    show = request.GET.get("show", "characters")
    status = request.GET.get("status", "unwrangled")
    if show not in queue.SHOW_TYPES or status not in queue.STATUS_FILTERS:
        raise Http404("No such queue.")
    problems: list[str] = []
    typed = {"target": request.POST.get("target", ""), "action": request.POST.get("action", "")}
    if request.method == "POST":
        chosen = list(Tag.objects.filter(pk__in=request.POST.getlist("tag_ids")))
        target = None
        if typed["target"].strip():
            target = Tag.objects.filter(name__iexact=typed["target"].strip()).first()
            if target is None:
                problems.append(f"There is no tag called {typed['target'].strip()!r}.")
        if typed["action"] not in MASS_ACTIONS:
            problems.append("Please choose an action.")
        if not problems:
            try:
                changed = tags_mass_action(
                    actor=request.user, tags=chosen, action=typed["action"], target=target
                )
            except ValidationError as error:
                problems.extend(error.messages)
            else:
                label = ACTION_LABELS[typed["action"]].rstrip("…")
                messages.success(
                    request,
                    f"{label}{' ' + target.name if target else ''}: {changed} "
                    f"tag{'s' if changed != 1 else ''} changed.",
                )
                return HttpResponseRedirect(request.get_full_path())
    return render(
        request,
        "tags/wrangle_queue.html",
        {
            "fandom": fandom,
            "show": show,
            "status": status,
            "rows": queue.wrangling_queue(fandom=fandom, show=show, status=status),
            "actions": ACTION_LABELS,
            "problems": problems,
            "typed": typed,
            "chosen_ids": {int(i) for i in request.POST.getlist("tag_ids") if i.isdigit()},
            "shows": list(queue.SHOW_TYPES),
            "statuses": list(queue.STATUS_FILTERS),
            "main_class": "tags-wrangle",
        },
        status=400 if problems else 200,
    )
