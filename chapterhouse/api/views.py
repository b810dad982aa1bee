"""The API's pages on the site: a person's personal access tokens.

``/users/NAME/api_tokens`` lists the owner's tokens and makes new ones. The
form redirects (so reloading the page never makes a second token) and the
new key waits in the session for that one page view: it is shown once and
never again (only its hash is kept). ``/users/NAME/api_tokens/ID/revoke`` revokes one. Only the
owner may open them (others get 403, guests the log-in page).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from chapterhouse.accounts.views import owner_required
from chapterhouse.web.forms import apply_errors

from .forms import TokenForm
from .models import ApiToken
from .services import token_create, token_revoke

#: Where the new key waits for the one page that shows it.
_NEW_KEY = "api_token_new_key"


def _page(request, user, form, *, new_key: str = "", new_token=None, status: int = 200):
    return render(
        request,
        "api/tokens.html",
        {
            "main_class": "api-tokens",
            "person": user,
            "form": form,
            "tokens": list(user.api_tokens.all()),
            "new_key": new_key,
            "new_token": new_token,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@owner_required
def api_tokens(request, user):
    if request.method != "POST":
        shown = request.session.pop(_NEW_KEY, None)
        token = user.api_tokens.filter(pk=shown["id"]).first() if shown else None
        response = _page(request, user, TokenForm(), new_key=shown["key"] if token else "",
                         new_token=token)
        if shown:
            response["Cache-Control"] = "no-store"
        return response
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            token, key = token_create(
                user=user, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            request.session[_NEW_KEY] = {"id": token.pk, "key": key}
            return HttpResponseRedirect(f"/users/{user.username}/api_tokens")
    return _page(request, user, form, status=400)


@require_POST
@owner_required
def api_token_revoke(request, user, token_id: int):
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise Http404("No such token.")
    token_revoke(user=request.user, token=token)
    messages.success(request, f"The token “{token.name}” was revoked; it no longer works.")
    return HttpResponseRedirect(f"/users/{user.username}/api_tokens")
