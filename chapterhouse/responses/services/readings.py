"""Reading history (placeholder until the feature lands)."""


def reading_visit(*, viewer, page, chapter) -> None:
    return None
