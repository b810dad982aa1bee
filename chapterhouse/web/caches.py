"""The site's two caches (settings ``CACHES``).

- ``default`` is shared by every process of the site: Redis when
  ``REDIS_URL`` is set, else the database (table ``chapterhouse_cache``).
  allauth keeps its rate-limit counts and spent two-factor codes there, so
  they hold whichever process answers.
- ``local_cache`` (alias ``local``) holds copies that may be a few minutes
  old and are cheap to rebuild (the site's switches, the block list, "this
  user has no sanctions"): the same Redis when configured, else each
  process's own memory, so a warm page makes no query for them.

Rate limits of our own count in ``web/ratelimit.py``, not in a cache.
"""

from django.core.cache import caches
from django.utils.connection import ConnectionProxy

LOCAL = "local"

#: Like ``django.core.cache.cache``, for the ``local`` alias.
local_cache = ConnectionProxy(caches, LOCAL)
