"""The site's routes: the work and chapter pages are found first, as the same
views under the same names as where the works app declares them."""

import pytest
from django.urls import NoReverseMatch, URLResolver, resolve, reverse
from django.urls.resolvers import RegexPattern

from chapterhouse import urls

PATHS = ["/works/1", "/works/0", "/works/123456789", "/works/7/chapters/8",
         "/works/new", "/works/7/edit", "/works/7/chapters/new", "/works/7/chapters/8/edit",
         "/works", "/works/search", "/chapters/8", "/users/ashby/works"]


def _without_early_routes():
    return URLResolver(RegexPattern(r"^/"), urls.urlpatterns[len(urls.EARLY_ROUTES):])


def test_the_work_and_chapter_pages_are_the_first_routes_tried():
    assert len(resolve("/works/5").tried) == 1
    assert len(resolve("/works/5/chapters/6").tried) == 2


@pytest.mark.parametrize("path", PATHS)
def test_every_path_reaches_the_view_it_reached_behind_the_other_routes(path):
    early, behind = resolve(path), _without_early_routes().resolve(path)
    assert (early.func, early.args, early.kwargs, early.view_name, early.url_name,
            early.namespace, early.app_name) == (
        behind.func, behind.args, behind.kwargs, behind.view_name, behind.url_name,
        behind.namespace, behind.app_name)


def test_the_work_pages_reverse_only_under_their_namespace():
    assert resolve("/works/5").view_name == "works:work"
    assert resolve("/works/5/chapters/6").view_name == "works:chapter"
    assert reverse("works:work", args=[5]) == "/works/5"
    assert reverse("works:chapter", args=[5, 6]) == "/works/5/chapters/6"
    with pytest.raises(NoReverseMatch):
        reverse("work", args=[5])
