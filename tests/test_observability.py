"""/metrics and JSON logs from a real ``chapterhouse serve --workers 2``: one
scrape adds up every gunicorn worker (a killed worker's counts included), the
search indexer's gauge goes with its process, and every log line is a JSON
object carrying the request's id."""

import json
import os
import signal
import subprocess
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.test_cli import ENTRY, free_port, wait_for
from tests.test_worker_faults import alive, children_of, site_env, wait_until, worker_pid

__all__ = ["site_env"]  # the fixture, used by name below


def scrape(base: str) -> dict:
    response = requests.get(base + "/metrics", timeout=30)
    assert response.status_code == 200
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def home_count(samples: dict) -> float:
    labels = (("method", "GET"), ("status", "2xx"), ("view", "web:home"))
    return samples.get(("chapterhouse_request_duration_seconds_count", labels), 0.0)


def gunicorn_workers(serve: subprocess.Popen) -> list[int]:
    masters = [pid for pid, args in children_of(serve.pid).items() if "gunicorn" in args]
    return [pid for master in masters for pid in children_of(master)]


def test_one_scrape_adds_up_every_worker_and_logs_are_json(tmp_path, site_env):
    env = {**site_env, "LOG_FORMAT": "json"}
    log = tmp_path / "serve.log"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        serve = subprocess.Popen([*ENTRY, "serve", "--port", str(port), "--workers", "2"],
                                 cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        # Slow to start on a busy machine: migrations, static files, the index.
        assert wait_for(base + "/health", serve, seconds=600).status_code == 200
        metrics_dir = Path(env["CHAPTERHOUSE_VAR_DIR"]) / "metrics"
        wait_until(lambda: len(gunicorn_workers(serve)) == 2)
        sent = 0
        for _ in range(12):
            assert requests.get(base + "/", timeout=30).status_code == 200
            sent += 1
        answered = requests.get(base + "/", timeout=30, headers={"X-Request-ID": "probe-42"})
        sent += 1
        assert answered.headers["X-Request-ID"] == "probe-42"
        assert requests.get(base + "/works/999999", timeout=30).status_code == 404
        # Whichever worker answers the scrape, it counts every worker's requests.
        for _ in range(4):
            assert home_count(scrape(base)) == sent

        # Kill each worker that has answered: gunicorn replaces it; what it
        # counted stays in the total, and the new workers add to it.
        served = {int(p.stem.rsplit("_", 1)[1]) for p in metrics_dir.glob("histogram_*.db")}
        assert served
        for pid in served & set(gunicorn_workers(serve)):
            os.kill(pid, signal.SIGKILL)
        wait_until(lambda: len(gunicorn_workers(serve)) == 2
                   and not served & set(gunicorn_workers(serve)))
        for _ in range(5):
            assert requests.get(base + "/", timeout=30).status_code == 200
            sent += 1
        samples = scrape(base)
        assert home_count(samples) == sent
        now_served = {int(p.stem.rsplit("_", 1)[1]) for p in metrics_dir.glob("histogram_*.db")}
        assert len(now_served) >= 2  # counts from more than one process, summed

        # The node's search indexer (the worker) publishes how far it has read.
        assert samples[("chapterhouse_database_up", ())] == 1
        wait_until(lambda: ("chapterhouse_search_index_behind_events", ()) in scrape(base))
        indexer = worker_pid(serve)
        assert (metrics_dir / f"gauge_livemax_{indexer}.db").exists()
        os.kill(indexer, signal.SIGKILL)
        # serve starts it again and drops the dead one's gauge.
        wait_until(lambda: worker_pid(serve) != indexer)
        assert not (metrics_dir / f"gauge_livemax_{indexer}.db").exists()
    finally:
        serve.terminate()
        serve.wait(timeout=40)
    assert not any(alive(pid) for pid in gunicorn_workers(serve))

    records = []
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            records.append(json.loads(line))  # every log line parses
        else:  # only serve's own banner and notices are plain text
            assert "HTTP/1.1" not in line, line
    requests_logged = [r for r in records if r["logger"] == "chapterhouse.request"]
    probe = [r for r in requests_logged if r.get("request_id") == "probe-42"]
    assert len(probe) == 1
    assert probe[0]["method"] == "GET" and probe[0]["path"] == "/" and probe[0]["status"] == 200
    assert probe[0]["duration_ms"] > 0 and probe[0]["level"] == "INFO" and "time" in probe[0]
    assert len([r for r in requests_logged if r["path"] == "/"]) == sent
    # Django's own line for the 404 carries the same request's id.
    missing = [r for r in records if r["logger"] == "django.request"]
    assert missing and missing[0]["request_id"] in {
        r["request_id"] for r in requests_logged if r["status"] == 404}
    assert any(r["logger"] == "gunicorn.error" for r in records)
    assert all({"time", "level", "logger", "message"} <= r.keys() for r in records)
