"""Sending notification mail (placeholder until the inbox and mail feature lands)."""

from django_tasks import task


@task()
def mail_send_task(notification_id: int) -> None:
    return None
