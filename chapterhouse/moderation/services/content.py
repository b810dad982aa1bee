"""Admins' actions on content: hide, un-hide, delete, mark as spam."""

from __future__ import annotations


def spam_matches(*, text: str) -> bool:
    """Does ``text`` (plain or HTML) repeat what admins marked as spam?"""
    return False
