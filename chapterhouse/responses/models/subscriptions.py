from django.conf import settings
from django.db import models
from django.db.models import Q


class Subscription(models.Model):
    """A reader follows a work (new chapters), a creator (new works) or a
    series (new parts). Tags and saved filters are followed through
    ``discovery.FilterSubscription``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    work = models.ForeignKey(
        "works.Work", null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions"
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="subscribers",
    )
    series = models.ForeignKey(
        "works.Series", null=True, blank=True, on_delete=models.CASCADE,
        related_name="subscriptions",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(work__isnull=False, creator__isnull=True, series__isnull=True)
                    | Q(work__isnull=True, creator__isnull=False, series__isnull=True)
                    | Q(work__isnull=True, creator__isnull=True, series__isnull=False)
                ),
                name="subscription_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "work"], condition=Q(work__isnull=False),
                name="subscription_one_per_work",
            ),
            models.UniqueConstraint(
                fields=["user", "creator"], condition=Q(creator__isnull=False),
                name="subscription_one_per_creator",
            ),
            models.UniqueConstraint(
                fields=["user", "series"], condition=Q(series__isnull=False),
                name="subscription_one_per_series",
            ),
        ]

    def __str__(self) -> str:
        return f"subscription {self.pk}"
