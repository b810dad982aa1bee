"""A reader's own discovery pages: her mutes, saved filters and follows, the
buttons that change them, and the Atom feeds. Thin views over ``services``
and ``feeds``.

The pages under ``/users/NAME/`` open for their owner alone (a guest is sent
to log in; anyone else gets 403). The POST endpoints act for the reader
signed in and go back to ``next`` (a page of this site) when they are given
one. A mistake is shown beside the field on the page the reader typed it on,
with what she typed; a saved filter's name that could not be saved is kept
in the session until the listing's save form shows it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from chapterhouse.accounts.models import User
from chapterhouse.accounts.selectors import user_by_name
from chapterhouse.accounts.views import owner_required
from chapterhouse.tags.models import Tag, TagType
from chapterhouse.tags.page_selectors import tag_path, tag_visible
from chapterhouse.tags.selectors import tag_named
from chapterhouse.web.forms import as_int, posted_next
from chapterhouse.web.login import login_required
from chapterhouse.works.selectors.visibility import (
    tag_is_visible,
    tags_visible_to,
    works_visible_to,
)

from . import feeds, services
from .models import FilterNotification, FilterSubscription, SavedFilter, TagMute, UserMute
from .mutes import mutes_of

#: Where a saved filter's name waits when saving it failed (see the module docstring).
TYPED_NAME_KEY = "discovery.saved_filter_name"
NOTIFICATIONS_SHOWN = 20
ATOM = "application/atom+xml; charset=utf-8"


class UserMuteForm(forms.Form):
    username = forms.CharField(label="User name", max_length=150)


class TagMuteForm(forms.Form):
    tag = forms.CharField(label="Tag", max_length=150)




def _first_message(error: ValidationError) -> str:
    return " ".join(error.messages)






# Mutes --------------------------------------------------------------------------------


def _muted_page(request, user, *, user_form=None, tag_form=None):
    return render(
        request,
        "discovery/reader/muted.html",
        {
            "main_class": "mutes-index",
            "person": user,
            "user_mutes": list(
                UserMute.objects.filter(user=user).select_related("muted")
                .order_by(Lower("muted__username"))
            ),
            "tag_mutes": list(
                TagMute.objects.filter(user=user).select_related("tag")
                .order_by(Lower("tag__name"))
            ),
            "user_form": user_form or UserMuteForm(),
            "tag_form": tag_form or TagMuteForm(),
            "tag_path": tag_path,
        },
    )


@require_GET
@owner_required
def muted(request, user):
    return _muted_page(request, user)


def _muted_url(user) -> str:
    return f"/users/{user.username}/muted"


@require_POST
@login_required
def user_mute(request):
    form = UserMuteForm(request.POST)
    if form.is_valid():
        target = user_by_name(form.cleaned_data["username"].strip())
        try:
            services.user_mute(user=request.user, muted=target)
        except ValidationError as error:
            form.add_error("username", _first_message(error))
        else:
            messages.success(
                request,
                f"You have muted {target.username}. Their works won't appear in your "
                "listings and searches.",
            )
            return HttpResponseRedirect(posted_next(request, _muted_url(request.user)))
    return _muted_page(request, request.user, user_form=form)


@require_POST
@login_required
def user_unmute(request):
    muted_user = User.objects.filter(pk=as_int(request.POST.get("user_id"))).first()
    if muted_user is None:
        messages.error(request, "There is no such user to unmute.")
    elif services.user_unmute(user=request.user, muted=muted_user):
        messages.success(request, f"You have unmuted {muted_user.username}.")
    else:
        messages.info(request, f"You hadn't muted {muted_user.username}.")
    return HttpResponseRedirect(posted_next(request, _muted_url(request.user)))


@require_POST
@login_required
def tag_mute(request):
    form = TagMuteForm(request.POST)
    tag_id = as_int(request.POST.get("tag_id"))
    if tag_id is not None:  # a button beside a tag
        tag = tags_visible_to(request.user, Tag.objects.filter(pk=tag_id)).first()
        form = TagMuteForm({"tag": tag.name if tag else ""})
    if form.is_valid():
        # A tag she may not know of answers as one nobody has used.
        tag = tag_named(form.cleaned_data["tag"])
        if tag is not None and not tag_is_visible(request.user, tag):
            tag = None
        try:
            mute = services.tag_mute(user=request.user, tag=tag)
        except ValidationError as error:
            form.add_error("tag", _first_message(error))
        else:
            messages.success(
                request,
                f"You have muted {mute.tag.name}. Works listed under it won't appear in "
                "your listings and searches.",
            )
            return HttpResponseRedirect(posted_next(request, _muted_url(request.user)))
    return _muted_page(request, request.user, tag_form=form)


@require_POST
@login_required
def tag_unmute(request):
    tag = Tag.objects.filter(pk=as_int(request.POST.get("tag_id"))).first()
    if tag is None:
        messages.error(request, "There is no such tag to unmute.")
    elif services.tag_unmute(user=request.user, tag=tag):
        messages.success(request, f"You have unmuted {tag.name}.")
    else:
        messages.info(request, f"You hadn't muted {tag.name}.")
    return HttpResponseRedirect(posted_next(request, _muted_url(request.user)))


# Saved filters ------------------------------------------------------------------------------


@dataclass
class SavedFilterRow:
    saved_filter: SavedFilter
    following: bool
    feed_path: str

    @property
    def run_path(self) -> str:
        return f"/works?{self.saved_filter.query}"


@require_GET
@owner_required
def saved_filters(request, user):
    following = set(
        FilterSubscription.objects.filter(user=user, saved_filter__isnull=False).values_list(
            "saved_filter_id", flat=True
        )
    )
    rows = [
        SavedFilterRow(
            saved_filter=each,
            following=each.pk in following,
            feed_path=feeds.saved_filter_feed_path(each),
        )
        for each in SavedFilter.objects.filter(user=user).order_by(Lower("name"), "pk")
    ]
    return render(
        request,
        "discovery/reader/saved_filters.html",
        {
            "main_class": "saved-filters-index",
            "person": user,
            "rows": rows,
            "most": services.SAVED_FILTERS_MAX,
        },
    )


@require_POST
@login_required
def saved_filter_create(request):
    name = request.POST.get("name", "")
    query = request.POST.get("query", "")
    listing = "/works?" + services.saved_filter_query_clean(query)
    back = posted_next(request, listing)
    try:
        saved = services.saved_filter_create(user=request.user, name=name, query=query)
    except ValidationError as error:
        request.session[TYPED_NAME_KEY] = name[:200]
        for problem in error.messages:
            messages.error(request, f"Your filter wasn't saved: {problem}")
        return HttpResponseRedirect(back)
    request.session.pop(TYPED_NAME_KEY, None)
    messages.success(
        request,
        f"Saved your filter \u201c{saved.name}\u201d. You'll find it on your Saved "
        "Filters page, where you can also follow it.",
    )
    return HttpResponseRedirect(back)


@require_POST
@login_required
def saved_filter_delete(request, filter_id: int):
    saved = get_object_or_404(SavedFilter, pk=filter_id)
    services.saved_filter_delete(user=request.user, saved_filter=saved)
    messages.success(request, f"Deleted your saved filter \u201c{saved.name}\u201d.")
    return HttpResponseRedirect(
        posted_next(request, f"/users/{request.user.username}/saved_filters")
    )


# Follows --------------------------------------------------------------------------------------


@require_GET
@owner_required
def filter_subscriptions(request, user):
    follows = list(
        FilterSubscription.objects.filter(user=user)
        .select_related("tag", "saved_filter")
        .order_by("-created_at", "-pk")
    )
    visible = works_visible_to(user).filter(posted=True)
    notifications = list(
        FilterNotification.objects.filter(user=user, work__in=visible)
        .select_related("work", "subscription__tag", "subscription__saved_filter")
        .order_by("-pk")[:NOTIFICATIONS_SHOWN]
    )
    return render(
        request,
        "discovery/reader/filter_subscriptions.html",
        {
            "main_class": "filter-subscriptions-index",
            "person": user,
            "tag_follows": [f for f in follows if f.tag_id],
            "filter_follows": [f for f in follows if f.saved_filter_id],
            "notifications": notifications,
            "tag_path": tag_path,
        },
    )


def _follow_target(request) -> dict:
    """The tag or saved filter named by ``tag_id`` / ``saved_filter_id``."""
    tag_id = as_int(request.POST.get("tag_id"))
    filter_id = as_int(request.POST.get("saved_filter_id"))
    if tag_id is not None:
        tag = Tag.objects.select_related("merger").filter(pk=tag_id).first()
        if tag is None:
            raise ValidationError("That tag doesn't exist any more.")
        return {"tag": tag}
    if filter_id is not None:
        saved = SavedFilter.objects.filter(pk=filter_id).first()
        if saved is None:
            raise ValidationError("That saved filter doesn't exist any more.")
        return {"saved_filter": saved}
    raise ValidationError("Choose a tag or one of your saved filters to follow.")


def _target_name(target: dict) -> str:
    if "tag" in target:
        return target["tag"].name
    return f"your saved filter \u201c{target['saved_filter'].name}\u201d"


@require_POST
@login_required
def filter_subscribe(request):
    back = f"/users/{request.user.username}/filter_subscriptions"
    try:
        target = _follow_target(request)
        subscription = services.filter_subscribe(user=request.user, **target)
    except ValidationError as error:
        messages.error(request, _first_message(error))
    else:
        name = subscription.tag.name if subscription.tag_id else _target_name(target)
        messages.success(
            request,
            f"You're following {name}. New works will be listed on your Filter "
            "Subscriptions page.",
        )
    return HttpResponseRedirect(posted_next(request, back))


@require_POST
@login_required
def filter_unsubscribe(request):
    back = f"/users/{request.user.username}/filter_subscriptions"
    try:
        target = _follow_target(request)
        stopped = services.filter_unsubscribe(user=request.user, **target)
    except ValidationError as error:
        messages.error(request, _first_message(error))
    else:
        name = _target_name(target)
        if stopped:
            messages.success(request, f"You're no longer following {name}.")
        else:
            messages.info(request, f"You weren't following {name}.")
    return HttpResponseRedirect(posted_next(request, back))


# Feeds -----------------------------------------------------------------------------------------


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@require_GET
def tag_feed(request, name: str):
    # The feed is a guest's view (and cached as one): a tag a guest may not
    # know of is not found.
    tag = tag_visible(viewer=AnonymousUser(), url_name=name)
    if tag is None or tag.type == TagType.MEDIA:
        raise Http404("We couldn't find a tag by that name.")
    if tag.merger_id and tag.merger_id != tag.pk:
        return HttpResponseRedirect(tag_path(tag.merger.name, "/feed.atom"))
    response = HttpResponse(feeds.tag_feed(tag=tag, base_url=_base_url(request)),
                            content_type=ATOM)
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def saved_filter_feed(request, token: str):
    saved = feeds.saved_filter_by_token(token)
    if saved is None or not saved.user.is_active:
        raise Http404("There is no feed at this address.")
    response = HttpResponse(
        feeds.saved_filter_feed(saved_filter=saved, base_url=_base_url(request)),
        content_type=ATOM,
    )
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


# Template helpers (Jinja globals; see web/jinja.py) ----------------------------------------


@dataclass
class TagFollow:
    tag: Tag
    feed_path: str
    signed_in: bool
    following: bool


def reader_tag_follow(request, tag: Tag) -> TagFollow:
    """For ``discovery/_tag_follow.html``: the tag's feed and whether the reader
    follows it (one query, for signed-in readers only)."""
    signed_in = request.user.is_authenticated
    following = signed_in and FilterSubscription.objects.filter(
        user_id=request.user.pk, tag_id=tag.merger_id or tag.pk
    ).exists()
    return TagFollow(
        tag=tag,
        feed_path=tag_path(tag.name, "/feed.atom"),
        signed_in=signed_in,
        following=following,
    )


def reader_saved_filter_name(request) -> str:
    """The name typed into the save-filter form when saving failed; shown once."""
    if not hasattr(request, "session"):
        return ""
    return request.session.pop(TYPED_NAME_KEY, "")


@dataclass
class MuteState:
    shown: bool
    muted: bool


def reader_mute_state(request, person) -> MuteState:
    """For ``discovery/_mute_button.html``: whether to offer Mute or Unmute for
    ``person`` (never to a guest, nor on your own pages)."""
    user = request.user
    if not user.is_authenticated or user.pk == person.pk:
        return MuteState(shown=False, muted=False)
    return MuteState(shown=True, muted=person.pk in mutes_of(user).user_ids)


#: What ``web/jinja.py`` registers for this app's templates.
JINJA_GLOBALS = {
    "reader_tag_follow": reader_tag_follow,
    "reader_saved_filter_name": reader_saved_filter_name,
    "reader_mute_state": reader_mute_state,
}

