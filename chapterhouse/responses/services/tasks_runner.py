"""Running queued tasks (placeholder until the mail feature lands)."""


def tasks_run_pending(*, max_tasks: int = 100) -> int:
    return 0
