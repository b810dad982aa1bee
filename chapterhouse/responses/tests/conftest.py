import pytest

from chapterhouse.responses.models import HitVisit
from chapterhouse.responses.services import hits


@pytest.fixture
def hit_buffer():
    """A fresh in-memory hit buffer for the test, and no visits left in the table."""
    fresh = hits.MemoryBuffer()
    hits.hit_buffer_set(fresh)
    HitVisit.objects.all().delete()
    yield fresh
    hits.hit_buffer_set(hits.MemoryBuffer())
