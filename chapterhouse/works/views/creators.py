"""A user's co-creator invitations and the gifts they have received."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render

from chapterhouse.accounts.selectors import user_by_name
from chapterhouse.web.login import login_required

from ..models import Creatorship, Gift, Work
from ..selectors.visibility import works_visible_to
from ..services import creators as creator_services
from ..services import posting as posting_services


def _person(username: str):
    person = user_by_name(username)
    if person is None:
        raise Http404("No such user.")
    return person


@login_required
def creatorships(request, username):
    """``/users/NAME/creatorships``: invitations to co-create, to accept or decline."""
    person = _person(username)
    if person.pk != request.user.pk:
        raise PermissionDenied("These are someone else's invitations.")
    if request.method == "POST":
        invitation = get_object_or_404(
            Creatorship, pk=request.POST.get("creatorship_id") or 0, pseud__user=person
        )
        try:
            if "accept" in request.POST:
                creator_services.creatorship_accept(user=request.user, creatorship=invitation)
                messages.success(
                    request, f"You are now listed as a co-creator of {invitation.work.title}."
                )
            else:
                creator_services.creatorship_decline(user=request.user, creatorship=invitation)
                messages.info(request, f"You declined the invitation to {invitation.work.title}.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(request.path)
    return render(
        request,
        "works/creatorships.html",
        {
            "person": person,
            "invitations": creator_services.creatorships_pending_for(person),
            "main_class": "creatorships-show",
        },
    )


def gifts(request, username):
    """``/users/NAME/gifts``: works given to NAME that the reader may see; NAME
    may refuse any of them (the work stays, without the dedication)."""
    person = _person(username)
    own = request.user.is_authenticated and request.user.pk == person.pk
    if request.method == "POST":
        if not own:
            raise PermissionDenied("Only the recipient may refuse a gift.")
        gift = get_object_or_404(Gift, pk=request.POST.get("gift_id") or 0)
        posting_services.gift_refuse(user=request.user, gift=gift)
        messages.info(request, f"You refused the gift of {gift.work.title}.")
        return HttpResponseRedirect(request.path)
    visible = works_visible_to(request.user, Work.objects.all())
    received = (
        Gift.objects.filter(recipient=person, work__in=visible)
        .select_related("work")
        .order_by("-created_at")
    )
    return render(
        request,
        "works/gifts.html",
        {
            "person": person,
            "own": own,
            "accepted": [g for g in received if not g.refused],
            "refused": [g for g in received if g.refused] if own else [],
            "main_class": "gifts-index",
        },
    )
