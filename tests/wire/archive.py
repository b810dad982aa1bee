"""The known archive the real clients read: every work made through the
services, as a writer would make it, with the values each client should find.

- ``nell_wright`` writes a rated-Teen one-shot, a five-chapter work in progress
  (three chapters posted, each with a title, a summary, notes and end notes),
  an Explicit work, a restricted work, a series of three (its middle part in
  French) and an anonymous work; her profile has a bio.
- ``orla_reads`` bookmarks three of them (one a rec) and leaves kudos; the
  clients log in as her. ``pim_reader`` leaves kudos and a comment.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from chapterhouse.accounts import services as account_services
from chapterhouse.accounts.tests.factories import PASSWORD, UserFactory
from chapterhouse.responses.services import bookmarks as bookmark_services
from chapterhouse.responses.services import comments as comment_services
from chapterhouse.responses.services import kudos as kudos_services
from chapterhouse.tags import fixed
from chapterhouse.works.languages import LANGUAGES
from chapterhouse.works.models import Series, Work
from chapterhouse.works.services import chapters as chapter_services
from chapterhouse.works.services import posting
from chapterhouse.works.services import series as series_services
from chapterhouse.works.services.tagging import TagChoice
from chapterhouse.works.text import TextFormat

CREATOR = "nell_wright"
READER = "orla_reads"
OTHER_READER = "pim_reader"
BIO = "I write about tide clocks, breakwaters and the people who keep both running."
PLAIN = TextFormat.PLAIN


@dataclass
class KnownChapter:
    id: int
    title: str
    summary: str = ""
    notes: str = ""
    endnotes: str = ""
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class KnownWork:
    """A work as a reader of its page should see it."""

    id: int
    title: str
    rating: str
    warnings: list[str]
    categories: list[str]
    fandoms: list[str]
    relationships: list[str]
    characters: list[str]
    freeforms: list[str]
    language: str
    summary: str
    notes: str
    endnotes: str
    chapters: list[KnownChapter]
    expected_chapters: int | None
    published: datetime.date
    updated: datetime.date
    words: int = 0
    kudos: int = 0
    hits: int = 0
    comments: int = 0
    bookmarks: int = 0
    series: tuple[int, str, int] | None = None  # (id, title, position)
    restricted: bool = False
    anonymous: bool = False
    adult: bool = False
    updated_at: datetime.datetime | None = None

    @property
    def chapters_label(self) -> str:
        """AO3's "3/5" (or "3/?")."""
        total = self.expected_chapters if self.expected_chapters else "?"
        return f"{len(self.chapters)}/{total}"

    @property
    def complete(self) -> bool:
        return self.expected_chapters == len(self.chapters)


@dataclass
class Archive:
    one_shot: KnownWork
    in_progress: KnownWork
    explicit: KnownWork
    restricted: KnownWork
    series_parts: list[KnownWork]
    anonymous: KnownWork
    series_id: int
    series_title: str
    series_description: str
    series_notes: str
    password: str = PASSWORD

    @property
    def creator_public_works(self) -> list[KnownWork]:
        """What a guest finds on the creator's works page (not the restricted or
        anonymous ones)."""
        return [self.one_shot, self.in_progress, self.explicit, *self.series_parts]

    @property
    def reader_bookmarks(self) -> list[KnownWork]:
        return [self.one_shot, self.in_progress, self.series_parts[0]]


def _paragraphs(text: str) -> list[str]:
    return [part.strip() for part in text.split("\n\n") if part.strip()]


def _work(user, *, tags: TagChoice, first: KnownChapter, text: str, **values) -> Work:
    fields = posting.WorkFields(
        tags=tags,
        summary_format=PLAIN,
        notes_format=PLAIN,
        endnotes_format=PLAIN,
        content_format=PLAIN,
        chapter_title=first.title,
        content=text,
        **values,
    )
    return posting.work_create(user=user, fields=fields, post=True)


def _chapter_fields(chapter: KnownChapter, text: str) -> chapter_services.ChapterFields:
    return chapter_services.ChapterFields(
        title=chapter.title,
        summary=chapter.summary,
        summary_format=PLAIN,
        notes=chapter.notes,
        notes_format=PLAIN,
        endnotes=chapter.endnotes,
        endnotes_format=PLAIN,
        content=text,
        content_format=PLAIN,
    )


def _known(work: Work, **values) -> KnownWork:
    """Fill in what the site worked out itself (ids, words, dates) from the
    database, after everything else was done."""
    work.refresh_from_db()
    chapters = values.pop("chapters")
    for chapter, row in zip(chapters, work.chapters.order_by("position"), strict=True):
        chapter.id = row.pk
    latest = max(row.published_on for row in work.chapters.filter(posted=True))
    return KnownWork(
        id=work.pk,
        chapters=chapters,
        words=work.word_count,
        published=work.published_on,
        updated=max(latest, work.published_on),
        kudos=work.kudos_count,
        hits=work.hit_count,
        comments=work.comment_count,
        bookmarks=work.bookmark_count,
        language=LANGUAGES[work.language],
        restricted=work.restricted,
        anonymous=work.anonymous,
        updated_at=work.updated_at,
        **values,
    )


ONE_SHOT_TEXT = """The tide clock in the harbour master's office had been wrong for eleven years, and Marit Vos was the only one who minded.

She came in on the Tuesday with a tin of oil, a jeweller's loupe and a note from June Okafor that said, in its entirety: if you break it, you can explain it to the ferry.

The case opened with a sound like a held breath let go. Inside, the brass was green at the edges and bright where the hands had rubbed for a century, and somebody had wedged a folded tram ticket behind the escapement to stop it knocking.

"That's why it's slow," June said from the doorway. "My grandfather did that. He said the knocking kept him up."

"He lived in the office?"

"He lived in the office for a while," June said, and did not explain, and Marit did not ask. She took out the ticket and put it in her pocket, and the clock began, for the first time in eleven years, to keep the sea's time instead of his."""

WIP_TEXTS = [
    """The breakwater lamps were lit by hand until the winter of the long storm, when the council voted to wire them and forgot to pay anyone to do it.

So Teodor Lind walked the wall at dusk with a box of matches, as his mother had, and counted the lamps aloud so the gulls would know he meant it.""",
    """The electrician arrived in March with a van that said BRIGHT IDEAS on the side in letters that had once been yellow.

Her name was Ines Varga and she had opinions about matches. Teodor had opinions about vans. They were, the harbour agreed, going to be insufferable.""",
    """By May there were wires along half the wall and a wager in the pub about which half would work first.

Ines lit the last oil lamp herself, on the night before the switch, and did not let Teodor see her hands shake.""",
]

EXPLICIT_TEXT = """The lighthouse had one bed, one blanket and a keeper who had not expected company.

What happened after the storm cut the causeway is between the two of them and the lamp, which saw everything and, being a lamp, told no one.

In the morning the sea was flat and silver and neither of them mentioned the blanket."""

RESTRICTED_TEXT = """This one is for the people who were at the harbour meeting, and nobody else.

The motion to paint the breakwater lamps green was defeated nine votes to four, and the four know who they are."""

SERIES_TEXTS = [
    """In spring the lantern festival came back to the harbour after twenty years away, and nobody remembered how to fold the paper.

Marit found the instructions in the back of a tide table, pencilled in a hand she half knew.""",
    """En été, les lanternes flottaient jusqu'au phare et revenaient avec la marée.

Marit disait que c'était la mer qui les renvoyait, pour qu'on recommence.""",
    """In autumn the last lantern went out on the water and did not come back, and that was how they knew the year was over.

June kept the paper. She said you never knew when you would need to remember how to fold it.""",
]

ANONYMOUS_TEXT = """Someone leaves a letter at the foot of the lighthouse every year on the night of the long storm.

Nobody has ever seen who. The keeper reads them all and answers none, and keeps them in a biscuit tin under the stairs."""


def build_archive() -> Archive:
    """Make the archive; call inside a test with database access."""
    nell = UserFactory(username=CREATOR)
    orla = UserFactory(username=READER)
    pim = UserFactory(username=OTHER_READER)
    account_services.profile_update(
        actor=nell, user=nell, title="Tide tables and other fictions", location="", about=BIO,
        about_format=PLAIN,
    )

    # A one-shot, rated Teen, with kudos, a comment, a bookmark and hits.
    first = KnownChapter(id=0, title="", paragraphs=_paragraphs(ONE_SHOT_TEXT))
    one_shot_values = dict(
        title="The Tide Clock",
        rating=fixed.RATINGS[fixed.TEEN],
        warnings=[fixed.WARNINGS[fixed.NO_WARNINGS_APPLY]],
        categories=["F/F"],
        fandoms=["The Salt Road (Podcast)"],
        relationships=["Marit Vos/June Okafor"],
        characters=["Marit Vos", "June Okafor"],
        freeforms=["Clockmakers", "Slow Burn", "Harbour Towns"],
        summary="A harbour clock that has been wrong for eleven years, and the only person "
        "who minds.",
        notes="Written for a friend who collects broken clocks.",
        endnotes="The title came from a song I had on repeat. I'll fix any canon slips after "
        "my next relisten; tell me if you spot a glaring one.",
    )
    one_shot = _work(
        nell,
        title=one_shot_values["title"],
        summary=one_shot_values["summary"],
        notes=one_shot_values["notes"],
        endnotes=one_shot_values["endnotes"],
        first=first,
        text=ONE_SHOT_TEXT,
        expected_chapters=1,
        published_on=datetime.date(2024, 3, 9),
        tags=TagChoice(
            rating=fixed.TEEN,
            warnings=[fixed.NO_WARNINGS_APPLY],
            categories=[116],
            fandoms="The Salt Road (Podcast)",
            relationships="Marit Vos/June Okafor",
            characters="Marit Vos, June Okafor",
            freeforms="Clockmakers, Slow Burn, Harbour Towns",
        ),
    )

    # A work in progress: three chapters of five, each with its own preface.
    wip_chapters = [
        KnownChapter(
            id=0,
            title="Matches",
            summary="Teodor lights the lamps the old way.",
            notes="The first of five; one a fortnight if the tide allows.",
            endnotes="Next: a van arrives.",
            paragraphs=_paragraphs(WIP_TEXTS[0]),
        ),
        KnownChapter(
            id=0,
            title="Bright Ideas",
            summary="An electrician with opinions.",
            notes="Thank you for the kudos on the first chapter!",
            endnotes="Ines's van is based on a real van. I am sorry to the real van.",
            paragraphs=_paragraphs(WIP_TEXTS[1]),
        ),
        KnownChapter(
            id=0,
            title="The Last Oil Lamp",
            summary="The night before the switch.",
            notes="A short one, for the night it happens on.",
            endnotes="Two more to come.",
            paragraphs=_paragraphs(WIP_TEXTS[2]),
        ),
    ]
    wip_values = dict(
        title="Lamps Along the Breakwater",
        rating=fixed.RATINGS[fixed.GENERAL],
        warnings=[fixed.WARNINGS[fixed.CHOSE_NOT_TO_WARN]],
        categories=["Gen", "F/M"],
        fandoms=["The Salt Road (Podcast)", "Harbour Lights (TV)"],
        relationships=["Ines Varga/Teodor Lind"],
        characters=["Teodor Lind", "Ines Varga"],
        freeforms=["Lighthouses", "Enemies to Friends"],
        summary="The breakwater lamps were lit by hand until somebody decided they "
        "should not be.",
        notes="A crossover nobody asked for.",
        endnotes="Thank you for reading along while it is still being written.",
    )
    wip = _work(
        nell,
        title=wip_values["title"],
        summary=wip_values["summary"],
        notes=wip_values["notes"],
        endnotes=wip_values["endnotes"],
        first=wip_chapters[0],
        text=WIP_TEXTS[0],
        expected_chapters=5,
        published_on=datetime.date(2025, 11, 2),
        tags=TagChoice(
            rating=fixed.GENERAL,
            warnings=[fixed.CHOSE_NOT_TO_WARN],
            categories=[21, 22],
            fandoms="The Salt Road (Podcast), Harbour Lights (TV)",
            relationships="Ines Varga/Teodor Lind",
            characters="Teodor Lind, Ines Varga",
            freeforms="Lighthouses, Enemies to Friends",
        ),
    )
    chapter_services.chapter_update(
        user=nell, chapter=wip.chapters.get(position=1),
        fields=_chapter_fields(wip_chapters[0], WIP_TEXTS[0]),
    )
    for known, text in zip(wip_chapters[1:], WIP_TEXTS[1:], strict=True):
        chapter_services.chapter_create(
            user=nell, work=wip, fields=_chapter_fields(known, text), post=True
        )

    # An Explicit work, behind the adult-content notice.
    explicit_values = dict(
        title="One Blanket",
        rating=fixed.RATINGS[fixed.EXPLICIT],
        warnings=[fixed.WARNINGS[fixed.NO_WARNINGS_APPLY]],
        categories=["M/M"],
        fandoms=["Harbour Lights (TV)"],
        relationships=["Teodor Lind/Keeper"],
        characters=["Teodor Lind", "Keeper"],
        freeforms=["Snowed In", "Only One Bed"],
        summary="The storm cuts the causeway. The lighthouse has one bed.",
        notes="",
        endnotes="",
    )
    explicit = _work(
        nell,
        title=explicit_values["title"],
        summary=explicit_values["summary"],
        first=KnownChapter(id=0, title=""),
        text=EXPLICIT_TEXT,
        expected_chapters=1,
        published_on=datetime.date(2025, 2, 14),
        tags=TagChoice(
            rating=fixed.EXPLICIT,
            warnings=[fixed.NO_WARNINGS_APPLY],
            categories=[23],
            fandoms="Harbour Lights (TV)",
            relationships="Teodor Lind/Keeper",
            characters="Teodor Lind, Keeper",
            freeforms="Snowed In, Only One Bed",
        ),
    )

    # Restricted to signed-in readers.
    restricted_values = dict(
        title="Minutes of the Harbour Meeting",
        rating=fixed.RATINGS[fixed.GENERAL],
        warnings=[fixed.WARNINGS[fixed.NO_WARNINGS_APPLY]],
        categories=["Gen"],
        fandoms=["The Salt Road (Podcast)"],
        relationships=[],
        characters=["June Okafor"],
        freeforms=["Members Only"],
        summary="For the people who were there.",
        notes="",
        endnotes="",
    )
    restricted = _work(
        nell,
        title=restricted_values["title"],
        summary=restricted_values["summary"],
        first=KnownChapter(id=0, title=""),
        text=RESTRICTED_TEXT,
        expected_chapters=1,
        restricted=True,
        published_on=datetime.date(2025, 6, 1),
        tags=TagChoice(
            rating=fixed.GENERAL,
            warnings=[fixed.NO_WARNINGS_APPLY],
            categories=[21],
            fandoms="The Salt Road (Podcast)",
            characters="June Okafor",
            freeforms="Members Only",
        ),
    )

    # A series of three one-shots; the middle one is in French.
    series_title = "The Lantern Year"
    series_values = [
        dict(title="Spring Lanterns", language="en", freeforms=["Festivals"],
             summary="Nobody remembers how to fold the paper."),
        dict(title="Lanternes d'été", language="fr", freeforms=["Festivals", "Summer"],
             summary="Les lanternes reviennent avec la marée."),
        dict(title="Autumn Lanterns", language="en", freeforms=["Festivals", "Endings"],
             summary="The last lantern does not come back."),
    ]
    series_works = []
    series_id = None
    for position, (values, text) in enumerate(zip(series_values, SERIES_TEXTS,
                                                   strict=True), start=1):
        made = _work(
            nell,
            title=values["title"],
            summary=values["summary"],
            language=values["language"],
            first=KnownChapter(id=0, title=""),
            text=text,
            expected_chapters=1,
            published_on=datetime.date(2025, 3 + 3 * position, 1),
            new_series_title=series_title if series_id is None else "",
            series_id=series_id,
            tags=TagChoice(
                rating=fixed.GENERAL,
                warnings=[fixed.NO_WARNINGS_APPLY],
                categories=[21],
                fandoms="The Salt Road (Podcast)",
                characters="Marit Vos",
                freeforms=", ".join(values["freeforms"]),
            ),
        )
        series_id = made.series_parts.get().series_id
        series_works.append((position, made, values))
    series_description = "Four seasons of paper lanterns on one harbour."
    series_notes = "Winter is still being written."
    series_services.series_update(
        user=nell, series=Series.objects.get(pk=series_id), title=series_title,
        summary=series_description, summary_format=PLAIN, notes=series_notes,
        notes_format=PLAIN, complete=False,
    )

    anonymous_values = dict(
        title="Letters at the Foot of the Lighthouse",
        rating=fixed.RATINGS[fixed.GENERAL],
        warnings=[fixed.WARNINGS[fixed.NO_WARNINGS_APPLY]],
        categories=["Gen"],
        fandoms=["Harbour Lights (TV)"],
        relationships=[],
        characters=["Keeper"],
        freeforms=["Epistolary"],
        summary="Someone leaves a letter every year.",
        notes="",
        endnotes="",
    )
    anonymous = _work(
        nell,
        title=anonymous_values["title"],
        summary=anonymous_values["summary"],
        first=KnownChapter(id=0, title=""),
        text=ANONYMOUS_TEXT,
        expected_chapters=1,
        anonymous=True,
        published_on=datetime.date(2025, 9, 9),
        tags=TagChoice(
            rating=fixed.GENERAL,
            warnings=[fixed.NO_WARNINGS_APPLY],
            categories=[21],
            fandoms="Harbour Lights (TV)",
            characters="Keeper",
            freeforms="Epistolary",
        ),
    )

    # Readers' responses.
    for reader in (orla, pim):
        kudos_services.kudos_give(work=one_shot, viewer=reader)
    kudos_services.kudos_give(work=wip, viewer=pim)
    kudos_services.kudos_counts_recount(work_ids=[one_shot.pk, wip.pk])
    comment_services.comment_create(
        work=one_shot, viewer=pim, content="The tram ticket! I had to put the phone down.",
    )
    orla_pseud = orla.pseuds.get(is_default=True)
    bookmark_services.bookmark_create(
        user=orla, pseud=orla_pseud, work=one_shot, notes="Read it twice.",
        tag_string="clocks", rec=True,
    )
    bookmark_services.bookmark_create(user=orla, pseud=orla_pseud, work=wip)
    bookmark_services.bookmark_create(
        user=orla, pseud=orla_pseud, work=series_works[0][1]
    )
    Work.objects.filter(pk=one_shot.pk).update(hit_count=1234)
    Work.objects.filter(pk=wip.pk).update(hit_count=56)

    one_shot_first = KnownChapter(id=0, title=one_shot_values["title"],
                                  paragraphs=_paragraphs(ONE_SHOT_TEXT))
    series_known = [
        _known(
            made,
            title=values["title"],
            rating=fixed.RATINGS[fixed.GENERAL],
            warnings=[fixed.WARNINGS[fixed.NO_WARNINGS_APPLY]],
            categories=["Gen"],
            fandoms=["The Salt Road (Podcast)"],
            relationships=[],
            characters=["Marit Vos"],
            freeforms=values["freeforms"],
            summary=values["summary"],
            notes="",
            endnotes="",
            chapters=[KnownChapter(id=0, title=values["title"],
                                   paragraphs=_paragraphs(text))],
            expected_chapters=1,
            series=(series_id, series_title, position),
        )
        for (position, made, values), text in zip(series_works, SERIES_TEXTS, strict=True)
    ]
    return Archive(
        one_shot=_known(one_shot, chapters=[one_shot_first], expected_chapters=1,
                        **one_shot_values),
        in_progress=_known(wip, chapters=wip_chapters, expected_chapters=5, **wip_values),
        explicit=_known(
            explicit, adult=True, expected_chapters=1,
            chapters=[KnownChapter(id=0, title=explicit_values["title"],
                                   paragraphs=_paragraphs(EXPLICIT_TEXT))],
            **explicit_values,
        ),
        restricted=_known(
            restricted, expected_chapters=1,
            chapters=[KnownChapter(id=0, title=restricted_values["title"],
                                   paragraphs=_paragraphs(RESTRICTED_TEXT))],
            **restricted_values,
        ),
        series_parts=series_known,
        anonymous=_known(
            anonymous, expected_chapters=1,
            chapters=[KnownChapter(id=0, title=anonymous_values["title"],
                                   paragraphs=_paragraphs(ANONYMOUS_TEXT))],
            **anonymous_values,
        ),
        series_id=series_id,
        series_title=series_title,
        series_description=series_description,
        series_notes=series_notes,
    )
