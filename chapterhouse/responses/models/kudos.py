from django.conf import settings
from django.db import models
from django.db.models import Q


class Kudos(models.Model):
    """One kudos on a work: from a user, or from a guest known by address
    (and a cookie). The unique constraints make a second kudos impossible even
    when two requests race."""

    work = models.ForeignKey("works.Work", on_delete=models.CASCADE, related_name="kudos")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="kudos_given",
    )
    guest_ip = models.GenericIPAddressField(null=True, blank=True)
    guest_token = models.CharField(
        max_length=64, blank=True, help_text="The guest's kudos cookie, if she had one."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "kudos"
        constraints = [
            models.UniqueConstraint(
                fields=["work", "user"], condition=Q(user__isnull=False),
                name="kudos_one_per_user",
            ),
            models.UniqueConstraint(
                fields=["work", "guest_ip"], condition=Q(user__isnull=True),
                name="kudos_one_per_guest_address",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(guest_ip__isnull=False),
                name="kudos_has_giver",
            ),
        ]
        indexes = [models.Index(fields=["work", "created_at"], name="kudos_work_created")]

    def __str__(self) -> str:
        return f"kudos on {self.work_id}"
