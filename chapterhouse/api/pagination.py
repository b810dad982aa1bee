"""The paginated envelope every API listing answers with.

``{count, page, pages, next, previous, results}``: ``count`` is the number of
items the caller may see in all (the same number the site's listing heading
shows), ``next``/``previous`` are absolute addresses of the neighbouring
pages, carrying every other parameter of the request, or ``null``.

Listings are the site's own (``works.selectors.listing.Page``), 20 a page,
so a page here holds exactly what the same page of the site holds.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings

from chapterhouse.works.selectors.listing import Page


def _page_url(request, number: int) -> str:
    params = request.GET.copy()
    params["page"] = str(number)
    return settings.SITE_URL + quote(request.path) + "?" + params.urlencode()


def envelope(request, page: Page, convert: Callable, **extra) -> dict:
    """``page`` (a listing's ``Page``) as the API's envelope; ``convert`` turns
    one item into its output dict."""
    return {
        "count": page.total,
        "page": page.number,
        "pages": page.num_pages,
        "next": _page_url(request, page.number + 1) if page.number < page.num_pages else None,
        "previous": _page_url(request, page.number - 1) if page.number > 1 else None,
        "results": [convert(item) for item in page.items],
        **extra,
    }
