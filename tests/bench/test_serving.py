"""The pure parts of bench/serving.py: its arguments, wrk's report, and the
acceptance table's met / not met (the measuring itself is the benchmark's)."""

import pytest

from bench import http_cache, serving

MIB = 1024 * 1024

WRK_REPORT = """Running 3s test @ http://127.0.0.1:18001/works/7
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   530.12ms  120.01ms   1.20s    70.00%
    Req/Sec    30.10      8.00     50.00     66.67%
  92 requests in 3.02s, 2.03MB read
  Non-2xx or 3xx responses: 2
Requests/sec:     30.46
Transfer/sec:    688.35KB
"""


def test_quick_shortens_the_runs_and_explicit_values_win():
    full = serving.parse(["--works", "10000"])
    quick = serving.parse(["--works", "10000", "--quick", "--duration", "5"])
    assert (full.works, full.db, full.workers, full.posters) == (10000, "postgres", 4, 2)
    assert (full.runs, full.duration, full.page_runs) == (50, 10, 300)
    assert (quick.runs, quick.duration, quick.page_runs) == (10, 5, 60)
    assert quick.skip == set()


def test_skip_takes_known_parts_only():
    assert serving.parse(["--skip", "http, posting"]).skip == {"http", "posting"}
    with pytest.raises(SystemExit):
        serving.parse(["--skip", "everything"])


def test_wrk_report_gives_requests_seconds_and_errors():
    result = http_cache.parse_wrk(WRK_REPORT)
    assert (result.requests, result.seconds, result.errors) == (92, 3.02, 2)
    assert result.rate == pytest.approx(30.46)
    assert http_cache.parse_wrk(WRK_REPORT.replace("3.02s", "900.00ms")).seconds == 0.9


def _figures(**changes):
    figures = {
        "posters": 2,
        "cases": [
            {"key": key, "page": {"p50": p50, "p99": p99}}
            for key, p50, p99 in [
                ("1", 12.0, 40.0),
                ("3", 14.0, 45.0),
                ("4a", 25.0, 60.0),
                ("4b", 20.0, 30.0),
                ("4c", 29.0, 35.0),
                ("5", 10.0, 20.0),
            ]
        ],
        "pages": {"work, reader": {"per_core": 320.0}},
        "http": {
            "pages": {
                key: {"cache": 20_000.0, "app": 100.0, "static": 30_000.0}
                for key in ("work", "landing", "home")
            },
            "reader": {"per_core": 310.0},
        },
        "memory": {"workers": 4, "total_pss": 800 * MIB, "worker_private_max": 120 * MIB},
        "gc": {"full_collections": 0},
        "posting": {"rate": 51.0, "latency_max": 700.0, "missing": 0},
    }
    figures.update(changes)
    return figures


def _results(rows):
    return {row.what: row.met for row in rows}


def test_every_figure_within_its_target_is_met():
    rows = serving.acceptance(_figures())
    assert len(rows) == 18
    assert all(row.met is True for row in rows), [r for r in rows if r.met is not True]


def test_a_figure_past_its_target_is_not_met_and_the_rest_still_are():
    figures = _figures(
        cases=[{"key": "1", "page": {"p50": 15.5, "p99": 50.0}}],
        memory={"workers": 4, "total_pss": 2100 * MIB, "worker_private_max": 150 * MIB},
        posting={"rate": 49.9, "latency_max": 700.0, "missing": 0},
    )
    figures["http"]["pages"]["work"]["cache"] = 9_000.0  # 0.30 of nginx's rate
    met = _results(serving.acceptance(figures))
    assert met["query 1 page p50"] is False
    assert met["query 1 page p99"] is True  # the target itself is met
    assert met["query 3 page p50"] is None  # not measured in this run
    assert met["guest work page through the cache ÷ nginx static"] is False
    assert met["guest landing page through the cache ÷ nginx static"] is True
    assert met["node memory, sum of PSS (4 workers + indexer)"] is False
    assert met["private memory per web worker, the largest"] is True
    assert met["posting from 2 processes (works/s)"] is False


def test_a_posted_work_never_seen_fails_freshness():
    figures = _figures(posting={"rate": 55.0, "latency_max": 300.0, "missing": 1})
    met = _results(serving.acceptance(figures))
    assert met["posted work in the filtered listing, the slowest"] is False


def test_a_full_collection_during_the_timed_runs_is_not_met():
    met = _results(serving.acceptance(_figures(gc={"full_collections": 3})))
    assert met["full (gen 2) collections during the timings, freeze on"] is False


def test_nothing_measured_is_reported_as_such():
    rows = serving.acceptance({})
    assert rows and all(row.met is None and row.value == "-" for row in rows)
