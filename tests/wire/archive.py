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

    def work(self, name: str) -> KnownWork:
        """A work by a test's parameter name: an attribute's, or ``series_N``."""
        if name.startswith("series_"):
            return self.series_parts[int(name.removeprefix("series_"))]
        return getattr(self, name)

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


@dataclass
class Spec:
    """One work as its writer fills in the form: fixed tags by AO3's ids, typed
    tags as lists, and the texts."""

    title: str
    text: str
    rating: int = fixed.GENERAL
    warnings: tuple[int, ...] = (fixed.NO_WARNINGS_APPLY,)
    categories: tuple[int, ...] = (21,)
    fandoms: tuple[str, ...] = ("The Salt Road (Podcast)",)
    relationships: tuple[str, ...] = ()
    characters: tuple[str, ...] = ()
    freeforms: tuple[str, ...] = ()
    summary: str = ""
    notes: str = ""
    endnotes: str = ""
    chapter: KnownChapter | None = None  # the first chapter's title and preface
    form: dict = field(default_factory=dict)  # the rest of the work form

    def post(self, user) -> Work:
        first = self.chapter or KnownChapter(id=0, title="")
        fields = posting.WorkFields(
            title=self.title,
            summary=self.summary,
            notes=self.notes,
            endnotes=self.endnotes,
            tags=TagChoice(
                rating=self.rating,
                warnings=list(self.warnings),
                categories=list(self.categories),
                fandoms=", ".join(self.fandoms),
                relationships=", ".join(self.relationships),
                characters=", ".join(self.characters),
                freeforms=", ".join(self.freeforms),
            ),
            summary_format=PLAIN,
            notes_format=PLAIN,
            endnotes_format=PLAIN,
            content_format=PLAIN,
            chapter_title=first.title,
            content=self.text,
            **{"expected_chapters": 1, **self.form},
        )
        return posting.work_create(user=user, fields=fields, post=True)

    def known(self, work: Work, *, chapters: list[KnownChapter] | None = None,
              series: tuple[int, str, int] | None = None) -> KnownWork:
        """The work as a reader should see it: the spec's values by name, and
        what the site worked out itself (ids, words, dates, counts) from the
        database, after everything else was done."""
        work.refresh_from_db()
        chapters = chapters or [
            KnownChapter(id=0, title=self.title, paragraphs=_paragraphs(self.text))
        ]
        for chapter, row in zip(chapters, work.chapters.order_by("position"), strict=True):
            chapter.id = row.pk
        latest = max(row.published_on for row in work.chapters.filter(posted=True))
        return KnownWork(
            id=work.pk,
            title=self.title,
            rating=fixed.RATINGS[self.rating],
            warnings=[fixed.WARNINGS[pk] for pk in self.warnings],
            categories=[fixed.CATEGORIES[pk] for pk in self.categories],
            fandoms=list(self.fandoms),
            relationships=list(self.relationships),
            characters=list(self.characters),
            freeforms=list(self.freeforms),
            summary=self.summary,
            notes=self.notes,
            endnotes=self.endnotes,
            chapters=chapters,
            expected_chapters=work.expected_chapters,
            series=series,
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
        )


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

    one_shot_spec = Spec(
        title="The Tide Clock",
        text=ONE_SHOT_TEXT,
        rating=fixed.TEEN,
        categories=(116,),
        relationships=("Marit Vos/June Okafor",),
        characters=("Marit Vos", "June Okafor"),
        freeforms=("Clockmakers", "Slow Burn", "Harbour Towns"),
        summary="A harbour clock that has been wrong for eleven years, and the only person "
        "who minds.",
        notes="Written for a friend who collects broken clocks.",
        endnotes="The title came from a song I had on repeat. I'll fix any canon slips after "
        "my next relisten; tell me if you spot a glaring one.",
        form={"published_on": datetime.date(2024, 3, 9)},
    )
    one_shot = one_shot_spec.post(nell)

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
    wip_spec = Spec(
        title="Lamps Along the Breakwater",
        text=WIP_TEXTS[0],
        warnings=(fixed.CHOSE_NOT_TO_WARN,),
        categories=(21, 22),
        fandoms=("The Salt Road (Podcast)", "Harbour Lights (TV)"),
        relationships=("Ines Varga/Teodor Lind",),
        characters=("Teodor Lind", "Ines Varga"),
        freeforms=("Lighthouses", "Enemies to Friends"),
        summary="The breakwater lamps were lit by hand until somebody decided they "
        "should not be.",
        notes="A crossover nobody asked for.",
        endnotes="Thank you for reading along while it is still being written.",
        chapter=wip_chapters[0],
        form={"expected_chapters": 5, "published_on": datetime.date(2025, 11, 2)},
    )
    wip = wip_spec.post(nell)
    chapter_services.chapter_update(
        user=nell, chapter=wip.chapters.get(position=1),
        fields=_chapter_fields(wip_chapters[0], WIP_TEXTS[0]),
    )
    for known, text in zip(wip_chapters[1:], WIP_TEXTS[1:], strict=True):
        chapter_services.chapter_create(
            user=nell, work=wip, fields=_chapter_fields(known, text), post=True
        )

    # Behind the adult-content notice; restricted to signed-in readers; anonymous.
    explicit_spec = Spec(
        title="One Blanket",
        text=EXPLICIT_TEXT,
        rating=fixed.EXPLICIT,
        categories=(23,),
        fandoms=("Harbour Lights (TV)",),
        relationships=("Teodor Lind/Keeper",),
        characters=("Teodor Lind", "Keeper"),
        freeforms=("Snowed In", "Only One Bed"),
        summary="The storm cuts the causeway. The lighthouse has one bed.",
        form={"published_on": datetime.date(2025, 2, 14)},
    )
    explicit = explicit_spec.post(nell)
    restricted_spec = Spec(
        title="Minutes of the Harbour Meeting",
        text=RESTRICTED_TEXT,
        characters=("June Okafor",),
        freeforms=("Members Only",),
        summary="For the people who were there.",
        form={"restricted": True, "published_on": datetime.date(2025, 6, 1)},
    )
    restricted = restricted_spec.post(nell)
    anonymous_spec = Spec(
        title="Letters at the Foot of the Lighthouse",
        text=ANONYMOUS_TEXT,
        fandoms=("Harbour Lights (TV)",),
        characters=("Keeper",),
        freeforms=("Epistolary",),
        summary="Someone leaves a letter every year.",
        form={"anonymous": True, "published_on": datetime.date(2025, 9, 9)},
    )
    anonymous = anonymous_spec.post(nell)

    # A series of three one-shots; the middle one is in French.
    series_title = "The Lantern Year"
    series_specs = [
        Spec(title="Spring Lanterns", text=SERIES_TEXTS[0], characters=("Marit Vos",),
             freeforms=("Festivals",), summary="Nobody remembers how to fold the paper."),
        Spec(title="Lanternes d'été", text=SERIES_TEXTS[1], characters=("Marit Vos",),
             freeforms=("Festivals", "Summer"), summary="Les lanternes reviennent avec la marée.",
             form={"language": "fr"}),
        Spec(title="Autumn Lanterns", text=SERIES_TEXTS[2], characters=("Marit Vos",),
             freeforms=("Festivals", "Endings"), summary="The last lantern does not come back."),
    ]
    series_works = []
    series_id = None
    for position, spec in enumerate(series_specs, start=1):
        spec.form.update(
            published_on=datetime.date(2025, 3 + 3 * position, 1),
            new_series_title=series_title if series_id is None else "",
            series_id=series_id,
        )
        made = spec.post(nell)
        series_id = made.series_parts.get().series_id
        series_works.append(made)
    series_description = "Four seasons of paper lanterns on one harbour."
    series_notes = "Winter is still being written."
    series_services.series_update(
        user=nell, series=Series.objects.get(pk=series_id), title=series_title,
        summary=series_description, summary_format=PLAIN, notes=series_notes,
        notes_format=PLAIN, complete=False,
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
    bookmark_services.bookmark_create(user=orla, pseud=orla_pseud, work=series_works[0])
    Work.objects.filter(pk=one_shot.pk).update(hit_count=1234)
    Work.objects.filter(pk=wip.pk).update(hit_count=56)

    return Archive(
        one_shot=one_shot_spec.known(one_shot),
        in_progress=wip_spec.known(wip, chapters=wip_chapters),
        explicit=explicit_spec.known(explicit),
        restricted=restricted_spec.known(restricted),
        series_parts=[
            spec.known(made, series=(series_id, series_title, position))
            for position, (spec, made) in enumerate(
                zip(series_specs, series_works, strict=True), start=1
            )
        ],
        anonymous=anonymous_spec.known(anonymous),
        series_id=series_id,
        series_title=series_title,
        series_description=series_description,
        series_notes=series_notes,
    )
