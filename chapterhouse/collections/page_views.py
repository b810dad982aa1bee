"""A collection's other listings (bookmarks, fandoms, people, tags, gifts), a
user's collected works and the challenges open for sign-ups. Thin: the reads
are in ``page_selectors``."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chapterhouse.accounts.selectors import user_by_name

from . import page_selectors
from .views import _collection, _page_context


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
