"""The files in deploy/ say what the code reads: every setting in the env
file template is one the site reads, and every unit's command line is one
``chapterhouse`` accepts (README, "Production")."""

import re
import shlex
from pathlib import Path

import pytest

from chapterhouse.cli import build_parser

from .test_cli import ROOT

DEPLOY = ROOT / "deploy"
#: Settings read somewhere the search below does not look (none today).
ELSEWHERE: set[str] = set()


def settings_read() -> set[str]:
    """Every environment variable the package reads."""
    names = set()
    for path in (ROOT / "chapterhouse").rglob("*.py"):
        if "tests" in path.parts:
            continue
        text = path.read_text()
        names.update(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z0-9_]+)"', text))
        names.update(re.findall(r'os\.environ(?:\.get)?[\[(]\s*"([A-Z0-9_]+)"', text))
    return names


def test_every_setting_in_the_env_template_is_one_the_site_reads():
    template = (DEPLOY / "chapterhouse.env.example").read_text()
    names = re.findall(r"^([A-Z][A-Z0-9_]*)=", template, re.M)
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SITE_URL", "HTTP_CACHE_URLS",
            "MEDIA_ROOT", "CHAPTERHOUSE_VAR_DIR"} <= set(names)
    unknown = set(names) - settings_read() - ELSEWHERE
    assert not unknown, f"the template sets what nothing reads: {sorted(unknown)}"
    assert len(names) == len(set(names)), "a setting is in the template twice"


@pytest.mark.parametrize("unit", ["chapterhouse-node@.service", "chapterhouse-worker.service"])
def test_each_units_command_is_one_chapterhouse_accepts(unit):
    text = (DEPLOY / "systemd" / unit).read_text().replace("%i", "8001")
    line = next(row for row in text.splitlines() if row.startswith("ExecStart="))
    words = shlex.split(line.removeprefix("ExecStart="))
    while words[0] == "/usr/bin/env" or "=" in words[0]:
        words.pop(0)
    assert Path(words[0]).name == "chapterhouse"
    args = build_parser().parse_args(words[1:])
    if unit.startswith("chapterhouse-node"):
        # A node: no background worker of its own, its indexer started by serve.
        assert args.command == "serve" and args.no_worker and args.port == 8001
    else:
        assert args.command == "worker" and not args.index_only and not args.once
    assert "EnvironmentFile=/etc/chapterhouse/chapterhouse.env" in text
    assert "Restart=always" in text
