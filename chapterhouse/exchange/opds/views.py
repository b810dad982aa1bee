"""The OPDS catalogue's pages: thin views over ``selectors`` and ``catalog``.

Every view answers as a guest would see the site (see ``selectors``), so a
response may be cached by anyone for a few minutes.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import catalog, selectors

CACHE_SECONDS = 300


def _response(body: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response


@require_GET
def root(request):
    return _response(catalog.root_feed(updated=timezone.now()), catalog.NAVIGATION)


@require_GET
def recent(request):
    page = selectors.recent_works(page=request.GET.get("page"))
    body = catalog.acquisition_feed(
        path=catalog.RECENT_PATH, title="Recent works", page=page,
        subtitle="The works most recently posted or updated.",
    )
    return _response(body, catalog.ACQUISITION)


@require_GET
def fandoms(request):
    page = selectors.fandoms_with_works(page=request.GET.get("page"))
    return _response(catalog.fandoms_feed(page=page, updated=timezone.now()),
                     catalog.NAVIGATION)


@require_GET
def fandom(request, name: str):
    found = selectors.fandom_by_url_name(name)
    if found is None:
        raise Http404("We couldn't find a fandom by that name.")
    if found.canonical is not None:
        target = catalog.fandom_path(found.canonical.name)
        if request.GET.get("page"):
            target += "?" + urlencode({"page": request.GET["page"]})
        return HttpResponseRedirect(target)
    tag = found.tag
    page = selectors.fandom_works(fandom=tag, page=request.GET.get("page"))
    body = catalog.acquisition_feed(
        path=catalog.fandom_path(tag.name), title=tag.name, page=page,
        subtitle=f"Works in {tag.name}, most recently updated first.",
    )
    return _response(body, catalog.ACQUISITION)


@require_GET
def search_description(request):
    return _response(catalog.opensearch_description(), catalog.OPENSEARCH)


@require_GET
def search(request):
    text = request.GET.get("q", "")
    page = selectors.searched_works(text=text, page=request.GET.get("page"))
    text = text.strip()
    body = catalog.acquisition_feed(
        path=catalog.SEARCH_PATH,
        title=f"Search: {text}" if text else "Search",
        page=page,
        params={"q": text} if text else None,
    )
    return _response(body, catalog.ACQUISITION)
