"""FanFicFare (PyPI ``fanficfare``), unchanged, against a live Chapterhouse
server: its AO3 adapter's metadata and chapters for every work of the known
archive (``archive.py``), the adult and restricted checks, its lists of work
addresses from a series and a user's page, and its command line making an
EPUB that epubcheck accepts."""

from __future__ import annotations

import configparser
import contextlib
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import fanficfare
import pytest
from bs4 import BeautifulSoup
from fanficfare import adapters, exceptions
from fanficfare.configurable import Configuration

from chapterhouse.accounts.models import User
from chapterhouse.exchange.tests.epubcheck import epubcheck, needs_epubcheck
from chapterhouse.works.models import Work
from chapterhouse.works.services import chapters as chapter_services
from chapterhouse.works.text import TextFormat

from .archive import CREATOR, READER

pytestmark = pytest.mark.django_db(transaction=True)

SITE = "https://archiveofourown.org"
REPO = Path(__file__).resolve().parents[2]
#: FanFicFare waits seconds between requests to spare AO3; not ours to spare here.
NO_WAITING = {"slow_down_sleep_time": "0"}


def adapter_for(url: str, **options):
    """FanFicFare's adapter for ``url`` with its own defaults.ini and ``options``
    as a user's personal.ini would set them."""
    config = Configuration(adapters.getConfigSectionsFor(url), "epub")
    config.read(os.path.join(os.path.dirname(fanficfare.__file__), "defaults.ini"))
    with contextlib.suppress(configparser.DuplicateSectionError):
        config.add_section("overrides")
    for name, value in {**NO_WAITING, **options}.items():
        config.set("overrides", name, value)
    return adapters.getAdapter(config, url)


def story_of(known, **options):
    return adapter_for(f"{SITE}/works/{known.id}", **options).getStory()


def texts(elements) -> list[str]:
    return [" ".join(element.get_text(" ").split()) for element in elements]


def assert_metadata(story, known) -> None:
    """FanFicFare sorts every list it keeps, so lists are compared sorted."""
    get = story.getMetadata
    assert get("storyId") == str(known.id)
    assert get("storyUrl") == f"{SITE}/works/{known.id}"
    assert get("title") == known.title
    if known.anonymous:
        assert get("author") == "Anonymous"
    else:
        assert story.getList("author") == [CREATOR]
        assert story.getList("authorUrl") == [f"{SITE}/users/{CREATOR}/pseuds/{CREATOR}"]
    assert get("rating") == known.rating
    assert story.getList("warnings") == sorted(known.warnings)
    assert story.getList("ao3categories") == sorted(known.categories)
    assert story.getList("fandoms") == sorted(known.fandoms)
    assert story.getList("ships") == sorted(known.relationships)
    assert story.getList("characters") == sorted(known.characters)
    assert story.getList("freeformtags") == sorted(known.freeforms)
    assert get("language") == known.language
    assert int(get("numWords").replace(",", "")) == known.words
    assert get("chapterslashtotal") == known.chapters_label
    assert int(get("numChapters")) == len(known.chapters)
    assert get("status") == ("Completed" if known.complete else "In-Progress")
    assert story.getMetadataRaw("datePublished").date() == known.published
    assert story.getMetadataRaw("dateUpdated").date() == known.updated
    assert get("hits") == f"{known.hits:,}"
    # As on AO3, the page leaves out kudos, comments and bookmarks while there are none.
    assert get("kudos") == (f"{known.kudos:,}" if known.kudos else "")
    assert get("comments") == (f"{known.comments:,}" if known.comments else "")
    assert get("bookmarks") == (f"{known.bookmarks:,}" if known.bookmarks else "")
    assert get("restricted") == ("Restricted" if known.restricted else "")
    description = BeautifulSoup(get("description"), "lxml").get_text(" ").strip()
    assert description == known.summary
    if known.series:
        series_id, title, position = known.series
        assert get("series") == f"{title} [{position}]"
        assert get("seriesUrl") == f"{SITE}/series/{series_id}"
    else:
        assert get("series") == ""


def assert_chapters(story, known) -> None:
    """Each chapter's title, text and every note FanFicFare puts around it."""
    chapters = story.getChapters()
    assert len(chapters) == len(known.chapters)
    several = len(known.chapters) > 1
    for index, (got, expected) in enumerate(zip(chapters, known.chapters, strict=True)):
        first, last = index == 0, index == len(known.chapters) - 1
        if several:
            assert got["title"] == f"{index + 1}. {expected.title}"
            assert got["url"] == f"{SITE}/works/{known.id}/chapters/{expected.id}"
        else:
            assert got["title"] == known.title
        page = BeautifulSoup(got["html"], "lxml")
        # Before the text: the work's notes (first chapter only), then the
        # chapter's summary and notes, each after FanFicFare's label.
        head = []
        if first and known.notes:
            head += ["Author's Note:", known.notes]
        if expected.summary:
            head += ["Summary for the Chapter:", expected.summary]
        if expected.notes:
            head += ["Notes for the Chapter:", expected.notes]
        found = page.select_one("div.fff_head_notes")
        assert (texts(found.find_all(["b", "blockquote"])) if found else []) == head
        body = page.select_one("div.userstuff")
        assert texts(body.find_all("p")) == expected.paragraphs
        # After it: the chapter's end notes, and the work's on the last chapter.
        foot = []
        if expected.endnotes:
            foot += ["Notes for the Chapter:", expected.endnotes]
        if last and known.endnotes:
            # A one-shot's chapter page has no chapter end notes, so FanFicFare
            # takes the work's for them (it does the same on AO3's pages).
            label = "Author's Note:" if several else "Notes for the Chapter:"
            foot += [label, known.endnotes]
        found = page.select_one("div.fff_foot_notes")
        assert (texts(found.find_all(["b", "blockquote"])) if found else []) == foot


@pytest.mark.parametrize("name", ["one_shot", "in_progress", "series_0", "series_1",
                                  "series_2", "anonymous"])
def test_metadata_and_chapters(ao3, archive, name):
    known = archive.work(name)
    story = story_of(known)
    assert_metadata(story, known)
    assert_chapters(story, known)


def test_chapter_address_finds_its_work(ao3, archive):
    known = archive.in_progress
    adapter = adapter_for(f"{SITE}/works/{known.id}/chapters/{known.chapters[2].id}")
    story = adapter.getStoryMetadataOnly()
    assert story.getMetadata("storyUrl") == f"{SITE}/works/{known.id}"
    assert story.getMetadata("title") == known.title


def test_adult_work_needs_is_adult(ao3, archive):
    known = archive.explicit
    with pytest.raises(exceptions.AdultCheckRequired):
        story_of(known)
    story = story_of(known, is_adult="true")
    assert_metadata(story, known)
    assert_chapters(story, known)


def test_restricted_work_needs_a_login(ao3, archive):
    known = archive.restricted
    with pytest.raises(exceptions.FailedToLogin):
        story_of(known)
    with pytest.raises(exceptions.FailedToLogin):
        story_of(known, username=READER, password="not the password")
    story = story_of(known, username=READER, password=archive.password)
    assert_metadata(story, known)
    assert_chapters(story, known)


def test_signed_in_reader_sees_her_bookmark_and_subscription(ao3, archive):
    """With always_login, FanFicFare reads the reader's own bookmark of the work."""
    known = archive.one_shot
    story = story_of(known, username=READER, password=archive.password, always_login="true")
    assert story.getMetadata("bookmarked") == "True"
    assert story.getList("bookmarktags") == ["clocks"]
    assert story.getMetadata("bookmarkrec") == "True"
    assert story.getMetadata("bookmarkprivate") == "False"
    assert story.getMetadata("bookmarksummary") == "Read it twice."
    assert story.getMetadata("subscribed") == "False"
    assert story.getMetadata("markedforlater") == "False"


def run_cli(server: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """FanFicFare's command line in a process of its own, its requests sent to
    ``server``; with a home of its own, so no personal.ini of the machine's."""
    boot = (
        "import sys; from tests.wire.redirect import install; install(sys.argv.pop(1)); "
        "from fanficfare.cli import main; main(sys.argv[1:])"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "HOME": str(cwd)}
    options = [value for name, v in NO_WAITING.items() for value in ("-o", f"{name}={v}")]
    return subprocess.run(
        [sys.executable, "-c", boot, server, "--non-interactive", *options, *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False,
    )


def test_cli_lists_the_works_of_a_series_and_of_a_user(ao3, archive, tmp_path):
    listed = run_cli(ao3, "-n", f"{SITE}/series/{archive.series_id}", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == [f"{SITE}/works/{k.id}" for k in archive.series_parts]

    listed = run_cli(ao3, "-n", f"{SITE}/users/{CREATOR}/works", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    # A guest's view: neither the restricted work nor the anonymous one.
    assert sorted(listed.stdout.split()) == sorted(
        f"{SITE}/works/{k.id}" for k in archive.creator_public_works
    )


@needs_epubcheck
@pytest.mark.parametrize("name", ["in_progress", "explicit"])
def test_cli_makes_an_epub_that_epubcheck_accepts(ao3, archive, tmp_path, name):
    known = getattr(archive, name)
    made = run_cli(ao3, "-f", "epub", "-o", "is_adult=true",
                   "-o", "output_filename=book${formatext}", f"{SITE}/works/{known.id}",
                   cwd=tmp_path)
    assert made.returncode == 0, made.stdout + made.stderr
    book = tmp_path / "book.epub"
    assert book.exists(), made.stdout + made.stderr
    assert epubcheck(book) == []
    with zipfile.ZipFile(book) as epub:
        package = next(n for n in epub.namelist() if n.endswith(".opf"))
        opf = BeautifulSoup(epub.read(package), "xml")
        pages = " ".join(
            epub.read(n).decode() for n in epub.namelist() if n.endswith((".xhtml", ".html"))
        )
    assert opf.find("title").text == known.title
    assert opf.find("creator").text == CREATOR
    for chapter in known.chapters:
        for paragraph in chapter.paragraphs:
            assert paragraph.replace("'", "&#x27;") in pages or paragraph in pages


@needs_epubcheck
def test_cli_updates_an_epub_when_a_chapter_is_posted(ao3, archive, tmp_path):
    known = archive.in_progress
    url = f"{SITE}/works/{known.id}"
    made = run_cli(ao3, "-f", "epub", "-o", "output_filename=book${formatext}", url,
                   cwd=tmp_path)
    assert made.returncode == 0, made.stdout + made.stderr
    book = tmp_path / "book.epub"
    before = chapter_files(book)
    assert len(before) == 3

    text = "The switch was thrown at dusk, and every lamp on the wall came on at once."
    chapter_services.chapter_create(
        user=User.objects.get(username=CREATOR),
        work=Work.objects.get(pk=known.id),
        fields=chapter_services.ChapterFields(title="Switch", content=text,
                                              content_format=TextFormat.PLAIN),
        post=True,
    )
    updated = run_cli(ao3, "-u", str(book), cwd=tmp_path)
    assert updated.returncode == 0, updated.stdout + updated.stderr
    after = chapter_files(book)
    assert len(after) == 4
    assert text in after[-1]
    assert epubcheck(book) == []


def chapter_files(book: Path) -> list[str]:
    """The text of each chapter page of a FanFicFare EPUB, in order."""
    with zipfile.ZipFile(book) as epub:
        names = sorted(
            (n for n in epub.namelist() if re.search(r"file\d+\.xhtml$", n)),
            key=lambda n: int(re.search(r"(\d+)\.xhtml$", n).group(1)),
        )
        return [epub.read(n).decode() for n in names]
