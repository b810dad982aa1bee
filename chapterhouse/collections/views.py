"""Collections' pages at AO3's addresses. Thin: selectors read, services write."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_http_methods, require_POST
from markupsafe import Markup

from chapterhouse.accounts.selectors import user_by_name
from chapterhouse.web.login import login_required
from chapterhouse.works.models import Work
from chapterhouse.works.selectors.visibility import can_view_work, works_visible_to

from . import selectors, services
from .forms import CollectionForm
from .models import Approval, CollectionItem


def _collection(name: str):
    collection = selectors.collection_by_name(name)
    if collection is None:
        raise Http404("No such collection.")
    return collection


def _errors(error: ValidationError) -> list[str]:
    if hasattr(error, "message_dict"):
        return [m for ms in error.message_dict.values() for m in ms]
    return list(error.messages)


def flash_errors(request, error: ValidationError) -> None:
    """Each message of a refused write as an error flash on the next page."""
    for message in _errors(error):
        messages.error(request, message)


def index(request):
    page = selectors.collections_index(viewer=request.user, page=request.GET.get("page"))
    return render(
        request,
        "collections/index.html",
        {
            "main_class": "collections-index",
            "pages": page,
            "heading": f"{page.total:,} Collection{'' if page.total == 1 else 's'}",
        },
    )


@login_required
def new(request):
    form = CollectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            collection = services.collection_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in _errors(error):
                form.add_error(None, message)
        else:
            messages.success(request, "Collection was successfully created.")
            return HttpResponseRedirect(f"/collections/{collection.name}")
    return render(
        request,
        "collections/form.html",
        {"main_class": "collections-new", "form": form, "collection": None},
    )


@login_required
def edit(request, name: str):
    collection = _collection(name)
    if not services.is_owner(request.user, collection):
        raise PermissionDenied("Only the collection's owners may edit it.")
    initial = {
        f: getattr(collection, f) for f in CollectionForm.base_fields if hasattr(collection, f)
    }
    initial["parent_name"] = collection.parent.name if collection.parent else ""
    form = CollectionForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("name", None)
        try:
            services.collection_edit(user=request.user, collection=collection, **data)
        except ValidationError as error:
            for message in _errors(error):
                form.add_error(None, message)
        else:
            messages.success(request, "Collection was successfully updated.")
            return HttpResponseRedirect(f"/collections/{collection.name}")
    return render(
        request,
        "collections/form.html",
        {
            "main_class": "collections-edit",
            "form": form,
            "collection": collection,
            "maintainers": selectors.maintainers_of(collection),
        },
    )


@login_required
@require_POST
def participants(request, name: str):
    collection = _collection(name)
    try:
        services.maintainer_add(
            user=request.user,
            collection=collection,
            username=request.POST.get("username", ""),
            role=request.POST.get("role", "moderator"),
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, "Maintainer added.")
    return HttpResponseRedirect(f"/collections/{collection.name}/edit")


def _page_context(request, collection, main_class: str) -> dict:
    from .exchange_selectors import exchange_for, signup_of

    return {
        "main_class": main_class,
        "collection": collection,
        "roles": selectors.roles_of(request.user, collection),
        "maintainers": selectors.maintainers_of(collection),
        "exchange": exchange_for(collection),
        "my_signup": signup_of(request.user, collection),
    }


def dashboard(request, name: str):
    collection = _collection(name)
    context = _page_context(request, collection, "collections-show dashboard")
    context["works"] = selectors.collection_works(viewer=request.user, collection=collection)
    return render(request, "collections/dashboard.html", context)


def profile(request, name: str):
    collection = selectors.collection_by_name(name)
    if collection is None:
        return HttpResponseRedirect("/collections")
    return render(
        request,
        "collections/profile.html",
        _page_context(request, collection, "collections-profile"),
    )


def works(request, name: str):
    """The collection's works: a filtered listing from the search index, with
    the sidebar, as a tag's; while some of its works are unrevealed (absent
    from the index), the database's listing with their mystery blurbs."""
    from chapterhouse.discovery.query import WorkQuery
    from chapterhouse.discovery.views import filtered_listing

    collection = _collection(name)
    if selectors.has_mysteries(collection):
        page = selectors.collection_works(
            viewer=request.user, collection=collection, page=request.GET.get("page")
        )
        context = _page_context(request, collection, "works-index")
        context["pages"] = page
        return render(request, "collections/works.html", context)
    context = filtered_listing(
        request,
        base=WorkQuery(collection_id=collection.pk),
        saved_place=[("collection_id", collection.name)],
    )
    context.update(_page_context(request, collection, "works-index dashboard filtered"))
    context["counted"] = context["works"].heading("Works in")
    return render(request, "collections/works_filtered.html", context)


def collection_work(request, name: str, work_id: int):
    """The work inside its collection; a work not in it goes to its own address."""
    from chapterhouse.works.views.reading import work as work_page

    collection = _collection(name)
    if (
        not CollectionItem.objects.approved()
        .filter(collection=collection, work_id=work_id)
        .exists()
    ):
        return HttpResponseRedirect(f"/works/{work_id}")
    return work_page(request, work_id)


def subcollections(request, name: str):
    collection = _collection(name)
    page = selectors.subcollections(
        viewer=request.user, collection=collection, page=request.GET.get("page")
    )
    return render(
        request,
        "collections/index.html",
        {
            "main_class": "collections-index",
            "pages": page,
            "collection": collection,
            "heading": f"{page.total:,} Subcollection{'' if page.total == 1 else 's'} "
            f"of {collection.title}",
        },
    )


@login_required
def items(request, name: str):
    """The maintainers' queue; POST ``item_id`` and ``status`` to review."""
    collection = _collection(name)
    if request.method == "POST":
        item = CollectionItem.objects.filter(pk=_item_id(request), collection=collection).first()
        if item is None:
            raise Http404("No such item.")
        services.collection_item_review(
            user=request.user, item=item, approval=_approval(request.POST.get("status"))
        )
        messages.success(request, "Collection status updated!")
        return HttpResponseRedirect(request.get_full_path())
    status = request.GET.get("status")
    page = selectors.maintainer_queue(
        viewer=request.user, collection=collection, status=status, page=request.GET.get("page")
    )
    if page is None:
        raise PermissionDenied("Only the collection's maintainers may see its items.")
    context = _page_context(request, collection, "collection_items-index")
    context.update(pages=page, status=status or "unreviewed", side="collection")
    return render(request, "collections/items.html", context)


def _item_id(request) -> int:
    value = request.POST.get("item_id") or ""
    return int(value) if value.isdigit() else 0


def _approval(value: str | None) -> str:
    return {"approved": Approval.APPROVED, "rejected": Approval.REJECTED}.get(
        value or "", Approval.PENDING
    )


@login_required
def user_items(request, username: str):
    """A creator's queue: invitations to accept or refuse (her own only)."""
    user = user_by_name(username)
    if user is None:
        raise Http404("No such user.")
    if user.pk != request.user.pk:
        raise PermissionDenied("You may only see your own collection items.")
    if request.method == "POST":
        item = selectors.item_for_creator(user=request.user, item_id=_item_id(request))
        if item is None:
            raise Http404("No such item.")
        services.collection_item_respond(
            user=request.user, item=item, approval=_approval(request.POST.get("status"))
        )
        messages.success(request, "Collection status updated!")
        return HttpResponseRedirect(request.get_full_path())
    status = request.GET.get("status")
    page = selectors.creator_queue(user=user, status=status, page=request.GET.get("page"))
    return render(
        request,
        "collections/items.html",
        {
            "main_class": "collection_items-index",
            "pages": page,
            "owner": user,
            "status": status or "unreviewed",
            "side": "user",
        },
    )


def user_collections(request, username: str):
    user = user_by_name(username)
    if user is None:
        raise Http404("No such user.")
    page = selectors.user_collections(viewer=request.user, user=user, page=request.GET.get("page"))
    return render(
        request,
        "collections/index.html",
        {
            "main_class": "collections-index",
            "pages": page,
            "heading": f"{user.username}'s Collections",
        },
    )


def _work_or_404(request, work_id: int) -> Work:
    work = works_visible_to(request.user).filter(pk=work_id).first()
    if work is None:
        raise Http404("No such work.")
    return work


def work_collections(request, work_id: int):
    work = _work_or_404(request, work_id)
    found = selectors.work_collections(viewer=request.user, work=work)
    counts = selectors.work_counts(request.user, found)
    entries = [selectors.CollectionEntry(c, counts.get(c.pk, 0)) for c in found]
    return render(
        request,
        "collections/index.html",
        {
            "main_class": "collections-index",
            "entries": entries,
            "heading": Markup('Collections with <a href="/works/{}">{}</a>').format(
                work.pk, work.title
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def work_collection_items(request, work_id: int):
    """``GET …/collection_items/new``: the form; ``POST …/collection_items``: add
    (creators) or invite (maintainers), then back to the work with AO3's flash."""
    work = Work.objects.filter(pk=work_id).first()
    if work is None or not can_view_work(request.user, work):
        raise Http404("No such work.")
    if request.method == "GET":
        return render(
            request,
            "collections/item_new.html",
            {"main_class": "collection_items-new", "work": work},
        )
    try:
        result = services.collection_items_add(
            user=request.user, work=work, names=request.POST.get("collection_names", "")
        )
    except PermissionDenied as denied:
        messages.error(request, str(denied))
        return HttpResponseRedirect(f"/works/{work.pk}")
    flash_add_result(request, result)
    return HttpResponseRedirect(f"/works/{work.pk}")


#: The work form's field, named as on AO3.
COLLECTION_NAMES_FIELD = "work[collection_names]"


def collection_names_of(work: Work | None) -> str:
    """The work form's initial value: the collections the work is in or waits for."""
    if work is None:
        return ""
    return ", ".join(selectors.collection_names_of(work))


def collections_from_work_form(request, work: Work) -> None:
    """After the work form is saved: AO3's flash for the collections it named
    (the posting service added the work to them in its transaction)."""
    result = getattr(work, "collections_added", None)
    if result is not None:
        flash_add_result(request, result)


def flash_add_result(request, result: services.AddResult) -> None:
    """AO3's flash after adding to collections (also used by the work form)."""
    if result.notice:
        messages.success(request, result.notice)
    if result.errors:
        # Django's safe strings survive the message storage (Markup would not).
        reasons = format_html_join("", "<li>{}</li>", ((r,) for r in result.errors))
        messages.error(
            request,
            format_html(
                "We couldn't add your submission to the following collection(s): <ul>{}</ul>",
                reasons,
            ),
        )
