"""Guest pages through Varnish, uncached, and as static bytes from nginx.

    .venv/bin/python bench/http_cache.py                     # demo site on a temp SQLite
    DATABASE_URL=postgres://…/big .venv/bin/python bench/http_cache.py --no-demo
    .venv/bin/python bench/http_cache.py --duration 10 --connections 16 --workers 2

Serves the site with ``chapterhouse serve --workers N`` and puts a
``varnishd`` with the shipped VCL in front of it (docs/http-cache.md). It
saves the bytes of a guest's work page and of the landing page, and serves
those files from nginx. Then wrk (one thread, 16 connections) measures each
page three ways: through the cache, straight from the app, and from nginx.
It prints requests per second side by side, with the ratios cache ÷ static
and app ÷ static. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from chapterhouse.web.varnishd import Varnish, free_port  # noqa: E402

WRK = shutil.which("wrk") or "/usr/bin/wrk"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def wait_for(url: str, process: subprocess.Popen, seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server ended (exit {process.returncode})")
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer")


@dataclass
class WrkResult:
    rate: float  # requests a second
    requests: int
    seconds: float
    errors: int  # non-2xx or 3xx answers


def wrk_run(
    url: str,
    *,
    duration: float,
    connections: int,
    headers: tuple[str, ...] = (),
    script: Path | None = None,
) -> WrkResult:
    """One wrk run (one thread) against ``url``; ``headers`` as "Name: value",
    ``script`` a Lua file for wrk's ``-s``."""
    argv = [WRK, "-t1", f"-c{connections}", f"-d{duration}s", url]
    for header in headers:
        argv += ["-H", header]
    if script is not None:
        argv += ["-s", str(script)]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout  # noqa: S603
    return parse_wrk(out)


def parse_wrk(out: str) -> WrkResult:
    """The figures of wrk's report (``N requests in 10.00s``, ``Requests/sec``,
    ``Non-2xx or 3xx responses``)."""
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)\b", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    seconds = 0.0
    if total:
        unit = {"ms": 0.001, "s": 1.0, "m": 60.0}[total.group(3)]
        seconds = float(total.group(2)) * unit
    return WrkResult(
        rate=float(found.group(1)) if found else 0.0,
        requests=int(total.group(1)) if total else 0,
        seconds=seconds,
        errors=int(errors.group(1)) if errors else 0,
    )


def wrk(url: str, *, duration: int, connections: int) -> float:
    result = wrk_run(url, duration=duration, connections=connections)
    if result.errors:
        print(f"  note: {result.errors} non-2xx answers from {url}", flush=True)
    return result.rate


NGINX_CONF = """
daemon off;
worker_processes {workers};
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {root}/tmp;
    proxy_temp_path {root}/tmp;
    fastcgi_temp_path {root}/tmp;
    uwsgi_temp_path {root}/tmp;
    scgi_temp_path {root}/tmp;
    server {{
        listen 127.0.0.1:{port};
        root {root}/pages;
        default_type text/html;
    }}
}}
"""


def start_nginx(root: Path, *, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    (root / "tmp").mkdir(parents=True, exist_ok=True)
    conf = root / "nginx.conf"
    conf.write_text(NGINX_CONF.format(root=root, port=port, workers=workers))
    process = subprocess.Popen(  # noqa: S603 - our own arguments
        [NGINX, "-c", str(conf), "-p", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/landing.html", timeout=2)
            return process, url
        except requests.RequestException:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit("nginx did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--no-demo", action="store_true", help="use the works already in DATABASE_URL"
    )
    args = parser.parse_args()

    for tool in (WRK, NGINX):
        if not Path(tool).exists():
            raise SystemExit(f"{tool} is missing (apt-get install wrk nginx-light)")
    work_dir = Path(tempfile.mkdtemp(prefix="chapterhouse-http-cache-"))
    work_dir.chmod(0o755)  # nginx's workers read the saved pages as another user
    env = {
        **os.environ,
        "CHAPTERHOUSE_VAR_DIR": str(work_dir / "var"),
        # This checkout's code, whatever the environment has installed.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    app_port = free_port()
    app = f"http://127.0.0.1:{app_port}"
    with Varnish(work_dir / "varnish", backend_port=app_port, memory="256m") as cache:
        env["HTTP_CACHE_URLS"] = cache.url
        argv = [
            sys.executable,
            "-m",
            "chapterhouse.cli",
            "serve",
            "--port",
            str(app_port),
            "--workers",
            str(args.workers),
        ]
        if not args.no_demo:
            argv.append("--demo")
        log = (work_dir / "serve.log").open("w")
        server = subprocess.Popen(  # noqa: S603 - our own command
            argv,
            env=env,
            cwd=work_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        nginx = None
        try:
            wait_for(app + "/health", server)
            listing = requests.get(app + "/works", timeout=60).text
            work_id = re.search(r'href="/works/(\d+)"', listing).group(1)
            pages = {
                "work page": (f"/works/{work_id}", "work.html"),
                "landing page": ("/", "landing.html"),
            }
            (work_dir / "nginx" / "pages").mkdir(parents=True)
            for path, name in pages.values():
                answer = requests.get(app + path, timeout=60)
                assert "public" in answer.headers.get("Cache-Control", ""), answer.headers
                (work_dir / "nginx" / "pages" / name).write_bytes(answer.content)
            nginx, static = start_nginx(work_dir / "nginx", workers=args.workers)
            print(
                f"wrk -t1 -c{args.connections} -d{args.duration}s; "
                f"serve --workers {args.workers}; work /works/{work_id}",
                flush=True,
            )
            print(
                f"{'page':<14}{'bytes':>8}{'cache r/s':>12}{'app r/s':>10}{'nginx r/s':>11}"
                f"{'cache/nginx':>13}{'app/nginx':>11}{'cache/app':>11}",
                flush=True,
            )
            for label, (path, name) in pages.items():
                size = (work_dir / "nginx" / "pages" / name).stat().st_size
                requests.get(cache.url + path, timeout=60)  # stored once
                hit = requests.get(cache.url + path, timeout=60).headers.get("X-Cache")
                if hit != "HIT":
                    print(f"  note: {path} is not answered from the cache ({hit})")
                cached = wrk(cache.url + path, duration=args.duration, connections=args.connections)
                direct = wrk(app + path, duration=args.duration, connections=args.connections)
                served = wrk(
                    f"{static}/{name}", duration=args.duration, connections=args.connections
                )
                print(
                    f"{label:<14}{size:>8}{cached:>12,.0f}{direct:>10,.0f}{served:>11,.0f}"
                    f"{cached / served:>13.2f}{direct / served:>11.4f}"
                    f"{cached / max(direct, 1):>11.0f}x",
                    flush=True,
                )
        finally:
            if nginx is not None:
                nginx.terminate()
                nginx.wait(timeout=10)
            os.killpg(server.pid, 15)
            server.wait(timeout=60)
            log.close()
    shutil.rmtree(work_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
