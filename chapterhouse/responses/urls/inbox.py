"""URLs for the inbox (AO3's ``/users/NAME/inbox``) and mail unsubscribe links."""

from django.urls import path

from ..views import inbox

urlpatterns: list = [
    path("users/<str:username>/inbox", inbox.inbox, name="inbox"),
    path("users/<str:username>/inbox/update", inbox.inbox_update, name="inbox_update"),
    path("users/<str:username>/inbox/reply", inbox.inbox_reply, name="inbox_reply"),
    path("unsubscribe/<str:token>", inbox.unsubscribe, name="inbox_unsubscribe"),
]
