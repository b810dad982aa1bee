"""The inbox (``/users/NAME/inbox``) and the unsubscribe page of mails."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from chapterhouse.accounts.models import Pseud
from chapterhouse.accounts.selectors import pseuds_of, user_by_name
from chapterhouse.web.login import redirect_to_login
from chapterhouse.web.ratelimit import RateLimited

from ..models import InboxItem
from ..selectors.inbox import SHOWS, inbox_page
from ..services import inbox as inbox_services
from ..services.mail import unsubscribe_apply, unsubscribe_read


def _owner(request, username):
    """The inbox's owner; guests are sent to log in, others refused."""
    owner = user_by_name(username)
    if owner is None:
        raise Http404("No such user.")
    if not request.user.is_authenticated:
        return None
    if request.user.pk != owner.pk:
        raise PermissionDenied("Sorry, you don't have permission to see that inbox.")
    return owner


def _show(request) -> str:
    value = request.GET.get("filters[read]", "")
    return value if value in SHOWS else ""


def _draw(request, owner, *, status=200, reply=None):
    show = _show(request)
    page = inbox_page(viewer=request.user, owner=owner, read=SHOWS[show],
                      page=request.GET.get("page"))
    return render(
        request,
        "responses/inbox.html",
        {
            "owner": owner,
            "entries_page": page,
            "show": show,
            "page_query": f"filters%5Bread%5D={show}" if show else "",
            "pseuds": pseuds_of(owner),
            "reply": reply or {},
            "main_class": "inbox-show",
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD"])
def inbox(request, username):
    owner = _owner(request, username)
    if owner is None:
        return redirect_to_login(request.get_full_path())
    return _draw(request, owner)


def _back(request, owner) -> HttpResponseRedirect:
    back = f"/users/{owner.username}/inbox"
    show = request.POST.get("filters[read]", "")
    return HttpResponseRedirect(back + (f"?filters%5Bread%5D={show}" if show in SHOWS and show
                                        else ""))


@require_POST
def inbox_update(request, username):
    """Mark the checked entries read or unread, or delete them."""
    owner = _owner(request, username)
    if owner is None:
        return redirect_to_login(f"/users/{username}/inbox")
    ids = request.POST.getlist("inbox_items[]")
    try:
        if "delete" in request.POST or request.POST.get("_method") == "delete":
            done = inbox_services.inbox_items_delete(user=request.user, owner=owner, item_ids=ids)
            messages.success(request, f"{done} message{'s' if done != 1 else ''} deleted.")
        else:
            read = "unread" not in request.POST
            inbox_services.inbox_items_mark(user=request.user, owner=owner, item_ids=ids,
                                            read=read)
            messages.success(request, "Your inbox has been updated.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back(request, owner)


@require_POST
def inbox_reply(request, username):
    """Answer a comment from the inbox; on a problem the inbox is drawn
    again with the text kept in its form."""
    owner = _owner(request, username)
    if owner is None:
        return redirect_to_login(f"/users/{username}/inbox")
    item = get_object_or_404(
        InboxItem.objects.select_related("comment__work"),
        pk=request.POST.get("inbox_item_id") or 0, user=owner,
    )
    content = request.POST.get("comment[comment_content]", "")
    pseud = Pseud.objects.filter(
        user=owner, pk=request.POST.get("comment[pseud_id]") or 0
    ).first()
    reply = {"item_id": item.pk, "content": content, "pseud_id": pseud.pk if pseud else None}
    try:
        comment = inbox_services.inbox_reply(user=request.user, item=item, content=content,
                                             pseud=pseud)
    except RateLimited as error:
        reply["error"] = " ".join(error.messages)
        response = _draw(request, owner, status=429, reply=reply)
        response["Retry-After"] = str(int(error.retry_after))
        return response
    except (ValidationError, PermissionDenied) as error:
        reply["error"] = (
            " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        )
        return _draw(request, owner, status=422, reply=reply)
    messages.success(request, "Comment created!")
    if "return_to_inbox" in request.POST:
        return _back(request, owner)
    return HttpResponseRedirect(f"/comments/{comment.pk}")


@csrf_exempt  # the signed token is the secret; mail programs post here (RFC 8058)
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """GET: a button to confirm; POST: switch that kind of mail off."""
    try:
        user, switch, _ = unsubscribe_read(token)
    except ValidationError as error:
        return render(
            request, "responses/inbox_unsubscribe.html",
            {"error": " ".join(error.messages), "main_class": "preferences-unsubscribe"},
            status=404,
        )
    done = False
    if request.method == "POST":
        user, switch = unsubscribe_apply(token=token)
        done = True
    return render(
        request,
        "responses/inbox_unsubscribe.html",
        {
            "person": user, "words": switch.words, "done": done, "token": token,
            "error": "", "main_class": "preferences-unsubscribe",
        },
    )
