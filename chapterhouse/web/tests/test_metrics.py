"""/metrics: what a scraper reads after some traffic, who may read it, and
that no cache keeps it. (Several gunicorn workers: tests/test_observability.py.)"""

import datetime

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from chapterhouse.discovery.engine.index import get_index
from chapterhouse.discovery.models import OutboxEvent
from chapterhouse.responses.models import Notification, NotificationKind
from chapterhouse.web.caches import LocalLRU

pytestmark = pytest.mark.django_db


def scrape(client=None, **extra) -> dict[tuple[str, tuple], float]:
    response = (client or Client()).get("/metrics", **extra)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_request_latency_is_counted_by_route_name_not_by_path(client, work):
    before = scrape()
    key = dict(view="works:work", method="GET", status="2xx")
    for _ in range(3):
        assert client.get(f"/works/{work.pk}").status_code == 200
    assert client.get("/works/987654321").status_code == 404
    client.post("/theme", {"theme": "dark"})
    after = scrape()
    name = "chapterhouse_request_duration_seconds_count"
    assert value(after, name, **key) - value(before, name, **key) == 3
    assert value(after, name, view="works:work", method="GET", status="4xx") \
        - value(before, name, view="works:work", method="GET", status="4xx") == 1
    assert value(after, name, view="accounts:theme", method="POST", status="3xx") >= 1
    # Buckets up to 10 s and the sum, so a p99 can be read from them.
    assert value(after, "chapterhouse_request_duration_seconds_bucket", le="+Inf", **key) >= 3
    assert value(after, "chapterhouse_request_duration_seconds_sum", **key) > 0
    # No raw path (an id) ever becomes a label.
    paths = {v for (_, labels) in after for k, v in labels if k == "view"}
    assert not any("/" in p or "987654321" in p for p in paths), paths


def test_an_unknown_address_is_counted_as_unmatched(client):
    client.get("/no-such-page-at-all/12345")
    samples = scrape()
    assert value(samples, "chapterhouse_request_duration_seconds_count",
                 view="unmatched", method="GET", status="4xx") >= 1


def test_database_and_queues_are_measured_at_scrape_time(work, reader):
    from chapterhouse.responses.services.mail import mail_send_task

    samples = scrape()
    assert value(samples, "chapterhouse_database_up") == 1
    assert value(samples, "chapterhouse_mail_outbox_waiting") == 0
    assert value(samples, "chapterhouse_tasks", state="waiting") == 0
    note = Notification.objects.create(user=reader, kind=NotificationKind.COMMENT, key="m1")
    Notification.objects.filter(pk=note.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=5))
    Notification.objects.create(user=reader, kind=NotificationKind.COMMENT, key="m2",
                                sent_at=timezone.now())
    mail_send_task.enqueue(note.pk)
    samples = scrape()
    assert value(samples, "chapterhouse_mail_outbox_waiting") == 1
    assert 290 < value(samples, "chapterhouse_mail_outbox_oldest_seconds") < 400
    assert value(samples, "chapterhouse_tasks", state="waiting") == 1
    assert value(samples, "chapterhouse_tasks", state="running") == 0
    assert value(samples, "chapterhouse_tasks_oldest_seconds", state="waiting") >= 0


def test_search_index_lag_is_how_far_the_index_is_behind_the_outbox(client, work):
    index = get_index()
    index.sync(force=True)
    samples = scrape()
    assert value(samples, "chapterhouse_search_index_behind_events") == 0
    assert value(samples, "chapterhouse_search_index_lag_seconds") == 0
    assert value(samples, "chapterhouse_search_indexer_position") == index.cursor.position
    # Two writes the index has not applied yet, the first a minute old.
    first = OutboxEvent.objects.create(topic="work.changed", payload={"work_ids": [work.pk]})
    OutboxEvent.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - datetime.timedelta(seconds=60))
    OutboxEvent.objects.create(topic="work.changed", payload={"work_ids": [work.pk]})
    samples = scrape()
    assert value(samples, "chapterhouse_search_index_behind_events") == 2
    assert 55 < value(samples, "chapterhouse_search_index_lag_seconds") < 120
    index.sync(force=True)
    samples = scrape()
    assert value(samples, "chapterhouse_search_index_behind_events") == 0


def test_cache_hits_and_misses_are_counted(client, work):
    before = scrape()
    lru = LocalLRU(4, name="test_fragments")
    lru.get_or_make("a", lambda: "made")
    lru.get_or_make("a", lambda: "made")
    # The work's blurb on the home page: rendered once, then served from the cache.
    client.get("/")
    client.get("/")
    after = scrape()
    name = "chapterhouse_cache_lookups_total"
    assert value(after, name, cache="test_fragments", result="hit") == 1
    assert value(after, name, cache="test_fragments", result="miss") == 1
    assert value(after, name, cache="html", result="hit") > value(
        before, name, cache="html", result="hit")
    # Django's caches: the site's switches live in "local".
    assert value(after, name, cache="local", result="hit") + value(
        after, name, cache="local", result="miss") > 0


def test_metrics_are_refused_to_public_addresses():
    public = Client(REMOTE_ADDR="93.184.216.34")
    response = public.get("/metrics")
    assert response.status_code == 403
    assert b"chapterhouse_" not in response.content
    # A private address is allowed, IPv6 loopback too.
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="::1").get("/metrics").status_code == 200


def test_through_a_proxy_the_forwarded_client_must_be_private_too():
    # The proxy (private) forwards a public client: refused, even when the
    # client itself claimed to be local in an earlier entry.
    proxied = Client(REMOTE_ADDR="10.0.0.2",
                     HTTP_X_FORWARDED_FOR="127.0.0.1, 8.8.4.4")
    assert proxied.get("/metrics").status_code == 403
    assert Client(REMOTE_ADDR="10.0.0.2",
                  HTTP_X_FORWARDED_FOR="192.168.1.9").get("/metrics").status_code == 200


@override_settings(METRICS_TOKEN="s3cret-scrape-token")
def test_the_bearer_token_opens_metrics_from_anywhere():
    public = Client(REMOTE_ADDR="93.184.216.34")
    assert public.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert public.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token"
                      ).status_code == 200


def test_metrics_are_never_kept_by_a_cache(client):
    response = client.get("/metrics")
    directives = response["Cache-Control"]
    assert "no-store" in directives and "public" not in directives
    assert "X-Works" not in response
