"""Collections' URLs, at AO3's addresses (AO3_WIRE "Collections and challenges")."""

from django.urls import path

from . import exchange_views as exchange
from . import page_views as pages
from . import views

app_name = "collections"

urlpatterns = [
    path("collections", views.index, name="index"),
    path("collections/new", views.new, name="new"),
    path("collections/list_challenges", pages.list_challenges, name="list_challenges"),
    path("collections/<str:name>", views.dashboard, name="dashboard"),
    path("collections/<str:name>/profile", views.profile, name="profile"),
    path("collections/<str:name>/edit", views.edit, name="edit"),
    path("collections/<str:name>/participants", views.participants, name="participants"),
    path("collections/<str:name>/works", views.works, name="works"),
    path("collections/<str:name>/works/new", exchange.work_new_for_assignment,
         name="work_new_for_assignment"),
    path(
        "collections/<str:name>/works/<int:work_id>", views.collection_work, name="collection_work"
    ),
    path("collections/<str:name>/collections", views.subcollections, name="subcollections"),
    path("collections/<str:name>/items", views.items, name="items"),
    path("collections/<str:name>/bookmarks", pages.bookmarks, name="bookmarks"),
    path("collections/<str:name>/fandoms", pages.fandoms, name="fandoms"),
    path("collections/<str:name>/people", pages.people, name="people"),
    path("collections/<str:name>/tags", pages.tags, name="tags"),
    path("collections/<str:name>/gifts", pages.gifts, name="gifts"),
    path("collections/<str:name>/header_image", pages.header_image, name="header_image"),
    # Gift exchanges.
    path("collections/<str:name>/gift_exchange", exchange.exchange_settings,
         name="exchange"),
    path("collections/<str:name>/gift_exchange/new", exchange.exchange_settings,
         name="exchange_new"),
    path("collections/<str:name>/gift_exchange/edit", exchange.exchange_settings,
         name="exchange_edit"),
    path("collections/<str:name>/signups", exchange.signups, name="signups"),
    path("collections/<str:name>/signups/new", exchange.signup_new, name="signup_new"),
    path("collections/<str:name>/signups/summary", exchange.signup_summary,
         name="signup_summary"),
    path("collections/<str:name>/signups/<int:signup_id>", exchange.signup_show,
         name="signup"),
    path("collections/<str:name>/signups/<int:signup_id>/edit", exchange.signup_edit,
         name="signup_edit"),
    path("collections/<str:name>/signups/<int:signup_id>/delete", exchange.signup_delete,
         name="signup_delete"),
    path("collections/<str:name>/potential_matches", exchange.potential_matches,
         name="potential_matches"),
    path("collections/<str:name>/potential_matches/generate",
         exchange.potential_matches_generate, name="potential_matches_generate"),
    path("collections/<str:name>/assignments", exchange.assignments, name="assignments"),
    path("collections/<str:name>/assignments/set", exchange.assignments_set,
         name="assignments_set"),
    path("collections/<str:name>/assignments/send_out", exchange.assignments_send_out,
         name="assignments_send_out"),
    path("collections/<str:name>/assignments/<int:assignment_id>", exchange.assignment_show,
         name="assignment"),
    path("collections/<str:name>/assignments/<int:assignment_id>/default",
         exchange.assignment_default, name="assignment_default"),
    path("collections/<str:name>/assignments/<int:assignment_id>/claim",
         exchange.assignment_claim, name="assignment_claim"),
    path("works/<int:work_id>/collections", views.work_collections, name="work_collections"),
    path("works/<int:work_id>/collection_items", views.work_collection_items, name="work_items"),
    path(
        "works/<int:work_id>/collection_items/new",
        views.work_collection_items,
        name="work_items_new",
    ),
    path("users/<str:username>/collections", views.user_collections, name="user_collections"),
    path("users/<str:username>/collection_items", views.user_items, name="user_items"),
    path("users/<str:username>/works/collected", pages.collected, name="collected"),
    path("users/<str:username>/assignments", exchange.user_assignments,
         name="user_assignments"),
    path("users/<str:username>/signups", exchange.user_signups, name="user_signups"),
]

# Prompt memes (collections/prompts/).
from .prompts import views as prompt_views  # noqa: E402

urlpatterns += [
    path(
        "collections/<str:name>/prompt_meme/edit",
        prompt_views.prompt_meme_edit,
        name="prompt_meme_edit",
    ),
    path("collections/<str:name>/prompts", prompt_views.prompts, name="prompts"),
    path("collections/<str:name>/prompts/new", prompt_views.prompt_new, name="prompt_new"),
    path(
        "collections/<str:name>/prompts/<int:prompt_id>",
        prompt_views.prompt_show,
        name="prompt",
    ),
    path(
        "collections/<str:name>/prompts/<int:prompt_id>/edit",
        prompt_views.prompt_edit,
        name="prompt_edit",
    ),
    path(
        "collections/<str:name>/prompts/<int:prompt_id>/delete",
        prompt_views.prompt_delete,
        name="prompt_delete",
    ),
    path("collections/<str:name>/claims", prompt_views.claims, name="claims"),
    path(
        "collections/<str:name>/claims/<int:claim_id>/delete",
        prompt_views.claim_delete,
        name="claim_delete",
    ),
    path("users/<str:username>/claims", prompt_views.user_claims, name="user_claims"),
]

# Owned tag sets.
urlpatterns += [
    path("tag_sets", prompt_views.tag_sets_index, name="tag_sets"),
    path("tag_sets/new", prompt_views.tag_set_new, name="tag_set_new"),
    path("tag_sets/<int:tag_set_id>", prompt_views.tag_set_show, name="tag_set"),
    path(
        "tag_sets/<int:tag_set_id>/nominations/new",
        prompt_views.tag_set_nominate,
        name="tag_set_nominate",
    ),
    path(
        "tag_sets/<int:tag_set_id>/nominations",
        prompt_views.tag_set_nominations,
        name="tag_set_nominations",
    ),
]
