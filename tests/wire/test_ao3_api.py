"""The ``ao3-api`` library (PyPI ``ao3-api``, module ``AO3``), unchanged, against
a live Chapterhouse server: every value it reads is compared with the known
archive (``archive.py``), and every write it makes is looked for in the
database afterwards."""

from __future__ import annotations

import datetime
import io
import zipfile

import AO3
import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from chapterhouse.exchange.tests.test_downloads_kindle import needs_calibre
from chapterhouse.responses.models import Bookmark, Comment, Kudos, Subscription

from .archive import BIO, CREATOR, OTHER_READER, READER

pytestmark = pytest.mark.django_db(transaction=True)

LISTED = ("one_shot", "in_progress", "explicit")


def as_datetime(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day)


def start_notes(known, where: str = "work") -> str:
    """The notes' text as on AO3, with its pointer to the end notes."""
    jump = f"(See the end of the {where} for more notes.)" if known.endnotes else ""
    return "\n".join(part for part in (known.notes, jump) if part)


def assert_metadata(work: AO3.Work, known) -> None:
    assert work.title == known.title
    assert [author.username for author in work.authors] == (
        ["Anonymous"] if known.anonymous else [CREATOR]
    )
    assert work.rating == known.rating
    assert work.warnings == known.warnings
    assert work.categories == known.categories
    assert work.fandoms == known.fandoms
    assert work.relationships == known.relationships
    assert work.characters == known.characters
    assert work.tags == known.freeforms
    assert work.language == known.language
    assert work.words == known.words
    assert work.nchapters == len(known.chapters)
    assert work.expected_chapters == known.expected_chapters
    assert work.complete is known.complete
    assert work.status == ("Completed" if known.complete else "Work in Progress")
    assert work.kudos == known.kudos
    assert work.hits == known.hits
    assert work.comments == known.comments
    assert work.bookmarks == known.bookmarks
    assert work.restricted is known.restricted
    assert work.summary.strip() == known.summary
    assert work.start_notes.strip() == start_notes(known)
    assert work.end_notes.strip() == known.endnotes
    assert work.date_published == as_datetime(known.published)
    assert work.date_updated == as_datetime(known.updated)
    # AO3's ?updated_at= on the download links, read back as local time.
    assert work.date_edited == datetime.datetime.fromtimestamp(
        int(known.updated_at.timestamp())
    )
    if known.series:
        series_id, title, _position = known.series
        assert [(s.id, s.name) for s in work.series] == [(series_id, title)]
    else:
        assert work.series == []


def assert_chapters(work: AO3.Work, known) -> None:
    assert len(work.chapters) == len(known.chapters)
    several = len(known.chapters) > 1
    for number, (chapter, expected) in enumerate(
        zip(work.chapters, known.chapters, strict=True), start=1
    ):
        assert chapter.id == (expected.id if several else None)
        assert chapter.number == number
        assert chapter.title == expected.title
        assert chapter.summary.strip() == expected.summary
        assert chapter.start_notes.strip() == start_notes(expected, "chapter")
        assert chapter.end_notes.strip() == expected.endnotes
        assert [line for line in chapter.text.splitlines() if line.strip()] == (
            expected.paragraphs
        )


# Reading as a guest -------------------------------------------------------------------


@pytest.mark.parametrize("name", [*LISTED, "series_0", "series_1", "series_2"])
def test_work_metadata_and_chapters(ao3, archive, name):
    known = archive.work(name)
    work = AO3.Work(known.id)
    assert_metadata(work, known)
    assert_chapters(work, known)
    assert work.metadata["chapter_titles"] == [c.title for c in known.chapters]


def test_anonymous_work_names_nobody(ao3, archive):
    known = archive.anonymous
    work = AO3.Work(known.id)
    assert_metadata(work, known)
    assert_chapters(work, known)
    assert CREATOR not in str(work._soup)


def test_missing_work_is_an_invalid_id(ao3, archive):
    with pytest.raises(AO3.utils.InvalidIdError):
        AO3.Work(archive.anonymous.id + 1000)


def test_restricted_work_only_with_a_session(ao3, archive):
    known = archive.restricted
    as_guest = AO3.Work(known.id)
    assert as_guest.title != known.title
    assert "This work is only available to registered users" in as_guest._soup.text

    session = AO3.Session(READER, archive.password)
    work = AO3.Work(known.id, session=session)
    assert_metadata(work, known)
    assert_chapters(work, known)


def test_chapter_loaded_on_its_own(ao3, archive):
    known = archive.in_progress
    chapter = AO3.Chapter(known.chapters[1].id, None)
    assert chapter.work.id == known.id
    assert chapter.title == known.chapters[1].title
    assert chapter.number == 2


def test_series(ao3, archive):
    series = AO3.Series(archive.series_id)
    parts = archive.series_parts
    assert series.name == archive.series_title
    assert [user.username for user in series.creators] == [CREATOR]
    assert series.series_begun == parts[0].published
    assert series.series_updated == max(part.updated for part in parts)
    assert series.words == sum(part.words for part in parts)
    assert series.nworks == len(parts)
    assert series.complete is False
    assert series.description == archive.series_description
    assert series.notes == archive.series_notes
    assert series.nbookmarks == 0
    listed = series.work_list
    assert [(w.id, w.title) for w in listed] == [(p.id, p.title) for p in parts]
    assert [w.words for w in listed] == [p.words for p in parts]
    assert [w.language for w in listed] == [p.language for p in parts]
    assert [w.tags for w in listed] == [p.freeforms for p in parts]
    assert [[s.id for s in w.series] for w in listed] == [[archive.series_id]] * 3


def test_search_by_fandom_and_by_query(ao3, archive):
    search = AO3.Search(fandoms="The Salt Road (Podcast)")
    search.update()
    # The restricted work is in this fandom too, but not for a guest.
    expected = [archive.one_shot, archive.in_progress, *archive.series_parts]
    assert search.total_results == len(expected)
    assert sorted(w.id for w in search.results) == sorted(k.id for k in expected)
    found = {w.id: w for w in search.results}
    one_shot = found[archive.one_shot.id]
    assert one_shot.title == archive.one_shot.title
    assert [a.username for a in one_shot.authors] == [CREATOR]
    assert one_shot.fandoms == archive.one_shot.fandoms
    assert one_shot.relationships == archive.one_shot.relationships
    assert one_shot.characters == archive.one_shot.characters
    assert one_shot.tags == archive.one_shot.freeforms
    assert one_shot.words == archive.one_shot.words
    assert one_shot.kudos == archive.one_shot.kudos
    assert one_shot.hits == archive.one_shot.hits
    assert one_shot.bookmarks == archive.one_shot.bookmarks
    assert one_shot.comments == archive.one_shot.comments
    assert one_shot.summary.strip() == archive.one_shot.summary
    wip = found[archive.in_progress.id]
    assert (wip.nchapters, wip.expected_chapters, wip.complete) == (3, 5, False)

    search = AO3.Search(any_field="breakwater")
    search.update()
    assert search.total_results == 1
    assert [w.id for w in search.results] == [archive.in_progress.id]

    # The restricted work's title: found only by a signed-in reader.
    search = AO3.Search(any_field="meeting")
    search.update()
    assert (search.total_results, search.results) == (0, [])
    search = AO3.Search(any_field="meeting", session=AO3.Session(READER, archive.password))
    search.update()
    assert search.total_results == 1
    assert [(w.id, w.title, w.restricted) for w in search.results] == [
        (archive.restricted.id, archive.restricted.title, True)
    ]

    search = AO3.Search(any_field="no such words anywhere here")
    search.update()
    assert (search.total_results, search.results) == (0, [])


def test_user_works_bookmarks_and_bio(ao3, archive):
    creator = AO3.User(CREATOR)
    public = archive.creator_public_works
    assert creator.works == len(public)
    assert sorted(w.id for w in creator.get_works()) == sorted(k.id for k in public)
    assert creator.bio.strip() == BIO

    reader = AO3.User(READER)
    bookmarked = archive.reader_bookmarks
    assert reader.bookmarks == len(bookmarked)
    listed = reader.get_bookmarks()
    assert sorted(w.id for w in listed) == sorted(k.id for k in bookmarked)
    assert {w.title for w in listed} == {k.title for k in bookmarked}


# Signed in ----------------------------------------------------------------------------


def test_session_login_and_a_wrong_password(ao3, archive):
    session = AO3.Session(READER, archive.password)
    assert session.is_authed
    page = session.request(f"https://archiveofourown.org/users/{READER}")
    assert "logged-in" in page.body["class"]
    with pytest.raises(AO3.utils.LoginError):
        AO3.Session(READER, "not the password")


def test_session_bookmarks_and_statistics(ao3, archive):
    session = AO3.Session(READER, archive.password)
    assert session.bookmarks == len(archive.reader_bookmarks)
    mine = session.get_bookmarks()
    assert sorted(w.id for w in mine) == sorted(k.id for k in archive.reader_bookmarks)
    recs = {w.id: w.recommended for w in mine}
    assert recs[archive.one_shot.id] is True
    assert recs[archive.in_progress.id] is False

    creator = AO3.Session(CREATOR, archive.password)
    stats = creator.get_statistics()
    public = [*archive.creator_public_works, archive.restricted, archive.anonymous]
    assert stats["word_count"] == sum(k.words for k in public)
    assert stats["kudos"] == sum(k.kudos for k in public)
    assert stats["bookmarks"] == sum(k.bookmarks for k in public)


def test_kudos(ao3, archive):
    session = AO3.Session(READER, archive.password)
    work = AO3.Work(archive.in_progress.id, session=session)
    assert work.leave_kudos() is True
    assert Kudos.objects.filter(work_id=archive.in_progress.id, user__username=READER).exists()
    assert work.leave_kudos() is False  # once per reader
    # She left kudos on the one-shot when the archive was made.
    assert AO3.Work(archive.one_shot.id, session=session).leave_kudos() is False
    assert Kudos.objects.filter(work_id=archive.in_progress.id).count() == (
        archive.in_progress.kudos + 1
    )


def test_comments_on_a_work_and_on_a_chapter(ao3, archive):
    session = AO3.Session(READER, archive.password)
    one_shot = AO3.Work(archive.one_shot.id, session=session)
    one_shot.comment("The clock scene made me call my grandmother.")
    comment = Comment.objects.get(user__username=READER, work_id=archive.one_shot.id)
    assert "call my grandmother" in comment.content
    assert comment.chapter_id is None or comment.chapter_id == archive.one_shot.chapters[0].id

    threads = AO3.Work(archive.one_shot.id).get_comments()
    assert [(c.author.username, c.text.strip()) for c in threads] == [
        (OTHER_READER, "The tram ticket! I had to put the phone down."),
        (READER, "The clock scene made me call my grandmother."),
    ]

    wip = AO3.Work(archive.in_progress.id, session=session)
    second = wip.chapters[1]
    second.comment("Poor van.")
    posted = Comment.objects.get(user__username=READER, work_id=archive.in_progress.id)
    assert posted.chapter_id == archive.in_progress.chapters[1].id
    on_chapter = AO3.Chapter(second.id, AO3.Work(archive.in_progress.id)).get_comments()
    assert [(c.author.username, c.text.strip()) for c in on_chapter] == [(READER, "Poor van.")]


def test_bookmark(ao3, archive):
    session = AO3.Session(READER, archive.password)
    work = AO3.Work(archive.explicit.id, session=session)
    work.bookmark(notes="Saving this for a stormy night.", tags=["storms", "one bed"],
                  private=True)
    bookmark = Bookmark.objects.get(user__username=READER, work_id=archive.explicit.id)
    assert "stormy night" in bookmark.notes
    assert sorted(tag.name for tag in bookmark.tags.all()) == ["one bed", "storms"]
    assert bookmark.private is True
    session.clear_cache()
    assert archive.explicit.id in [w.id for w in session.get_bookmarks()]
    # A private bookmark is not on her public page.
    assert archive.explicit.id not in [w.id for w in AO3.User(READER).get_bookmarks()]

    series = AO3.Series(archive.series_id, session=session)
    series.bookmark(notes="The whole year.")
    assert Bookmark.objects.filter(user__username=READER, series_id=archive.series_id).exists()


def test_subscriptions(ao3, archive):
    session = AO3.Session(READER, archive.password)
    work = AO3.Work(archive.in_progress.id, session=session)
    assert work.is_subscribed is False
    work.subscribe()
    AO3.Series(archive.series_id, session=session).subscribe()
    creator = AO3.User(CREATOR, session=session)
    creator.subscribe()
    mine = Subscription.objects.filter(user__username=READER)
    assert mine.filter(work_id=archive.in_progress.id).exists()
    assert mine.filter(series_id=archive.series_id).exists()
    assert mine.filter(creator__username=CREATOR).exists()

    again = AO3.Work(archive.in_progress.id, session=session)
    assert again.is_subscribed is True
    assert again._sub_id == mine.get(work_id=archive.in_progress.id).pk
    assert AO3.User(CREATOR, session=session).is_subscribed is True
    listed = session.get_subscriptions()
    assert {(type(s).__name__, getattr(s, "id", None) or s.username) for s in listed} == {
        ("Work", archive.in_progress.id),
        ("Series", archive.series_id),
        ("User", CREATOR),
    }
    again.unsubscribe()
    assert not mine.filter(work_id=archive.in_progress.id).exists()


@needs_calibre
@pytest.mark.parametrize("name", ["one_shot", "in_progress", "restricted"])
def test_download_in_each_format(ao3, archive, name):
    known = getattr(archive, name)
    session = AO3.Session(READER, archive.password)
    work = AO3.Work(known.id, session=session)
    offered = [li.a.text for li in work._soup.find("li", {"class": "download"}).ul.find_all("li")]
    assert offered == ["AZW3", "EPUB", "MOBI", "PDF", "HTML"]

    epub = work.download("EPUB")
    with zipfile.ZipFile(io.BytesIO(epub)) as book:
        assert book.read("mimetype") == b"application/epub+zip"
        pages = " ".join(
            book.read(name).decode() for name in book.namelist() if name.endswith(".xhtml")
        )
    assert known.title.replace("'", "&#x27;") in pages or known.title in pages
    assert known.chapters[-1].paragraphs[-1][:40] in pages

    pdf = work.download("PDF")
    assert pdf.startswith(b"%PDF-")

    html = BeautifulSoup(work.download("HTML"), "lxml")
    assert html.find("h1").text.strip() == known.title
    assert f"Chapters: {known.chapters_label}" in html.find(id="preface").text
    text = html.find(id="chapters").text
    for chapter in known.chapters:
        assert chapter.paragraphs[0] in text

    if name == "one_shot":  # Calibre takes seconds per file: one work is enough
        for kindle in ("AZW3", "MOBI"):
            book = work.download(kindle)
            assert book[60:68] == b"BOOKMOBI", kindle
            assert known.title.encode() in book, kindle
    with pytest.raises(AO3.utils.UnexpectedResponseError):
        work.download("LIT")  # not a format AO3 offers


def test_comment_threads_replies_and_deleting(ao3, archive):
    session = AO3.Session(READER, archive.password)
    work = AO3.Work(archive.one_shot.id, session=session)
    first = work.get_comments()[0]
    assert first.author.username == OTHER_READER
    first.reply("It was the ticket for me too.")
    reply = Comment.objects.get(user__username=READER, parent_id=first.id)
    assert "ticket for me too" in reply.content

    replies = AO3.Comment(first.id, parent=work, session=session).get_thread()
    assert [(c.id, c.author.username, c.text.strip()) for c in replies] == [
        (reply.pk, READER, "It was the ticket for me too.")
    ]
    assert [c.id for c in AO3.Comment(reply.pk, session=session).get_thread()] == []
    AO3.Comment(reply.pk, parent=work, session=session).delete()
    assert not Comment.objects.filter(pk=reply.pk, deleted=False).exists()


def test_guest_comment_with_name_and_email(ao3, archive):
    guest = AO3.GuestSession()
    work = AO3.Work(archive.one_shot.id, session=guest)
    # A guest's work page is one shared copy with an empty token (docs/http-cache.md);
    # like the page's own script, a guest takes hers from the token dispenser.
    assert work.authenticity_token == ""
    token = guest.session.get("https://archiveofourown.org/token_dispenser.json").json()["token"]
    work.__dict__["authenticity_token"] = token
    response = work.comment("Lovely clock.", email="gull@example.org", name="Gull")
    assert response.status_code == 404 and response.json()["id"]  # as AO3 answers it
    comment = Comment.objects.get(pk=response.json()["id"])
    assert (comment.guest_name, comment.user_id) == ("Gull", None)
    assert "Lovely clock." in comment.content


def test_refreshed_token_still_works_and_a_stale_one_is_an_auth_error(ao3, archive):
    session = AO3.Session(READER, archive.password)
    work = AO3.Work(archive.in_progress.id, session=session)
    work.authenticity_token  # read from the page
    work.__dict__["authenticity_token"] = "stale" * 10
    with pytest.raises(AO3.utils.AuthError):
        work.leave_kudos()
    session.refresh_auth_token()
    work.__dict__["authenticity_token"] = session.authenticity_token
    assert work.leave_kudos() is True


def test_delete_bookmark(ao3, archive):
    session = AO3.Session(READER, archive.password)
    work = AO3.Work(archive.one_shot.id, session=session)
    bookmark = Bookmark.objects.get(user__username=READER, work_id=archive.one_shot.id)
    assert work._bookmarkid == bookmark.pk
    work.delete_bookmark()
    assert not Bookmark.objects.filter(pk=bookmark.pk).exists()


def test_reading_history(ao3, archive):
    session = AO3.Session(READER, archive.password)
    AO3.Work(archive.one_shot.id, session=session)
    AO3.Work(archive.in_progress.id, session=session)
    AO3.Work(archive.one_shot.id, session=session)
    history = session.get_history(hist_sleep=0)
    today = datetime.datetime.combine(timezone.localdate(), datetime.time())
    assert [(work.id, visits, last) for work, visits, last in history] == [
        (archive.one_shot.id, 2, today),
        (archive.in_progress.id, 1, today),
    ]


def test_collect_adds_the_work_to_a_collection_and_reports_refusals(ao3, archive):
    from chapterhouse.accounts.models import User
    from chapterhouse.collections import services as collections
    from chapterhouse.collections.models import CollectionItem

    owner = User.objects.get(username=OTHER_READER)
    collections.collection_create(user=owner, name="harbour_fest", title="Harbour Fest")
    session = AO3.Session(CREATOR, archive.password)
    work = AO3.Work(archive.one_shot.id, session=session)
    work.collect(["harbour_fest"])
    assert CollectionItem.objects.filter(
        work_id=archive.one_shot.id, collection__name="harbour_fest"
    ).exists()
    work.reload()
    assert work.collections == ["Harbour Fest"]
    with pytest.raises(AO3.utils.CollectError, match="because this item has already been"):
        work.collect(["harbour_fest"])
    with pytest.raises(AO3.utils.CollectError, match="couldn't find a collection"):
        work.collect(["no_such_fest"])
