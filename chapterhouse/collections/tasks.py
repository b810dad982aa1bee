"""Gift-exchange matching in the background (docs/gift-exchanges.md).

On the "imports" queue, the worker's slow pass: a large exchange takes
seconds, and must not hold up mail on the quick pass."""

from django_tasks import task


@task(queue_name="imports")
def exchange_matching_task(exchange_id: int) -> str:
    from .exchange_services import matching_run

    return matching_run(exchange_id=exchange_id)
