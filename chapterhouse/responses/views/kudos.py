"""Kudos over HTTP, in AO3's shape: ``POST /kudos`` (a form: back to the work
with a message) and ``POST /kudos.js`` (JSON: 201, or 422 with ``errors``),
and the list of givers at ``/works/ID/kudos``. Every rule is in
``services/kudos.py``."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from chapterhouse.web.addresses import client_address
from chapterhouse.web.login import redirect_restricted
from chapterhouse.web.ratelimit import RateLimited
from chapterhouse.works.models import Work
from chapterhouse.works.selectors.visibility import work_needs_login, works_visible_to

from ..selectors.kudos import kudos_givers_page, kudos_summary
from ..services import kudos as kudos_services

#: The guest's kudos cookie: a random token and the works she left kudos on.
COOKIE = "kudos_guest"
COOKIE_SALT = "responses.kudos"
COOKIE_WORKS = 100
COOKIE_AGE = 365 * 24 * 3600


def _wants_json(request, as_json: bool) -> bool:
    return (
        as_json
        or "application/json" in request.META.get("HTTP_ACCEPT", "")
        or bool(request.META.get("HTTP_X_REQUESTED_WITH"))
    )


def _guest_cookie(request) -> tuple[str, list[int]]:
    raw = request.get_signed_cookie(COOKIE, default="", salt=COOKIE_SALT)
    token, _, ids = raw.partition(":")
    works = [int(each) for each in ids.split(",") if each.isdigit()]
    return token, works


def _remember_guest(request, response, *, token: str, works: list[int], work_id: int):
    works = [each for each in works if each != work_id][-(COOKIE_WORKS - 1):] + [work_id]
    value = f"{token}:{','.join(map(str, works))}"
    response.set_signed_cookie(
        COOKIE, value, salt=COOKIE_SALT, max_age=COOKIE_AGE, httponly=True, samesite="Lax"
    )
    return response


def _back(request, work_id: int) -> str:
    """The work or chapter page the form was sent from, else the work."""
    home = f"/works/{work_id}"
    for candidate in (request.POST.get("return_to", ""), request.META.get("HTTP_REFERER", "")):
        path = candidate.split("://", 1)[-1] if "://" in candidate else candidate
        if "://" in candidate:
            host, _, rest = path.partition("/")
            if host != request.get_host():
                continue
            path = "/" + rest
        path = path.split("#", 1)[0]
        if path == home or path.startswith((home + "/", home + "?")):
            return path
    return home


def _work(raw_id: str, raw_type: str) -> Work | None:
    if raw_type not in ("Work", "") or not (raw_id or "").strip().isdigit():
        return None
    return Work.objects.filter(pk=int(raw_id)).first()


@require_POST
def kudos_create(request, as_json: bool = False):
    json_answer = _wants_json(request, as_json)
    raw_id = request.POST.get("kudo[commentable_id]", "")
    work = _work(raw_id, request.POST.get("kudo[commentable_type]", "Work"))
    signed_in = request.user.is_authenticated
    token, given = ("", []) if signed_in else _guest_cookie(request)
    if not signed_in and not token:
        token = secrets.token_urlsafe(16)
    error = None
    retry_after = None
    if work is None:
        error = {kudos_services.NO_WORK: [kudos_services.MESSAGES["missing"]]}
    else:
        try:
            kudos_services.kudos_give(
                work=work, viewer=request.user,
                guest_ip=None if signed_in else client_address(request),
                guest_token=token, guest_works=given,
            )
        except RateLimited as limited:
            error, retry_after = {"rate_limit": limited.messages}, limited.retry_after
        except ValidationError as refused:
            error = refused.message_dict
    if json_answer:
        response = _json_answer(work, error, retry_after)
    else:
        response = _form_answer(request, work, raw_id, error, retry_after)
    if work is not None and not signed_in and (
        error is None or kudos_services.GUEST_AGAIN in error
    ):
        _remember_guest(request, response, token=token, works=given, work_id=work.pk)
    return response


def _json_answer(work, error, retry_after):
    if error is None:
        summary = kudos_summary(work_id=work.pk, names=0)
        return JsonResponse(
            {"kudos": {"commentable_id": work.pk, "commentable_type": "Work"},
             "kudos_count": summary.total},
            status=201,
        )
    response = JsonResponse({"errors": error}, status=429 if retry_after else 422)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _form_answer(request, work, raw_id, error, retry_after):
    if retry_after:
        response = render(
            request,
            "responses/kudos_limited.html",
            {"main_class": "kudos-new", "work": work, "return_to": _back(request, work.pk),
             "message": " ".join(error["rate_limit"]), "retry_after": retry_after},
            status=429,
        )
        response["Retry-After"] = str(retry_after)
        return response
    if error is not None and kudos_services.NO_WORK in error:
        raise Http404(" ".join(error[kudos_services.NO_WORK]))
    if error is None:
        messages.success(request, "Thank you for leaving kudos!")
    else:
        messages.error(request, " ".join(message for each in error.values() for message in each))
    return HttpResponseRedirect(_back(request, work.pk))


def kudos_index(request, work_id: int):
    """``/works/ID/kudos``: everyone who left kudos on the work."""
    work = works_visible_to(request.user).filter(pk=work_id, posted=True).first()
    if work is None:
        if work_needs_login(request.user, work_id):
            return redirect_restricted(request)
        raise Http404("No such work.")
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    givers = kudos_givers_page(work_id=work.pk, page=number)
    return render(
        request,
        "responses/kudos_index.html",
        {"main_class": "kudos-index", "work": work, "givers": givers},
    )
