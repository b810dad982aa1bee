"""The ``chapterhouse`` command, run as a newcomer would run it."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ENTRY = [sys.executable, "-m", "chapterhouse.cli"]
#: The checkout under test: put first on the path of the commands started
#: here, so they run this code and not another install of the package.
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(var_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["CHAPTERHOUSE_VAR_DIR"] = str(var_dir)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def wait_for(url: str, process: subprocess.Popen, seconds: float = 180) -> requests.Response:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}")
        try:
            # The first answer can be slow on a busy machine: the web process
            # opens the search index on its first request.
            return requests.get(url, timeout=15)
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")


#: gunicorn's line once its socket listens: the server's readiness signal.
LISTENING = "Listening at: "


def wait_ready(log: Path, process: subprocess.Popen, seconds: float = 600) -> None:
    """Wait for ``serve``'s web server to say it listens. The limit is generous:
    preparing a fresh database and the demo takes long on a busy machine, and
    nothing here is a timing check. On failure the server's log is shown."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if LISTENING in log.read_text(errors="replace"):
            return
        if process.poll() is not None:
            raise AssertionError(f"serve exited with {process.returncode}; its log:\n"
                                 + log.read_text(errors="replace"))
        time.sleep(0.3)
    raise AssertionError(f"serve did not listen within {seconds} s; its log:\n"
                         + log.read_text(errors="replace"))


def test_serve_demo_answers_and_the_demo_user_can_log_in(tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [*ENTRY, "serve", "--demo", "--port", str(port), "--workers", "1"],
            cwd=tmp_path, env={k: v for k, v in clean_env(tmp_path / "var").items()
                               if k != "SITE_URL"},
            stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(log, process)
        try:
            home = requests.get(base + "/", timeout=120)
        except requests.RequestException as error:
            raise AssertionError(f"{error}; the server's log:\n{log.read_text()}") from error
        assert home.status_code == 200, log.read_text()
        assert "Welcome to Chapterhouse" in home.text
        # Each step of the preparation says what it is doing and how long it took.
        started = log.read_text()
        assert re.search(r"applying \d+ migrations: done in [\d.]+ s", started), started
        assert re.search(r"static files: .*: done in [\d.]+ s", started), started
        assert re.search(r"demo content: loaded in [\d.]+ s", started), started
        assert requests.get(base + "/health", timeout=5).json()["status"] == "ok"
        assert requests.get(base + "/static/web/site.css", timeout=5).status_code == 200

        banner = log.read_text()
        assert f"http://127.0.0.1:{port}/" in banner
        assert str(tmp_path / "var" / "mail") in banner
        credentials = re.search(r"log in as '(\w+)' with the password '([^']+)'", banner)
        login, password = credentials.groups()

        session = requests.Session()
        form = session.get(base + "/users/login/", timeout=5)
        # The log-in form carries the token under AO3's name.
        token = re.search(r'name="authenticity_token" value="([^"]+)"', form.text).group(1)
        response = session.post(
            base + "/users/login/",
            data={"login": login, "password": password, "authenticity_token": token},
            headers={"Referer": base + "/users/login/"},
            timeout=5,
        )
        assert response.status_code == 200
        assert f"Hi, <a href=\"/users/{login}\">{login}</a>!" in response.text
        profile = session.get(f"{base}/users/{login}/profile", timeout=5)
        assert "div class=\"bio module\"" in profile.text

        # On a port of its own and without SITE_URL, links inside downloads
        # point to this server, not to the default address.
        assert f"Links in downloads and mail point to {base}/" in banner
        work_id = re.search(r'href="/works/(\d+)"', session.get(base + "/works", timeout=15).text)
        html = session.get(f"{base}/downloads/{work_id.group(1)}/w.html", timeout=30)
        assert html.status_code == 200
        assert f'<a href="{base}/works/{work_id.group(1)}">' in html.text
        assert "127.0.0.1:8000" not in html.text
    finally:
        process.terminate()
        process.wait(timeout=20)

    # A restart redoes nothing: no migration, no static files, no demo content.
    again_log = tmp_path / "again.log"
    with again_log.open("w") as out:
        again = subprocess.Popen(
            [*ENTRY, "serve", "--demo", "--port", str(port), "--workers", "1"],
            cwd=tmp_path, env=clean_env(tmp_path / "var"), stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        wait_ready(again_log, again)
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=120).status_code == 200
        restarted = again_log.read_text()
        assert "database: up to date" in restarted, restarted
        assert "static files: up to date" in restarted, restarted
        assert "demo content: was already there" in restarted, restarted
    finally:
        again.terminate()
        again.wait(timeout=20)


def test_demo_twice_changes_nothing_and_createadmin_makes_a_superuser(tmp_path):
    env = clean_env(tmp_path / "var")
    first = subprocess.run([*ENTRY, "demo"], env=env, cwd=tmp_path, capture_output=True,
                           text=True, check=True)
    assert "Demo content loaded." in first.stdout
    second = subprocess.run([*ENTRY, "demo"], env=env, cwd=tmp_path, capture_output=True,
                            text=True, check=True)
    assert "already there" in second.stdout

    made = subprocess.run(
        [*ENTRY, "createadmin", "--username", "keeper", "--email", "keeper@example.org",
         "--password", "a long admin passphrase"],
        env=env, cwd=tmp_path, capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )
    assert made.returncode == 0, made.stderr
    again = subprocess.run(
        [*ENTRY, "createadmin", "--username", "keeper", "--email", "k2@example.org",
         "--password", "x"],
        env=env, cwd=tmp_path, capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )
    assert again.returncode == 2
    assert "already taken" in again.stderr
    check = subprocess.run(
        [*ENTRY, "manage", "shell", "-c",
         "from chapterhouse.accounts.models import User;"
         "u=User.objects.get(username='keeper');print(u.is_superuser, u.pseuds.count())"],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=True,
    )
    assert check.stdout.strip().splitlines()[-1] == "True 1"


def test_worker_once_posts_a_due_scheduled_chapter(tmp_path):
    env = clean_env(tmp_path / "var")
    subprocess.run([*ENTRY, "manage", "migrate", "-v", "0"], env=env, cwd=tmp_path,
                   capture_output=True, text=True, check=True)
    setup = (
        "import datetime;from django.utils import timezone;"
        "from chapterhouse.works.tests.factories import WorkFactory;"
        "from chapterhouse.works.models import Chapter;"
        "w=WorkFactory();"
        "Chapter.objects.create(work=w, position=2, content='<p>Dawn.</p>', word_count=1,"
        " scheduled_for=timezone.now()-datetime.timedelta(minutes=1));"
        "Chapter.objects.create(work=w, position=3, content='<p>Later.</p>', word_count=1,"
        " scheduled_for=timezone.now()+datetime.timedelta(days=1))"
    )
    subprocess.run([*ENTRY, "manage", "shell", "-c", setup], env=env, cwd=tmp_path,
                   capture_output=True, text=True, check=True)

    ran = subprocess.run([*ENTRY, "worker", "--once"], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert "Posted 1 scheduled chapter(s)." in ran.stdout

    check = subprocess.run(
        [*ENTRY, "manage", "shell", "-c",
         "from chapterhouse.works.models import Work;w=Work.objects.get();"
         "print(list(w.chapters.order_by('position').values_list('posted', flat=True)),"
         " w.posted_chapter_count)"],
        env=env, cwd=tmp_path, capture_output=True, text=True, check=True,
    )
    assert check.stdout.strip().splitlines()[-1] == "[True, True, False] 2"
    again = subprocess.run([*ENTRY, "worker", "--once"], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=60)
    assert "Posted 0 scheduled chapter(s)." in again.stdout


def test_the_worker_ends_when_its_parent_is_gone(tmp_path):
    env = clean_env(tmp_path / "var")
    subprocess.run([*ENTRY, "manage", "migrate", "-v", "0"], env=env, cwd=tmp_path,
                   capture_output=True, text=True, check=True)
    # A parent shell starts the worker in the background and exits at once.
    script = (
        f"{sys.executable} -m chapterhouse.cli worker --interval 1 --parent-pid $$ "
        f"> {tmp_path / 'worker.log'} 2>&1 & echo $!"
    )
    started = subprocess.run(["sh", "-c", script], env=env, cwd=tmp_path,
                             capture_output=True, text=True, check=True)
    pid = int(started.stdout.strip())
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.3)
    else:
        os.kill(pid, 9)
        raise AssertionError("the worker outlived its parent")
    assert "Background worker started" in (tmp_path / "worker.log").read_text()


def test_reindex_while_serving_fails_no_request_and_new_works_are_found(tmp_path):
    """Acceptance 4 through the real commands: `chapterhouse reindex` runs
    twice beside `serve` (two web processes and its indexer) under a steady
    load, and no request fails; a work posted meanwhile is found by search."""
    import threading

    port = free_port()
    env = clean_env(tmp_path / "var")
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [*ENTRY, "serve", "--demo", "--port", str(port), "--workers", "2"],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    pages = [base + "/works", base + "/works/search?work_search%5Bquery%5D=the"]
    failures: list[str] = []
    served = [0]
    stop = threading.Event()

    def load() -> None:
        session = requests.Session()
        while not stop.is_set():
            for url in pages:
                try:
                    response = session.get(url, timeout=20)
                except requests.RequestException as error:
                    failures.append(f"{url}: {error}")
                    continue
                if response.status_code != 200 or 'class="work index group"' not in response.text:
                    failures.append(f"{url}: {response.status_code}")
                served[0] += 1

    try:
        assert wait_for(base + "/health", process).status_code == 200
        assert requests.get(base + "/works", timeout=60).status_code == 200
        threads = [threading.Thread(target=load) for _ in range(2)]
        for thread in threads:
            thread.start()
        try:
            for _ in range(2):
                done = subprocess.run([*ENTRY, "reindex"], env=env, cwd=tmp_path,
                                      capture_output=True, text=True, timeout=300)
                assert done.returncode == 0, done.stderr
                assert "Search index rebuilt" in done.stdout
            post = (
                "from chapterhouse.accounts.models import User;"
                "from chapterhouse.works.services import posting;"
                "from chapterhouse.works.services.tagging import TagChoice;"
                "posting.work_create(user=User.objects.get(username='rowan'), post=True,"
                " fields=posting.WorkFields(title='Quillwort Harbour', expected_chapters=1,"
                " content='<p>A new work written while the index was rebuilt.</p>',"
                " tags=TagChoice(rating=10, warnings=[16], fandoms='Tidewatch')))"
            )
            made = subprocess.run([*ENTRY, "manage", "shell", "-c", post], env=env,
                                  cwd=tmp_path, capture_output=True, text=True, timeout=120)
            assert made.returncode == 0, made.stderr
            found = ""
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and "Quillwort Harbour" not in found:
                found = requests.get(
                    base + "/works/search?work_search%5Bquery%5D=quillwort", timeout=10
                ).text
                time.sleep(0.2)
            assert "Quillwort Harbour" in found
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
        assert failures == []
        assert served[0] > 20
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_for_path(path: Path, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not appear within {seconds} s")
        time.sleep(0.2)


def test_serve_gives_gunicorn_a_control_socket_under_its_own_var_dir(tmp_path):
    from chapterhouse.cli import UNIX_SOCKET_PATH_MAX, gunicorn_argv

    argv = gunicorn_argv(bind="127.0.0.1:8000", workers=2, var_dir=tmp_path / "var")
    assert argv[argv.index("--control-socket") + 1] == str(tmp_path / "var" / "gunicorn.ctl")
    deep = tmp_path / ("d" * (UNIX_SOCKET_PATH_MAX - len(str(tmp_path))))
    argv = gunicorn_argv(bind="127.0.0.1:8000", workers=2, var_dir=deep)
    assert "--no-control-socket" in argv and "--control-socket" not in argv


def test_two_sites_on_one_host_keep_their_own_control_sockets(tmp_path):
    """Stopping one site's server leaves the other's control socket alone
    (with gunicorn's default path, both used ~/.gunicorn/gunicorn.ctl)."""
    from chapterhouse.cli import gunicorn_argv

    servers = {}
    try:
        for name in ("first", "second"):
            var_dir = tmp_path / name / "var"
            var_dir.mkdir(parents=True)
            argv = gunicorn_argv(bind=f"127.0.0.1:{free_port()}", workers=1, var_dir=var_dir)
            process = subprocess.Popen(argv, cwd=tmp_path / name, env=clean_env(var_dir),
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            servers[name] = (process, var_dir / "gunicorn.ctl")
        for process, control in servers.values():
            _wait_for_path(control, process)
        first, _ = servers["first"]
        first.terminate()
        first.wait(timeout=30)
        second, control = servers["second"]
        assert second.poll() is None and control.exists()
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(str(control))
    finally:
        for process, _ in servers.values():
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)


def test_serve_collects_static_files_again_only_when_their_sources_changed(tmp_path, settings):
    """A restarted node skips collectstatic (minutes of compression on a busy
    host) when the collected files are of the same sources (docs/app-nodes.md)."""
    from chapterhouse import cli

    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
    assert cli.collect_static() is True
    assert (tmp_path / "static" / "staticfiles.json").exists()
    assert cli.collect_static() is False
    # Sources that differ from the last collection (another release) collect again.
    (tmp_path / "static" / cli.STATIC_STAMP).write_text("an older release\n")
    assert cli.collect_static() is True
    assert cli.collect_static() is False


def test_manage_prints_no_warning_of_djangos_checks(tmp_path):
    done = subprocess.run([*ENTRY, "manage", "check"], env=clean_env(tmp_path / "var"),
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "WARNINGS" not in done.stdout + done.stderr
    assert "urls.W002" not in done.stdout + done.stderr
