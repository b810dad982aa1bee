"""Collections' URLs, at AO3's addresses (AO3_WIRE "Collections and challenges")."""

from django.urls import path

from . import views

app_name = "collections"

urlpatterns = [
    path("collections", views.index, name="index"),
    path("collections/new", views.new, name="new"),
    path("collections/<str:name>", views.dashboard, name="dashboard"),
    path("collections/<str:name>/profile", views.profile, name="profile"),
    path("collections/<str:name>/edit", views.edit, name="edit"),
    path("collections/<str:name>/participants", views.participants, name="participants"),
    path("collections/<str:name>/works", views.works, name="works"),
    path(
        "collections/<str:name>/works/<int:work_id>", views.collection_work, name="collection_work"
    ),
    path("collections/<str:name>/collections", views.subcollections, name="subcollections"),
    path("collections/<str:name>/items", views.items, name="items"),
    path("works/<int:work_id>/collections", views.work_collections, name="work_collections"),
    path("works/<int:work_id>/collection_items", views.work_collection_items, name="work_items"),
    path(
        "works/<int:work_id>/collection_items/new",
        views.work_collection_items,
        name="work_items_new",
    ),
    path("users/<str:username>/collections", views.user_collections, name="user_collections"),
    path("users/<str:username>/collection_items", views.user_items, name="user_items"),
]
