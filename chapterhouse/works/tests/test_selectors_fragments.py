"""The work page's cached tag groups (works/selectors/fragments.py): a change
shows at once, and each reader's "hide" preference stays her own."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from chapterhouse.accounts.models import Preference
from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.tags.fixed import VIOLENCE
from chapterhouse.tags.models import Tag
from chapterhouse.works.models import WorkTag
from chapterhouse.works.tests.factories import WorkFactory, tag

pytestmark = pytest.mark.django_db


def meta(client, work):
    response = client.get(f"/works/{work.pk}")
    assert response.status_code == 200
    return BeautifulSoup(response.content.decode(), "html.parser").select_one("dl.work.meta")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_a_new_tag_and_a_renamed_tag_show_in_the_work_meta():
    work = WorkFactory()
    guest = Client()
    assert "Slow Burn" not in meta(guest, work).get_text()
    WorkTag.objects.create(work=work, tag=tag("Slow Burn"), position=9)
    assert "Slow Burn" in meta(guest, work).select_one("dd.freeform").get_text()
    renamed = Tag.objects.get(name="Slow Burn")
    renamed.name = "Slow Burn (Very)"
    renamed.save()
    assert "Slow Burn (Very)" in meta(guest, work).select_one("dd.freeform").get_text()


def test_hiding_warnings_in_the_work_meta_stays_each_readers_own():
    work = WorkFactory()
    WorkTag.objects.create(work=work, tag=Tag.objects.get(pk=VIOLENCE), position=9)
    WorkTag.objects.create(work=work, tag=tag("Lighthouses"), position=10)
    plain, folding = UserFactory(), UserFactory()
    Preference.objects.filter(user=folding).update(hide_warnings=True)
    for user in (plain, folding, plain):
        node = meta(signed_in(user), work)
        folded = [s.get_text() for s in node.select("details > summary")]
        assert folded == (["Show warnings"] if user == folding else [])
        assert "Graphic Depictions Of Violence" in node.select_one("dd.warning").get_text()
        assert "Lighthouses" in node.select_one("dd.freeform").get_text()
