"""Posting and editing pages: the work form, preview, post, delete, orphan,
chapters, and the series form. Thin: forms check shape, services decide.

Every POST to an edit form is first kept as an ``EditDraft`` (committed on
its own), and that draft goes only after the save succeeds — so a failure of
any kind leaves the text waiting on the form (docs/drafts.md).
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from chapterhouse.accounts.selectors import preference_for
from chapterhouse.collections.prompts.views import (
    PROMPT_FIELD,
    prompt_for_work_form,
    prompt_work_form_initial,
)
from chapterhouse.collections.views import (
    COLLECTION_NAMES_FIELD,
    collection_names_of,
    collections_from_work_form,
)
from chapterhouse.web.forms import apply_errors, as_int
from chapterhouse.web.login import login_required

from ..forms.posting import ChapterForm, SeriesForm, WorkForm
from ..models import Chapter, Series, Work
from ..services import chapters as chapter_services
from ..services import creators as creator_services
from ..services import drafts
from ..services import posting as posting_services
from ..services import series as series_services
from ..text import TextTooComplex, render_user_text
from .drafts import keep_posted_fields, keeps_text, local_time, restore_into


def work_url(work: Work) -> str:
    try:
        return work.get_absolute_url()
    except NoReverseMatch:  # the reading pages are not wired in yet
        return f"/works/{work.pk}"


def chapter_url(chapter: Chapter) -> str:
    try:
        return chapter.get_absolute_url()
    except NoReverseMatch:
        return f"/works/{chapter.work_id}/chapters/{chapter.pk}"




def _time_zone(user) -> str:
    preference = preference_for(user)
    return preference.time_zone if preference else "UTC"


# --- works ----------------------------------------------------------------


def _work_page(request, form, *, work, key, notice=None, status=200, prompt=None,
               collection_names=None):
    if collection_names is None:
        collection_names = (
            request.POST.get(COLLECTION_NAMES_FIELD)
            if request.method == "POST" else collection_names_of(work)
        )
    if prompt is not None and request.method != "POST":
        collection_names = prompt.collection.name
    return render(
        request,
        "works/form_work.html",
        {
            "form": form, "work": work, "key": key, "notice": notice, "prompt": prompt,
            "collection_names": collection_names,
            "main_class": "works-edit" if work else "works-new",
            "saved_at": int(work.updated_at.timestamp() * 1000) if work else 0,
        },
        status=status,
    )


def _fields_of(form: WorkForm, data):
    fields = form.to_fields()
    fields.collection_names = data.get(COLLECTION_NAMES_FIELD, "")
    fields.prompt_id = as_int(data.get(PROMPT_FIELD))
    return fields


@keeps_text
def work_new(request):
    key = "work:new"
    # In response to a prompt (/works/new?prompt_id=ID, AO3's address).
    prompt = prompt_for_work_form(request)
    if request.method == "POST":
        keep_posted_fields(request, key)
        form = WorkForm(request.POST, user=request.user, creating=True)
        if form.is_valid():
            post = "post_button" in request.POST
            try:
                work = posting_services.work_create(
                    user=request.user, fields=_fields_of(form, request.POST), post=post,
                    site_host=request.get_host(),
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                drafts.edit_draft_discard(user=request.user, key=key)
                return _after_work_save(request, work, posted_now=post)
        return _work_page(request, form, work=None, key=key, prompt=prompt)
    form = WorkForm(user=request.user, creating=True)
    if prompt is not None:
        form.initial.update(prompt_work_form_initial(prompt))
    notice = restore_into(request, form, key=key)
    return _work_page(request, form, work=None, key=key, notice=notice, prompt=prompt)


def work_new_prefilled(request, *, gifts: str, collection_names: str):
    """The new-work form with its gifts and collections filled in (a gift
    exchange's assignment: ``/collections/N/works/new?assignment_id=ID``).
    It posts to ``/works/new`` like any new work."""
    form = WorkForm(user=request.user, creating=True, initial={"gifts": gifts})
    return _work_page(request, form, work=None, key="work:new",
                      collection_names=collection_names)


def _after_work_save(request, work: Work, *, posted_now: bool, updated: bool = False):
    # "Post to Collections / Challenges" on the form (AO3's work[collection_names]).
    collections_from_work_form(request, work)
    if "preview_button" in request.POST:
        return HttpResponseRedirect(reverse("works:preview", kwargs={"work_id": work.pk}))
    if posted_now:
        messages.success(request, "Work was successfully posted.")
        return HttpResponseRedirect(work_url(work))
    if updated:
        messages.success(request, "Work was successfully updated.")
        return HttpResponseRedirect(work_url(work))
    messages.success(
        request,
        "Draft saved. Only you and your co-creators can see it until you post it; "
        "drafts never expire.",
    )
    return HttpResponseRedirect(reverse("works:edit", kwargs={"work_id": work.pk}))


@keeps_text
def work_edit(request, work_id):
    work = posting_services.work_for_editing(user=request.user, work_id=work_id)
    key = f"work:{work.pk}"
    if request.method != "POST":
        form = WorkForm(user=request.user, creating=False)
        form.initial.update(WorkForm.initial_of(posting_services.work_fields_of(work)))
        notice = restore_into(request, form, key=key, saved_at=work.updated_at)
        return _work_page(request, form, work=work, key=key, notice=notice)

    data = request.POST
    if "apply_draft" in data:  # "Update" on the preview of a posted work's changes
        draft = drafts.edit_draft_get(user=request.user, key=key)
        if draft is None:
            return HttpResponseRedirect(reverse("works:edit", kwargs={"work_id": work.pk}))
        data = drafts.query_dict_of(draft.data)
        data["update_button"] = "Update"
    else:
        keep_posted_fields(request, key)
    if work.posted and "save_button" in data:
        messages.info(
            request,
            "Your changes are kept as a draft on this form; the posted work has not "
            "changed. Press Update when you want readers to see them.",
        )
        return HttpResponseRedirect(reverse("works:edit", kwargs={"work_id": work.pk}))
    form = WorkForm(data, user=request.user, creating=False)
    if form.is_valid():
        if work.posted and "preview_button" in data:
            # The kept draft is what the preview shows; nothing is saved yet.
            return HttpResponseRedirect(reverse("works:preview", kwargs={"work_id": work.pk}))
        post = "post_button" in data and not work.posted
        try:
            work = posting_services.work_update(
                user=request.user, work=work, fields=_fields_of(form, data), post=post,
                site_host=request.get_host(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            drafts.edit_draft_discard(user=request.user, key=key)
            return _after_work_save(request, work, posted_now=post, updated=work.posted)
    return _work_page(request, form, work=work, key=key)


def _pending_version(request, work: Work):
    """The unsaved edit of a posted work, as the preview shows it."""
    draft = drafts.edit_draft_get(user=request.user, key=f"work:{work.pk}")
    if draft is None or draft.updated_at <= work.updated_at:
        return None
    form = WorkForm(drafts.query_dict_of(draft.data), user=request.user, creating=False)
    if not form.is_valid():
        return None
    fields = form.to_fields()
    try:
        return {
            "title": " ".join(fields.title.split()),
            "summary": render_user_text(fields.summary, text_format=fields.summary_format),
            "notes": render_user_text(fields.notes, text_format=fields.notes_format),
            "endnotes": render_user_text(fields.endnotes, text_format=fields.endnotes_format),
            "chapter_title": fields.chapter_title,
            "content": render_user_text(fields.content, text_format=fields.content_format),
            "saved_at": local_time(request.user, draft.updated_at),
        }
    except TextTooComplex:  # the edit form says why when it is saved
        return None


@login_required
def work_preview(request, work_id):
    work = posting_services.work_for_editing(user=request.user, work_id=work_id)
    pending = _pending_version(request, work) if work.posted else None
    first = work.chapters.order_by("position", "pk").first()
    shown = pending or {
        "title": work.title, "summary": work.summary, "notes": work.notes,
        "endnotes": work.endnotes, "chapter_title": first.title if first else "",
        "content": first.content if first else "",
    }
    return render(
        request,
        "works/preview.html",
        {"work": work, "shown": shown, "pending": pending, "main_class": "works-show",
         "tags": work.worktag_set.select_related("tag")},
    )


@require_POST
@keeps_text
def work_post(request, work_id):
    work = posting_services.work_for_editing(user=request.user, work_id=work_id)
    try:
        posting_services.work_post(user=request.user, work=work)
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
        return HttpResponseRedirect(reverse("works:edit", kwargs={"work_id": work.pk}))
    drafts.edit_draft_discard(user=request.user, key=f"work:{work.pk}")
    messages.success(request, "Work was successfully posted.")
    return HttpResponseRedirect(work_url(work))


def _confirm(request, work_id, *, template, action, done):
    work = posting_services.work_for_editing(user=request.user, work_id=work_id)
    if request.method == "POST":
        action(user=request.user, work=work)
        messages.success(request, done.format(title=work.title))
        return HttpResponseRedirect(f"/users/{request.user.username}")
    return render(request, template, {"work": work, "main_class": "works-confirm"})


@login_required
def work_delete(request, work_id):
    return _confirm(
        request, work_id, template="works/confirm_delete.html",
        action=posting_services.work_delete, done="Your work {title} was deleted.",
    )


@login_required
def work_orphan(request, work_id):
    return _confirm(
        request, work_id, template="works/confirm_orphan.html",
        action=creator_services.work_orphan,
        done="Your work {title} was orphaned; it is now credited to orphan_account.",
    )


# --- chapters -------------------------------------------------------------


def _chapter_of(work: Work, chapter_id: int) -> Chapter:
    return get_object_or_404(Chapter, pk=chapter_id, work=work)


def _chapter_page(request, form, *, work, chapter, key, notice=None):
    return render(
        request,
        "works/form_chapter.html",
        {
            "form": form, "work": work, "chapter": chapter, "key": key, "notice": notice,
            "main_class": "chapters-edit" if chapter else "chapters-new",
            "saved_at": int(chapter.updated_at.timestamp() * 1000) if chapter else 0,
            "scheduled": local_time(request.user, chapter.scheduled_for)
            if chapter and chapter.scheduled_for and not chapter.posted else None,
        },
    )


def _after_chapter_save(request, chapter: Chapter, *, new: bool):
    if chapter.scheduled_for and not chapter.posted:
        messages.success(
            request, f"Scheduled for {local_time(request.user, chapter.scheduled_for)}."
        )
    elif chapter.posted:
        messages.success(
            request, "Chapter was successfully posted." if new else "Chapter was updated."
        )
        return HttpResponseRedirect(chapter_url(chapter))
    else:
        messages.success(request, "Chapter saved as a draft.")
    return HttpResponseRedirect(
        reverse("works:chapter_edit", kwargs={"work_id": chapter.work_id,
                                              "chapter_id": chapter.pk})
    )


@keeps_text
def chapter_new(request, work_id):
    work = posting_services.work_for_editing(user=request.user, work_id=work_id)
    key = f"chapter:new:{work.pk}"
    zone = _time_zone(request.user)
    if request.method == "POST":
        keep_posted_fields(request, key)
        form = ChapterForm(request.POST, time_zone=zone)
        if form.is_valid():
            try:
                chapter = chapter_services.chapter_create(
                    user=request.user, work=work, fields=form.to_fields(),
                    post="post_button" in request.POST,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                drafts.edit_draft_discard(user=request.user, key=key)
                return _after_chapter_save(request, chapter, new=True)
        return _chapter_page(request, form, work=work, chapter=None, key=key)
    form = ChapterForm(time_zone=zone)
    form.initial["expected_chapters"] = (
        "?" if work.expected_chapters is None else str(work.expected_chapters)
    )
    notice = restore_into(request, form, key=key)
    return _chapter_page(request, form, work=work, chapter=None, key=key, notice=notice)


@keeps_text
def chapter_edit(request, work_id, chapter_id):
    work = posting_services.work_for_editing(user=request.user, work_id=work_id)
    chapter = _chapter_of(work, chapter_id)
    key = f"chapter:{chapter.pk}"
    zone = _time_zone(request.user)
    if request.method == "POST":
        keep_posted_fields(request, key)
        if chapter.posted and "save_button" in request.POST:
            messages.info(
                request,
                "Your changes are kept as a draft on this form; the posted chapter has not "
                "changed. Press Update when you want readers to see them.",
            )
            return HttpResponseRedirect(request.path)
        form = ChapterForm(request.POST, time_zone=zone)
        if form.is_valid():
            try:
                chapter = chapter_services.chapter_update(
                    user=request.user, chapter=chapter, fields=form.to_fields(),
                    post="post_button" in request.POST,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                drafts.edit_draft_discard(user=request.user, key=key)
                return _after_chapter_save(request, chapter, new=False)
        return _chapter_page(request, form, work=work, chapter=chapter, key=key)
    form = ChapterForm(time_zone=zone)
    form.initial.update(form.initial_of(chapter_services.chapter_fields_of(chapter)))
    notice = restore_into(request, form, key=key, saved_at=chapter.updated_at)
    return _chapter_page(request, form, work=work, chapter=chapter, key=key, notice=notice)


@login_required
def chapter_delete(request, work_id, chapter_id):
    work = posting_services.work_for_editing(user=request.user, work_id=work_id)
    chapter = _chapter_of(work, chapter_id)
    manage = reverse("works:chapters_manage", kwargs={"work_id": work.pk})
    if request.method == "POST":
        try:
            chapter_services.chapter_delete(user=request.user, chapter=chapter)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "The chapter was deleted.")
        return HttpResponseRedirect(manage)
    return render(
        request, "works/confirm_chapter_delete.html",
        {"work": work, "chapter": chapter, "main_class": "chapters-confirm",
         "only_chapter": work.chapters.count() <= 1},
    )


@login_required
def chapters_manage(request, work_id):
    work = posting_services.work_for_editing(user=request.user, work_id=work_id)
    chapters = list(work.chapters.order_by("position", "pk"))
    problems: list[str] = []
    typed: dict[int, str] = {}
    if request.method == "POST":
        positions = {}
        for chapter in chapters:
            raw = request.POST.get(f"position_{chapter.pk}", "").strip()
            typed[chapter.pk] = raw
            number = int(raw) if re.fullmatch(r"[0-9]{1,9}", raw) else None
            if number is None or number < 1:
                problems.append(f"Chapter {chapter.position}: please give a whole number "
                                "from 1 to 999,999,999.")
            else:
                positions[chapter.pk] = number
        if not problems:
            try:
                chapter_services.chapters_reorder(
                    user=request.user, work=work, positions=positions
                )
            except ValidationError as error:
                problems.extend(error.messages)
            else:
                messages.success(request, "Chapter order updated.")
                return HttpResponseRedirect(request.path)
    rows = [
        {
            "chapter": c,
            "typed": typed.get(c.pk, str(c.position)),
            "state": "Posted" if c.posted else (
                f"Scheduled for {local_time(request.user, c.scheduled_for)}"
                if c.scheduled_for else "Draft"
            ),
        }
        for c in chapters
    ]
    return render(
        request, "works/chapters_manage.html",
        {"work": work, "rows": rows, "problems": problems, "main_class": "chapters-manage"},
        status=400 if problems else 200,
    )


# --- series ---------------------------------------------------------------


@login_required
def series_edit(request, series_id):
    series = get_object_or_404(Series, pk=series_id)
    series_services.series_creator_required(user=request.user, series=series)
    if request.method == "POST":
        form = SeriesForm(request.POST)
        if form.is_valid():
            try:
                series_services.series_update(user=request.user, series=series,
                                              **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "Series was successfully updated.")
                try:
                    return HttpResponseRedirect(series.get_absolute_url())
                except NoReverseMatch:
                    return HttpResponseRedirect(f"/series/{series.pk}")
    else:
        form = SeriesForm(initial={"title": series.title, "summary": series.summary,
                                   "notes": series.notes, "complete": series.complete})
    return render(request, "works/series_form.html",
                  {"form": form, "series": series, "main_class": "series-edit"})

