"""URLs of the admin pages about users, and of a user's "I have read this"
button under a warning; see docs/moderation-users.md."""

from django.urls import path

from ..views import users

urlpatterns = [
    path("moderation/users", users.users_index, name="moderation_users"),
    path("moderation/users/<str:username>", users.user_show, name="moderation_user"),
    path("moderation/users/<str:username>/note", users.user_note, name="moderation_user_note"),
    path("moderation/users/<str:username>/warn", users.user_warn, name="moderation_user_warn"),
    path("moderation/users/<str:username>/suspend", users.user_suspend,
         name="moderation_user_suspend"),
    path("moderation/users/<str:username>/ban", users.user_ban, name="moderation_user_ban"),
    path("moderation/users/<str:username>/spam_ban", users.user_spam_ban,
         name="moderation_user_spam_ban"),
    path("moderation/users/<str:username>/unsuspend", users.user_unsuspend,
         name="moderation_user_unsuspend"),
    path("warnings/<int:sanction_id>/acknowledge", users.warning_acknowledge,
         name="warning_acknowledge"),
]
