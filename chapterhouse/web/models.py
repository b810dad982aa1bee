"""Tables the site frame keeps for every app: rate-limit counts and the
shared cache, both used by every app process of the site (see
docs/rate-limits.md)."""

from django.db import models


class RateLimitHit(models.Model):
    """One counted action under a rate limit (``web/ratelimit.py``), when
    Redis is not configured. ``key`` names the limit and who acted; a hit
    counts until ``expires_at`` (a Unix time, like ``at``)."""

    key = models.CharField(max_length=255)
    at = models.FloatField()
    expires_at = models.FloatField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["key", "at"], name="web_ratelimit_key_at")]

    def __str__(self) -> str:
        return f"{self.key} at {self.at}"


class CacheEntry(models.Model):
    """The table of Django's database cache (the ``default`` cache without
    Redis), laid out as ``createcachetable`` would make it. A migration makes
    it, so every site and every test database has it; ``rate_limits_sweep``
    deletes expired entries."""

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "chapterhouse_cache"

    def __str__(self) -> str:
        return self.cache_key
