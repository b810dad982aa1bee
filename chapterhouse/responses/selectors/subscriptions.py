"""Reads for subscriptions (placeholder until the feature lands)."""


def subscription_panel(*, viewer, work) -> dict:
    return {}
