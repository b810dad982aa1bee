"""The import page, /works/import: a file and the tags it may lack → a work.

Thin: ``files.parse_upload`` reads the file, ``ImportForm.fill`` adds what the
form says, ``services.work_import`` makes the work under every posting rule.
A bad file or a broken rule shows the form again with the message at the top
and every field as the user left it (a browser never keeps a chosen file, so
the message asks for it again).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from chapterhouse.web.forms import apply_errors
from chapterhouse.web.login import login_required
from chapterhouse.web.ratelimit import RateLimited, rate_limit_check, rate_limit_record
from chapterhouse.works.views.posting import work_url

from ..models import ImportSource
from .files import parse_upload
from .forms import ADMIN_FIELDS, ImportForm
from .parsed import ImportProblem
from .services import work_import

#: Imports a user may make in an hour (admins bringing in many files use the command).
IMPORT_RATE = {"count": 20, "window": 3600}
RATE_MESSAGE = ("You have imported many works in the last hour. Please try again in {wait}; "
                "nothing has been imported this time.")
AO3_SOURCES = (ImportSource.AO3_HTML, ImportSource.AO3_EPUB)
CHOOSE_AGAIN = "Please choose the file again: a browser does not keep a chosen file."


def _page(request, form, *, status=200, file_again=False):
    return render(
        request, "exchange/import.html",
        {"form": form, "main_class": "works-import", "file_again": file_again,
         "choose_again": CHOOSE_AGAIN},
        status=status,
    )


def _refuse_admin_fields(request) -> None:
    """Only admins may import for someone else or match creators to accounts."""
    if request.user.is_staff:
        return
    if any((request.POST.get(name) or "").strip() for name in ADMIN_FIELDS):
        raise PermissionDenied("Only an admin may import works for other people.")


def _done(request, work, parsed, *, posted: bool):
    title = work.title
    if posted:
        messages.success(request, f"'{title}' was imported and posted.")
        target = work_url(work)
    else:
        messages.success(
            request,
            f"'{title}' was imported as a draft. Check the text and tags and post it when "
            "it is ready; only you can see it until then.",
        )
        target = reverse("works:edit", kwargs={"work_id": work.pk})
    for remark in parsed.remarks:
        messages.warning(request, f"From the import: {remark}")
    return HttpResponseRedirect(target)


@login_required
def work_import_page(request):
    if request.method != "POST":
        return _page(request, ImportForm(user=request.user))
    _refuse_admin_fields(request)
    form = ImportForm(request.POST, request.FILES, user=request.user)
    who = request.user.pk
    try:
        rate_limit_check(scope="import", who=who, message=RATE_MESSAGE, **IMPORT_RATE)
    except RateLimited as limited:
        form.is_valid()
        form.add_error(None, limited.messages)
        response = _page(request, form, status=429, file_again=True)
        response["Retry-After"] = str(limited.retry_after)
        return response
    if not form.is_valid():
        return _page(request, form, file_again="file" in request.FILES)

    upload = form.cleaned_data["file"]
    try:
        parsed = parse_upload(upload.name, upload.read())
        is_ao3 = parsed.source in AO3_SOURCES
        form.fill(parsed)
        post = form.post(is_ao3=is_ao3)
        work = work_import(actor=request.user, parsed=parsed, owner=form.owner(), post=post,
                           match_creators=form.match())
    except ImportProblem as problem:
        form.add_error(None, problem.messages)
    except ValidationError as error:
        apply_errors(form, error)
    else:
        rate_limit_record(scope="import", who=who, **IMPORT_RATE)
        return _done(request, work, parsed, posted=post)
    return _page(request, form, file_again=True)
