"""LOG_FORMAT=json: each line one JSON object; a request's line carries its
id, method, path, status and duration, and so do other lines of the request.
(The whole of it under gunicorn: tests/test_observability.py.)"""

import io
import json
import logging

import pytest
from django.conf import settings
from django.test import Client, override_settings
from pythonjsonlogger.json import JsonFormatter

from chapterhouse.web.requestlog import RequestIdFilter

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """The root logger also writes through the JSON formatter of settings.LOGGING."""
    options = {k: v for k, v in settings.LOGGING["formatters"]["json"].items() if k != "()"}
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(**options))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


@override_settings(LOG_REQUESTS=True)
def test_each_request_is_one_json_line_with_its_id(json_lines, work):
    client = Client(raise_request_exception=False)
    found = client.get(f"/works/{work.pk}", HTTP_X_REQUEST_ID="lb-7.abc")
    missing = client.get("/works/987654321")
    lines = json_lines()
    requests = [r for r in lines if r["logger"] == "chapterhouse.request"]
    assert [(r["method"], r["path"], r["status"]) for r in requests] == [
        ("GET", f"/works/{work.pk}", 200), ("GET", "/works/987654321", 404)]
    assert requests[0]["request_id"] == "lb-7.abc" == found["X-Request-ID"]
    assert requests[1]["request_id"] == missing["X-Request-ID"] != "lb-7.abc"
    assert all(r["duration_ms"] > 0 and r["level"] == "INFO" and r["time"] for r in requests)
    # Django's own warning for the 404 carries the same request's id.
    warning = [r for r in lines if r["logger"] == "django.request"]
    assert warning and warning[0]["request_id"] == requests[1]["request_id"]


@override_settings(LOG_REQUESTS=True)
def test_a_request_id_that_is_not_plain_is_replaced(json_lines):
    response = Client().get("/health", HTTP_X_REQUEST_ID='bad id"\n{}')
    assert response["X-Request-ID"] != 'bad id"\n{}'
    assert len(response["X-Request-ID"]) == 16


def test_an_exception_comes_as_text_in_its_line(json_lines):
    log = logging.getLogger("chapterhouse.test")
    try:
        raise ValueError("the river rose")
    except ValueError:
        log.exception("Could not do the thing")
    line = json_lines()[-1]
    assert line["level"] == "ERROR" and line["logger"] == "chapterhouse.test"
    assert line["message"] == "Could not do the thing"
    assert "Traceback" in line["exception"] and "ValueError: the river rose" in line["exception"]
    assert "request_id" not in line
