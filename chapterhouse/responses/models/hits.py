from django.db import models


class HitVisit(models.Model):
    """One visitor (a hashed session, user or address) counted on one work on
    one day. Rows older than a couple of days are pruned; the unique
    constraint is what makes a hit count once per visitor per work per day
    when several app processes flush the same visitor."""

    day = models.DateField()
    work_id = models.BigIntegerField()
    visitor = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "work_id", "visitor"], name="hitvisit_unique")
        ]

    def __str__(self) -> str:
        return f"{self.visitor} on {self.work_id} ({self.day})"


class HitDay(models.Model):
    """Hits per work per day, kept for creator statistics by year."""

    work = models.ForeignKey("works.Work", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["work", "day"], name="hitday_unique")]
        indexes = [models.Index(fields=["day"], name="hitday_day")]

    def __str__(self) -> str:
        return f"{self.hits} hits on {self.work_id} ({self.day})"
