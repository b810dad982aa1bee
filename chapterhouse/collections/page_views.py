"""A collection's other listings (bookmarks, fandoms, people, tags, gifts), a
user's collected works, the challenges open for sign-ups, and the header
image form. Thin: the reads are in ``page_selectors``, the write in
``header_images``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from chapterhouse.accounts.selectors import user_by_name
from chapterhouse.web.login import login_required

from . import header_images, page_selectors, services
from .views import _collection, _errors, _page_context


def _listing(request, name: str, *, read, template: str, main_class: str, noun: str):
    collection = _collection(name)
    found = read(viewer=request.user, collection=collection, page=request.GET.get("page"))
    context = _page_context(request, collection, main_class)
    context.update(pages=found, heading=found.heading(noun))
    return render(request, template, context)


@require_GET
def bookmarks(request, name: str):
    return _listing(
        request, name, read=page_selectors.collection_bookmarks,
        template="collections/bookmarks.html", main_class="bookmarks-index",
        noun="Bookmarked Items in",
    )


@require_GET
def fandoms(request, name: str):
    return _listing(
        request, name, read=page_selectors.collection_fandoms,
        template="collections/tag_counts.html", main_class="fandoms-index", noun="Fandoms in",
    )


@require_GET
def tags(request, name: str):
    return _listing(
        request, name, read=page_selectors.collection_tags,
        template="collections/tag_counts.html", main_class="tags-index", noun="Tags in",
    )


@require_GET
def people(request, name: str):
    return _listing(
        request, name, read=page_selectors.collection_people,
        template="collections/people.html", main_class="people-index", noun="Creators in",
    )


@require_GET
def gifts(request, name: str):
    return _listing(
        request, name, read=page_selectors.collection_gifts,
        template="collections/gifts.html", main_class="gifts-index", noun="Gifts in",
    )


@require_GET
def collected(request, username: str):
    user = user_by_name(username)
    if user is None:
        raise Http404("No such user.")
    found = page_selectors.collected_works(
        viewer=request.user, user=user, page=request.GET.get("page")
    )
    noun = f"Collected Works by {user.username}"
    return render(
        request,
        "collections/collected.html",
        {
            "main_class": "works-collected dashboard",
            "pages": found,
            "owner": user,
            "heading": found.heading(noun),
        },
    )


@require_GET
def list_challenges(request):
    found = page_selectors.open_challenges(viewer=request.user, page=request.GET.get("page"))
    return render(
        request,
        "collections/index.html",
        {
            "main_class": "collections-list_challenges",
            "pages": found,
            "heading": f"{found.total:,} Challenge{'' if found.total == 1 else 's'} "
            "Open for Sign-ups",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def header_image(request, name: str):
    """Maintainers upload (``header_image``) or remove (``remove=1``) the
    collection's header image."""
    collection = _collection(name)
    if not services.is_maintainer(request.user, collection):
        raise PermissionDenied("Only the collection's maintainers may change its header image.")
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("header_image")
        remove = request.POST.get("remove") == "1"
        if upload is None and not remove:
            errors.append("Choose an image to upload.")
        else:
            try:
                header_images.header_image_set(
                    user=request.user, collection=collection, upload=upload, remove=remove
                )
            except ValidationError as error:
                errors.extend(_errors(error))
            else:
                messages.success(
                    request, "Header image removed." if upload is None else "Header image saved."
                )
                return HttpResponseRedirect(f"/collections/{collection.name}")
    context = _page_context(request, collection, "collections-header_image")
    context["errors"] = errors
    return render(request, "collections/header_image.html", context, status=400 if errors else 200)
