from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("theme", views.theme_set, name="theme"),
    path("users/<str:username>", views.user_dashboard, name="user"),
    path("users/<str:username>/profile", views.profile, name="profile"),
    path("users/<str:username>/profile/edit", views.profile_edit, name="profile_edit"),
    path("users/<str:username>/preferences", views.preferences, name="preferences"),
    path("users/<str:username>/change_username", views.change_username, name="change_username"),
    path("users/<str:username>/delete", views.account_delete, name="delete"),
    path("users/<str:username>/pseuds", views.pseud_list, name="pseuds"),
    path("users/<str:username>/pseuds/new", views.pseud_new, name="pseud_new"),
    path("users/<str:username>/pseuds/<str:pseud>", views.pseud_show, name="pseud"),
    path("users/<str:username>/pseuds/<str:pseud>/edit", views.pseud_edit, name="pseud_edit"),
    path(
        "users/<str:username>/pseuds/<str:pseud>/default",
        views.pseud_make_default,
        name="pseud_default",
    ),
    path(
        "users/<str:username>/pseuds/<str:pseud>/delete", views.pseud_delete, name="pseud_delete"
    ),
    path("users/<str:username>/blocked/users", views.blocked_users, name="blocked_users"),
    path(
        "users/<str:username>/blocked/users/confirm_block",
        views.block_confirm,
        name="block_confirm",
    ),
    path(
        "users/<str:username>/blocked/users/<int:block_id>/confirm_unblock",
        views.unblock_confirm,
        name="unblock_confirm",
    ),
    path(
        "users/<str:username>/blocked/users/<int:block_id>",
        views.block_delete,
        name="block_delete",
    ),
]
