"""Starting Debian's ``varnishd`` with the shipped configuration in front of a
running site: for the tests on the real cache and the HTTP cache benchmark.
A site in production runs Varnish as a system service (docs/http-cache.md)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

#: The configuration shipped for sites (docs/http-cache.md): default.vcl
#: names one app node and includes the rules, chapterhouse.vcl, from here.
VCL_DIR = Path(__file__).resolve().parent / "varnish"
VCL_PATH = VCL_DIR / "default.vcl"
VARNISHD = "/usr/sbin/varnishd"


def varnishd_path() -> str | None:
    if Path(VARNISHD).exists():
        return VARNISHD
    return shutil.which("varnishd")


_BACKEND = re.compile(r'(backend \w+ \{\s*)\.host = "[^"]*";(\s*)\.port = "\d+";')


def vcl_for(backends: list[tuple[str, int]], *, path: Path = VCL_PATH) -> str:
    """The configuration at ``path`` with its backends, in order, pointed at
    ``backends`` (host, port); nothing else in it changes."""
    text = path.read_text()
    found = _BACKEND.findall(text)
    if len(found) != len(backends):
        raise ValueError(f"{path} names {len(found)} backend(s), not {len(backends)}")
    addresses = iter(backends)

    def point(match: re.Match) -> str:
        host, port = next(addresses)
        return f'{match.group(1)}.host = "{host}";{match.group(2)}.port = "{port}";'

    return _BACKEND.sub(point, text)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Varnish:
    """``with Varnish(workdir, backend_port=8000) as cache: cache.url``: a
    varnishd of its own (its own ``-n`` directory), stopped on leaving.
    ``Varnish(workdir, backends=[(host, port), …], vcl=path)`` runs another
    site VCL (deploy/varnish/site.vcl) with its backends pointed there."""

    def __init__(self, workdir: Path, *, backend_port: int | None = None,
                 backend_host: str = "127.0.0.1", backends: list[tuple[str, int]] | None = None,
                 vcl: Path = VCL_PATH, port: int | None = None, memory: str = "64m") -> None:
        self.workdir = Path(workdir)
        self.backends = backends or [(backend_host, backend_port)]
        self.vcl = Path(vcl)
        self.port = port or free_port()
        self.memory = memory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, seconds: float = 30.0) -> Varnish:
        binary = varnishd_path()
        if binary is None:
            raise FileNotFoundError("varnishd is not installed (apt-get install varnish)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        vcl = self.workdir / "site.vcl"
        vcl.write_text(vcl_for(self.backends, path=self.vcl))
        argv = [
            binary, "-F", "-j", "none",
            "-n", str(self.workdir / "state"),
            "-a", f"127.0.0.1:{self.port}",
            "-T", "127.0.0.1:0",
            "-f", str(vcl),
            # Its `include "chapterhouse.vcl"` finds the package's rules.
            "-p", f"vcl_path={VCL_DIR}",
            "-s", f"malloc,{self.memory}",
        ]
        self.log = (self.workdir / "varnishd.log").open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own arguments
            argv, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("varnishd ended: " + (self.workdir / "varnishd.log").read_text())
            try:
                request = urllib.request.Request(self.url + "/", method="BAN")  # noqa: S310
                with urllib.request.urlopen(request, timeout=2):  # noqa: S310 - local
                    return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("varnishd did not start listening")

    def backend_health(self) -> dict[str, str]:
        """Each backend's name and what its probe says now ("healthy" or
        "sick"), from ``varnishadm backend.list``."""
        done = subprocess.run(  # noqa: S603 - our own arguments
            ["varnishadm", "-n", str(self.workdir / "state"), "backend.list"],
            capture_output=True, text=True, timeout=10,
        )
        health = {}
        for line in done.stdout.splitlines()[1:]:
            fields = line.split()
            # name, admin state, probe (good/window), health, last change
            if len(fields) >= 4 and "." in fields[0]:
                health[fields[0].rsplit(".", 1)[1]] = fields[3]
        return health

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
        if getattr(self, "log", None) is not None:
            self.log.close()
            self.log = None

    def __enter__(self) -> Varnish:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
