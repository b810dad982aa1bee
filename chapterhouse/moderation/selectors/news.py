"""Reads for site news: what the public list, a post's page, the front page
and the Atom feed show, already filtered by who may see it.

Unpublished posts are seen only by admins who may post news. Comments hidden
by an admin are seen only by admins who handle reports and by the comment's
writer. See docs/moderation-news.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils.feedgenerator import Atom1Feed

from chapterhouse.works.selectors.listing import Page, paginate
from chapterhouse.works.text import strip_html, xml_text

from ..models import NewsComment, NewsPost
from ..roles import HANDLE_REPORTS, POST_NEWS, can

PER_PAGE = 10
FRONT_SIZE = 3
FEED_SIZE = 20
FIRST_PARAGRAPH_MAX = 400


def news_path(post: NewsPost) -> str:
    return f"/admin_posts/{post.pk}"


def may_manage_news(viewer) -> bool:
    return can(viewer, POST_NEWS)


def may_hide_news_comments(viewer) -> bool:
    return can(viewer, HANDLE_REPORTS)


def news_posts_visible_to(viewer) -> QuerySet[NewsPost]:
    """Published posts, newest first; admins who post news see every post."""
    posts = NewsPost.objects.all()
    if not may_manage_news(viewer):
        posts = posts.filter(published=True)
    return posts.order_by("-created_at", "-pk")


def _comments_visible_filter(viewer, prefix: str = "") -> Q:
    """Which comments ``viewer`` sees; ``prefix`` reaches them from a post."""
    if may_hide_news_comments(viewer):
        return Q()
    shown = Q(**{f"{prefix}hidden_by_admin": False})
    if getattr(viewer, "is_authenticated", False):
        return shown | Q(**{f"{prefix}user_id": viewer.pk})
    return shown


def news_page(*, viewer, page=1) -> Page:
    """One page of the news list, each post with ``comment_count`` (what the
    viewer would see of its comments)."""
    posts = news_posts_visible_to(viewer).annotate(
        comment_count=Count(
            "comments", filter=_comments_visible_filter(viewer, "comments__") or None,
            distinct=True,
        )
    )
    return paginate(posts, page, per_page=PER_PAGE)


def news_post_for(*, viewer, post_id: int) -> NewsPost | None:
    """The post, if ``viewer`` may read it."""
    return news_posts_visible_to(viewer).select_related("author").filter(pk=post_id).first()


def news_comments_for(*, viewer, post: NewsPost) -> list[NewsComment]:
    """The post's comments ``viewer`` may see, oldest first (none while
    comments are switched off)."""
    if not post.comments_enabled:
        return []
    return list(
        post.comments.filter(_comments_visible_filter(viewer)).select_related("user")
        .order_by("created_at", "pk")
    )


def first_paragraph(html: str, *, limit: int = FIRST_PARAGRAPH_MAX) -> str:
    """The first paragraph of sanitised HTML as plain text, cut at a word
    near ``limit`` characters."""
    for paragraph in strip_html(html).split("\n\n"):
        text = " ".join(paragraph.split())
        if text:
            if len(text) <= limit:
                return text
            cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
            return cut.rstrip(",;:.") + "…"
    return ""


def news_front(limit: int = FRONT_SIZE) -> list[dict]:
    """The newest published posts for the front page: title, date, first
    paragraph and address. Everyone sees the same (published only)."""
    posts = NewsPost.objects.filter(published=True).order_by("-created_at", "-pk")[:limit]
    return [
        {
            "title": post.title,
            "created_at": post.created_at,
            "summary": first_paragraph(post.content),
            "url": news_path(post),
        }
        for post in posts
    ]


def news_feed(*, base_url: str) -> str:
    """Atom: the 20 newest published posts (a feed is public: never the
    unpublished ones, whoever asks)."""
    feed_url = f"{base_url}/admin_posts/feed.atom"
    subtitle = f"Announcements from the {settings.SITE_NAME} team."
    feed = Atom1Feed(
        title=xml_text(f"{settings.SITE_NAME} news"),
        link=f"{base_url}/admin_posts",
        description=xml_text(subtitle),
        subtitle=xml_text(subtitle),
        feed_url=feed_url,
        feed_guid=feed_url,
        author_name=xml_text(settings.SITE_NAME),
        language="en",
    )
    posts = NewsPost.objects.filter(published=True).order_by("-created_at", "-pk")[:FEED_SIZE]
    for post in posts:
        address = base_url + news_path(post)
        feed.add_item(
            title=xml_text(post.title),
            link=address,
            unique_id=address,
            description=xml_text(post.content),
            pubdate=post.created_at,
            updateddate=post.updated_at,
        )
    return feed.writeString("utf-8")


#: For web/jinja.py: ``news_front()`` in the front page's news hook.
JINJA_GLOBALS = {"news_front": news_front}
