"""The superadmins' pages: roles (who is staff, and as what) and the audit log.

``/moderation/roles`` lists everyone with a role and gives or takes one by
user name (``roles.role_grant``/``role_revoke``, each audited).
``/moderation/audit`` reads the audit log, newest first, with filters.
"""

from __future__ import annotations

import datetime
import json
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from chapterhouse.works.selectors.listing import paginate

from ..access import admin_required
from ..models import AuditEntry, TargetType
from ..roles import MANAGE_ROLES, ROLES, VIEW_AUDIT_LOG, role_grant, role_revoke, staff_with_roles

AUDIT_PER_PAGE = 50

# Roles ----------------------------------------------------------------------


class RoleChangeForm(forms.Form):
    username = forms.CharField(label="User name", max_length=150)
    role = forms.ChoiceField(label="Role", choices=[(k, r.label) for k, r in ROLES.items()])
    change = forms.ChoiceField(label="Give or take",
                               choices=[("grant", "Give"), ("revoke", "Take away")])
    reason = forms.CharField(label="Reason (for the audit log)", max_length=500, required=False)

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        person = get_user_model().objects.filter(username__iexact=name).first()
        if person is None:
            raise ValidationError(f"There is no user called {name}.")
        return person


@require_http_methods(["GET", "HEAD", "POST"])
@admin_required(MANAGE_ROLES)
def roles_page(request):
    """Everyone with a role; a form to give or take one."""
    form = RoleChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["username"]
        role = form.cleaned_data["role"]
        label = ROLES[role].label
        try:
            if form.cleaned_data["change"] == "grant":
                changed = role_grant(actor=request.user, user=person, role=role,
                                     reason=form.cleaned_data["reason"])
                note = (f"{person.username} is now a {label}." if changed
                        else f"{person.username} already was a {label}.")
            else:
                changed = role_revoke(actor=request.user, user=person, role=role,
                                      reason=form.cleaned_data["reason"])
                note = (f"{person.username} is no longer a {label}." if changed
                        else f"{person.username} was not a {label}.")
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, note)
            return HttpResponseRedirect(request.path)
    return render(
        request, "moderation/roles.html",
        {
            "main_class": "admin roles-index",
            "staff": staff_with_roles(),
            "roles": list(ROLES.values()),
            "form": form,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# The audit log ---------------------------------------------------------------


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label="Admin", max_length=150, required=False)
    action = forms.CharField(label="Action", max_length=40, required=False,
                             widget=forms.TextInput(attrs={"list": "audit_actions"}),
                             help_text='e.g. "work.hide", or "work" for every work action')
    target_type = forms.ChoiceField(label="Target type", required=False,
                                    choices=[("", "Any"), *TargetType.choices])
    target_id = forms.IntegerField(label="Target id", min_value=1, required=False)
    date_from = forms.DateField(label="From", required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise ValidationError("The start date is after the end date.")
        return data


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_entries(*, actor="", action="", target_type="", target_id=None,
                  date_from=None, date_to=None):
    """Audit entries, newest first, matching every filter given (dates are
    whole days in the site's time zone, both ends included)."""
    entries = AuditEntry.objects.all()
    if actor:
        entries = entries.filter(actor_name__iexact=actor.strip())
    if action:
        action = action.strip()
        entries = (entries.filter(action=action) if "." in action
                   else entries.filter(action__startswith=f"{action}."))
    if target_type:
        entries = entries.filter(target_type=target_type)
    if target_id:
        entries = entries.filter(target_id=target_id)
    if date_from:
        entries = entries.filter(created_at__gte=_day_start(date_from))
    if date_to:
        entries = entries.filter(
            created_at__lt=_day_start(date_to + datetime.timedelta(days=1))
        )
    return entries.order_by("-created_at", "-pk")


def _shown(value) -> str:
    """A JSON value as a person reads it."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value or "(empty)"
    if isinstance(value, list):
        return ", ".join(_shown(item) for item in value) if value else "(none)"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _flat(data, prefix="") -> dict:
    if not isinstance(data, dict):
        return {prefix or "value": data}
    flat = {}
    for key, value in data.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            flat.update(_flat(value, name))
        else:
            flat[name] = value
    return flat


def audit_diff(before, after) -> list[dict]:
    """What changed between two JSON states, field by field (nested fields
    as "a.b"): ``[{"field", "before", "after", "change"}]`` where change is
    "added", "removed" or "changed"; fields that stayed the same are left out."""
    old, new = _flat(before or {}), _flat(after or {})
    rows = []
    for field in sorted(old.keys() | new.keys()):
        if field in old and field in new and old[field] == new[field]:
            continue
        change = "added" if field not in old else "removed" if field not in new else "changed"
        rows.append({
            "field": field,
            "before": _shown(old[field]) if field in old else "",
            "after": _shown(new[field]) if field in new else "",
            "change": change,
        })
    return rows


def _target_links(entries) -> dict:
    """``{(target_type, target_id): path}`` for targets that still exist."""
    from chapterhouse.responses.models import Bookmark, Comment
    from chapterhouse.works.models import Chapter, Work

    from ..models import NewsPost

    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.target_type and entry.target_id:
            wanted.setdefault(entry.target_type, set()).add(entry.target_id)
    links = {}

    def add(kind, rows, path):
        for row in rows:
            links[(kind, row[0])] = path(row)

    if ids := wanted.get(TargetType.WORK):
        add(TargetType.WORK, Work.objects.filter(pk__in=ids).values_list("pk"),
            lambda r: f"/works/{r[0]}")
    if ids := wanted.get(TargetType.CHAPTER):
        add(TargetType.CHAPTER,
            Chapter.objects.filter(pk__in=ids).values_list("pk", "work_id"),
            lambda r: f"/works/{r[1]}/chapters/{r[0]}")
    if ids := wanted.get(TargetType.COMMENT):
        add(TargetType.COMMENT, Comment.objects.filter(pk__in=ids).values_list("pk"),
            lambda r: f"/comments/{r[0]}")
    if ids := wanted.get(TargetType.BOOKMARK):
        add(TargetType.BOOKMARK, Bookmark.objects.filter(pk__in=ids).values_list("pk"),
            lambda r: f"/bookmarks/{r[0]}")
    if ids := wanted.get(TargetType.USER):
        add(TargetType.USER,
            get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"),
            lambda r: f"/users/{r[1]}")
    if ids := wanted.get(TargetType.NEWS):
        add(TargetType.NEWS, NewsPost.objects.filter(pk__in=ids).values_list("pk"),
            lambda r: f"/admin_posts/{r[0]}")
    return links


def _audit_rows(entries) -> list[dict]:
    links = _target_links(entries)
    return [
        {
            "entry": entry,
            "target_path": links.get((entry.target_type, entry.target_id)),
            "target_kind": TargetType(entry.target_type).label if entry.target_type else "",
            "diff": audit_diff(entry.before, entry.after),
        }
        for entry in entries
    ]


@require_GET
@admin_required(VIEW_AUDIT_LOG)
def audit_page(request):
    """The audit log, newest first, 50 a page, with filters."""
    form = AuditFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = audit_entries(
        actor=filters.get("actor", ""), action=filters.get("action", ""),
        target_type=filters.get("target_type", ""), target_id=filters.get("target_id"),
        date_from=filters.get("date_from"), date_to=filters.get("date_to"),
    )
    page = paginate(entries, request.GET.get("page"), per_page=AUDIT_PER_PAGE,
                    prepare=_audit_rows)
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])
    return render(
        request, "moderation/audit.html",
        {
            "main_class": "admin audit-log",
            "form": form,
            "pages": page,
            "page_query": query,
            "actions": AuditEntry.objects.order_by("action")
            .values_list("action", flat=True).distinct(),
        },
    )
