"""Demo works: one-shots, multi-chapter works (complete and in progress), a
series, an adult-rated work, a restricted work, a work with a skin, a draft and
a chapter scheduled for next week. Everything is made through the services, as
a writer would make it."""

from __future__ import annotations

import datetime

from django.utils import timezone

from chapterhouse.accounts.models import User
from chapterhouse.tags import fixed

from . import demo_texts as texts
from .services import chapters as chapter_services
from .services import posting, skins
from .services.tagging import TagChoice
from .text import TextFormat

PLAIN = TextFormat.PLAIN


def demo_tags(
    *, fandoms="Original Work", rating=fixed.GENERAL, warnings=None, categories=(21,), **typed
) -> dict:
    """The demo's usual tags: General, no warnings, Gen, Original Work."""
    return {
        "rating": rating,
        "warnings": list(warnings or [fixed.NO_WARNINGS_APPLY]),
        "categories": list(categories),
        "fandoms": fandoms,
        **typed,
    }


def _person(username: str) -> User:
    return User.objects.get(username=username)


def _work(user, *, post=True, **values):
    tags = values.pop("tags")
    fields = posting.WorkFields(
        tags=TagChoice(**tags),
        summary_format=PLAIN,
        notes_format=PLAIN,
        endnotes_format=PLAIN,
        content_format=PLAIN,
        **values,
    )
    return posting.work_create(user=user, fields=fields, post=post)


def _chapter(user, work, *, title, content, post=True, scheduled_for=None, expected=None):
    fields = chapter_services.ChapterFields(
        title=title, content=content, content_format=PLAIN, scheduled_for=scheduled_for
    )
    if expected is not None:
        fields.expected_chapters = expected
    return chapter_services.chapter_create(user=user, work=work, fields=fields, post=post)


def load() -> None:
    rowan, mireille = _person("rowan"), _person("mireille")
    tomasz, junebug = _person("tomasz_k"), _person("junebug")
    harbour = "Harbour Lights (TV)"

    _work(
        rowan,
        title="Salt and Signal",
        summary="Three nights without the lighthouse lamp, one ferry nearly lost, "
        "and a keeper who has to decide whether the light is worth keeping.",
        notes="Written between episodes of the second series.",
        endnotes=texts.SALT_AND_SIGNAL_ENDNOTES,
        content=texts.SALT_AND_SIGNAL,
        expected_chapters=1,
        tags=demo_tags(
            rating=fixed.MATURE,
            warnings=[fixed.VIOLENCE],
            categories=[22],
            fandoms=harbour,
            relationships="Ines/Teodor",
            characters="Ines, Teodor",
            freeforms="Hurt/Comfort, Lighthouses, Grief, Missing Scene",
        ),
        published_on=timezone.localdate() - datetime.timedelta(days=40),
    )

    ash = rowan.pseuds.get(name="Ash and Ember")
    first_title, first_text = texts.CARTOGRAPHER[0]
    cartographer = _work(
        rowan,
        title="The Cartographer's Apprentice",
        summary="A girl who walked out of the marshes learns to draw maps in a shop "
        "where nobody draws past the blank edge.",
        chapter_title=first_title,
        content=first_text,
        tags=demo_tags(
            rating=fixed.TEEN,
            characters="Mirela, Master Orrin",
            freeforms="Maps, Apprenticeship, Found Family",
        ),
        pseud_id=ash.pk,
    )
    for title, content in texts.CARTOGRAPHER[1:]:
        _chapter(rowan, cartographer, title=title, content=content)
    _chapter(
        rowan,
        cartographer,
        title="The Ford in Summer",
        content=texts.SCHEDULED_CHAPTER,
        scheduled_for=timezone.now() + datetime.timedelta(days=7),
    )

    winter_title, winter_text = texts.FIVE_WINTERS[0]
    winters = _work(
        junebug,
        title="Five Winters",
        summary="An inn at the top of a mountain pass, and the stranger who keeps "
        "coming back to it.",
        chapter_title=winter_title,
        content=winter_text,
        new_series_title="Open All Winter",
        gifts="mireille",
        expected_chapters=5,
        tags=demo_tags(freeforms="Found Family, Winter, Slow Burn"),
    )
    for title, content in texts.FIVE_WINTERS[1:]:
        _chapter(junebug, winters, title=title, content=content)
    series_id = winters.series_parts.get().series_id
    _work(
        junebug,
        title="Thaw",
        summary="The spring after. A surveyor asks what is worth mapping.",
        content=texts.THAW,
        series_id=series_id,
        expected_chapters=1,
        tags=demo_tags(freeforms="Epilogue"),
    )

    _work(
        tomasz,
        title="Letters Under the Plum Tree",
        summary="An old woman writes to a friend about a tree. Members only.",
        content=texts.LETTERS_RESTRICTED,
        restricted=True,
        expected_chapters=1,
        tags=demo_tags(
            warnings=[fixed.CHOSE_NOT_TO_WARN], categories=[24], freeforms="Epistolary, Friendship"
        ),
    )

    skin, _ = skins.skin_create(
        user=mireille,
        title="Garden notebook",
        description="Pencil-grey text on paper.",
        css=".userstuff { font-family: Georgia, serif; color: #4a4a4a; "
        "background: #fbf7ee; padding: 1em; border-left: 4px solid #9cb88a; }",
    )
    _work(
        mireille,
        title="The Last Page of the Garden Notebook",
        summary="A notebook kept in pencil, because ink is for finished things.",
        content=texts.GARDEN_WITH_SKIN,
        skin_id=skin.pk,
        expected_chapters=1,
        tags=demo_tags(freeforms="Gardens, Drabble"),
    )

    _work(
        rowan,
        post=False,
        title="The Bell That Rang Itself",
        summary="Draft. Not ready.",
        content=texts.DRAFT_TEXT,
        tags=demo_tags(categories=()),
    )
