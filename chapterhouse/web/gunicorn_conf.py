"""gunicorn's settings under ``chapterhouse serve`` (``--config
python:chapterhouse.web.gunicorn_conf``); the command line gives the rest.

- ``child_exit``: a worker process that ended (replaced after a crash, or at
  shutdown) has its live gauges removed from the metrics directory, as
  prometheus_client's multiprocess mode asks (docs/observability.md).
- With ``LOG_FORMAT=json`` gunicorn's own lines (start, worker deaths) are
  JSON objects like the app's.
"""

import os


def child_exit(server, worker):
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid, path)


if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(levelname)s %(name)s %(message)s",
                "timestamp": "time",
                "rename_fields": {"levelname": "level", "name": "logger",
                                  "exc_info": "exception"},
            },
        },
        "handlers": {
            "error_console": {"class": "logging.StreamHandler", "formatter": "json",
                              "stream": "ext://sys.stderr"},
        },
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"],
                               "propagate": False, "qualname": "gunicorn.error"},
        },
        "root": {"level": "INFO", "handlers": []},
    }
