"""Taking works away and bringing them in: a writer imports her Markdown file
and posts it, downloads it as an EPUB from the work page and gets a real
book; a reader makes an API token on her settings page and leaves kudos
through the API, which the writer sees on the page; an e-reader app finds
the work in the OPDS catalogue and downloads the same book."""

import io
import zipfile

import pytest
import requests
from lxml import etree
from playwright.sync_api import expect

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.works.models import Work

from .journeys import log_in, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MARKDOWN = """# The Tin Orchard

## Chapter 1: Blossom

The orchard was tin from root to crown, and it rang when the wind came down
off the hill.

Marit oiled the hinges of the oldest tree every spring.

## Chapter 2: Frost

In the hard winter the leaves froze together and chimed all night.

Notes:
The title came from a song my grandmother hummed. Send word of any glaring error.
"""


def test_import_download_api_token_kudos_and_opds(browser, live_server, artifacts):
    UserFactory(username="wren")
    UserFactory(username="lark")

    # The writer imports her Markdown file and posts it at once.
    writer = new_page(browser, live_server)
    log_in(writer, "wren")
    writer.get_by_role("link", name="Import a Work").click()
    expect(writer.locator("h2.heading").first).to_contain_text("Import")
    writer.locator("#id_file").set_input_files(
        {"name": "tin_orchard.md", "mimeType": "text/markdown", "buffer": MARKDOWN.encode()}
    )
    writer.locator("#id_fandoms").fill("Harbour Lights (Film)")
    writer.locator("#id_fandoms").press("Escape")  # close the autocomplete list
    writer.get_by_label("Post now").check()
    writer.locator("#import-form input[type=submit]").click()

    expect(writer.locator("h2.title.heading")).to_contain_text("The Tin Orchard")
    work = Work.objects.get(title="The Tin Orchard")
    assert work.posted and work.posted_chapter_count == 2
    writer.goto(f"/works/{work.pk}?view_full_work=true")
    expect(writer.locator("#chapters")).to_contain_text("chimed all night")
    expect(writer.locator("#work_endnotes")).to_contain_text("grandmother hummed")
    writer.screenshot(path=str(artifacts / "exchange-imported-work.png"), full_page=True)

    # She downloads it from the work page's Download menu: a real EPUB.
    with writer.expect_download() as download_info:
        writer.locator("li.download a", has_text="EPUB").click()
    download = download_info.value
    assert download.suggested_filename == "The_Tin_Orchard.epub"
    book = zipfile.ZipFile(download.path())
    assert book.read("mimetype") == b"application/epub+zip"
    text = b" ".join(book.read(name) for name in book.namelist() if name.endswith(".xhtml"))
    assert b"Marit oiled the hinges" in text and b"chimed all night" in text

    # A reader makes a write token on her settings page ...
    reader = new_page(browser, live_server)
    log_in(reader, "lark")
    reader.goto("/users/lark/preferences")
    reader.get_by_role("link", name="API Tokens").click()
    reader.locator("#id_name").fill("Phone app")
    reader.get_by_label("Write", exact=False).check()
    reader.get_by_role("button", name="Make token").click()
    key = reader.locator("#new_token_key").input_value()
    assert key.startswith("chx_")
    reader.reload()
    expect(reader.locator("#new_token_key")).to_have_count(0)  # shown once only

    # ... and her app leaves kudos through the API; the writer sees them.
    api = f"{live_server.url}/api/v1"
    answer = requests.post(f"{api}/works/{work.pk}/kudos",
                           headers={"Authorization": f"Bearer {key}"}, timeout=20)
    assert answer.status_code == 201, answer.text
    again = requests.post(f"{api}/works/{work.pk}/kudos",
                          headers={"Authorization": f"Bearer {key}"}, timeout=20)
    assert again.status_code == 422
    assert "already" in again.json()["detail"]
    writer.goto(f"/works/{work.pk}?view_full_work=true")
    expect(writer.locator("#kudos")).to_contain_text("lark")

    # An e-reader app browses the catalogue and downloads the same book.
    feed = requests.get(f"{live_server.url}/opds/recent", timeout=20)
    assert feed.headers["Content-Type"].startswith("application/atom+xml")
    root = etree.fromstring(feed.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entry = root.xpath("a:entry[a:title='The Tin Orchard']", namespaces=ns)[0]
    href = entry.xpath(
        "a:link[@rel='http://opds-spec.org/acquisition'][@type='application/epub+zip']/@href",
        namespaces=ns,
    )[0]
    fetched = requests.get(f"{live_server.url}{href}", timeout=30)
    assert fetched.status_code == 200
    assert fetched.headers["Content-Type"] == "application/epub+zip"
    assert zipfile.ZipFile(io.BytesIO(fetched.content)).read("mimetype") == (
        b"application/epub+zip"
    )
