"""Test data for works. These write rows directly, not through the services,
so tests of pages and selectors can build any state quickly."""

import datetime

import factory
from django.utils import timezone

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.tags.fixed import GENERAL, NO_WARNINGS_APPLY
from chapterhouse.tags.models import Tag, TagType
from chapterhouse.works.models import Chapter, Creatorship, Series, SeriesWork, Work, WorkTag
from chapterhouse.works.text import word_count


def tag(name: str, tag_type: str = TagType.FREEFORM) -> Tag:
    found = Tag.objects.filter(name__iexact=name).first()
    return found or Tag.objects.create(name=name, type=tag_type)


class WorkFactory(factory.django.DjangoModelFactory):
    """A posted one-shot by a new user, rated General with no warnings.

    ``WorkFactory(creator=user, chapters=3, fandom="Lighthouse Keepers")``;
    ``posted=False`` makes a draft.
    """

    class Meta:
        model = Work

    title = factory.Sequence(lambda n: f"The Keeper's Lamp {n}")
    summary = "<p>A storm, a lighthouse, two people who should talk.</p>"
    posted = True
    published_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=3))
    revised_at = factory.LazyFunction(timezone.now)
    expected_chapters = 1
    complete = True

    @classmethod
    def _create(cls, model_class, *args, creator=None, chapters=1, fandom="Lighthouse Keepers",
                **kwargs):
        work = super()._create(model_class, *args, **kwargs)
        creator = creator or UserFactory()
        pseud = creator.pseuds.get(is_default=True) if hasattr(creator, "pseuds") else creator
        Creatorship.objects.create(work=work, pseud=pseud, accepted=True)
        tags = [Tag.objects.get(pk=GENERAL), Tag.objects.get(pk=NO_WARNINGS_APPLY),
                tag(fandom, TagType.FANDOM)]
        for position, each in enumerate(tags):
            WorkTag.objects.create(work=work, tag=each, position=position)
        words = 0
        for position in range(1, chapters + 1):
            content = f"<p>Chapter {position} begins with rain against the glass.</p>"
            chapter = Chapter.objects.create(
                work=work, position=position, content=content, word_count=word_count(content),
                posted=work.posted, published_on=work.published_on,
                title=f"Part {position}" if chapters > 1 else "",
            )
            words += chapter.word_count
        work.word_count = words
        work.posted_chapter_count = chapters if work.posted else 0
        if chapters > 1 and work.expected_chapters == 1:
            work.expected_chapters = None
            work.complete = False
        work.save()
        return work


def add_to_series(work: Work, series: Series | None = None, position: int = 1) -> Series:
    series = series or Series.objects.create(title="Tides")
    SeriesWork.objects.create(series=series, work=work, position=position)
    series.creators.add(*[c.pseud for c in work.creatorships.all()])
    return series
