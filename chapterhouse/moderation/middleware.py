"""Shows a signed-in user what moderation says to her (a warning to read, a
suspension or ban with its reason and end) on her next page.

The middleware only attaches ``request.moderation_notice()``; the banner
(``moderation/_sanction_banner.html``, included at the top of every page)
calls it. The first call makes one query for a signed-in user (none for a
guest) and keeps the answer for the rest of the request; a user with no
sanction in force is remembered in the cache for an hour, so her pages make
none (any new or changed sanction forgets it: ``sanctions_changed``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from chapterhouse.web.caches import local_cache as cache

from .models import Sanction, SanctionKind

_CLEAN_FOR = 3600  # seconds a "no sanctions" answer is remembered


def _clean_key(user_id) -> str:
    return f"moderation:no-sanctions:{user_id}"


def sanctions_changed(sender, instance, **kwargs) -> None:
    """A sanction was made, changed or removed: her next page asks again."""
    cache.delete(_clean_key(instance.user_id))


@dataclass(frozen=True)
class SanctionNotice:
    warnings: list[Sanction]
    blocking: Sanction | None

    @property
    def banned(self) -> bool:
        return self.blocking is not None and self.blocking.kind != SanctionKind.SUSPENSION

    @property
    def until_text(self) -> str:
        from .services.sanctions import until_text

        return until_text(self.blocking.until) if self.blocking and self.blocking.until else ""


def notice_for(request) -> SanctionNotice | None:
    """What the banner shows this request, or None when there is nothing."""
    if hasattr(request, "_moderation_notice"):
        return request._moderation_notice
    from .selectors.users import active_sanctions, blocking_sanction, unread_warnings

    notice = None
    user = getattr(request, "user", None)
    if getattr(user, "is_authenticated", False) and not cache.get(_clean_key(user.pk)):
        sanctions = active_sanctions(user)
        if not sanctions:
            # Nothing in force now; only a new or changed sanction (which
            # forgets this) can change that before it expires.
            cache.set(_clean_key(user.pk), True, _CLEAN_FOR)
        if sanctions:
            notice = SanctionNotice(warnings=unread_warnings(sanctions),
                                    blocking=blocking_sanction(sanctions))
    request._moderation_notice = notice
    return notice


class SanctionNoticeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.moderation_notice = partial(notice_for, request)
        return self.get_response(request)
