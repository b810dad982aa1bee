"""Real servers started, stopped and cut on purpose: for the outage and
worker-fault tests and the fault scenarios under ``bench/faults/``
(docs/outages.md). A site in production runs Redis and PostgreSQL as system
services; nothing here is used by the site itself.

- ``RedisServer``: a ``redis-server`` of one's own on a free port, killed and
  started again (empty, as after a crash without persistence);
- ``CuttableProxy``: a TCP proxy in front of PostgreSQL whose ``cut`` closes
  the listener and every open connection, as a stopped server would;
- ``children_of`` / ``worker_pid`` / ``alive``: the processes under a running
  ``chapterhouse serve``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

from .varnishd import free_port

REDIS_SERVER = "/usr/bin/redis-server"


def redis_server_path() -> str | None:
    found = shutil.which("redis-server") or REDIS_SERVER
    return found if os.path.exists(found) else None


class RedisServer:
    """A redis-server of one's own, on one port, that can be killed and
    started again (empty, as after a crash without persistence)."""

    def __init__(self) -> None:
        self.binary = redis_server_path() or REDIS_SERVER
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(  # noqa: S603
            [self.binary, "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(5)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()

    def keys(self, pattern: str = "*") -> list[bytes]:
        import redis

        return list(redis.Redis(port=self.port).scan_iter(pattern))


class CuttableProxy:
    """A TCP proxy between the site and PostgreSQL: ``cut`` closes the
    listener and every open connection (as a stopped server would); ``restore``
    listens again on the same port."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.listener = None

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source, sink) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        self.listener.close()
        with self.lock:
            sockets, self.sockets = self.sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


# The processes of a running ``chapterhouse serve`` ------------------------------------------


def children_of(pid: int) -> dict[int, str]:
    listed = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(pid)],  # noqa: S607
                            capture_output=True, text=True).stdout
    found = {}
    for line in listed.splitlines():
        child, _, args = line.strip().partition(" ")
        found[int(child)] = args
    return found


def worker_pid(serve: subprocess.Popen, seconds: float = 60) -> int:
    """The pid of the background worker ``serve`` runs (waiting for one)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for pid, args in children_of(serve.pid).items():
            if "chapterhouse.cli worker" in args:
                return pid
        time.sleep(0.2)
    raise RuntimeError("serve has no worker")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child of an ended serve may linger as a zombie for a moment.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
