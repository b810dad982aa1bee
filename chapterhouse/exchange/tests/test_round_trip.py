"""The round trip: every demo work, downloaded and imported into a fresh
archive, comes back the same.

Each posted demo work is exported as its AO3-style download (HTML, then
EPUB), what the downloads show (``document_for``) is noted, every work is
deleted, and an importer account imports each file with ``parse_ao3_*`` and
``work_import``. What the downloads of the imported work show must equal the
note: title, creators (kept on the import record), tags, language, series,
notes, each chapter, dates, chapter count and words.

The work's anonymity and restriction are not in an AO3 file, and the
imported work belongs to the importer: those are left out of the comparison.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import lxml.html
import pytest

from chapterhouse import demo
from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.exchange.downloads.document import DownloadDocument, document_for
from chapterhouse.exchange.downloads.files import download_bytes
from chapterhouse.exchange.importing.ao3 import parse_ao3_epub, parse_ao3_html
from chapterhouse.exchange.importing.services import work_import
from chapterhouse.exchange.models import ImportedWork
from chapterhouse.works.models import Chapter, Work

DATA = Path(__file__).parent / "data" / "ao3"


def normalised(html: str) -> str:
    """HTML as its elements and text, whitespace-insensitive: the same
    elements in the same nesting with the same words compare equal."""
    if not (html or "").strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    out: list[str] = []

    def walk(el) -> None:
        if not isinstance(el.tag, str):  # comments
            return
        attrs = " ".join(f'{k}="{" ".join(v.split())}"' for k, v in sorted(el.attrib.items()))
        out.append(f"<{el.tag}{' ' + attrs if attrs else ''}>")
        if el.text and el.text.strip():
            out.append(" ".join(el.text.split()))
        for child in el:
            walk(child)
            if child.tail and child.tail.strip():
                out.append(" ".join(child.tail.split()))
        out.append(f"</{el.tag}>")

    walk(root)
    return re.sub(r"\s+", " ", " ".join(out)).strip()


def _shown(doc: DownloadDocument, creators: tuple[str, ...]) -> dict:
    """What a reader of the download sees, as comparable values."""
    return {
        "title": doc.title,
        "creators": creators,
        "tag groups": tuple((g.label, g.names) for g in doc.tag_groups),
        "language": doc.language_code,
        "series": tuple((s.title, s.position) for s in doc.series),
        "summary": normalised(doc.summary_html),
        "notes": normalised(doc.notes_html),
        "end notes": normalised(doc.endnotes_html),
        "chapters": tuple(
            {
                "title": c.title,
                "summary": normalised(c.summary_html),
                "notes": normalised(c.notes_html),
                "end notes": normalised(c.endnotes_html),
                "text": normalised(c.content_html),
                "published": c.published_on,
                "words": c.word_count,
            }
            for c in doc.chapters
        ),
        "published": doc.published_on,
        "updated": doc.updated_on,
        "chapters N/M": doc.chapters_display,
        "words": doc.word_count,
    }


def _differences(before: dict, after: dict) -> list[str]:
    found = []
    for key, want in before.items():
        got = after[key]
        if key == "chapters" and len(got) == len(want):
            for number, (c_want, c_got) in enumerate(zip(want, got, strict=True), start=1):
                found.extend(
                    f"chapter {number} {field}: {c_want[field]!r} != {c_got[field]!r}"
                    for field in c_want
                    if c_want[field] != c_got[field]
                )
        elif got != want:
            found.append(f"{key}: {want!r} != {got!r}")
    return found


def _series_order(doc: DownloadDocument) -> tuple:
    """Import works in their series' order, so each lands at its old place."""
    return tuple((s.title, s.position) for s in doc.series) or (("", 0),)


def round_trip(fmt: str, parse) -> list[str]:
    demo.load()
    exported = []
    for work in Work.objects.filter(posted=True).order_by("pk"):
        doc = document_for(work)
        data = download_bytes(work, fmt)
        assert data, f"{work.title}: empty {fmt} download"
        exported.append((doc, data))
    assert len(exported) >= 5, "the demo should have several posted works"

    Work.objects.all().delete()
    importer = UserFactory(username="archive_importer")

    problems = []
    for doc, data in sorted(exported, key=lambda pair: _series_order(pair[0])):
        try:
            parsed = parse(data)
            work = work_import(actor=importer, parsed=parsed)
        except Exception as error:  # noqa: BLE001 - report every work, not the first
            problems.append(f"{doc.title!r}: import failed: {error!r}")
            continue
        record = ImportedWork.objects.get(work=work)
        original = tuple(n for n in record.original_creators.split(", ") if n)
        before = _shown(doc, doc.creators)
        after = _shown(document_for(work), original)
        problems.extend(f"{doc.title!r} ({fmt}): {diff}" for diff in _differences(before, after))
    return problems


@pytest.fixture
def _download_cache(settings, tmp_path):
    settings.DOWNLOADS_CACHE_DIR = str(tmp_path / "downloads")


@pytest.mark.django_db
@pytest.mark.usefixtures("_download_cache")
def test_every_demo_work_survives_html_download_and_import():
    problems = round_trip("html", parse_ao3_html)
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
@pytest.mark.usefixtures("_download_cache")
def test_every_demo_work_survives_epub_download_and_import():
    problems = round_trip("epub", parse_ao3_epub)
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
@pytest.mark.usefixtures("_download_cache")
@pytest.mark.parametrize(("fmt", "parse"), [("html", parse_ao3_html), ("epub", parse_ao3_epub)])
def test_work_with_notes_everywhere_and_a_series_survives_the_round_trip(fmt, parse):
    """The demo has few notes; this work has a summary, notes and end notes on
    the work and its chapters, two fandoms, a series and an unfinished count."""
    writer = UserFactory(username="ledger_writer")
    source = (DATA / "multichapter.html").read_bytes()
    first = work_import(actor=writer, parsed=parse_ao3_html(source))
    doc = document_for(first)
    assert doc.chapters[0].notes_html and doc.chapters[2].endnotes_html and doc.series
    data = download_bytes(first, fmt)

    Work.objects.all().delete()
    importer = UserFactory(username="archive_importer")
    again = work_import(actor=importer, parsed=parse(data))

    record = ImportedWork.objects.get(work=again)
    before = _shown(doc, doc.creators)
    after = _shown(document_for(again), tuple(record.original_creators.split(", ")))
    assert _differences(before, after) == []
    assert after["chapters N/M"] == "3/?" and after["series"] == (("Dispatches, Nightly", 1),)


def _work_with_dated_chapters():
    writer = UserFactory(username="ledger_writer")
    source = (DATA / "multichapter.html").read_bytes()
    work = work_import(actor=writer, parsed=parse_ao3_html(source))
    for chapter, day in zip(work.chapters.order_by("position"),
                            (datetime.date(2020, 3, 14), datetime.date(2020, 4, 2),
                             datetime.date(2020, 6, 1)), strict=True):
        Chapter.objects.filter(pk=chapter.pk).update(published_on=day)
    return work


@pytest.mark.django_db
@pytest.mark.usefixtures("_download_cache")
@pytest.mark.parametrize(("fmt", "parse"), [("html", parse_ao3_html), ("epub", parse_ao3_epub)])
def test_each_chapters_own_date_survives_the_round_trip(fmt, parse):
    first = _work_with_dated_chapters()
    doc = document_for(first)
    data = download_bytes(first, fmt)
    Work.objects.all().delete()
    again = work_import(actor=UserFactory(), parsed=parse(data))
    assert [c.published_on for c in document_for(again).chapters] == [
        c.published_on for c in doc.chapters
    ]


def test_normalised_html_ignores_whitespace_but_not_elements_or_words():
    assert normalised("<p>One  two</p>\n<p>three</p>") == normalised("<p>One two</p><p>three</p>")
    assert normalised("<p>One <em>two</em></p>") != normalised("<p>One two</p>")
    assert normalised("<p>One two</p>") != normalised("<p>One three</p>")
