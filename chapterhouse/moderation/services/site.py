"""Site-wide switches for guests, and blocked addresses.

Two switches (``SiteSettings``: guest comments, guest kudos) and a list of
blocked addresses or networks (``BlockedAddress``, CIDR, IPv4 or IPv6, with an
optional end). ``guest_write_check`` is what ``guards.may_write`` asks for
every write by someone not signed in; signed-in users are never refused here
(sanctions deal with them).

Both are read on every page a guest sees (the comment form and the kudos
button hide when closed), so they are kept in the cache and the cache entry
is dropped whenever an admin changes them. See docs/moderation-guests.md.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from chapterhouse.web.addresses import client_address
from chapterhouse.web.caches import local_cache as cache

from ..audit import audit_record
from ..guards import WriteRefused
from ..models import BlockedAddress, SiteSettings
from ..roles import MANAGE_SITE, can

#: The one settings row's primary key.
SETTINGS_PK = 1
SETTINGS_CACHE_KEY = "moderation:site-settings:v1"
BLOCKS_CACHE_KEY = "moderation:blocked-addresses:v1"
#: A safety net: even if an invalidation were lost, nothing is stale longer.
CACHE_SECONDS = 300

#: The widest networks an admin may block: a wider one would shut out a
#: large part of the internet by a slip of the keyboard.
WIDEST_PREFIX = {4: 16, 6: 32}
#: The longest a block may last when it has an end, in days.
MAX_DAYS = 3650

REFUSE_GUEST_COMMENTS = (
    "Guest comments are switched off on this site for now. Please log in to comment."
)
REFUSE_GUEST_KUDOS = (
    "Guest kudos are switched off on this site for now. Please log in to leave kudos."
)
REFUSE_BLOCKED = "Comments, kudos and reports from your network are blocked."


# Reading -----------------------------------------------------------------------------


def site_settings() -> SiteSettings:
    """The site's switches (the one row, made with the defaults if missing)."""
    found = cache.get(SETTINGS_CACHE_KEY)
    if found is None:
        found, _ = SiteSettings.objects.get_or_create(pk=SETTINGS_PK)
        cache.set(SETTINGS_CACHE_KEY, found, CACHE_SECONDS)
    return found


def _block_entries() -> tuple[tuple[str, float | None], ...]:
    """Every block as (network, end as a timestamp or None), from the cache."""
    entries = cache.get(BLOCKS_CACHE_KEY)
    if entries is None:
        entries = tuple(
            (network, expires.timestamp() if expires else None)
            for network, expires in BlockedAddress.objects.order_by("pk").values_list(
                "network", "expires_at"
            )
        )
        cache.set(BLOCKS_CACHE_KEY, entries, CACHE_SECONDS)
    return entries


@lru_cache(maxsize=8)
def _parsed(entries: tuple[tuple[str, float | None], ...]):
    """The entries as parsed networks, split by IP version (parsed once per
    list, however many guests ask)."""
    by_version: dict[int, list] = {4: [], 6: []}
    for network, expires in entries:
        try:
            parsed = ipaddress.ip_network(network, strict=False)
        except ValueError:  # a row typed in by hand; never from address_block
            continue
        by_version[parsed.version].append((parsed, expires))
    return {version: tuple(rows) for version, rows in by_version.items()}


def _address(address) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        parsed = ipaddress.ip_address(str(address).strip().split("%", 1)[0])
    except ValueError:
        return None
    if parsed.version == 6 and parsed.ipv4_mapped is not None:
        return parsed.ipv4_mapped  # ::ffff:203.0.113.7 is 203.0.113.7
    return parsed


def address_is_blocked(address) -> bool:
    """Is ``address`` inside a block that has not ended?"""
    if not address:
        return False
    parsed = _address(address)
    if parsed is None:
        return False
    now = timezone.now().timestamp()
    return any(
        parsed in network and (expires is None or expires > now)
        for network, expires in _parsed(_block_entries())[parsed.version]
    )


def blocked_addresses():
    """Every block for the admin page: those in force first, then ended ones."""
    now = timezone.now()
    rows = list(BlockedAddress.objects.select_related("created_by").order_by("-created_at", "-pk"))
    for row in rows:
        row.in_force = row.expires_at is None or row.expires_at > now
    rows.sort(key=lambda row: not row.in_force)
    return rows


# The guard ---------------------------------------------------------------------------


def guest_write_check(*, action: str, address: str | None) -> None:
    """Raise ``guards.WriteRefused`` if a guest at ``address`` may not do ``action``:
    guest comments or kudos switched off, or the address blocked."""
    if address_is_blocked(address):
        raise WriteRefused(REFUSE_BLOCKED)
    if action == "comment" and not site_settings().guest_comments_enabled:
        raise WriteRefused(REFUSE_GUEST_COMMENTS)
    if action == "kudos" and not site_settings().guest_kudos_enabled:
        raise WriteRefused(REFUSE_GUEST_KUDOS)


@dataclass(frozen=True)
class GuestWrites:
    """What the viewer of a page may write as a guest, and if not, why.
    Everything is open for a signed-in user."""

    comments: bool
    kudos: bool
    comment_refusal: str | None
    kudos_refusal: str | None


OPEN = GuestWrites(comments=True, kudos=True, comment_refusal=None, kudos_refusal=None)


def guest_writes(request) -> GuestWrites:
    """For templates: ``guest_writes(request).comments`` is false when a guest's
    comment would be refused (switched off or a blocked address); the refusal
    says why. Remembered on the request, so a page may ask often."""
    if request is None or getattr(getattr(request, "user", None), "is_authenticated", False):
        return OPEN
    known = getattr(request, "_guest_writes", None)
    if known is not None:
        return known
    refusals = {}
    # A page one copy serves to every guest (web/httpcache.py) shows only the
    # site's switches; a blocked address is refused when it posts.
    address = None if getattr(request, "shared_guest_page", False) else client_address(request)
    for action in ("comment", "kudos"):
        try:
            guest_write_check(action=action, address=address)
        except WriteRefused as refused:
            refusals[action] = refused.message
    known = GuestWrites(
        comments="comment" not in refusals,
        kudos="kudos" not in refusals,
        comment_refusal=refusals.get("comment"),
        kudos_refusal=refusals.get("kudos"),
    )
    request._guest_writes = known
    return known


JINJA_GLOBALS = {"guest_writes": guest_writes}


# Writing -----------------------------------------------------------------------------


def _forget(key: str) -> None:
    """Drop a cache entry now and again after commit (a page read between
    the two would otherwise keep the old value)."""
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def _allowed(actor) -> None:
    if not can(actor, MANAGE_SITE):
        raise PermissionDenied("Your account may not change the site's guest settings.")


@transaction.atomic
def site_settings_update(
    *, actor, guest_comments_enabled: bool, guest_kudos_enabled: bool
) -> SiteSettings:
    """Switch guest comments and guest kudos on or off (audited)."""
    _allowed(actor)
    SiteSettings.objects.get_or_create(pk=SETTINGS_PK)
    row = SiteSettings.objects.select_for_update().get(pk=SETTINGS_PK)
    before = {"guest_comments_enabled": row.guest_comments_enabled,
              "guest_kudos_enabled": row.guest_kudos_enabled}
    after = {"guest_comments_enabled": bool(guest_comments_enabled),
             "guest_kudos_enabled": bool(guest_kudos_enabled)}
    if before == after:
        return row
    row.guest_comments_enabled = after["guest_comments_enabled"]
    row.guest_kudos_enabled = after["guest_kudos_enabled"]
    row.updated_by = actor
    row.save()
    audit_record(actor=actor, action="site.guest_switches", before=before, after=after)
    _forget(SETTINGS_CACHE_KEY)
    return row


def network_clean(network: str) -> str:
    """``network`` as a canonical CIDR ("203.0.113.7" → "203.0.113.7/32",
    "203.0.113.9/24" → "203.0.113.0/24"). Raises ``ValidationError`` for
    anything else, and for networks wider than ``WIDEST_PREFIX``."""
    typed = (network or "").strip()
    if not typed:
        raise ValidationError("Please enter an address or a network, such as 203.0.113.0/24.")
    try:
        parsed = ipaddress.ip_network(typed, strict=False)
    except ValueError:
        raise ValidationError(
            f"“{typed[:60]}” is not an address or a network. Write an address (203.0.113.7, "
            "2001:db8::1) or a network in CIDR form (203.0.113.0/24, 2001:db8::/48)."
        ) from None
    if parsed.version == 6 and parsed.prefixlen == 128 and parsed.network_address.ipv4_mapped:
        parsed = ipaddress.ip_network(parsed.network_address.ipv4_mapped)
    widest = WIDEST_PREFIX[parsed.version]
    if parsed.prefixlen < widest:
        raise ValidationError(
            f"{parsed} is {2 ** (parsed.max_prefixlen - parsed.prefixlen):,} addresses: too "
            f"many to block at once. Block at most a /{widest} network (IPv{parsed.version})."
        )
    return str(parsed)


@transaction.atomic
def address_block(*, actor, network: str, reason: str, days: int | None = None) -> BlockedAddress:
    """Block guests' writes from ``network`` (an address or a CIDR network),
    for ``days`` days or until unblocked (audited). A block that has ended
    is replaced; one in force is refused as a repeat."""
    _allowed(actor)
    clean = network_clean(network)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Please say why this address is blocked; other admins will read it.")
    if len(reason) > 300:
        raise ValidationError("Please keep the reason to 300 characters.")
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise ValidationError(f"A block can last from 1 to {MAX_DAYS:,} days, or until removed.")
    now = timezone.now()
    expires = now + timedelta(days=days) if days is not None else None
    old = BlockedAddress.objects.select_for_update().filter(network=clean).first()
    if old is not None:
        if old.expires_at is None or old.expires_at > now:
            raise ValidationError(f"{clean} is already blocked.")
        audit_record(actor=actor, action="address.unblock", target=old,
                     before=_described(old), reason="Replaced by a new block.")
        old.delete()
    try:
        with transaction.atomic():
            row = BlockedAddress.objects.create(
                network=clean, reason=reason, created_by=actor, created_at=now,
                expires_at=expires,
            )
    except IntegrityError:  # blocked by someone else a moment ago
        raise ValidationError(f"{clean} is already blocked.") from None
    audit_record(actor=actor, action="address.block", target=row, after=_described(row),
                 reason=reason)
    _forget(BLOCKS_CACHE_KEY)
    return row


@transaction.atomic
def address_unblock(*, actor, blocked: BlockedAddress) -> None:
    """Lift a block (audited)."""
    _allowed(actor)
    audit_record(actor=actor, action="address.unblock", target=blocked,
                 before=_described(blocked))
    BlockedAddress.objects.filter(pk=blocked.pk).delete()
    _forget(BLOCKS_CACHE_KEY)


def _described(row: BlockedAddress) -> dict:
    return {
        "network": row.network,
        "reason": row.reason,
        "expires_at": row.expires_at.isoformat() if row.expires_at else None,
    }
