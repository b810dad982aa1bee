"""The download addresses over HTTP, the disk cache and the work page's links."""

import io
import re
import sys
import zipfile

import pytest
import requests
from bs4 import BeautifulSoup
from django.test import Client

from chapterhouse.exchange.downloads import files
from chapterhouse.exchange.downloads import views as download_views
from chapterhouse.exchange.downloads.links import download_filename
from chapterhouse.exchange.downloads.views import JINJA_GLOBALS
from chapterhouse.exchange.tests.test_downloads_kindle import needs_calibre
from chapterhouse.works.models import Chapter
from chapterhouse.works.services.chapters import chapter_fields_of, chapter_update
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

TYPES = {
    "azw3": "application/vnd.amazon.ebook",
    "mobi": "application/x-mobipocket-ebook",
    "epub": "application/epub+zip",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}


@pytest.fixture(autouse=True)
def _cache_dir(settings, tmp_path):
    settings.DOWNLOADS_CACHE_DIR = tmp_path / "downloads"
    return settings.DOWNLOADS_CACHE_DIR


def _url(work, fmt):
    return f"/downloads/{work.pk}/{download_filename(work.title, fmt)}"


def _cached(cache_dir, work, fmt):
    folder = cache_dir / str(work.pk)
    return sorted(folder.glob(f"*.{fmt}")) if folder.is_dir() else []


class _Counting:
    """Wraps a format's renderer and counts its calls."""

    def __init__(self, monkeypatch, fmt):
        self.calls = 0
        real = files.renderer(fmt)

        def counted(doc):
            self.calls += 1
            return real(doc)

        original = files.renderer
        monkeypatch.setattr(
            files, "renderer", lambda asked: counted if asked == fmt else original(asked)
        )


# Answers ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["html", "txt"])
def test_guest_downloads_a_public_work(client, work, fmt):
    response = client.get(_url(work, fmt))

    assert response.status_code == 200
    assert response["Content-Type"] == TYPES[fmt]
    assert response["Content-Disposition"] == f'attachment; filename="The_Salt_Road.{fmt}"'
    body = b"".join(response.streaming_content).decode("utf-8")
    assert "The Salt Road" in body and "Chapters: 1/1" in body
    assert response["ETag"]


def test_title_part_of_the_address_is_ignored(client, work):
    response = client.get(f"/downloads/{work.pk}/An_Old_Title.html")

    assert response.status_code == 200
    assert 'filename="The_Salt_Road.html"' in response["Content-Disposition"]


def test_unknown_format_and_unknown_work_are_404(client, work):
    assert client.get(f"/downloads/{work.pk}/x.lit").status_code == 404
    assert client.get("/downloads/999999/x.html").status_code == 404


def test_draft_is_404_even_for_its_creator(creator, creator_client):
    draft = WorkFactory(creator=creator, posted=False)

    response = creator_client.get(_url(draft, "html"))

    assert response.status_code == 404
    assert b"error-404" in response.content


def test_hidden_work_is_404_for_readers(client, reader_client, creator):
    hidden = WorkFactory(creator=creator, hidden_by_admin=True)

    assert client.get(_url(hidden, "html")).status_code == 404
    assert reader_client.get(_url(hidden, "txt")).status_code == 404


def test_guest_gets_the_log_in_page_for_a_restricted_work(client, creator):
    locked = WorkFactory(creator=creator, restricted=True, title="Behind Glass")

    response = client.get(_url(locked, "html"))

    assert response.status_code == 302
    assert response["Location"] == "/users/login?restricted=true"
    assert "Content-Disposition" not in response
    page = BeautifulSoup(client.get(response["Location"]).content, "html.parser")
    assert "only available to registered users" in page.get_text()
    assert page.select_one("form#new_user") is not None
    assert "Behind Glass" not in page.get_text()


def test_log_in_page_returns_to_the_download_on_one_slash(client, creator):
    locked = WorkFactory(creator=creator, restricted=True)

    response = client.get("/", PATH_INFO=f"//downloads/{locked.pk}/x.epub")
    assert response["Location"] == "/users/login?restricted=true"

    page = client.get(response["Location"])
    field = BeautifulSoup(page.content, "html.parser").select_one("input[name=next]")
    assert field["value"] == f"/downloads/{locked.pk}/x.epub"


def test_signed_in_reader_gets_a_restricted_work(reader_client, creator):
    locked = WorkFactory(creator=creator, restricted=True, title="Behind Glass")

    response = reader_client.get(_url(locked, "txt"))

    assert response.status_code == 200
    assert "Behind Glass" in b"".join(response.streaming_content).decode()
    assert response["Cache-Control"].startswith("private")


def test_doubled_leading_slash_works(client, work):
    # The test client reads "//downloads/…" as a host name, so give the path directly.
    response = client.get("/", PATH_INFO=f"//downloads/{work.pk}/x.html")

    assert response.status_code == 200
    assert response["Content-Type"] == TYPES["html"]


def test_doubled_leading_slash_over_a_real_server(live_server, work):
    response = requests.get(f"{live_server.url}//downloads/{work.pk}/x.txt", timeout=20)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == TYPES["txt"]
    assert "The Salt Road" in response.text


def test_unchanged_file_answers_304_to_its_etag(client, work):
    first = client.get(_url(work, "html"))

    again = client.get(_url(work, "html"), HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304


def test_post_is_not_allowed(client, work):
    assert client.post(_url(work, "html")).status_code == 405


# Anonymous works ------------------------------------------------------------------


def _file_text(fmt, data: bytes) -> str:
    if fmt == "epub":
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            return " ".join(
                book.read(name).decode("utf-8", "replace") for name in book.namelist()
            )
    if fmt == "pdf":
        import subprocess

        done = subprocess.run(
            ["/usr/bin/pdftotext", "-", "-"], input=data, capture_output=True, check=True
        )
        return done.stdout.decode("utf-8", "replace")
    return data.decode("utf-8")


@pytest.mark.parametrize("fmt", ["html", "txt", "epub", "pdf"])
def test_anonymous_work_names_nobody_in_any_format(client, creator, fmt):
    work = WorkFactory(creator=creator, anonymous=True, title="Unsigned Letter")

    response = client.get(_url(work, fmt))

    assert response.status_code == 200
    body = _file_text(fmt, b"".join(response.streaming_content))
    assert "Anonymous" in body
    assert "wren_writer" not in body
    assert "/users/" not in body


# The cache ------------------------------------------------------------------------


def test_second_download_comes_from_disk(monkeypatch, work, _cache_dir):
    counter = _Counting(monkeypatch, "html")

    first = files.download_bytes(work, "html")
    second = files.download_bytes(work, "html")

    assert counter.calls == 1
    assert first == second
    assert len(_cached(_cache_dir, work, "html")) == 1


def test_a_hit_or_kudos_does_not_throw_the_file_away(monkeypatch, work):
    counter = _Counting(monkeypatch, "txt")
    files.download_bytes(work, "txt")

    work.hit_count += 5
    work.kudos_count += 1
    work.save()
    files.download_bytes(work, "txt")

    assert counter.calls == 1


def test_editing_a_chapter_makes_a_new_file(monkeypatch, creator, work, _cache_dir):
    counter = _Counting(monkeypatch, "txt")
    before = files.download_bytes(work, "txt").decode()
    chapter = work.chapters.get()
    fields = chapter_fields_of(chapter)
    fields.content = "<p>The tide came in over the causeway.</p>"

    chapter_update(user=creator, chapter=chapter, fields=fields)
    after = files.download_bytes(work, "txt").decode()

    assert counter.calls == 2
    assert "rain against the glass" in before
    assert "The tide came in over the causeway." in after
    assert "rain against the glass" not in after
    assert len(_cached(_cache_dir, work, "txt")) == 1  # the old file is gone


def test_renaming_a_tag_or_pseud_makes_a_new_file(work):
    first = files.download_bytes(work, "html").decode()
    tag = work.tags.get(name="Lighthouse Keepers")
    tag.name = "Keepers of Lighthouses"
    tag.save()
    pseud = work.creatorships.get().pseud
    pseud.name = "Wren"
    pseud.save()

    second = files.download_bytes(work, "html").decode()

    assert "Lighthouse Keepers" in first
    assert "Keepers of Lighthouses" in second and "Wren (wren_writer)" in second


def test_new_chapter_shows_in_the_next_download(client, creator):
    work = WorkFactory(creator=creator, chapters=2)
    assert "Chapters: 2/?" in files.download_bytes(work, "txt").decode()
    Chapter.objects.create(work=work, position=3, content="<p>Third.</p>", posted=True)

    text = files.download_bytes(work, "txt").decode()

    assert "Chapters: 3/?" in text and "Third." in text


def test_failing_renderer_leaves_no_file(monkeypatch, work, _cache_dir):
    def broken(doc):
        raise RuntimeError("renderer broke")

    monkeypatch.setattr(files, "renderer", lambda fmt: broken)

    with pytest.raises(RuntimeError):
        files.download_bytes(work, "html")

    folder = _cache_dir / str(work.pk)
    assert not folder.exists() or list(folder.iterdir()) == []


def test_partial_write_leaves_no_file(monkeypatch, work, _cache_dir):
    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", failing_replace)

    with pytest.raises(OSError):
        files.download_bytes(work, "txt")

    assert list((_cache_dir / str(work.pk)).iterdir()) == []


# Fresh renders are limited per address ------------------------------------------


@pytest.fixture
def _two_fresh_renders(monkeypatch):
    """Two fresh renders per address in the window, so the limit is reached quickly."""
    monkeypatch.setattr(download_views, "FRESH_RENDER_RATE", {"count": 2, "window": 600})


@pytest.mark.usefixtures("_two_fresh_renders")
def test_too_many_fresh_renders_answer_429_and_render_nothing(
    monkeypatch, client, creator, _cache_dir
):
    works = [WorkFactory(creator=creator, title=f"Tide Table {n}") for n in range(3)]
    counter = _Counting(monkeypatch, "html")
    assert client.get(_url(works[0], "html")).status_code == 200
    assert client.get(_url(works[1], "html")).status_code == 200

    refused = client.get(_url(works[2], "html"))

    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert 0 < wait <= 600
    page = BeautifulSoup(refused.content, "html.parser")
    assert page.select_one("h2.heading").get_text() == "Too Many Requests"
    assert "Please try again in 10 minutes" in page.get_text()
    assert counter.calls == 2
    assert _cached(_cache_dir, works[2], "html") == []


@pytest.mark.usefixtures("_two_fresh_renders")
def test_cached_files_still_download_when_the_limit_is_reached(monkeypatch, client, creator):
    works = [WorkFactory(creator=creator, title=f"Tide Table {n}") for n in range(3)]
    files.download_bytes(works[2], "epub")  # already on disk (another reader asked for it)
    for work in works[:2]:
        assert client.get(_url(work, "html")).status_code == 200
    assert client.get(_url(works[2], "html")).status_code == 429
    counter = _Counting(monkeypatch, "html")

    for _ in range(5):
        again = client.get(_url(works[0], "html"))
        assert again.status_code == 200
        assert b"Tide Table 0" in b"".join(again.streaming_content)
    assert client.get(_url(works[2], "epub")).status_code == 200
    assert counter.calls == 0


@pytest.mark.usefixtures("_two_fresh_renders")
def test_cached_hits_do_not_count_towards_the_limit(client, creator):
    works = [WorkFactory(creator=creator, title=f"Tide Table {n}") for n in range(3)]
    for _ in range(4):
        assert client.get(_url(works[0], "txt")).status_code == 200

    assert client.get(_url(works[1], "txt")).status_code == 200  # the second fresh render
    assert client.get(_url(works[2], "txt")).status_code == 429


@pytest.mark.usefixtures("_two_fresh_renders")
def test_the_limit_counts_each_address_apart(creator):
    works = [WorkFactory(creator=creator, title=f"Tide Table {n}") for n in range(4)]
    first, second = Client(REMOTE_ADDR="192.0.2.10"), Client(REMOTE_ADDR="192.0.2.20")
    for work in works[:2]:
        assert first.get(_url(work, "txt")).status_code == 200
    assert first.get(_url(works[2], "txt")).status_code == 429

    assert second.get(_url(works[2], "txt")).status_code == 200
    assert second.get(_url(works[3], "txt")).status_code == 200


# The work page's links --------------------------------------------------------------


def _download_links(response):
    page = BeautifulSoup(response.content, "html.parser")
    menu = page.select("ul.work.navigation.actions > li.download")
    assert len(menu) == 1
    assert menu[0]["aria-haspopup"] == "true"
    return [(a.get_text(), a["href"]) for a in menu[0].select("ul.expandable.secondary > li > a")]


@needs_calibre
def test_work_page_links_each_format_and_each_link_works(work):
    """AO3's five links, in AO3's order, each answering a real file of its type
    (the only test here that converts: AZW3 and MOBI take seconds each)."""
    reader = Client()
    links = _download_links(reader.get(f"/works/{work.pk}?view_adult=true"))

    assert [label for label, _href in links] == ["AZW3", "EPUB", "MOBI", "PDF", "HTML"]
    for label, href in links:
        assert re.match(rf"^/downloads/{work.pk}/[^/?]+\.\w+\?updated_at=\d+$", href)
        response = reader.get(href)
        assert response.status_code == 200, label
        assert response["Content-Type"] == TYPES[label.lower()]
        data = b"".join(response.streaming_content)
        if label == "EPUB":
            assert zipfile.ZipFile(io.BytesIO(data)).read("mimetype") == b"application/epub+zip"
        elif label in ("AZW3", "MOBI"):
            assert data[60:68] == b"BOOKMOBI"
        elif label == "PDF":
            assert data.startswith(b"%PDF-")
        else:
            assert b'id="chapters" class="userstuff"' in data


def test_work_page_links_with_the_jinja_global(monkeypatch, settings, work):
    from django.template import engines

    env = engines["jinja2"].env
    for name, value in JINJA_GLOBALS.items():
        monkeypatch.setitem(env.globals, name, value)
    settings.EBOOK_CONVERT = sys.executable  # any program: only its presence is asked

    links = _download_links(Client().get(f"/works/{work.pk}?view_adult=true"))

    stamp = int(work.updated_at.timestamp())
    assert links == [
        (label, f"/downloads/{work.pk}/The_Salt_Road.{label.lower()}?updated_at={stamp}")
        for label in ("AZW3", "EPUB", "MOBI", "PDF", "HTML")
    ]


def test_without_ebook_convert_azw3_and_mobi_are_neither_linked_nor_served(
    settings, client, work
):
    settings.EBOOK_CONVERT = "/nonexistent/ebook-convert"

    links = _download_links(client.get(f"/works/{work.pk}?view_adult=true"))

    assert [label for label, _href in links] == ["EPUB", "PDF", "HTML"]
    assert client.get(_url(work, "azw3")).status_code == 404
    assert client.get(_url(work, "mobi")).status_code == 404
    help_page = BeautifulSoup(client.get("/help/downloads.html").content, "html.parser")
    notice = help_page.select_one("#kindle-unavailable").get_text(" ", strip=True)
    assert "AZW3 and MOBI files are not offered" in " ".join(notice.split())
    assert "ebook-convert" in notice
    assert "This site offers EPUB, PDF, HTML." in " ".join(help_page.get_text(" ").split())


def test_with_ebook_convert_the_downloads_help_offers_all_five(settings, client):
    settings.EBOOK_CONVERT = sys.executable  # any program: only its presence is asked

    page = client.get("/help/downloads.html")

    assert page.status_code == 200
    help_page = BeautifulSoup(page.content, "html.parser")
    assert help_page.select_one("#kindle-unavailable") is None
    text = " ".join(help_page.get_text(" ").split())
    assert "This site offers AZW3, EPUB, MOBI, PDF, HTML." in text
    assert [dt.get_text() for dt in help_page.select("dl.download-formats dt")] == [
        "AZW3", "EPUB", "MOBI", "PDF", "HTML"
    ]
    footer = BeautifulSoup(client.get("/").content, "html.parser").select_one("#footer")
    assert footer.find("a", href="/help/downloads.html")


def test_draft_page_has_no_download_menu(creator, creator_client):
    draft = WorkFactory(creator=creator, posted=False)

    response = creator_client.get(f"/works/{draft.pk}?view_adult=true")

    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    assert page.select_one("ul.work.navigation.actions") is not None
    assert page.select("li.download") == []


# Unsafe text ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["html", "txt", "epub"])
def test_no_script_reaches_a_file(client, creator, fmt):
    work = WorkFactory(
        creator=creator, summary='<p>Calm<script>alert("x")</script></p>',
        notes='<p onmouseover="steal()">Notes</p>',
    )
    Chapter.objects.filter(work=work).update(
        content='<p>Sea</p><script src="https://evil.example/x.js"></script>'
    )

    body = _file_text(fmt, b"".join(client.get(_url(work, fmt)).streaming_content))

    assert "<script" not in body.lower()
    assert "alert(" not in body and "steal()" not in body and "evil.example" not in body
    assert "Calm" in body and "Sea" in body


# Text saved before the text pipeline's limits -----------------------------------------


@pytest.mark.parametrize("fmt", ["html", "txt", "epub", "pdf"])
def test_a_chapter_saved_before_the_nesting_limit_still_downloads_as_text(client, work, fmt):
    """Rows written before the pipeline refused deep nesting are re-sanitised for
    downloads; instead of failing, the too-deep part arrives as its plain words."""
    deep = "<div>" * 3000 + "Beacons lit along the headland" + "</div>" * 3000
    Chapter.objects.filter(work=work).update(content=deep)

    response = client.get(_url(work, fmt))

    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    if fmt in ("html", "txt"):
        assert "Beacons lit along the headland" in body.decode("utf-8")
        assert "<div><div>" not in body.decode("utf-8")
