"""The public tag pages: a tag, its works, tag search, the fandom index and
autocomplete. Thin views over ``page_selectors``; see docs/tag-pages.md."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chapterhouse.accounts.selectors import preference_for
from chapterhouse.discovery.query import WorkQuery
from chapterhouse.discovery.views import filtered_listing

from . import page_selectors as pages
from . import selectors
from .forms import TagSearchForm
from .models import TagType
from .roles import is_wrangler

#: Types the autocomplete answers for (AO3's ``type`` parameter).
AUTOCOMPLETE_TYPES = {
    TagType.FANDOM.value, TagType.CHARACTER.value, TagType.RELATIONSHIP.value,
    TagType.FREEFORM.value,
}


def _hidden_tags(request) -> dict:
    preference = preference_for(request.user)
    return {
        "hide_warnings": bool(preference and preference.hide_warnings),
        "hide_freeform": bool(preference and preference.hide_freeform),
    }


def _tag_or_404(request, name: str):
    # A tag the viewer may not know of (used only on drafts or hidden works)
    # answers like one that does not exist.
    tag = pages.tag_visible(viewer=request.user, url_name=name)
    if tag is None:
        raise Http404("We couldn't find a tag by that name.")
    return tag


@require_GET
def show(request, name: str):
    tag = _tag_or_404(request, name)
    return render(
        request,
        "tags/show.html",
        {
            "main_class": "tags-show",
            "page": pages.tag_page(viewer=request.user, tag=tag),
            "audit": selectors.audit_of(tag, limit=50) if is_wrangler(request.user) else None,
            "tag_path": pages.tag_path,
            "media_path": pages.media_path,
        },
    )


@require_GET
def works(request, name: str):
    tag = _tag_or_404(request, name)
    if tag.merger_id and tag.merger_id != tag.pk:
        target = pages.tag_path(tag.merger.name, "/works")
        if request.GET:
            target += "?" + urlencode(list(request.GET.lists()), doseq=True)
        return HttpResponseRedirect(target)
    if tag.type == TagType.MEDIA:
        return HttpResponseRedirect(pages.media_path(tag.name))
    # The works, the filter sidebar and its facets come from the discovery app.
    listing = filtered_listing(
        request, base=WorkQuery(tag_ids=(tag.pk,)), saved_place=[("tag_id", tag.name)]
    )
    return render(
        request,
        "tags/works.html",
        {
            "main_class": "works-index",
            "tag": tag,
            "counted": listing["works"].heading("Works in"),
            "tag_path": pages.tag_path,
            **listing,
            **_hidden_tags(request),
        },
    )


@require_GET
def search(request):
    form = TagSearchForm(request.GET or None)
    results = None
    if form.is_bound and form.has_criteria():
        results = pages.tags_search(
            viewer=request.user, **form.search_arguments(), page=request.GET.get("page")
        )
    query = {k: v for k, v in request.GET.items() if k != "page"}
    return render(
        request,
        "tags/search.html",
        {
            "main_class": "tags-search",
            "form": form,
            "results": results,
            "query": urlencode(query),
            "tag_path": pages.tag_path,
        },
    )


@require_GET
def media(request):
    return render(
        request,
        "tags/media.html",
        {
            "main_class": "media-index",
            "media": pages.media_index(viewer=request.user),
            "tag_path": pages.tag_path,
        },
    )


@require_GET
def media_fandoms(request, medium: str):
    found = pages.media_fandoms(viewer=request.user, medium_url_name=medium)
    if found is None:
        raise Http404("We couldn't find a medium by that name.")
    return render(
        request,
        "tags/media_fandoms.html",
        {"main_class": "media-fandoms-index", "medium": found, "tag_path": pages.tag_path},
    )


@require_GET
def autocomplete(request):
    """``GET /autocomplete/tags?term=…&type=Character&fandoms=A,B`` → ``[{"id", "name"}]``."""
    kind = request.GET.get("type", "")
    if kind and kind not in AUTOCOMPLETE_TYPES:
        return JsonResponse(
            {"errors": [f"Unknown tag type {kind!r}; use one of "
                        + ", ".join(sorted(AUTOCOMPLETE_TYPES)) + "."]},
            status=400,
        )
    fandoms = [name for name in request.GET.get("fandoms", "").split(",") if name.strip()]
    found = pages.tags_autocomplete(
        viewer=request.user, term=request.GET.get("term", ""), type=kind, fandoms=fandoms
    )
    response = JsonResponse(found, safe=False)
    # What a signed-in reader is offered depends on who she is (restricted works'
    # tags, a wrangler's every tag): never from a shared cache.
    signed_in = request.user.is_authenticated
    response["Cache-Control"] = f"{'private' if signed_in else 'public'}, max-age=60"
    response["Vary"] = "Cookie"
    return response
