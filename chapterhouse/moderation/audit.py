"""The audit log: every admin action is written here, in the action's own
transaction, by the service that performs it."""

from __future__ import annotations

from .models import AuditEntry
from .targets import target_type_of


def target_label_of(obj) -> str:
    if obj is None:
        return ""
    for name in ("title", "username"):
        if getattr(obj, name, None):
            return str(getattr(obj, name))[:300]
    return str(obj)[:300]


def audit_record(*, actor, action: str, target=None, before: dict | None = None,
                 after: dict | None = None, reason: str = "") -> AuditEntry:
    """Write one entry. ``action`` is "<target>.<verb>", e.g. "work.hide"."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "system",
        action=action,
        target_type=target_type_of(target),
        target_id=getattr(target, "pk", None),
        target_label=target_label_of(target),
        before=before or {},
        after=after or {},
        reason=reason or "",
    )
