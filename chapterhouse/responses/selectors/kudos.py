"""Reads for kudos (placeholder until the feature lands)."""


def kudos_panel(*, request, viewer, work, page) -> dict:
    return {}
