"""Bookmark pages, in AO3's URL scheme. Thin: ``services/bookmarks.py`` holds
the rules for writes, ``selectors/bookmarks.py`` decides what each viewer sees."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from chapterhouse.accounts.selectors import preference_for, pseud_by_name, pseuds_of, user_by_name
from chapterhouse.tags.page_selectors import tag_visible
from chapterhouse.web.login import redirect_restricted, redirect_to_login
from chapterhouse.works.models import Series
from chapterhouse.works.selectors.listing import blurb_queryset, blurbs
from chapterhouse.works.selectors.visibility import is_signed_in, work_needs_login, works_visible_to

from ..forms.bookmarks import (
    BookmarkForm,
    BookmarkSearchForm,
    ExternalWorkForm,
    service_errors_apply,
)
from ..selectors import bookmarks as selectors
from ..services import bookmarks as services

CREATED = (
    "Bookmark was successfully created. It should appear in bookmark listings within the "
    "next few minutes."
)


def _hidden_tags(request) -> dict:
    preference = preference_for(request.user)
    return {
        "hide_warnings": bool(preference and preference.hide_warnings),
        "hide_freeform": bool(preference and preference.hide_freeform),
    }


def _method(request) -> str:
    """AO3 sends PUT and DELETE as a POST with ``_method``."""
    return (request.POST.get("_method") or "post").lower()


def _visible_work(request, work_id: int):
    """The posted work, if the viewer may see it; otherwise a log-in page for a
    guest at a restricted work, or 404."""
    work = works_visible_to(request.user).filter(pk=work_id, posted=True).first()
    if work is not None:
        return work, None
    if work_needs_login(request.user, work_id):
        return None, redirect_restricted(request)
    raise Http404("No such work.")


def _visible_series(request, series_id: int) -> Series:
    series = Series.objects.filter(pk=series_id).first()
    if series is None or not works_visible_to(request.user).filter(
        posted=True, series_parts__series=series
    ).exists():
        raise Http404("No such series.")
    return series


def _form_page(request, *, form, action, submit, heading, status=200, **extra):
    context = {
        "main_class": "bookmarks-edit" if extra.get("existing") else "bookmarks-new",
        "form": form,
        "pseuds": list(form.pseuds.values()),
        "action": action,
        "submit": submit,
        "heading": heading,
        **extra,
    }
    return render(request, "responses/bookmark_form.html", context, status=status)


def _create(request, *, target: dict, action: str, heading: str, target_link):
    """POST a new bookmark of ``target`` (``work=`` or ``series=``)."""
    form = BookmarkForm(request.POST, pseuds=pseuds_of(request.user))
    duplicate = None
    if form.is_valid():
        try:
            bookmark = services.bookmark_create(
                user=request.user, **target, **form.service_arguments()
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "duplicate":
                duplicate = services.bookmark_existing(user=request.user, **target)
            else:
                service_errors_apply(error, form)
        else:
            messages.success(request, CREATED)
            return HttpResponseRedirect(f"/bookmarks/{bookmark.pk}")
    return _form_page(
        request, form=form, action=action, submit="Create", heading=heading,
        duplicate=duplicate, target_link=target_link, status=422,
    )


def _listing(request, *, heading: str, found, main_class: str = "bookmarks-index", **extra):
    return render(
        request,
        "responses/bookmark_list.html",
        {
            "main_class": main_class,
            "heading": heading,
            "bookmarks": found,
            **_hidden_tags(request),
            **extra,
        },
    )


# A work's and a series' bookmarks --------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def work_bookmarks(request, work_id: int):
    """GET: the work's public bookmarks. POST: bookmark it."""
    if request.method == "POST" and not is_signed_in(request.user):
        return redirect_to_login(f"/works/{work_id}")
    work, refused = _visible_work(request, work_id)
    if refused is not None:
        return refused
    if request.method == "POST":
        return _create(
            request, target={"work": work}, action=f"/works/{work.pk}/bookmarks",
            heading=f"Bookmark {work.title}", target_link=(f"/works/{work.pk}", work.title),
        )
    found = selectors.work_bookmarks(viewer=request.user, work=work, page=request.GET.get("page"))
    top = blurbs(blurb_queryset(type(work).objects.filter(pk=work.pk)))[0]
    return _listing(
        request, heading=found.heading(f"Bookmarks for {work.title}"), found=found,
        top_blurb=top,
    )


def _new_form(request, *, target: dict, path: str, title: str):
    """The empty bookmark form for ``target`` (``{"work": …}`` or
    ``{"series": …}``), or her own bookmark's edit form if she has one."""
    existing = services.bookmark_existing(user=request.user, **target)
    if existing is not None:
        return HttpResponseRedirect(f"/bookmarks/{existing.pk}/edit")
    return _form_page(
        request, form=BookmarkForm(pseuds=pseuds_of(request.user)),
        action=f"{path}/bookmarks", submit="Create",
        heading=f"Bookmark {title}", target_link=(path, title),
    )


@require_GET
def work_bookmark_new(request, work_id: int):
    if not is_signed_in(request.user):
        return redirect_to_login(request.get_full_path())
    work, refused = _visible_work(request, work_id)
    if refused is not None:
        return refused
    return _new_form(request, target={"work": work}, path=f"/works/{work.pk}",
                     title=work.title)


@require_http_methods(["GET", "HEAD", "POST"])
def series_bookmarks(request, series_id: int):
    """GET: the series' public bookmarks. POST: bookmark it."""
    if request.method == "POST" and not is_signed_in(request.user):
        return redirect_to_login(f"/series/{series_id}")
    series = _visible_series(request, series_id)
    if request.method == "POST":
        return _create(
            request, target={"series": series}, action=f"/series/{series.pk}/bookmarks",
            heading=f"Bookmark {series.title}",
            target_link=(f"/series/{series.pk}", series.title),
        )
    found = selectors.series_bookmarks(
        viewer=request.user, series=series, page=request.GET.get("page")
    )
    return _listing(request, heading=found.heading(f"Bookmarks for {series.title}"), found=found)


@require_GET
def series_bookmark_new(request, series_id: int):
    if not is_signed_in(request.user):
        return redirect_to_login(request.get_full_path())
    series = _visible_series(request, series_id)
    return _new_form(request, target={"series": series}, path=f"/series/{series.pk}",
                     title=series.title)


# People's, tags' and everyone's bookmarks -----------------------------------------


@require_GET
def user_bookmarks(request, username: str, pseud: str | None = None):
    user = user_by_name(username)
    if user is None:
        raise Http404("No such user.")
    chosen = None
    if pseud is not None:
        chosen = pseud_by_name(user, pseud)
        if chosen is None:
            raise Http404("No such pseud.")
    found = selectors.user_bookmarks(
        viewer=request.user, user=user, pseud=chosen, page=request.GET.get("page")
    )
    by = f"{chosen.name} ({user.username})" if chosen and chosen.name != user.username else (
        user.username
    )
    return _listing(
        request, heading=found.heading(f"Bookmarks by {by}"), found=found,
        main_class="bookmarks-index dashboard filtered", owner=user,
    )


@require_GET
def tag_bookmarks(request, name: str):
    tag = tag_visible(viewer=request.user, url_name=name)
    if tag is None:
        raise Http404("No such tag.")
    found = selectors.tag_bookmarks(viewer=request.user, tag=tag, page=request.GET.get("page"))
    return _listing(
        request, heading=found.heading(f"Bookmarked Items in {tag.name}"), found=found, tag=tag
    )


@require_http_methods(["GET", "HEAD", "POST"])
def bookmarks_index(request):
    """GET: everyone's bookmarks. POST: bookmark an external work (AO3's form)."""
    if request.method == "POST":
        return external_bookmark_new(request)
    found = selectors.all_bookmarks(viewer=request.user, page=request.GET.get("page"))
    return _listing(request, heading=found.heading("Bookmarked Items"), found=found)


@require_GET
def bookmark_search(request):
    form = BookmarkSearchForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid():
        search = selectors.BookmarkSearch(**form.search_arguments())
        if search:
            results = selectors.bookmark_search(
                viewer=request.user, search=search, page=request.GET.get("page")
            )
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "page"])
    return render(
        request,
        "responses/bookmark_search.html",
        {
            "main_class": "bookmarks-search",
            "form": form,
            "results": results,
            "page_query": query,
            **_hidden_tags(request),
        },
    )


# External works ---------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def external_bookmark_new(request):
    """``/external_works/new``, ``/bookmarks/new?external=1`` and ``POST /bookmarks``."""
    if not is_signed_in(request.user):
        return redirect_to_login(request.get_full_path())
    pseuds = pseuds_of(request.user)
    heading = "Bookmark an External Work"
    if request.method != "POST":
        return _form_page(
            request, form=BookmarkForm(pseuds=pseuds), external_form=ExternalWorkForm(),
            action="/bookmarks", submit="Create", heading=heading,
        )
    form = BookmarkForm(request.POST, pseuds=pseuds)
    external_form = ExternalWorkForm(request.POST)
    if form.is_valid() and external_form.is_valid():
        try:
            bookmark = services.external_bookmark_create(
                user=request.user, external=external_form.service_arguments(),
                **form.service_arguments(),
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "duplicate":
                found = services.external_work_create(
                    user=request.user, **external_form.service_arguments()
                )
                duplicate = services.bookmark_existing(user=request.user, external=found)
                return _form_page(
                    request, form=form, external_form=external_form, action="/bookmarks",
                    submit="Create", heading=heading, duplicate=duplicate, status=422,
                )
            service_errors_apply(error, external_form, form)
        else:
            messages.success(request, CREATED)
            return HttpResponseRedirect(f"/bookmarks/{bookmark.pk}")
    return _form_page(
        request, form=form, external_form=external_form, action="/bookmarks",
        submit="Create", heading=heading, status=422,
    )


# One bookmark ---------------------------------------------------------------------------


def _owned_or_404(request, bookmark_id: int):
    bookmark = selectors.bookmark_owned(user=request.user, bookmark_id=bookmark_id)
    if bookmark is None:
        raise Http404("No such bookmark.")
    return bookmark


def _title_of(bookmark) -> tuple[str, str]:
    if bookmark.work_id:
        return f"/works/{bookmark.work_id}", bookmark.work.title
    if bookmark.series_id:
        return f"/series/{bookmark.series_id}", bookmark.series.title
    return bookmark.external_work.url, bookmark.external_work.title


def _update(request, bookmark_id: int):
    if not is_signed_in(request.user):
        return redirect_to_login(f"/bookmarks/{bookmark_id}/edit")
    bookmark = _owned_or_404(request, bookmark_id)
    form = BookmarkForm(request.POST, pseuds=pseuds_of(request.user))
    if form.is_valid():
        try:
            services.bookmark_update(
                bookmark=bookmark, user=request.user, **form.service_arguments()
            )
        except ValidationError as error:
            service_errors_apply(error, form)
        else:
            messages.success(request, "Bookmark was successfully updated.")
            return HttpResponseRedirect(f"/bookmarks/{bookmark.pk}")
    return _form_page(
        request, form=form, action=f"/bookmarks/{bookmark.pk}/edit", submit="Update",
        heading="Edit Bookmark", existing=bookmark, target_link=_title_of(bookmark),
        status=422,
    )


def _delete(request, bookmark_id: int):
    if not is_signed_in(request.user):
        return redirect_to_login(f"/bookmarks/{bookmark_id}")
    bookmark = _owned_or_404(request, bookmark_id)
    services.bookmark_delete(bookmark=bookmark, user=request.user)
    messages.success(request, "Bookmark was successfully deleted.")
    return HttpResponseRedirect(f"/users/{request.user.username}/bookmarks")


@require_http_methods(["GET", "HEAD", "POST"])
def bookmark_show(request, bookmark_id: int):
    """GET: the bookmark. POST with ``_method=put``/``patch``/``delete``: change it."""
    if request.method == "POST":
        method = _method(request)
        if method == "delete":
            return _delete(request, bookmark_id)
        if method in ("put", "patch"):
            return _update(request, bookmark_id)
        return HttpResponseNotAllowed(["GET", "HEAD"])
    found = selectors.bookmark_detail(viewer=request.user, bookmark_id=bookmark_id)
    if found is None:
        raise Http404("No such bookmark.")
    return render(
        request,
        "responses/bookmark_show.html",
        {"main_class": "bookmarks-show", "it": found, **_hidden_tags(request)},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def bookmark_edit(request, bookmark_id: int):
    if not is_signed_in(request.user):
        return redirect_to_login(request.get_full_path())
    if request.method == "POST":
        if _method(request) == "delete":
            return _delete(request, bookmark_id)
        return _update(request, bookmark_id)
    bookmark = _owned_or_404(request, bookmark_id)
    form = BookmarkForm(
        pseuds=pseuds_of(request.user),
        initial={
            "pseud_id": bookmark.pseud_id,
            "bookmarker_notes": bookmark.notes,
            "tag_string": selectors.bookmark_tag_string(bookmark),
            "private": bookmark.private,
            "rec": bookmark.rec,
        },
    )
    return _form_page(
        request, form=form, action=f"/bookmarks/{bookmark.pk}/edit", submit="Update",
        heading="Edit Bookmark", existing=bookmark, target_link=_title_of(bookmark),
    )


@require_http_methods(["GET", "HEAD", "POST"])
def bookmark_delete(request, bookmark_id: int):
    if not is_signed_in(request.user):
        return redirect_to_login(request.get_full_path())
    if request.method == "POST":
        return _delete(request, bookmark_id)
    bookmark = _owned_or_404(request, bookmark_id)
    return render(
        request,
        "responses/bookmark_confirm_delete.html",
        {"main_class": "bookmarks-delete", "bookmark": bookmark,
         "title": _title_of(bookmark)[1]},
    )
