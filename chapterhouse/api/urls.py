"""The API's pages outside /api/v1/ itself: the token settings page."""

from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("users/<str:username>/api_tokens", views.api_tokens, name="tokens"),
    path(
        "users/<str:username>/api_tokens/<int:token_id>/revoke",
        views.api_token_revoke,
        name="token_revoke",
    ),
]
