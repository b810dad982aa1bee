"""What every download shows: ``document_for(work)``."""

import datetime

import pytest
from django.utils import timezone

from chapterhouse.accounts.models import Pseud
from chapterhouse.exchange.downloads.document import document_for
from chapterhouse.tags.models import TagType
from chapterhouse.works.models import Chapter, Creatorship, Series, SeriesWork, WorkTag
from chapterhouse.works.services.creators import work_orphan
from chapterhouse.works.tests.factories import WorkFactory, add_to_series, tag

pytestmark = pytest.mark.django_db

SITE = "https://archive.example"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.SITE_NAME = "Lantern Archive"


def _tag(work, name, tag_type, position):
    WorkTag.objects.create(work=work, tag=tag(name, tag_type), position=position)


@pytest.fixture
def chaptered(creator):
    """Three chapters written, two posted, a third planned; notes everywhere."""
    work = WorkFactory(
        creator=creator,
        title="Tidewater Letters",
        chapters=3,
        summary="<p>Two keepers write <em>letters</em>.</p>",
        notes="<p>Work notes.</p>",
        endnotes="<p>Work end notes.</p>",
        published_on=datetime.date(2024, 3, 1),
        revised_at=timezone.make_aware(datetime.datetime(2024, 4, 2, 12, 0)),
    )
    work.expected_chapters = 3
    work.complete = False
    work.save()
    _tag(work, "Marguerite Vell/Otto Brandt", TagType.RELATIONSHIP, 10)
    _tag(work, "Marguerite Vell", TagType.CHARACTER, 11)
    _tag(work, "Otto Brandt", TagType.CHARACTER, 12)
    _tag(work, "Epistolary", TagType.FREEFORM, 13)
    _tag(work, "slow burn", TagType.UNSORTED, 14)
    first, second, third = work.chapters.order_by("position")
    first.summary, first.notes, first.endnotes = "<p>S1</p>", "<p>N1</p>", "<p>E1</p>"
    first.published_on = datetime.date(2024, 3, 1)
    first.save()
    second.title, second.notes = "The Lighthouse", "<p>N2</p>"
    second.published_on = datetime.date(2024, 4, 2)
    second.save()
    third.posted = False
    third.content = "<p>A secret draft sentence.</p>"
    third.save()
    return work


def test_multi_chapter_document_has_every_level_of_notes(chaptered):
    doc = document_for(chaptered)

    assert doc.title == "Tidewater Letters"
    assert doc.url == f"{SITE}/works/{chaptered.pk}"
    assert doc.site_name == "Lantern Archive"
    assert doc.creators == ("wren_writer",)
    assert doc.creator_urls == (f"{SITE}/users/wren_writer/pseuds/wren_writer",)
    assert doc.summary_html == "<p>Two keepers write <em>letters</em>.</p>"
    assert doc.notes_html == "<p>Work notes.</p>"
    assert doc.endnotes_html == "<p>Work end notes.</p>"
    assert [c.heading for c in doc.chapters] == ["Chapter 1: Part 1", "Chapter 2: The Lighthouse"]
    first, second = doc.chapters
    assert (first.summary_html, first.notes_html, first.endnotes_html) == (
        "<p>S1</p>", "<p>N1</p>", "<p>E1</p>"
    )
    assert second.title == "The Lighthouse"
    assert second.notes_html == "<p>N2</p>"
    assert second.published_on == datetime.date(2024, 4, 2)
    assert doc.published_on == datetime.date(2024, 3, 1)
    assert doc.updated_on == datetime.date(2024, 4, 2)
    assert doc.chapters_display == "2/3"
    assert doc.complete is False
    assert doc.status_label == "Updated"
    assert doc.word_count == first.word_count + second.word_count > 0
    assert doc.language_code == "en" and doc.language_name == "English"


def test_tag_groups_follow_ao3_order_and_labels(chaptered):
    doc = document_for(chaptered)

    assert [(g.label, g.heading) for g in doc.tag_groups] == [
        ("Rating", "Rating"),
        ("Archive Warning", "Archive Warning"),
        ("Fandom", "Fandom"),
        ("Relationship", "Relationship"),
        ("Character", "Characters"),
        ("Additional Tags", "Additional Tags"),
    ]
    assert doc.tags("Character") == ("Marguerite Vell", "Otto Brandt")
    assert doc.tags("Additional Tags") == ("Epistolary", "slow burn")
    relationship = doc.tag_groups[3]
    assert relationship.urls == (f"{SITE}/tags/Marguerite%20Vell*s*Otto%20Brandt/works",)


def test_draft_and_future_chapters_are_left_out_even_for_the_creator(chaptered):
    later = Chapter.objects.create(
        work=chaptered, position=4, content="<p>Not yet.</p>",
        scheduled_for=timezone.now() + datetime.timedelta(days=2),
    )
    doc = document_for(chaptered)

    assert len(doc.chapters) == 2
    texts = " ".join(c.content_html for c in doc.chapters)
    assert "secret draft" not in texts and "Not yet" not in texts
    later.scheduled_for = timezone.now() - datetime.timedelta(minutes=1)
    later.save()
    assert len(document_for(chaptered).chapters) == 3  # due by its schedule: live


def test_series_parts_count_posted_works(creator):
    first = WorkFactory(creator=creator, title="One")
    draft = WorkFactory(creator=creator, title="Draft", posted=False)
    third = WorkFactory(creator=creator, title="Three")
    series = add_to_series(first, position=1)
    SeriesWork.objects.create(series=series, work=draft, position=2)
    SeriesWork.objects.create(series=series, work=third, position=3)
    other = Series.objects.create(title="Harbour Lights")
    SeriesWork.objects.create(series=other, work=third, position=1)

    parts = document_for(third).series

    assert [(p.title, p.position) for p in parts] == [("Tides", 2), ("Harbour Lights", 1)]
    assert parts[0].url == f"{SITE}/series/{series.pk}"


def test_anonymous_work_names_nobody(creator):
    work = WorkFactory(creator=creator, anonymous=True)

    doc = document_for(work)

    assert doc.creators == ("Anonymous",)
    assert doc.creator_urls == ()
    assert "wren_writer" not in repr(doc)


def test_co_creators_in_order_and_pending_invitations_left_out(creator, other_user):
    work = WorkFactory(creator=creator)
    side = Pseud.objects.create(user=other_user, name="Harbourmaster")
    Creatorship.objects.create(work=work, pseud=side, accepted=True, position=1)
    invited = Pseud.objects.create(user=other_user, name="Not Yet")
    Creatorship.objects.create(work=work, pseud=invited, accepted=False, position=2)

    doc = document_for(work)

    assert doc.creators == ("wren_writer", "Harbourmaster (mireille_test)")
    assert doc.creator_urls[1] == f"{SITE}/users/mireille_test/pseuds/Harbourmaster"


def test_orphaned_work_shows_the_orphan_pseud(creator):
    work = WorkFactory(creator=creator)
    work_orphan(user=creator, work=work)

    assert document_for(work).creators == ("orphan_account",)


def test_one_shot_has_no_chapter_heading(work):
    doc = document_for(work)

    assert doc.one_shot and not doc.chapter_headings
    assert doc.chapters_display == "1/1"


def test_unsafe_html_never_reaches_the_document(creator):
    work = WorkFactory(creator=creator, summary='<p>Hi<script>alert(1)</script></p>')
    Chapter.objects.filter(work=work).update(content='<p onclick="x()">Text</p><script>1</script>')

    doc = document_for(work)

    assert "<script" not in repr(doc) and "onclick" not in repr(doc)
    assert doc.summary_html == "<p>Hi</p>"


def test_document_takes_few_queries_however_long(django_assert_max_num_queries, creator):
    work = WorkFactory(creator=creator, chapters=12)
    add_to_series(work)
    with django_assert_max_num_queries(5):
        document_for(work)


def test_every_demo_work_exports_with_its_live_chapters():
    from bs4 import BeautifulSoup

    from chapterhouse import demo
    from chapterhouse.exchange.downloads import html, text
    from chapterhouse.works.models import Work
    from chapterhouse.works.selectors.visibility import chapter_is_live_q

    demo.load()
    works = Work.objects.filter(posted=True, hidden_by_admin=False)
    assert works.count() >= 3
    for work in works:
        doc = document_for(work)
        live = work.chapters.filter(chapter_is_live_q()).count()
        assert len(doc.chapters) == live, work.title
        soup = BeautifulSoup(html.render(doc), "html.parser")
        assert soup.select_one("#preface h1").get_text() == work.title
        headings = soup.select("#chapters > div.meta.group > h2.heading")
        assert len(headings) == (live if doc.chapter_headings else 0), work.title
        stats = " ".join(soup.select("dl.tags > dd")[-1].get_text().split())
        assert f"Chapters: {doc.chapters_display}" in stats
        plain = text.render(doc).decode("utf-8")
        assert plain.startswith(work.title + "\n") and f"Chapters: {doc.chapters_display}" in plain
        if work.anonymous:
            names = [c.pseud.user.username for c in work.creatorships.all()]
            assert not any(name in plain for name in names)
