"""A tag's name and counts go through the privacy door (docs/tag-pages.md):
a tag used only on drafts, hidden works or (for guests) restricted works is
not there for others, and counts count only the works the viewer may see."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.api.services import token_create
from chapterhouse.discovery.models import TagMute
from chapterhouse.tags.fixed import GENERAL, NO_WARNINGS_APPLY
from chapterhouse.tags.models import Tag
from chapterhouse.tags.roles import wrangler_grant
from chapterhouse.tags.services.filters import tag_use_counts_flush
from chapterhouse.works.models import Work
from chapterhouse.works.services import posting
from chapterhouse.works.services.posting import WorkFields
from chapterhouse.works.services.tagging import TagChoice

pytestmark = pytest.mark.django_db

SECRET = "Secret Harbour Project"
SECRET_URL = "/tags/Secret Harbour Project"


def write(user, freeforms: str, *, post=True, **extra) -> Work:
    """A work tagged as its creator typed it, through the posting service."""
    tags = TagChoice(rating=GENERAL, warnings=[NO_WARNINGS_APPLY], fandoms="Tidewatch",
                     freeforms=freeforms)
    fields = WorkFields(title="Lanterns", tags=tags, content="<p>The ferry left at dusk.</p>",
                        **extra)
    return posting.work_create(user=user, fields=fields, post=post)


def hide(work):
    Work.objects.filter(pk=work.pk).update(hidden_by_admin=True)


def as_user(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def suggested(client, term) -> list[str]:
    return [row["name"] for row in client.get("/autocomplete/tags", {"term": term}).json()]


def api_get(user, path):
    headers = {}
    if user is not None:
        _, key = token_create(user=user, name="Reader app", scopes=["read"])
        headers = {"Authorization": f"Bearer {key}"}
    return Client().get(f"/api/v1{path}", headers=headers)


def searched(client, name) -> list[str]:
    page = BeautifulSoup(client.get("/tags/search", {"tag_search[name]": name}).content,
                         "html.parser")
    return [" ".join(li.text.split()) for li in page.select("ol.tag.index.group li")]


def test_tag_search_counts_only_the_works_the_viewer_may_see():
    creator = UserFactory()
    write(creator, "Lantern Vigil")
    write(creator, "Lantern Vigil", restricted=True)
    write(creator, "Lantern Vigil", post=False)
    hide(write(creator, "Lantern Vigil"))
    tag_use_counts_flush()
    assert Tag.objects.get(name="Lantern Vigil").use_count == 4  # every use, drafts too
    assert searched(as_user(None), "vigil") == ["Additional Tag: Lantern Vigil (1)"]
    assert searched(as_user(UserFactory()), "vigil") == ["Additional Tag: Lantern Vigil (2)"]
    assert searched(as_user(creator), "vigil") == ["Additional Tag: Lantern Vigil (3)"]


def where_the_secret_shows(client, user) -> dict:
    return {
        "autocomplete": SECRET in suggested(client, "secret"),
        "search": searched(client, "secret harbour") != [],
        "page": client.get(SECRET_URL).status_code,
        "works": client.get(f"{SECRET_URL}/works").status_code,
        "works_index": client.get("/works", {"tag_id": SECRET}).status_code,
        "feed": client.get(f"{SECRET_URL}/feed.atom").status_code,
        "api": api_get(user, f"/tags/{SECRET}").status_code,
        "api_works": api_get(user, "/works?tag_id=" + SECRET).status_code,
    }


HIDDEN_EVERYWHERE = {"autocomplete": False, "search": False, "page": 404, "works": 404,
                     "works_index": 404, "feed": 404, "api": 404, "api_works": 404}
SHOWN_EVERYWHERE = {"autocomplete": True, "search": True, "page": 200, "works": 200,
                    "works_index": 200, "feed": 200, "api": 200, "api_works": 200}


def test_a_tag_used_only_on_a_draft_is_nobodys_until_the_draft_is_posted():
    creator = UserFactory()
    draft = write(creator, SECRET, post=False)
    for user in (None, UserFactory(), creator):
        assert where_the_secret_shows(as_user(user), user) == HIDDEN_EVERYWHERE, user
    posting.work_post(user=creator, work=draft)
    for user in (None, UserFactory(), creator):
        assert where_the_secret_shows(as_user(user), user) == SHOWN_EVERYWHERE, user


def test_a_tag_used_only_on_hidden_or_restricted_works():
    creator, reader, admin = UserFactory(), UserFactory(), UserFactory(is_staff=True)
    hide(write(creator, "Quiet Tide"))
    write(creator, "Members Only Tide", restricted=True)
    for user, expected in ((None, 404), (reader, 404), (creator, 200), (admin, 200)):
        assert as_user(user).get("/tags/Quiet Tide").status_code == expected, user
    assert as_user(None).get("/tags/Members Only Tide").status_code == 404
    assert suggested(as_user(None), "members") == []
    assert as_user(reader).get("/tags/Members Only Tide").status_code == 200
    assert suggested(as_user(reader), "members") == ["Members Only Tide"]


def test_a_canonical_tags_page_names_only_the_synonyms_others_may_see():
    creator = UserFactory()
    canonical = Tag.objects.create(name="Harbour", type="Freeform", canonical=True)
    write(creator, "harbor town")
    write(creator, "Harbour Secret Thing", post=False)
    Tag.objects.filter(name__in=["harbor town", "Harbour Secret Thing"]).update(merger=canonical)
    page = BeautifulSoup(as_user(None).get("/tags/Harbour").content, "html.parser")
    synonyms = [a.text for a in page.select("div.synonym.listbox a.tag")]
    assert synonyms == ["harbor town"]
    listed = api_get(None, "/tags/Harbour").json()["synonyms"]
    assert [each["name"] for each in listed] == ["harbor town"]


def test_wranglers_see_every_tag_and_signed_in_suggestions_are_not_shared():
    write(UserFactory(), SECRET, post=False)
    wrangler = UserFactory()
    wrangler_grant(user=wrangler)
    client = as_user(wrangler)
    assert client.get(SECRET_URL).status_code == 200
    answer = client.get("/autocomplete/tags", {"term": "secret"})
    assert [row["name"] for row in answer.json()] == [SECRET]
    assert answer["Cache-Control"].startswith("private")


def test_a_tag_asked_for_by_id_is_named_only_to_those_who_may_know_it():
    creator = UserFactory()
    draft = write(creator, SECRET, post=False)
    secret = Tag.objects.get(name=SECRET)
    for path, params in (
        ("/works", {"include_work_search[freeform_ids][]": secret.pk}),
        ("/works/search", {"work_search[freeform_ids][]": secret.pk, "commit": "Search"}),
    ):
        assert SECRET not in Client().get(path, params).content.decode(), path
    posting.work_post(user=creator, work=draft)
    assert SECRET in Client().get("/works", {
        "include_work_search[freeform_ids][]": secret.pk}).content.decode()


def test_muting_a_tag_she_may_not_know_answers_as_for_a_name_nobody_used():
    write(UserFactory(), SECRET, post=False)
    secret = Tag.objects.get(name=SECRET)
    client = as_user(UserFactory())
    by_name = client.post("/mutes/tags", {"tag": SECRET}).content.decode()
    assert "There is no tag by that name." in by_name and "You have muted" not in by_name
    by_id = client.post("/mutes/tags", {"tag_id": secret.pk}, follow=True).content.decode()
    assert SECRET not in by_id and "You have muted" not in by_id
    assert not TagMute.objects.exists()
