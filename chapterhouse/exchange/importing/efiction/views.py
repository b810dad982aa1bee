"""Pages: the admins' eFiction upload, an import job's progress, and claiming."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from chapterhouse.web.addresses import client_address
from chapterhouse.web.forms import apply_errors
from chapterhouse.web.login import redirect_to_login
from chapterhouse.web.ratelimit import RateLimited, rate_limit_check, rate_limit_record

from ...models import ImportJob, ImportJobStatus, ImportSource
from . import claims
from .forms import ClaimForm, ClaimRequestForm, EfictionUploadForm
from .tasks import efiction_import_task, progress_read

#: Claim mails: 5 requests per hour from one address.
CLAIM_RATE = {"count": 5, "window": 3600}
CLAIM_SENT = (
    "If an imported account has that address, we have sent a mail to it with a link to "
    "claim the account. The link works for three days."
)


def _staff_required(request) -> None:
    if not request.user.is_authenticated:
        raise PermissionDenied("Please log in as an admin to import an archive.")
    if not request.user.is_staff:
        raise PermissionDenied("Only admins may import an archive.")


@require_http_methods(["GET", "POST"])
def efiction_new(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.path)
    _staff_required(request)
    form = EfictionUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["dump"]
        with transaction.atomic():
            job = ImportJob(
                owner=request.user, source=ImportSource.EFICTION, original_name=upload.name,
                options={"archive": form.cleaned_data["archive"].strip(),
                         "fandom": form.cleaned_data["fandom"].strip()},
                stage="Waiting for the worker",
            )
            job.file.save(upload.name, upload, save=False)
            job.save()
            transaction.on_commit(lambda: efiction_import_task.enqueue(job.pk))
        return HttpResponseRedirect(f"/imports/{job.pk}")
    return render(request, "exchange/efiction_new.html", {"form": form})


def import_job(request, job_id: int):
    job = get_object_or_404(ImportJob, pk=job_id)
    if not request.user.is_authenticated:
        return redirect_to_login(request.path)
    if job.owner_id != request.user.pk and not request.user.is_staff:
        raise Http404("No such import.")
    done, total, stage = job.done, job.total, job.stage
    if job.status == ImportJobStatus.RUNNING:
        live = progress_read(job)
        if live:
            done, total, stage = live["done"], live["total"], live["stage"]
    running = job.status in (ImportJobStatus.QUEUED, ImportJobStatus.RUNNING)
    return render(request, "exchange/efiction_job.html", {
        "job": job, "done": done, "total": total, "stage": stage, "running": running,
        "archive": job.options.get("archive", ""), "result": job.result or {},
    })


@require_http_methods(["GET", "POST"])
def claim_start(request):
    form = ClaimRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        who = client_address(request) or "unknown"
        try:
            rate_limit_check(scope="claim", who=who, message=(
                "You have asked for several claim links in a short time. Please try again "
                "in {wait}."), **CLAIM_RATE)
        except RateLimited as limited:
            form.add_error(None, limited.messages)
            response = render(request, "exchange/claim_start.html", {"form": form},
                              status=429)
            response["Retry-After"] = str(limited.retry_after)
            return response
        claims.claim_request(email=form.cleaned_data["email"])
        rate_limit_record(scope="claim", who=who, **CLAIM_RATE)
        return render(request, "exchange/claim_start.html", {"form": None, "sent": CLAIM_SENT})
    return render(request, "exchange/claim_start.html", {"form": form})


@require_http_methods(["GET", "POST"])
def claim_finish(request, token: str):
    try:
        placeholder = claims.claim_read(token)
    except ValidationError as error:
        return render(request, "exchange/claim_finish.html",
                      {"error": " ".join(error.messages)}, status=410
                      if error.code in ("expired", "used") else 400)
    initial = {"username": placeholder.user.username}
    form = ClaimForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user = claims.claim_complete(
                token=token, username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, f"Welcome, {user.username}! The account and the works imported from "
                f"{placeholder.archive} are yours now.",
            )
            return HttpResponseRedirect(f"/users/{user.username}")
    return render(request, "exchange/claim_finish.html",
                  {"form": form, "placeholder": placeholder})
