"""Writes for site news: admins post, edit and delete announcements; signed-in
readers comment on them; admins hide comments. See docs/moderation-news.md.

Every admin write here is checked against the admin's permission (the views
check it too, with two-factor log-in) and recorded in the audit log in the
same transaction.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from chapterhouse.web.ratelimit import rate_limit_check, rate_limit_record
from chapterhouse.works.services.sources import text_store
from chapterhouse.works.text import TextFormat, render_user_text, strip_html

from ..audit import audit_record
from ..guards import may_write
from ..models import NewsComment, NewsPost
from ..roles import HANDLE_REPORTS, POST_NEWS, can

TITLE_MAX_LENGTH = 255
CONTENT_MAX_LENGTH = 500_000
#: The formats a news post may be typed in.
POST_FORMATS = (TextFormat.HTML, TextFormat.MARKDOWN)
#: AO3's limit for one comment, in characters.
COMMENT_MAX_LENGTH = 10_000
#: Each user may post this many news comments per window (seconds).
COMMENT_RATE = {"count": 10, "window": 600}
COMMENT_RATE_SCOPE = "news_comment"
RATE_MESSAGE = (
    "You have posted several comments in a short time. Please wait {wait} before "
    "posting again; your comment is below, so nothing is lost."
)
LOGIN_TO_COMMENT = "Please log in to comment."
COMMENTS_CLOSED = "Comments are closed on this news post."


def _post_news_check(actor) -> None:
    if not can(actor, POST_NEWS):
        raise PermissionDenied("Your account may not post site news.")


def _clean_fields(*, title: str, content: str, content_format: str) -> tuple[str, str, str]:
    title = (title or "").strip()
    content = content or ""
    errors = []
    if not title:
        errors.append("Please give the news post a title.")
    elif len(title) > TITLE_MAX_LENGTH:
        errors.append(f"The title can be at most {TITLE_MAX_LENGTH} characters long.")
    if content_format not in POST_FORMATS:
        errors.append("Please choose HTML or Markdown for the text.")
    if len(content) > CONTENT_MAX_LENGTH:
        errors.append(f"The text can be at most {CONTENT_MAX_LENGTH:,} characters long.")
    elif content_format in POST_FORMATS and not strip_html(
        render_user_text(content, text_format=content_format)
    ).strip():
        errors.append("Please write the news post's text.")
    if errors:
        raise ValidationError(errors)
    return title, content, content_format


def _state(post: NewsPost) -> dict:
    return {
        "title": post.title,
        "published": post.published,
        "comments_enabled": post.comments_enabled,
    }


@transaction.atomic
def news_post_create(*, actor, title: str, content: str, content_format: str = TextFormat.HTML,
                     comments_enabled: bool = False, published: bool = True) -> NewsPost:
    """Post a news item. ``content`` is sanitised; what was typed is kept in
    ``sources`` so the edit form gives back the Markdown."""
    _post_news_check(actor)
    title, content, content_format = _clean_fields(
        title=title, content=content, content_format=content_format
    )
    post = NewsPost(title=title, author=actor, comments_enabled=bool(comments_enabled),
                    published=bool(published))
    text_store(post, "content", content, content_format)
    post.save()
    audit_record(actor=actor, action="news.create", target=post, after=_state(post))
    return post


@transaction.atomic
def news_post_update(*, actor, post: NewsPost, title: str, content: str,
                     content_format: str = TextFormat.HTML, comments_enabled: bool = False,
                     published: bool = True) -> NewsPost:
    """Change a news post's title, text and switches."""
    _post_news_check(actor)
    title, content, content_format = _clean_fields(
        title=title, content=content, content_format=content_format
    )
    before = _state(post)
    old_content = post.content
    post.title = title
    post.comments_enabled = bool(comments_enabled)
    post.published = bool(published)
    text_store(post, "content", content, content_format)
    post.save()
    after = {**_state(post), "content_changed": post.content != old_content}
    audit_record(actor=actor, action="news.update", target=post, before=before, after=after)
    return post


@transaction.atomic
def news_post_delete(*, actor, post: NewsPost, reason: str = "") -> None:
    """Delete a news post and its comments for good."""
    _post_news_check(actor)
    audit_record(
        actor=actor, action="news.delete", target=post,
        before={**_state(post), "comments": post.comments.count()}, reason=reason,
    )
    post.delete()


def _clean_comment(content: str) -> str:
    content = content or ""
    if not content.strip():
        raise ValidationError("Please write a comment.")
    if len(content) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            f"Your comment can be at most {COMMENT_MAX_LENGTH:,} characters long "
            f"(it is {len(content):,})."
        )
    clean = render_user_text(content, text_format=TextFormat.HTML)
    if not strip_html(clean).strip():
        raise ValidationError("Please write a comment.")
    return clean


def news_comment_create(*, post: NewsPost, user, content: str) -> NewsComment:
    """A signed-in reader's comment on a published news post that allows them.

    Raises ``PermissionDenied`` (a guest; comments closed; a post she cannot
    see), ``guards.WriteRefused`` (a suspended or banned user), ``RateLimited``
    (too many comments lately) or ``ValidationError`` (empty or too long)."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(LOGIN_TO_COMMENT)
    if not post.published and not can(user, POST_NEWS):
        raise PermissionDenied("There is no such news post.")
    if not post.comments_enabled:
        raise PermissionDenied(COMMENTS_CLOSED)
    may_write(user=user, action="comment")
    clean = _clean_comment(content)
    rate_limit_check(scope=COMMENT_RATE_SCOPE, who=user.pk, message=RATE_MESSAGE,
                     **COMMENT_RATE)
    comment = NewsComment.objects.create(post=post, user=user, content=clean)
    rate_limit_record(scope=COMMENT_RATE_SCOPE, who=user.pk, **COMMENT_RATE)
    return comment


@transaction.atomic
def news_comment_hide(*, actor, comment: NewsComment, hidden: bool = True,
                      reason: str = "") -> NewsComment:
    """Hide a news comment from everyone but admins and its writer (or show it
    again). The audit entry's target is the post; it names the comment."""
    if not can(actor, HANDLE_REPORTS):
        raise PermissionDenied("Your account may not hide comments.")
    before = comment.hidden_by_admin
    if before != hidden:
        comment.hidden_by_admin = hidden
        comment.save(update_fields=["hidden_by_admin"])
    audit_record(
        actor=actor, action="news_comment.hide" if hidden else "news_comment.unhide",
        target=comment.post,
        before={"comment_id": comment.pk, "hidden": before},
        after={"comment_id": comment.pk, "hidden": hidden, "commenter": comment.user.username},
        reason=reason,
    )
    return comment
