from django.conf import settings
from django.db import models
from django.db.models import Q


class Reading(models.Model):
    """A signed-in reader's history with one work: visits, Marked for Later,
    and how far she read (the chapter, and the fraction 0..1 of it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="readings"
    )
    work = models.ForeignKey("works.Work", on_delete=models.CASCADE, related_name="readings")
    first_visited_at = models.DateTimeField(null=True, blank=True)
    last_visited_at = models.DateTimeField(null=True, blank=True)
    visit_count = models.PositiveIntegerField(default=0)
    to_read = models.BooleanField(default=False, help_text="Marked for Later.")
    chapter = models.ForeignKey(
        "works.Chapter", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position = models.FloatField(default=0.0, help_text="How far into the chapter, 0 to 1.")
    progress_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "work"], name="reading_unique"),
            models.CheckConstraint(
                condition=Q(position__gte=0) & Q(position__lte=1), name="reading_position_range"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-last_visited_at"], name="reading_user_visited"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} reading {self.work_id}"
