"""Comment pages and AO3's comment endpoints. Thin: the rules are in
``services/comments.py`` and ``selectors/comments.py``."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from chapterhouse.web.addresses import client_address
from chapterhouse.web.forms import as_int, posted_next
from chapterhouse.web.login import redirect_to_login
from chapterhouse.web.ratelimit import RateLimited
from chapterhouse.works.models import Chapter, Work
from chapterhouse.works.selectors.visibility import (
    can_view_work,
    chapters_visible_to,
    work_needs_login,
)

from ..forms.comments import CommentForm
from ..models import Comment
from ..selectors import comments as selectors
from ..services import comments as services

POSTED_MARK = selectors.POSTED_MARK

#: What ``POST /comments.js`` answers once the comment is saved. AO3 saves it
#: and then, having no JavaScript view for a new comment, answers 404 with a
#: page; tools written against AO3 (the ``ao3-api`` library) take "404 with a
#: body" as success and anything else as failure, so this endpoint answers the
#: same, with our JSON as the body. ``/comments`` with ``Accept:
#: application/json`` answers 201.
_JS_POSTED = 404


def _wants_json(request) -> bool:
    return (
        request.path.endswith(".js")
        or "application/json" in request.headers.get("Accept", "")
        or request.headers.get("X-Requested-With") == "XMLHttpRequest"
    )


def _client_ip(request) -> str | None:
    return client_address(request)




def _param(request, name: str) -> int | None:
    return as_int(request.POST.get(name) or request.GET.get(name))


class _Target:
    """Where a comment goes: a work, one of its chapters, or a reply."""

    def __init__(self, *, work, chapter=None, parent=None, login_needed=False):
        self.work, self.chapter, self.parent = work, chapter, parent
        #: A guest must log in first (a restricted work).
        self.login_needed = login_needed

    @property
    def key(self) -> str:
        return selectors.stash_key(
            work_id=self.work.pk,
            chapter_id=self.chapter.pk if self.chapter else None,
            parent_id=self.parent.pk if self.parent else None,
        )

    @property
    def action(self) -> str:
        if self.parent is not None:
            return f"/comments/{self.parent.pk}/comments"
        if self.chapter is not None:
            return f"/chapters/{self.chapter.pk}/comments"
        return f"/works/{self.work.pk}/comments"

    @property
    def page_path(self) -> str:
        """Where the reader goes back to (the work or chapter page, or the thread)."""
        if self.parent is not None:
            return f"/comments/{self.parent.pk}?add_comment_reply_id={self.parent.pk}"
        if self.chapter is not None:
            return f"/works/{self.work.pk}/chapters/{self.chapter.pk}?show_comments=true"
        return f"/works/{self.work.pk}?show_comments=true"


def _target(request, *, work_id=None, chapter_id=None, comment_id=None) -> _Target:
    """The target named by the path or by AO3's parameters (``login_needed``
    when a guest must log in to see it); Http404 when it is not there for her."""
    comment_id = comment_id or _param(request, "comment_id")
    chapter_id = chapter_id or _param(request, "chapter_id")
    work_id = work_id or _param(request, "work_id")
    viewer = request.user
    if comment_id:
        parent = selectors.comment_for(viewer=viewer, comment_id=comment_id)
        if parent is None:
            found = Comment.objects.select_related("work", "chapter").filter(pk=comment_id)
            found = found.first()
            if found and work_needs_login(viewer, found.work_id):
                return _Target(work=found.work, chapter=found.chapter, parent=found,
                               login_needed=True)
            raise Http404("No such comment.")
        return _Target(work=parent.work, chapter=parent.chapter, parent=parent)
    if chapter_id:
        chapter = Chapter.objects.select_related("work").filter(pk=chapter_id).first()
        if chapter is None:
            raise Http404("No such chapter.")
        work = chapter.work
        if not can_view_work(viewer, work):
            if work_needs_login(viewer, work.pk):
                return _Target(work=work, chapter=chapter, login_needed=True)
            raise Http404("No such chapter.")
        if not chapters_visible_to(viewer, work).filter(pk=chapter.pk).exists():
            raise Http404("No such chapter.")
        return _Target(work=work, chapter=chapter)
    if work_id:
        work = Work.objects.filter(pk=work_id).first()
        if work is None:
            raise Http404("No such work.")
        if not can_view_work(viewer, work):
            if work_needs_login(viewer, work.pk):
                return _Target(work=work, login_needed=True)
            raise Http404("No such work.")
        return _Target(work=work)
    raise Http404("Which work is this comment for?")


def _stash_and_login(request, *, key: str, values: dict, next_path: str):
    """A signed-out reader's comment is kept in her session while she logs in;
    the form offers it back afterwards."""
    if values.get("content", "").strip():
        request.session[selectors.STASH_PREFIX + key] = {
            "content": values["content"][: services.CONTENT_MAX_LENGTH * 2],
            "pseud_id": values.get("pseud_id"),
        }
        messages.info(
            request,
            "You need to be logged in to post this comment. We kept what you wrote: log in "
            "and it will be waiting in the comment box.",
        )
    return redirect_to_login(next_path)


def _form_page(request, target: _Target, values: dict, *, errors, status: int, retry=None):
    """The comment form drawn again with what she typed and why it failed."""
    user = request.user if request.user.is_authenticated else None
    form = {
        "work_id": target.work.pk,
        "action": target.action,
        "key": target.key,
        "refusal": None,
        "login_needed": False,
        "pseuds": list(user.pseuds.all()) if user else [],
        "signed_in_as": user.username if user else "",
        "content": values.get("content", ""),
        "pseud_id": values.get("pseud_id"),
        "name": values.get("name", ""),
        "email": values.get("email", ""),
        "restored": False,
        "parent_id": target.parent.pk if target.parent else None,
    }
    if status == 403:
        form["refusal"] = errors[0] if errors else "Sorry, you can't comment here."
    response = render(
        request,
        "responses/comment_form.html",
        {
            "main_class": "comments-new",
            "work": target.work,
            "form": form,
            "errors": errors,
            "retry": retry,
            "back": target.page_path,
            "status": status,
        },
        status=status,
    )
    if retry is not None:
        response["Retry-After"] = str(retry)
    return response


def _landing(comment: Comment) -> str:
    """The work page, on the page of threads that holds ``comment``."""
    work = comment.work
    tops = Comment.objects.filter(work=work, depth=0, created_at__lt=comment.thread.created_at)
    if comment.chapter_id:
        path = f"/works/{work.pk}/chapters/{comment.chapter_id}?show_comments=true"
        tops = tops.filter(chapter_id=comment.chapter_id)
    elif work.posted_chapter_count > 1:
        path = f"/works/{work.pk}?view_full_work=true&show_comments=true"
    else:
        path = f"/works/{work.pk}?show_comments=true"
    page = tops.count() // selectors.THREADS_PER_PAGE + 1
    if page > 1:
        path += f"&page={page}"
    return f"{path}#comment_{comment.pk}"


@require_POST
def comment_create(request, work_id=None, chapter_id=None, comment_id=None):
    """``POST /comments`` (``.js``), ``/works/ID/comments``, ``/chapters/ID/comments``
    and ``/comments/ID/comments`` (a reply)."""
    values = CommentForm(request.POST).values()
    as_json = _wants_json(request)
    target = _target(request, work_id=work_id, chapter_id=chapter_id, comment_id=comment_id)
    signed_out = not request.user.is_authenticated
    if target.login_needed:  # a restricted work: only after logging in
        if as_json:
            return JsonResponse({"errors": ["Please log in to comment."]}, status=403)
        return _stash_and_login(request, key=target.key, values=values,
                                next_path=target.page_path)
    if signed_out and request.POST.get("signed_in_as"):
        # Her session ended while she wrote: keep the text, send her to log in.
        if as_json:
            return JsonResponse({"errors": ["Your session has ended; please log in."]},
                                status=403)
        return _stash_and_login(request, key=target.key, values=values,
                                next_path=target.page_path)
    try:
        comment = services.comment_create(
            work=target.work,
            viewer=request.user,
            content=values["content"],
            pseud=values["pseud_id"],
            chapter=target.chapter,
            parent=target.parent,
            guest_name=values["name"],
            guest_email=values["email"],
            guest_ip=_client_ip(request),
            honeypot=values["honeypot"],
        )
    except RateLimited as limited:
        if as_json:
            response = JsonResponse(
                {"errors": limited.messages, "retry_after": limited.retry_after}, status=429
            )
            response["Retry-After"] = str(limited.retry_after)
            return response
        return _form_page(request, target, values, errors=limited.messages, status=429,
                          retry=limited.retry_after)
    except PermissionDenied as refused:
        message = str(refused)
        login_helps = message in (selectors.REFUSE_GUESTS, selectors.REFUSE_RESTRICTED)
        if signed_out and login_helps and not as_json:
            return _stash_and_login(request, key=target.key, values=values,
                                    next_path=target.page_path)
        if as_json:
            return JsonResponse({"errors": [message]}, status=403)
        return _form_page(request, target, values, errors=[message], status=403)
    except ValidationError as invalid:
        if as_json:
            return JsonResponse({"errors": invalid.messages}, status=422)
        return _form_page(request, target, values, errors=invalid.messages, status=422)
    landing = _landing(comment)
    if as_json:
        return JsonResponse(
            {"id": comment.pk, "url": landing, "approved": comment.approved},
            status=_JS_POSTED if request.path.endswith(".js") else 201,
        )
    request.session[POSTED_MARK] = target.key
    if comment.approved:
        messages.success(request, "Comment created!")
    else:
        messages.success(
            request,
            "Your comment was received. It will appear once the work's creator approves it.",
        )
    return HttpResponseRedirect(landing)


def comments_of_work(request, work_id: int):
    """``/works/ID/comments``: GET shows the work's comments; POST posts one."""
    if request.method == "POST":
        return comment_create(request, work_id=work_id)
    return HttpResponseRedirect(f"/works/{work_id}?show_comments=true#comments")


def comments_of_chapter(request, chapter_id: int):
    if request.method == "POST":
        return comment_create(request, chapter_id=chapter_id)
    return HttpResponseRedirect(f"/chapters/{chapter_id}?show_comments=true#comments")


def comments_of_comment(request, comment_id: int):
    if request.method == "POST":
        return comment_create(request, comment_id=comment_id)
    return HttpResponseRedirect(f"/comments/{comment_id}")


def _comment_or_404(request, comment_id: int) -> Comment:
    comment = selectors.comment_for(viewer=request.user, comment_id=comment_id)
    if comment is None:
        raise Http404("No such comment.")
    return comment




def _work_comments_path(comment: Comment) -> str:
    if comment.chapter_id:
        return f"/works/{comment.work_id}/chapters/{comment.chapter_id}?show_comments=true"
    return f"/works/{comment.work_id}?show_comments=true"


@require_http_methods(["GET", "POST"])
def comment_show(request, comment_id: int):
    """``GET /comments/ID``: one comment and its replies. AO3's forms also POST
    here with ``_method=delete`` (delete) or ``_method=put`` (edit)."""
    if request.method == "POST":
        method = (request.POST.get("_method") or "").lower()
        if method == "delete":
            return comment_delete(request, comment_id)
        if method in ("put", "patch"):
            return comment_edit(request, comment_id)
        return comment_create(request, comment_id=comment_id)
    reply = as_int(request.GET.get("add_comment_reply_id")) == comment_id
    found = selectors.comment_thread(request=request, comment_id=comment_id, reply=reply)
    if found is None:
        work_id = Comment.objects.filter(pk=comment_id).values_list("work_id", flat=True)
        if work_id and work_needs_login(request.user, work_id[0]):
            return redirect_to_login(request.get_full_path())
        raise Http404("No such comment.")
    posted = request.session.pop(POSTED_MARK, None)
    return render(
        request,
        "responses/comment_show.html",
        {"main_class": "comments-show", "posted_key": posted, **found},
    )


@require_http_methods(["GET", "POST"])
def comment_edit(request, comment_id: int):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    comment = _comment_or_404(request, comment_id)
    content = comment.content
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        content = CommentForm(request.POST).values()["content"]
        try:
            services.comment_edit(comment=comment, viewer=request.user, content=content)
        except ValidationError as invalid:
            errors, status = invalid.messages, 422
        else:
            request.session[POSTED_MARK] = f"comment:edit:{comment.pk}"
            messages.success(request, "Comment was successfully updated.")
            return HttpResponseRedirect(_landing(comment))
    elif comment.user_id != request.user.pk:
        raise PermissionDenied("Only the person who wrote this comment can edit it.")
    return render(
        request,
        "responses/comment_edit.html",
        {"main_class": "comments-edit", "comment": comment, "work": comment.work,
         "content": content, "errors": errors},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def comment_delete(request, comment_id: int):
    """GET: are you sure? POST (or ``_method=delete``): delete."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    comment = _comment_or_404(request, comment_id)
    if request.method == "POST":
        back = _work_comments_path(comment) + "#comments"
        services.comment_delete(comment=comment, viewer=request.user)
        messages.success(request, "Comment deleted.")
        return HttpResponseRedirect(back)
    if not (comment.user_id == request.user.pk
            or selectors.can_moderate(request.user, comment.work)):
        raise PermissionDenied("You can't delete this comment.")
    return render(
        request,
        "responses/comment_delete.html",
        {"main_class": "comments-delete", "comment": comment, "work": comment.work},
    )


_ACTIONS = {
    "freeze": (services.comment_freeze, "Comment thread successfully frozen!"),
    "unfreeze": (services.comment_unfreeze, "Comment thread successfully unfrozen!"),
    "hide": (services.comment_hide, "Comment successfully hidden!"),
    "unhide": (services.comment_unhide, "Comment successfully unhidden!"),
    "approve": (services.comment_approve, "Comment approved."),
    "reject": (services.comment_reject, "Comment rejected and removed."),
}


@require_POST
def comment_action(request, comment_id: int, action: str):
    """``POST /comments/ID/freeze`` (unfreeze, hide, unhide, approve, reject)."""
    if action not in _ACTIONS:
        raise Http404("No such action.")
    if not request.user.is_authenticated:
        return redirect_to_login(f"/comments/{comment_id}")
    comment = _comment_or_404(request, comment_id)
    do, done = _ACTIONS[action]
    back = posted_next(request, _work_comments_path(comment) + f"#comment_{comment.pk}")
    try:
        do(comment=comment, viewer=request.user)
    except ValidationError as invalid:
        messages.error(request, " ".join(invalid.messages))
    else:
        messages.success(request, done)
    return HttpResponseRedirect(back)


def comments_unreviewed(request, work_id: int):
    """``/works/ID/comments/unreviewed``: the moderation queue, for creators."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    found = selectors.comments_unreviewed(viewer=request.user, work_id=work_id)
    if found is None:
        if Work.objects.filter(pk=work_id).exists() and can_view_work(
            request.user, Work(pk=work_id)
        ):
            raise PermissionDenied("Only the work's creators can review its comments.")
        raise Http404("No such work.")
    return render(
        request,
        "responses/comment_unreviewed.html",
        {"main_class": "comments-unreviewed", **found},
    )


__all__ = ["comment_create", "comment_show", "comment_edit", "comment_delete",
           "comment_action", "comments_unreviewed"]


_KEPT_PATHS = (
    (re.compile(r"^/works/(\d+)/comments$"), "work_id", "/works/{}"),
    (re.compile(r"^/chapters/(\d+)/comments$"), "chapter_id", "/chapters/{}"),
    (
        re.compile(r"^/comments/(\d+)/comments$"), "parent_id",
        "/comments/{0}?add_comment_reply_id={0}",
    ),
)


def comment_kept_after_csrf_failure(request):
    """Called by the site's CSRF failure view for a comment post from our own
    page that failed the check (a page open too long, a lost cookie): keep the
    text for the form and send her back to it. None when it isn't a comment."""
    for pattern, kind, back in _KEPT_PATHS:
        match = pattern.match(request.path_info)
        if match is None:
            continue
        content = request.POST.get("comment[comment_content]", "")
        if not content.strip():
            return None
        key = selectors.stash_key(**{kind: int(match.group(1))})
        request.session[selectors.STASH_PREFIX + key] = {
            "content": content[: services.CONTENT_MAX_LENGTH * 2],
            "pseud_id": as_int(request.POST.get("comment[pseud_id]", "")),
        }
        messages.warning(
            request,
            "We couldn't check that your comment came from this page (it may have been open "
            "a long time), so it was not posted. Your text is waiting in the comment box: "
            "check it and post it again.",
        )
        return HttpResponseRedirect(back.format(match.group(1)))
    return None

