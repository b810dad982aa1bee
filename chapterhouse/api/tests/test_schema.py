"""Schemathesis against the live API: every operation in the OpenAPI document
(reads and writes alike, read from the document at run time) is called over
real HTTP with generated input, and must never answer 5xx, and must answer
what the document says it answers.

Generated ids mostly name nothing; to reach real objects as well, an even
generated id is swapped for one of the fixture's (a posted work, a restricted
one, a draft, a hidden one…), and names for the fixture's user, pseud and tag.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.api.services import token_create
from chapterhouse.responses.models import Bookmark
from chapterhouse.tags.models import Tag
from chapterhouse.tags.services.filters import work_filter_tags_refresh
from chapterhouse.works.models import Series
from chapterhouse.works.tests.factories import WorkFactory, add_to_series

FANDOM = "Orchard Weather"


class Fixture:
    def __init__(self):
        creator = UserFactory(username="plum_writer")
        reader = UserFactory(username="quince_reader")
        works = [
            WorkFactory(creator=creator, title="Blossom Week", chapters=3, fandom=FANDOM),
            WorkFactory(creator=creator, title="Frost Warning", restricted=True, fandom=FANDOM),
            WorkFactory(creator=creator, title="Grafting", posted=False, fandom=FANDOM),
            WorkFactory(creator=creator, title="Windfall", hidden_by_admin=True, fandom=FANDOM),
            WorkFactory(creator=creator, title="Unsigned Letter", anonymous=True, fandom=FANDOM),
            WorkFactory(creator=reader, title="Cider Press", fandom=FANDOM),
        ]
        Tag.objects.filter(name=FANDOM).update(canonical=True)
        work_filter_tags_refresh(work_ids=[w.pk for w in works])
        series = add_to_series(works[0], Series.objects.create(title="Four Seasons"))
        add_to_series(works[1], series, position=2)
        bookmarks = [
            Bookmark.objects.create(user=reader, pseud=reader.pseuds.get(), work=works[0],
                                    notes="<p>Sweet.</p>"),
            Bookmark.objects.create(user=reader, pseud=reader.pseuds.get(), work=works[1],
                                    private=True),
            Bookmark.objects.create(user=creator, pseud=creator.pseuds.get(), work=works[5]),
        ]
        self.key = token_create(user=creator, name="schema", scopes=["read", "write"])[1]
        self.ids = {
            "work_id": [w.pk for w in works],
            "chapter_id": [c.pk for w in works for c in w.chapters.all()],
            "series_id": [series.pk],
            "bookmark_id": [b.pk for b in bookmarks],
        }
        self.names = {"name": ["plum_writer", "quince_reader", FANDOM], "pseud": ["plum_writer"]}

    def steer(self, case) -> None:
        """Point some generated ids and names at the fixture's objects."""
        params = case.path_parameters or {}
        for key, value in list(params.items()):
            if key in self.ids and isinstance(value, int) and value % 2 == 0:
                choices = self.ids[key]
                params[key] = choices[(value // 2) % len(choices)]
            elif key in self.names and isinstance(value, str) and len(value) % 2 == 0:
                choices = self.names[key]
                params[key] = choices[len(value) // 2 % len(choices)]


@pytest.fixture
def live_api(live_server, transactional_db, settings):
    settings.API_RATE_LIMITS = {"token_read": (100_000, 60), "token_write": (100_000, 60),
                                "guest": (100_000, 60)}
    settings.SITE_URL = live_server.url
    data = Fixture()
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    return schema, data


#: Generated calls per operation: enough to find a crash, few enough to run in ~a minute.
EXAMPLES = 25


def _exercise(operation, *, base_url: str, data: Fixture) -> str | None:
    """Run generated calls of one operation; the first failure, in words, or None."""

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    def run(case):
        data.steer(case)
        case.call_and_validate(
            base_url=base_url,
            headers={"Authorization": f"Bearer {data.key}"},
            checks=[not_a_server_error, response_schema_conformance],
        )

    try:
        run()
    except Exception as failure:  # noqa: BLE001 - each operation's failure is reported
        return f"{operation.label}: {failure}"
    return None


@pytest.mark.django_db(transaction=True)
def test_api_never_fails_and_answers_as_documented(live_api, live_server):
    schema, data = live_api
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    failures = [
        failure
        for operation in operations
        if (failure := _exercise(operation, base_url=live_server.url, data=data))
    ]
    assert not failures, "\n\n".join(failures)
