"""Site-wide switches for guests, and blocked addresses."""

from __future__ import annotations


def guest_write_check(*, action: str, address: str | None) -> None:
    """Raise ``guards.WriteRefused`` if a guest at ``address`` may not do ``action``:
    guest comments or kudos switched off, or the address blocked."""
    return None
