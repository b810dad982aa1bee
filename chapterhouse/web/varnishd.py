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

#: The configuration shipped for sites (docs/http-cache.md).
VCL_PATH = Path(__file__).resolve().parent / "varnish" / "default.vcl"
VARNISHD = "/usr/sbin/varnishd"


def varnishd_path() -> str | None:
    if Path(VARNISHD).exists():
        return VARNISHD
    return shutil.which("varnishd")


def vcl_for(*, host: str, port: int) -> str:
    """The shipped configuration with its backend pointed at ``host:port``."""
    text = VCL_PATH.read_text()
    text, count = re.subn(
        r'backend default \{\s*\.host = "[^"]*";\s*\.port = "\d+";',
        f'backend default {{\n    .host = "{host}";\n    .port = "{port}";',
        text,
    )
    if count != 1:
        raise ValueError("the shipped VCL has no backend block to point elsewhere")
    return text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Varnish:
    """``with Varnish(workdir, backend_port=8000) as cache: cache.url``: a
    varnishd of its own (its own ``-n`` directory), stopped on leaving."""

    def __init__(self, workdir: Path, *, backend_port: int, backend_host: str = "127.0.0.1",
                 port: int | None = None, memory: str = "64m") -> None:
        self.workdir = Path(workdir)
        self.backend = (backend_host, backend_port)
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
        vcl.write_text(vcl_for(host=self.backend[0], port=self.backend[1]))
        argv = [
            binary, "-F", "-j", "none",
            "-n", str(self.workdir / "state"),
            "-a", f"127.0.0.1:{self.port}",
            "-T", "127.0.0.1:0",
            "-f", str(vcl),
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
