"""URLs of site news: the public pages at AO3's addresses (/admin_posts…) and
the admin pages under /moderation/news. See docs/moderation-news.md."""

from django.urls import path

from ..views import news as views

urlpatterns = [
    path("admin_posts", views.news_list, name="news_list"),
    path("admin_posts/feed.atom", views.news_feed, name="news_feed"),
    path("admin_posts/<int:post_id>", views.news_show, name="news_show"),
    path("admin_posts/<int:post_id>/comments", views.news_comment_create,
         name="news_comment_create"),
    path("moderation/news", views.admin_news_list, name="news_admin_list"),
    path("moderation/news/new", views.admin_news_new, name="news_admin_new"),
    path("moderation/news/<int:post_id>/edit", views.admin_news_edit, name="news_admin_edit"),
    path("moderation/news/<int:post_id>/delete", views.admin_news_delete,
         name="news_admin_delete"),
    path("moderation/news/comments/<int:comment_id>/hide", views.admin_news_comment_hide,
         name="news_admin_comment_hide"),
    path("moderation/news/comments/<int:comment_id>/unhide", views.admin_news_comment_unhide,
         name="news_admin_comment_unhide"),
]
