"""Site-wide request handling."""

from __future__ import annotations

from django.http import Http404

from .forms import MAX_ID


class NulCharacterMiddleware:
    """Answer 400 for a page whose path or query string holds a NUL character.
    No name, tag or text can hold one, and PostgreSQL refuses even to compare
    one, so every page that looks a name up would otherwise fail with a server
    error. The API (``/api/``) answers such calls itself, as documented there:
    404 for a name, the character dropped from a search."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/") and (
            "\x00" in request.path or any(
                "\x00" in key or any("\x00" in value for value in values)
                for key, values in request.GET.lists()
            )
        ):
            from .views import bad_request

            return bad_request(request)
        return self.get_response(request)


class IdRangeMiddleware:
    """Answer 404 for an address whose number (``/works/<id>``, an API path's
    ``{id}``) is past ``MAX_ID``: no row has such an id, and the database
    cannot even be asked about one in every query a page makes. Checked
    once here, after the URL is resolved, for every route of the site and
    the API alike."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        for value in (*view_args, *view_kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_ID:
                raise Http404("No row has an id that large.")
        return None


class AO3CsrfTokenMiddleware:
    """Accept AO3's spellings of the CSRF token, so tools written for AO3 can
    post to us: the ``authenticity_token`` form field (or query parameter) and
    the ``X-CSRF-Token`` header. The token is still Django's and still checked
    by ``CsrfViewMiddleware``, which runs after this; only its name differs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and "HTTP_X_CSRFTOKEN" not in request.META:
            token = request.META.get("HTTP_X_CSRF_TOKEN")
            if not token and _is_form(request) and "csrfmiddlewaretoken" not in request.POST:
                token = request.POST.get("authenticity_token")
            if not token:
                token = request.GET.get("authenticity_token")
            if token:
                request.META["HTTP_X_CSRFTOKEN"] = token
        return self.get_response(request)


def _is_form(request) -> bool:
    content_type = request.META.get("CONTENT_TYPE", "")
    return content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))
