"""Reads for readings (placeholder until the feature lands)."""


def reading_panel(*, request, viewer, work, chapter) -> dict:
    return {}
