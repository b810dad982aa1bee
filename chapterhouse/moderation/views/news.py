"""Site news pages: the public list, a post with its comments, the Atom feed,
and the admin pages to write, edit and delete posts and hide comments.
See docs/moderation-news.md."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chapterhouse.web.ratelimit import RateLimited
from chapterhouse.works.services.sources import text_source
from chapterhouse.works.text import TextFormat

from ..access import admin_required
from ..guards import WriteRefused
from ..models import NewsComment, NewsPost
from ..roles import HANDLE_REPORTS, POST_NEWS
from ..selectors import news as selectors
from ..services import news as services

ATOM = "application/atom+xml; charset=utf-8"
FORMAT_CHOICES = [(value, label) for value, label in TextFormat.choices
                  if value in services.POST_FORMATS]


def _post_or_404(request, post_id: int) -> NewsPost:
    post = selectors.news_post_for(viewer=request.user, post_id=post_id)
    if post is None:
        raise Http404("We couldn't find that news post.")
    return post


# Public pages ------------------------------------------------------------------------------


@require_GET
def news_list(request):
    """``/admin_posts``: the news, newest first, ten a page."""
    return render(request, "moderation/news_list.html", {
        "main_class": "admin_posts-index",
        "pages": selectors.news_page(viewer=request.user, page=request.GET.get("page")),
        "may_manage": selectors.may_manage_news(request.user),
    })


def _show(request, post: NewsPost, *, comment_text: str = "", errors=(), status: int = 200,
          retry: int | None = None):
    response = render(request, "moderation/news_show.html", {
        "main_class": "admin_posts-show",
        "post": post,
        "comments": selectors.news_comments_for(viewer=request.user, post=post),
        "may_manage": selectors.may_manage_news(request.user),
        "may_hide": selectors.may_hide_news_comments(request.user),
        "comment_text": comment_text,
        "comment_max": services.COMMENT_MAX_LENGTH,
        "errors": list(errors),
        "retry": retry,
        "status": status,
    }, status=status)
    if retry is not None:
        response["Retry-After"] = str(retry)
    return response


@require_GET
def news_show(request, post_id: int):
    """``/admin_posts/ID``: one post, its comments, and the comment form."""
    return _show(request, _post_or_404(request, post_id))


@require_POST
def news_comment_create(request, post_id: int):
    """``POST /admin_posts/ID/comments``: a signed-in reader's comment."""
    post = _post_or_404(request, post_id)
    text = request.POST.get("comment[comment_content]", "")
    try:
        comment = services.news_comment_create(post=post, user=request.user, content=text)
    except RateLimited as limited:
        return _show(request, post, comment_text=text, errors=limited.messages, status=429,
                     retry=limited.retry_after)
    except WriteRefused as refused:
        return _show(request, post, comment_text=text, errors=refused.messages, status=403)
    except PermissionDenied as refused:
        return _show(request, post, comment_text=text, errors=[str(refused)], status=403)
    except ValidationError as invalid:
        return _show(request, post, comment_text=text, errors=invalid.messages, status=422)
    messages.success(request, "Comment created!")
    return HttpResponseRedirect(f"{selectors.news_path(post)}#comment_{comment.pk}")


@require_GET
def news_feed(request):
    """``/admin_posts/feed.atom``: the 20 newest published posts."""
    base_url = request.build_absolute_uri("/").rstrip("/")
    response = HttpResponse(selectors.news_feed(base_url=base_url), content_type=ATOM)
    response["Cache-Control"] = "public, max-age=300"
    return response


# Admin pages -------------------------------------------------------------------------------


@admin_required(POST_NEWS)
@require_GET
def admin_news_list(request):
    """``/moderation/news``: every post, published or not, with its links."""
    return render(request, "moderation/news_admin_list.html", {
        "main_class": "admin admin_posts-manage",
        "pages": selectors.news_page(viewer=request.user, page=request.GET.get("page")),
    })


def _form_values(request) -> dict:
    data = request.POST
    return {
        "title": data.get("admin_post[title]", ""),
        "content": data.get("admin_post[content]", ""),
        "content_format": data.get("admin_post[content_format]", TextFormat.HTML),
        "comments_enabled": bool(data.get("admin_post[comments_enabled]")),
        "published": bool(data.get("admin_post[published]")),
    }


def _form(request, *, post: NewsPost | None, values: dict, errors=(), status: int = 200):
    return render(request, "moderation/news_form.html", {
        "main_class": "admin admin_posts-" + ("edit" if post else "new"),
        "post": post,
        "values": values,
        "formats": FORMAT_CHOICES,
        "errors": list(errors),
    }, status=status)


@admin_required(POST_NEWS)
@require_http_methods(["GET", "POST"])
def admin_news_new(request):
    """``/moderation/news/new``: write a post."""
    if request.method == "GET":
        values = {"title": "", "content": "", "content_format": TextFormat.HTML,
                  "comments_enabled": True, "published": True}
        return _form(request, post=None, values=values)
    values = _form_values(request)
    try:
        post = services.news_post_create(actor=request.user, **values)
    except ValidationError as invalid:
        return _form(request, post=None, values=values, errors=invalid.messages, status=422)
    messages.success(request, "News post created." if post.published
                     else "News post saved; it is not published yet.")
    return HttpResponseRedirect(selectors.news_path(post))


@admin_required(POST_NEWS)
@require_http_methods(["GET", "POST"])
def admin_news_edit(request, post_id: int):
    """``/moderation/news/ID/edit``: change a post."""
    post = get_object_or_404(NewsPost, pk=post_id)
    if request.method == "GET":
        text, text_format = text_source(post, "content")
        values = {"title": post.title, "content": text, "content_format": text_format,
                  "comments_enabled": post.comments_enabled, "published": post.published}
        return _form(request, post=post, values=values)
    values = _form_values(request)
    try:
        services.news_post_update(actor=request.user, post=post, **values)
    except ValidationError as invalid:
        post.refresh_from_db()
        return _form(request, post=post, values=values, errors=invalid.messages, status=422)
    messages.success(request, "News post updated.")
    return HttpResponseRedirect(selectors.news_path(post))


@admin_required(POST_NEWS)
@require_http_methods(["GET", "POST"])
def admin_news_delete(request, post_id: int):
    """``/moderation/news/ID/delete``: ask, then delete."""
    post = get_object_or_404(NewsPost, pk=post_id)
    if request.method == "GET":
        return render(request, "moderation/news_confirm_delete.html", {
            "main_class": "admin admin_posts-delete",
            "post": post,
            "comment_count": post.comments.count(),
        })
    title = post.title
    services.news_post_delete(actor=request.user, post=post,
                              reason=request.POST.get("reason", "").strip())
    messages.success(request, f"The news post \u201c{title}\u201d was deleted.")
    return HttpResponseRedirect("/moderation/news")


def _comment_hide(request, comment_id: int, *, hidden: bool):
    comment = get_object_or_404(NewsComment.objects.select_related("post", "user"),
                                pk=comment_id)
    services.news_comment_hide(actor=request.user, comment=comment, hidden=hidden,
                               reason=request.POST.get("reason", "").strip())
    messages.success(request, "Comment hidden." if hidden else "Comment shown again.")
    return HttpResponseRedirect(f"{selectors.news_path(comment.post)}#comment_{comment.pk}")


@admin_required(HANDLE_REPORTS)
@require_POST
def admin_news_comment_hide(request, comment_id: int):
    """``POST /moderation/news/comments/ID/hide``."""
    return _comment_hide(request, comment_id, hidden=True)


@admin_required(HANDLE_REPORTS)
@require_POST
def admin_news_comment_unhide(request, comment_id: int):
    """``POST /moderation/news/comments/ID/unhide``."""
    return _comment_hide(request, comment_id, hidden=False)
