"""The admin queue: ``/moderation`` (the dashboard), ``/moderation/reports``
(open reports grouped by target, with bulk actions) and one target's page
with its action buttons. Thin: reads in ``selectors/queue.py``, writes in
``services/content.py`` (hide, un-hide, delete, spam) and
``services/reports.py`` (dismiss). See docs/moderation-queue.md."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from chapterhouse.web.forms import as_int

from ..access import admin_required
from ..models import ReportStatus, TargetType
from ..roles import ANY_ADMIN, HANDLE_REPORTS, admin_pages
from ..selectors import queue as selectors
from ..services import content

QUEUE = "/moderation/reports"
#: Kinds of target the content services act on; users and news posts can only
#: have their reports dismissed here (users are sanctioned on their own page).
CONTENT_TYPES = content.ACTABLE
ACTIONS = ("hide", "unhide", "delete", "spam", "dismiss")
BULK_ACTIONS = {
    "spam": "marked as spam", "hide": "hidden", "dismiss": "had their reports dismissed",
}
REASON_NEEDED = ("hide", "delete")
REASON_MAX = 1000
RESOLUTION_MAX = 200


def _reports():
    from ..services import reports

    return reports


def _reason(request) -> str:
    return " ".join(request.POST.get("reason", "").split())[:REASON_MAX]


def _target_id(value) -> int | None:
    number = as_int(value)
    return number if number is not None and number > 0 else None


def target_perform(*, actor, target_type: str, target_id: int, action: str, reason: str) -> str:
    """Do ``action`` to one target through its service; returns what happened
    (for the message). Raises ``ValidationError`` when it cannot be done."""
    if action == "dismiss":
        closed = _reports().reports_resolve(
            actor=actor, target_type=target_type, target_id=target_id,
            status=ReportStatus.DISMISSED, resolution=reason[:RESOLUTION_MAX] or "Dismissed",
        )
        if not closed:
            raise ValidationError("There are no open reports to dismiss.")
        return "reports dismissed"
    if target_type not in CONTENT_TYPES:
        raise ValidationError("Only the reports of this can be dismissed here.")
    target = content.target_get(target_type, target_id)
    if target is None:
        raise ValidationError("That has already been deleted.")
    if action == "hide":
        content.content_hide(actor=actor, target=target, reason=reason)
        return "hidden"
    if action == "unhide":
        content.content_unhide(actor=actor, target=target, reason=reason)
        return "shown again"
    if action == "spam":
        content.content_mark_spam(actor=actor, target=target, reason=reason)
        return "marked as spam"
    if action == "delete":
        content.content_delete(actor=actor, target=target, reason=reason)
        return "deleted"
    raise ValidationError("There is no such action.")


# Pages ----------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
@admin_required(ANY_ADMIN)
def dashboard(request):
    counts = selectors.open_report_counts()
    return render(
        request,
        "moderation/dashboard.html",
        {
            "main_class": "admin dashboard",
            "counts": counts,
            "total_reports": sum(row["reports"] for row in counts),
            "total_targets": sum(row["targets"] for row in counts),
            "links": admin_pages(request.user),
        },
    )


def _filters(request) -> tuple[str, str | None]:
    status = selectors.valid_status(request.GET.get("status"))
    target_type = selectors.valid_target_type(request.GET.get("type"))
    return status, target_type


def _queue_url(status: str, target_type: str | None, page=None) -> str:
    query = {}
    if status != ReportStatus.OPEN:
        query["status"] = status
    if target_type:
        query["type"] = target_type
    if page and page != 1:
        query["page"] = page
    return QUEUE + ("?" + urlencode(query) if query else "")


@require_http_methods(["GET", "HEAD"])
@admin_required(HANDLE_REPORTS)
def queue(request):
    status, target_type = _filters(request)
    page = selectors.queue_page(status=status, target_type=target_type,
                                page=request.GET.get("page"))
    return render(
        request,
        "moderation/queue.html",
        {
            "main_class": "admin reports-queue",
            "page": page,
            "status": status,
            "target_type": target_type or "",
            "statuses": ReportStatus.choices,
            "types": selectors.TARGET_TYPE_CHOICES,
            "bulk_actions": BULK_ACTIONS,
            "here": _queue_url(status, target_type, page.number),
            "page_query": _queue_url(status, target_type).partition("?")[2],
        },
    )


def _safe_next(value: str | None) -> str:
    value = value or ""
    if value.startswith(QUEUE) and "//" not in value and "\\" not in value:
        return value
    return QUEUE


def _parse_key(key: str) -> tuple[str, int] | None:
    target_type, _, target_id = (key or "").partition(":")
    number = _target_id(target_id)
    if selectors.valid_target_type(target_type) and number:
        return target_type, number
    return None


@require_POST
@admin_required(HANDLE_REPORTS)
def queue_bulk(request):
    """One action with one reason on every ticked target, each through its
    service (so each gets its own audit entry and its reports resolved)."""
    back = _safe_next(request.POST.get("next"))
    action = request.POST.get("action", "")
    reason = _reason(request)
    targets = list(dict.fromkeys(
        found for found in map(_parse_key, request.POST.getlist("target")) if found
    ))
    if action not in BULK_ACTIONS:
        messages.error(request, "Please choose what to do with the selected reports.")
        return HttpResponseRedirect(back)
    if not targets:
        messages.error(request, "Please select at least one reported item.")
        return HttpResponseRedirect(back)
    if action in REASON_NEEDED and not reason:
        messages.error(request, "Please give a reason; the creators are shown it.")
        return HttpResponseRedirect(back)
    done, failed = 0, []
    for target_type, target_id in targets:
        try:
            target_perform(actor=request.user, target_type=target_type, target_id=target_id,
                           action=action, reason=reason)
        except (ValidationError, PermissionDenied) as refused:
            text = "; ".join(getattr(refused, "messages", None) or [str(refused)])
            failed.append(f"{selectors.type_label(target_type)} {target_id}: {text}")
        else:
            done += 1
    if done:
        noun = "item" if done == 1 else "items"
        messages.success(request, f"{done} {noun} {BULK_ACTIONS[action]}.")
    if failed:
        messages.error(request, "Not done: " + " · ".join(failed))
    return HttpResponseRedirect(back)


def _detail_or_404(target_type: str, target_id: int):
    detail = selectors.target_detail(target_type=target_type, target_id=target_id)
    if detail is None or (not detail.target.exists and not detail.reports
                          and not detail.history):
        raise Http404("Nothing has been reported here.")
    return detail


def _actions_for(detail) -> list[str]:
    target = detail.target
    if target.target_type not in CONTENT_TYPES or not target.exists:
        return ["dismiss"] if detail.open_reports else []
    found = ["unhide" if target.hidden or target.spam else "hide", "delete"]
    if not target.spam:
        found.append("spam")
    if detail.open_reports:
        found.append("dismiss")
    return found


def _target_page(request, detail, *, reason="", status=200):
    return render(
        request,
        "moderation/queue_target.html",
        {
            "main_class": "admin report-target",
            "detail": detail,
            "target": detail.target,
            "actions": _actions_for(detail),
            "reason": reason,
            "user_page": (
                f"/moderation/users/{detail.target.obj.username}"
                if detail.target.target_type == TargetType.USER and detail.target.exists
                else ""
            ),
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD"])
@admin_required(HANDLE_REPORTS)
def target_show(request, target_type: str, target_id: int):
    return _target_page(request, _detail_or_404(target_type, target_id))


@require_POST
@admin_required(HANDLE_REPORTS)
def target_action(request, target_type: str, target_id: int, action: str):
    if action not in ACTIONS:
        raise Http404("No such action.")
    detail = _detail_or_404(target_type, target_id)
    here = detail.target.admin_url
    reason = _reason(request)
    if action in REASON_NEEDED and not reason:
        messages.error(request, "Please give a reason; the creator is shown it.")
        return _target_page(request, detail, status=422)
    if action == "delete" and request.POST.get("confirmed") != "yes":
        return render(
            request,
            "moderation/queue_confirm_delete.html",
            {"main_class": "admin report-target confirm", "target": detail.target,
             "reason": reason},
        )
    try:
        done = target_perform(actor=request.user, target_type=target_type, target_id=target_id,
                              action=action, reason=reason)
    except ValidationError as refused:
        for text in refused.messages:
            messages.error(request, text)
        return HttpResponseRedirect(here)
    messages.success(request, f"{detail.target.type_label}: {done}.")
    return HttpResponseRedirect(here)
