import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.discovery.models import OutboxEvent
from chapterhouse.discovery.outbox import TAG_CHANGED, WORK_FILTER_TAGS
from chapterhouse.tags.fixed import GENERAL
from chapterhouse.tags.models import (
    FilterRecompute,
    MetaTagging,
    Tag,
    TagParent,
    TagType,
    WorkFilterTag,
    WranglingAction,
)
from chapterhouse.tags.roles import wrangler_grant
from chapterhouse.tags.selectors import audit_of, canonical_of, metatags_of, synonyms_of
from chapterhouse.tags.services import jobs
from chapterhouse.tags.services.filters import work_filter_tags_refresh
from chapterhouse.tags.services.wrangling import (
    tag_make_canonical,
    tag_make_synonym,
    tag_mark_unwrangleable,
    tag_metatag_add,
    tag_metatag_remove,
    tag_parent_add,
    tag_parent_remove,
    tag_rename,
    tag_unmake_synonym,
    tags_mass_action,
)
from chapterhouse.works.models import WorkTag
from chapterhouse.works.tests.factories import WorkFactory, tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def wrangler(db):
    person = UserFactory(username="wrangler_wren")
    wrangler_grant(user=person)
    return type(person).objects.get(pk=person.pk)  # fresh permission cache


def canonical(name, tag_type=TagType.FREEFORM):
    made = tag(name, tag_type)
    made.canonical = True
    made.save()
    return made


def tagged(*tags):
    work = WorkFactory()
    for position, each in enumerate(tags, start=10):
        WorkTag.objects.create(work=work, tag=each, position=position)
    work_filter_tags_refresh(work_ids=[work.pk])
    return work


def under(tag_):
    return set(WorkFilterTag.objects.filter(tag=tag_).values_list("work_id", flat=True))


# Who may wrangle ------------------------------------------------------------------


def test_reader_cannot_wrangle(user):
    loose = tag("poe/kylo")
    with pytest.raises(PermissionDenied):
        tag_make_canonical(actor=user, tag=loose)
    with pytest.raises(PermissionDenied):
        tags_mass_action(actor=user, tags=[loose], action="make_canonical")
    loose.refresh_from_db()
    assert not loose.canonical
    assert not WranglingAction.objects.exists()


def test_staff_may_wrangle_without_the_role():
    admin = UserFactory(is_staff=True)
    loose = tag("poe/kylo")
    tag_make_canonical(actor=admin, tag=loose)
    loose.refresh_from_db()
    assert loose.canonical


# Canonical and synonyms ------------------------------------------------------------


def test_synonym_works_are_listed_under_the_canonical_with_an_audit_row(wrangler):
    ship = canonical("Kylo Ren/Poe Dameron", TagType.RELATIONSHIP)
    typed = tag("Poe Dameron/Kylo Ren", TagType.RELATIONSHIP)
    work = tagged(typed)
    OutboxEvent.objects.all().delete()

    tag_make_synonym(actor=wrangler, tag=typed, canonical=ship)

    assert work.pk in under(ship)
    assert canonical_of(Tag.objects.get(pk=typed.pk)) == ship
    assert list(synonyms_of(ship)) == [typed]
    entry = audit_of(typed)[0]
    assert entry.action == "make_synonym" and entry.actor == wrangler
    assert entry.before["merger"] is None and entry.after["merger"] == ship.name
    topics = set(OutboxEvent.objects.values_list("topic", flat=True))
    assert topics == {TAG_CHANGED, WORK_FILTER_TAGS}


def test_synonym_of_a_synonym_is_refused(wrangler):
    ship = canonical("Kylo Ren/Poe Dameron", TagType.RELATIONSHIP)
    first = tag("Poe Dameron/Kylo Ren", TagType.RELATIONSHIP)
    tag_make_synonym(actor=wrangler, tag=first, canonical=ship)
    second = tag("Ben Solo/Poe Dameron", TagType.RELATIONSHIP)

    with pytest.raises(ValidationError, match="synonym of a synonym"):
        tag_make_synonym(actor=wrangler, tag=second, canonical=first)


def test_synonym_needs_a_canonical_of_the_same_type(wrangler):
    loose = tag("Rey", TagType.CHARACTER)
    other = tag("Rey Skywalker", TagType.CHARACTER)
    fandom = canonical("Star Wars", TagType.FANDOM)
    with pytest.raises(ValidationError, match="isn't canonical"):
        tag_make_synonym(actor=wrangler, tag=loose, canonical=other)
    with pytest.raises(ValidationError, match="same type"):
        tag_make_synonym(actor=wrangler, tag=loose, canonical=fandom)


def test_merging_a_canonical_moves_its_synonyms_metatags_subtags_and_parents(wrangler):
    fandom = canonical("Star Wars", TagType.FANDOM)
    old = canonical("Kylo Ren", TagType.CHARACTER)
    new = canonical("Ben Solo", TagType.CHARACTER)
    nickname = tag("Kylo", TagType.CHARACTER)
    tag_make_synonym(actor=wrangler, tag=nickname, canonical=old)
    above = canonical("Skywalker Family", TagType.CHARACTER)
    below = canonical("Kylo Ren (Dark Side)", TagType.CHARACTER)
    tag_metatag_add(actor=wrangler, meta=above, sub=old)
    tag_metatag_add(actor=wrangler, meta=old, sub=below)
    tag_parent_add(actor=wrangler, child=old, parent=fandom)
    work = tagged(nickname)
    assert {old.pk, above.pk} <= set(
        WorkFilterTag.objects.filter(work=work).values_list("tag_id", flat=True)
    )

    tag_make_synonym(actor=wrangler, tag=old, canonical=new)

    old.refresh_from_db()
    nickname.refresh_from_db()
    assert old.merger == new and not old.canonical
    assert nickname.merger == new
    assert MetaTagging.objects.filter(meta=above, sub=new).exists()
    assert MetaTagging.objects.filter(meta=new, sub=below).exists()
    assert not MetaTagging.objects.filter(meta=old).exists()
    assert not MetaTagging.objects.filter(sub=old).exists()
    assert TagParent.objects.filter(child=new, parent=fandom).exists()
    filters = set(WorkFilterTag.objects.filter(work=work).values_list("tag_id", flat=True))
    assert {new.pk, above.pk} <= filters and old.pk not in filters
    note = audit_of(old)[0].note
    assert "Kylo" in note and "Skywalker Family" in note and "Star Wars" in note


def test_unmaking_a_synonym_lists_its_works_under_it_again(wrangler):
    ship = canonical("Finn/Poe Dameron", TagType.RELATIONSHIP)
    typed = tag("Finnpoe", TagType.RELATIONSHIP)
    tag_make_synonym(actor=wrangler, tag=typed, canonical=ship)
    work = tagged(typed)
    assert work.pk in under(ship)

    tag_unmake_synonym(actor=wrangler, tag=typed)

    assert work.pk not in under(ship)
    assert work.pk in under(typed)


def test_a_synonym_cannot_be_made_canonical(wrangler):
    ship = canonical("Finn/Poe Dameron", TagType.RELATIONSHIP)
    typed = tag("Finnpoe", TagType.RELATIONSHIP)
    tag_make_synonym(actor=wrangler, tag=typed, canonical=ship)
    with pytest.raises(ValidationError, match="remove it as a synonym"):
        tag_make_canonical(actor=wrangler, tag=typed)


def test_fixed_tags_cannot_be_wrangled(wrangler):
    rating = Tag.objects.get(pk=GENERAL)
    other = canonical("Everyone", TagType.RATING)
    with pytest.raises(ValidationError, match="fixed"):
        tag_make_synonym(actor=wrangler, tag=rating, canonical=other)


def test_unwrangleable_tags_leave_the_filters(wrangler):
    odd = tag("i don't know")
    work = tagged(odd)
    assert work.pk in under(odd)

    tag_mark_unwrangleable(actor=wrangler, tag=odd)

    assert work.pk not in under(odd)
    with pytest.raises(ValidationError, match="already"):
        tag_mark_unwrangleable(actor=wrangler, tag=odd)


def test_rename_keeps_links_and_refuses_a_clash(wrangler):
    ship = canonical("finn/poe", TagType.RELATIONSHIP)
    work = tagged(ship)
    tag("Finn/Rey", TagType.RELATIONSHIP)

    tag_rename(actor=wrangler, tag=ship, name="Finn/Poe  Dameron")

    ship.refresh_from_db()
    assert ship.name == "Finn/Poe Dameron"
    assert work.pk in under(ship)
    assert audit_of(ship)[0].before["name"] == "finn/poe"
    with pytest.raises(ValidationError, match="already a tag called 'Finn/Rey'"):
        tag_rename(actor=wrangler, tag=ship, name="finn/rey")
    with pytest.raises(ValidationError, match="restricted characters"):
        tag_rename(actor=wrangler, tag=ship, name="Finn*Poe")


# Parents and metatags ----------------------------------------------------------------


def test_parents_are_checked_by_type(wrangler):
    fandom = canonical("Star Wars", TagType.FANDOM)
    medium = canonical("Movies", TagType.MEDIA)
    character = canonical("Rey", TagType.CHARACTER)
    ship = tag("Finn/Rey", TagType.RELATIONSHIP)

    tag_parent_add(actor=wrangler, child=character, parent=fandom)
    tag_parent_add(actor=wrangler, child=fandom, parent=medium)
    tag_parent_add(actor=wrangler, child=ship, parent=character)
    with pytest.raises(ValidationError, match="can be filed under a fandom"):
        tag_parent_add(actor=wrangler, child=character, parent=medium)
    with pytest.raises(ValidationError, match="already under"):
        tag_parent_add(actor=wrangler, child=character, parent=fandom)

    tag_parent_remove(actor=wrangler, child=character, parent=fandom)
    assert not TagParent.objects.filter(child=character, parent=fandom).exists()
    assert [a.action for a in audit_of(character)] == ["parent_remove", "parent_add"]


def test_metatag_loop_is_refused_naming_the_loop(wrangler):
    a, b, c = canonical("AU"), canonical("Modern AU"), canonical("Coffee Shop AU")
    tag_metatag_add(actor=wrangler, meta=a, sub=b)
    tag_metatag_add(actor=wrangler, meta=b, sub=c)

    with pytest.raises(ValidationError) as refused:
        tag_metatag_add(actor=wrangler, meta=c, sub=a)

    message = refused.value.messages[0]
    assert "loop" in message
    assert "'AU' → 'Coffee Shop AU' → 'Modern AU' → 'AU'" in message
    assert not MetaTagging.objects.filter(meta=c, sub=a).exists()


def test_metatag_needs_canonical_tags_of_one_type(wrangler):
    fandom = canonical("Star Wars", TagType.FANDOM)
    au = canonical("AU")
    loose = tag("some au")
    with pytest.raises(ValidationError, match="same type"):
        tag_metatag_add(actor=wrangler, meta=fandom, sub=au)
    with pytest.raises(ValidationError, match="isn't canonical"):
        tag_metatag_add(actor=wrangler, meta=au, sub=loose)


def test_metatag_add_and_remove_change_the_listings(wrangler):
    au, coffee = canonical("AU"), canonical("Coffee Shop AU")
    work = tagged(coffee)

    tag_metatag_add(actor=wrangler, meta=au, sub=coffee)
    assert work.pk in under(au)
    assert list(metatags_of(coffee)) == [au]

    tag_metatag_remove(actor=wrangler, meta=au, sub=coffee)
    assert work.pk not in under(au)


def test_large_change_is_queued_for_the_worker(wrangler, monkeypatch):
    monkeypatch.setattr(jobs, "INLINE_LIMIT", 2)
    au, coffee = canonical("AU"), canonical("Coffee Shop AU")
    works = [tagged(coffee) for _ in range(3)]

    tag_metatag_add(actor=wrangler, meta=au, sub=coffee)

    assert under(au) == set()
    job = FilterRecompute.objects.get(done=False)
    assert job.tag == coffee
    assert jobs.filter_jobs_run() == 3
    assert under(au) == {w.pk for w in works}


# Mass actions ------------------------------------------------------------------------


def test_mass_synonym_applies_to_every_tag_with_an_audit_row_each(wrangler):
    ship = canonical("Kylo Ren/Poe Dameron", TagType.RELATIONSHIP)
    typed = [tag(n, TagType.RELATIONSHIP) for n in ("Poe/Kylo", "Kylo/Poe", "Kylux no wait")]
    works = [tagged(each) for each in typed]

    changed = tags_mass_action(actor=wrangler, tags=typed, action="make_synonym", target=ship)

    assert changed == 3
    assert under(ship) == {w.pk for w in works}
    assert WranglingAction.objects.filter(action="make_synonym").count() == 3


def test_mass_action_is_all_or_nothing(wrangler):
    ship = canonical("Kylo Ren/Poe Dameron", TagType.RELATIONSHIP)
    good = tag("Poe/Kylo", TagType.RELATIONSHIP)
    wrong_type = tag("Poe Dameron", TagType.CHARACTER)

    with pytest.raises(ValidationError) as refused:
        tags_mass_action(actor=wrangler, tags=[good, wrong_type], action="make_synonym",
                         target=ship)

    assert "Nothing was changed" in refused.value.messages[0]
    assert any("Poe Dameron" in m for m in refused.value.messages[1:])
    good.refresh_from_db()
    assert good.merger is None
    assert not WranglingAction.objects.exists()


def test_mass_action_needs_a_target_when_the_action_does(wrangler):
    with pytest.raises(ValidationError, match="choose the tag"):
        tags_mass_action(actor=wrangler, tags=[tag("x")], action="make_synonym")


def test_two_large_changes_to_one_tag_share_a_job_not_yet_started(wrangler, monkeypatch):
    monkeypatch.setattr(jobs, "INLINE_LIMIT", 1)
    target = canonical("Hurt/Comfort")
    first, second = tag("hurt comfort"), tag("h/c")
    for each in (first, first, second, second):
        tagged(each)

    tags_mass_action(actor=wrangler, tags=[first, second], action="make_synonym", target=target)

    assert FilterRecompute.objects.filter(tag=target, done=False).count() == 1
    jobs.filter_jobs_run()
    assert len(under(target)) == 4
