"""The real AO3 clients against a live Chapterhouse server over real HTTP."""

import pytest

from . import redirect
from .archive import build_archive


@pytest.fixture
def archive(transactional_db, live_server, settings):
    """The known archive, served by the live server. Hits are counted but not
    folded in during the test, so every page shows the archive's own counts."""
    settings.HITS_FLUSH_IN_PROCESS = False
    return build_archive()


@pytest.fixture
def ao3(live_server):
    """Every ``requests.Session`` made from here on sends AO3's address to the
    live server; yields that server's address."""
    redirect.install(live_server.url)
    yield live_server.url
    redirect.uninstall()
