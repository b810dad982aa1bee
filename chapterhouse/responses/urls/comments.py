"""URLs for comments, in AO3's scheme: ``POST /comments`` (and ``/comments.js``)
with ``work_id`` / ``chapter_id`` / ``comment_id``, or the nested forms
``/works/ID/comments``, ``/chapters/ID/comments``, ``/comments/ID/comments``;
``/comments/ID`` shows a thread (and takes ``_method=delete`` / ``put``)."""

from django.urls import path

from ..views import comments

urlpatterns = [
    path("comments", comments.comment_create, name="comments_create"),
    path("comments.js", comments.comment_create, name="comments_create_js"),
    path("works/<int:work_id>/comments", comments.comments_of_work, name="comments_work"),
    path(
        "works/<int:work_id>/comments/unreviewed",
        comments.comments_unreviewed,
        name="comments_unreviewed",
    ),
    path(
        "chapters/<int:chapter_id>/comments", comments.comments_of_chapter,
        name="comments_chapter",
    ),
    path("comments/<int:comment_id>", comments.comment_show, name="comments_show"),
    path(
        "comments/<int:comment_id>/comments", comments.comments_of_comment,
        name="comments_reply",
    ),
    path("comments/<int:comment_id>/edit", comments.comment_edit, name="comments_edit"),
    path("comments/<int:comment_id>/delete", comments.comment_delete, name="comments_delete"),
    path(
        "comments/<int:comment_id>/<slug:action>", comments.comment_action,
        name="comments_action",
    ),
]
