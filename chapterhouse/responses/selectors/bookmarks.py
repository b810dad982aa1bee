"""Reads for bookmarks (placeholder until the feature lands)."""


def bookmark_panel(*, viewer, work) -> dict:
    return {}
