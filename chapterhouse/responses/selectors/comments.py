"""Reads for comments (placeholder until the feature lands)."""


def comments_panel(*, request, page, chapter, mode) -> dict:
    return {}
