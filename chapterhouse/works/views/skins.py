"""Work skin pages: list, new, edit, delete. Owner only; thin."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from chapterhouse.web.forms import apply_errors
from chapterhouse.web.login import login_required

from ..forms.skins import SkinForm
from ..services import skins as skin_services


def _report_dropped(request, dropped: list[str]) -> None:
    if dropped:
        messages.warning(
            request,
            "Some of the CSS was left out because work skins cannot use it: "
            + " ".join(dropped[:10])
            + (f" (and {len(dropped) - 10} more)" if len(dropped) > 10 else ""),
        )


@login_required
def skins(request):
    return render(
        request,
        "works/skins.html",
        {"skins": skin_services.skins_of(user=request.user), "main_class": "skins-index"},
    )


def _form_page(request, form, *, skin=None):
    return render(
        request,
        "works/skin_form.html",
        {"form": form, "skin": skin, "main_class": "skins-edit" if skin else "skins-new"},
    )


@login_required
def skin_new(request):
    form = SkinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            skin, dropped = skin_services.skin_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Work skin “{skin.title}” was created.")
            _report_dropped(request, dropped)
            return HttpResponseRedirect(reverse("works:skin_edit", kwargs={"skin_id": skin.pk}))
    return _form_page(request, form)


@login_required
def skin_edit(request, skin_id):
    skin = skin_services.skin_for_owner(user=request.user, skin_id=skin_id)
    if request.method == "POST":
        form = SkinForm(request.POST)
        if form.is_valid():
            try:
                skin, dropped = skin_services.skin_update(
                    user=request.user, skin=skin, **form.cleaned_data
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, f"Work skin “{skin.title}” was saved.")
                _report_dropped(request, dropped)
                return HttpResponseRedirect(request.path)
    else:
        form = SkinForm(
            initial={"title": skin.title, "description": skin.description, "css": skin.css}
        )
    return _form_page(request, form, skin=skin)


@login_required
def skin_delete(request, skin_id):
    skin = skin_services.skin_for_owner(user=request.user, skin_id=skin_id)
    if request.method == "POST":
        title = skin.title
        skin_services.skin_delete(user=request.user, skin=skin)
        messages.success(request, f"Work skin “{title}” was deleted.")
        return HttpResponseRedirect(reverse("works:skins"))
    return render(
        request,
        "works/skin_delete.html",
        {"skin": skin, "work_count": skin.works.count(), "main_class": "skins-delete"},
    )
