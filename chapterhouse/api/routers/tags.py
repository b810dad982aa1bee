"""Reads of tags: a tag's place in the wrangling graph, and its works.

``{name}`` is the tag's name as the site's addresses spell it
(``Mulder*s*Scully`` for "Mulder/Scully", any letter case).
"""

from __future__ import annotations

from ninja import Query, Router
from ninja.errors import HttpError

from chapterhouse.discovery.query import WorkQuery
from chapterhouse.discovery.selectors import search_works
from chapterhouse.tags.page_selectors import tag_path, tag_visible
from chapterhouse.tags.selectors import (
    children_of,
    metatags_of,
    parents_of,
    subtags_of,
    synonyms_of,
)
from chapterhouse.works.selectors.visibility import tags_visible_to

from ..auth import READ_AUTH, viewer_of
from ..schemas import READ_ERRORS, TagOut, WorkPageOut, absolute, tag_ref
from .works import WorkSearchParams, works_listing

PREFIX = "/tags"
router = Router(tags=["tags"])


def _tag_or_404(request, name: str):
    # A tag used only on works the caller may not see answers as unknown.
    tag = tag_visible(viewer=viewer_of(request), url_name=name) if "\x00" not in name else None
    if tag is None:
        raise HttpError(404, "We couldn't find a tag by that name.")
    return tag


@router.get("/{name}", response={200: TagOut, **READ_ERRORS}, auth=READ_AUTH,
            summary="A tag")
def tag_detail(request, name: str):
    """The tag's type, whether it is canonical, what it is a synonym of, its
    synonyms, parents, children, metatags and subtags, and how many works the
    caller may see under it."""
    viewer = viewer_of(request)
    tag = _tag_or_404(request, name)
    listed = tag.merger if tag.merger_id and tag.merger_id != tag.pk else tag
    # The same count the works listing below gives (the search index's).
    count = search_works(
        viewer=viewer, query=WorkQuery(tag_ids=(listed.pk,)), page=1,
        with_facets=False,
    ).page.total
    return {
        "name": tag.name,
        "url": absolute(tag_path(tag.name)),
        "works_url": absolute(tag_path(listed.name, "/works")),
        "type": tag.type,
        "canonical": tag.canonical,
        "merger": tag_ref(tag.merger) if tag.merger_id and tag.merger_id != tag.pk else None,
        "synonyms": [tag_ref(each) for each in tags_visible_to(viewer, synonyms_of(tag))],
        "parents": [tag_ref(each) for each in parents_of(tag)],
        "children": [tag_ref(each) for each in tags_visible_to(viewer, children_of(tag))[:300]],
        "metatags": [tag_ref(each) for each in metatags_of(tag)],
        "subtags": [tag_ref(each) for each in subtags_of(tag)],
        "work_count": count,
    }


@router.get("/{name}/works", response={200: WorkPageOut, **READ_ERRORS}, auth=READ_AUTH,
            summary="The works listed under a tag")
def tag_work_list(request, name: str, filters: Query[WorkSearchParams]):
    """The site's ``/tags/NAME/works``, with the same filters as ``GET /works``.
    A synonym lists its canonical tag's works, as the site does."""
    tag = _tag_or_404(request, name)
    if tag.merger_id and tag.merger_id != tag.pk:
        tag = tag.merger
    return works_listing(request, base=WorkQuery(tag_ids=(tag.pk,)))
