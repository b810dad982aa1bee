"""Demo wrangling: a wrangler, a medium, a canonical fandom, and a relationship
typed three ways that readers find under one canonical tag."""

from __future__ import annotations

from chapterhouse.accounts.models import User
from chapterhouse.accounts.services import user_create
from chapterhouse.works.demo import PLAIN, demo_tags
from chapterhouse.works.services import posting
from chapterhouse.works.services.tagging import TagChoice

from .models import Tag, TagType
from .roles import wrangler_grant
from .services import wrangling

WRANGLER_LOGIN = "sorter"
HARBOUR = "Harbour Lights (TV)"

SHORT_WORKS = [
    ("mireille", "Two Blasts of the Horn", "Teodor/Ines",
     "The ferry captain's side of the night the lamp went dark."),
    ("junebug", "Harbour Tea", "Ines Varga/Teodor Lind",
     "Ines brings coffee. Teodor pretends he hasn't been waiting for it all week."),
]


def _tag(name: str) -> Tag:
    return Tag.objects.get(name__iexact=name)


def load() -> None:
    from chapterhouse.accounts.demo import DEMO_PASSWORD

    sorter = user_create(
        username=WRANGLER_LOGIN, email="sorter@demo.invalid", password=DEMO_PASSWORD
    )
    wrangler_grant(user=sorter)
    sorter = User.objects.get(pk=sorter.pk)  # fresh permission cache

    for username, title, relationship, text in SHORT_WORKS:
        fields = posting.WorkFields(
            title=title,
            summary=text,
            summary_format=PLAIN,
            content=text + "\n\nThe light went round. Somewhere a ferry answered it.",
            content_format=PLAIN,
            expected_chapters=1,
            tags=TagChoice(**demo_tags(fandoms=HARBOUR, relationships=relationship,
                                   freeforms="Lighthouses, Fluff")),
        )
        posting.work_create(user=User.objects.get(username=username), fields=fields, post=True)

    tv = Tag.objects.create(name="TV Shows", type=TagType.MEDIA, canonical=True)
    fandom = _tag(HARBOUR)
    wrangling.tag_make_canonical(actor=sorter, tag=fandom)
    wrangling.tag_parent_add(actor=sorter, child=fandom, parent=tv)

    canonical = _tag("Ines/Teodor")
    wrangling.tag_make_canonical(actor=sorter, tag=canonical)
    wrangling.tag_parent_add(actor=sorter, child=canonical, parent=fandom)
    for variant in ("Teodor/Ines", "Ines Varga/Teodor Lind"):
        wrangling.tag_make_synonym(actor=sorter, tag=_tag(variant), canonical=canonical)
    for name in ("Ines", "Teodor"):
        character = _tag(name)
        wrangling.tag_make_canonical(actor=sorter, tag=character)
        wrangling.tag_parent_add(actor=sorter, child=character, parent=fandom)
        wrangling.tag_parent_add(actor=sorter, child=canonical, parent=character)

    coast = Tag.objects.create(name="Coastal Settings", type=TagType.FREEFORM)
    wrangling.tag_make_canonical(actor=sorter, tag=coast)
    lighthouses = _tag("Lighthouses")
    wrangling.tag_make_canonical(actor=sorter, tag=lighthouses)
    wrangling.tag_metatag_add(actor=sorter, meta=coast, sub=lighthouses)
