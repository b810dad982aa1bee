"""Warnings, suspensions and bans, and admins' notes on users."""

from __future__ import annotations


def sanction_check(*, user, action: str) -> None:
    """Raise ``guards.WriteRefused`` (with why and until when) if ``user`` may not
    do ``action`` because of an active suspension or ban."""
    return None
