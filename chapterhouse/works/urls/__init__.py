"""The works URLs, in AO3's scheme. Each area keeps its own list."""

from . import posting, reading, revisions

app_name = "works"

urlpatterns = [*posting.urlpatterns, *revisions.urlpatterns, *reading.urlpatterns]
