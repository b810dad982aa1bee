"""Counting hits (placeholder until the feature lands)."""


def hit_record(*, request, page) -> None:
    return None


def hits_flush() -> int:
    return 0
