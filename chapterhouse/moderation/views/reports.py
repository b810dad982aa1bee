"""The report pages (docs/moderation-reports.md):

- ``GET/POST /reports/new?type=work&id=12`` (types: work, chapter, comment,
  bookmark, user; ``from`` may name the page the link was on): the form;
- ``GET /reports/<id>/thanks``: the acknowledgement, for the reporter only.

Every rule lives in ``services/reports.py``; this module turns its answers
into pages (404 for what the reporter may not see, 403 for her own content,
429 with ``Retry-After`` when she has reported too much).
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_safe

from chapterhouse.web.addresses import client_address
from chapterhouse.web.forms import apply_errors
from chapterhouse.web.ratelimit import RateLimited
from chapterhouse.web.views import rate_limited

from ..forms.reports import ReportForm
from ..models import Report
from ..services import reports as svc

#: Session key: ids of the reports this browser sent (for the thank-you page).
SENT_KEY = "chapterhouse.reports_sent"
SENT_KEEP = 20


def _address(request) -> str | None:
    return client_address(request)


def _came_from(request) -> str:
    """The page the report link was on: ``?from=``, else the Referer when it is
    this site. Only a path is kept."""
    asked = request.GET.get("from", "")
    if asked.startswith("/") and not asked.startswith("//"):
        return asked
    referer = request.META.get("HTTP_REFERER", "")
    if referer:
        parts = urlsplit(referer)
        if parts.netloc == request.get_host() and parts.path.startswith("/"):
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return ""


def _refused(request, target, message: str, status: int):
    return render(
        request,
        "moderation/report_refused.html",
        {"target": target, "message": message, "main_class": "abuse-reports-refused"},
        status=status,
    )


def _remember_sent(request, report: Report) -> None:
    sent = [each for each in request.session.get(SENT_KEY, []) if each != report.pk]
    request.session[SENT_KEY] = [*sent, report.pk][-SENT_KEEP:]


def _report_which(request):
    """``/reports/new`` (AO3's ``/abuse_reports/new``) with nothing named:
    ask for the link to what she wants to report, then open its form."""
    link = request.GET.get("url", "")[: svc.LINK_MAX]
    error = ""
    if link:
        found = svc.target_from_link(link)
        if found is not None:
            target_type, target_id = found
            query = urlencode({"type": target_type, "id": target_id, "from": _came_from(request)})
            return HttpResponseRedirect(f"/reports/new?{query}")
        error = (
            "That link does not lead to a work, chapter, comment, bookmark or profile here."
            " Copy the address of the page you want to report and try again."
        )
    return render(
        request,
        "moderation/report_which.html",
        {"link": link, "error": error, "main_class": "abuse-reports-new"},
        status=400 if error else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def report_new(request):
    viewer = request.user
    if "type" not in request.GET and "id" not in request.GET:
        return _report_which(request)
    target = svc.report_target(
        viewer=viewer, target_type=request.GET.get("type", ""), target_id=request.GET.get("id")
    )
    if target is None:
        raise Http404("Nothing to report here.")
    refusal = svc.own_content_refusal(viewer=viewer, target=target)
    if refusal:
        return _refused(request, target, refusal, 403)
    guest = not viewer.is_authenticated
    address = _address(request)
    if request.method == "POST":
        form = ReportForm(request.POST, guest=guest)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = svc.report_create(
                    reporter=viewer, target_type=target.target_type, target_id=target.target_id,
                    category=data["category"], text=data["text"], email=data.get("email", ""),
                    address=address, url=data.get("url", ""),
                )
            except svc.ReportTargetMissing:
                raise Http404("Nothing to report here.") from None
            except RateLimited as limited:
                return rate_limited(request, limited)
            except ValidationError as error:
                if getattr(error, "code", None) == "duplicate":
                    return _refused(request, target, svc.ALREADY_REPORTED, 409)
                if getattr(error, "code", None) == "own_content":
                    return _refused(request, target, error.messages[0], 403)
                apply_errors(form, error)
            else:
                _remember_sent(request, report)
                return HttpResponseRedirect(f"/reports/{report.pk}/thanks")
    else:
        if svc.already_reported(reporter=viewer, target=target,
                                address=address if guest else None):
            return _refused(request, target, svc.ALREADY_REPORTED, 200)
        try:
            svc.report_rate_check(reporter=viewer, address=address, target=target)
        except RateLimited as limited:
            return rate_limited(request, limited)
        form = ReportForm(initial={"url": _came_from(request)}, guest=guest)
    return render(
        request,
        "moderation/report_new.html",
        {
            "form": form,
            "target": target,
            "action": f"/reports/new?type={target.target_type}&id={target.target_id}",
            "main_class": "abuse-reports-new",
        },
        status=422 if form.errors else 200,
    )


@require_safe
def report_thanks(request, report_id: int):
    """The acknowledgement; only the browser that sent the report sees it."""
    if report_id not in request.session.get(SENT_KEY, []):
        raise Http404("No such report.")
    report = Report.objects.filter(pk=report_id).first()
    if report is None:
        raise Http404("No such report.")
    target = svc.report_target(viewer=request.user, target_type=report.target_type,
                               target_id=report.target_id)
    return render(
        request,
        "moderation/report_thanks.html",
        {
            "report": report,
            "target": target,
            "mailed": bool(report.reporter_email
                           or (report.reporter and svc.reporter_email(report.reporter))),
            "main_class": "abuse-reports-thanks",
        },
    )
