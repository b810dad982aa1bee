"""URLs for subscriptions (AO3's: POST /users/NAME/subscriptions, and
POST with ``_method=delete`` to /users/NAME/subscriptions/ID)."""

from django.urls import path

from ..views import subscriptions as views

urlpatterns: list = [
    path("users/<str:username>/subscriptions", views.subscriptions, name="subscriptions"),
    path(
        "users/<str:username>/subscriptions/<int:subscription_id>",
        views.subscription_delete,
        name="subscription_delete",
    ),
]
