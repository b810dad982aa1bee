"""Benchmark the exchange: rendering downloads, serving them from the cache,
importing them back, and the API and OPDS reads.

    .venv/bin/python bench/exchange_bench.py                 # SQLite in a temp directory
    .venv/bin/python bench/exchange_bench.py --db postgres   # a scratch PostgreSQL database
    .venv/bin/python bench/exchange_bench.py --words 200000 --repeat 50

The data: the demo works plus one long work (``--chapters`` chapters making
``--words`` words in all). Prints, in milliseconds: building the document and
rendering each format cold for the long work; a download through the view
when the file must be rendered and when it is cached (p50/p99 and their
ratio); reading the long work's HTML download back and importing it; and
p50/p99 of ``GET /api/v1/works``, ``GET /api/v1/works/ID`` and
``GET /opds/recent`` as a guest.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.scratch import cleanup, scratch, use  # noqa: E402

SENTENCES = [
    "The lamp on the breakwater turned once every nine seconds.",
    "Ada counted the turns the way other people counted sheep.",
    "Quill came down the stairs with two mugs and no good news.",
    "Out past the shoals the weather was making up its mind.",
    "Neither of them said the thing they had come to say.",
]


def configure(where: dict) -> None:
    use(where)
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.DOWNLOADS_CACHE_DIR = Path(where["var_dir"]) / "downloads"


def long_text(words: int) -> str:
    paragraphs, count, n = [], 0, 0
    while count < words:
        sentence = " ".join(SENTENCES[(n + i) % len(SENTENCES)] for i in range(4))
        paragraphs.append(sentence)
        count += len(sentence.split())
        n += 1
    return "\n\n".join(paragraphs)


def prepare(chapters: int, words: int):
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from chapterhouse import demo
    from chapterhouse.accounts.models import User
    from chapterhouse.tags.fixed import MATURE, VIOLENCE
    from chapterhouse.works.services.chapters import ChapterFields, chapter_create
    from chapterhouse.works.services.posting import WorkFields, work_create
    from chapterhouse.works.services.tagging import TagChoice
    from chapterhouse.works.text import TextFormat

    demo.load()
    writer = User.objects.get(username="rowan")
    per_chapter = long_text(words // chapters)
    fields = WorkFields(
        title="The Long Watch", summary="Nine seconds, every night, for a year.",
        tags=TagChoice(rating=MATURE, warnings=[VIOLENCE], fandoms="Harbour Lights (Film)",
                       relationships="Ada/Quill", characters="Ada, Quill",
                       freeforms="Lighthouses, Slow Burn"),
        chapter_title="One", content=per_chapter, content_format=TextFormat.PLAIN,
        endnotes="The title came from a song.", expected_chapters=chapters,
    )
    work = work_create(user=writer, fields=fields, post=True)
    for n in range(2, chapters + 1):
        chapter_create(user=writer, work=work, post=True, fields=ChapterFields(
            title=f"Part {n}", notes=f"<p>Notes for part {n}.</p>", content=per_chapter,
            content_format=TextFormat.PLAIN,
        ))
    work.refresh_from_db()
    return work


def ms(values: list[float]) -> str:
    values = sorted(values)
    p50 = statistics.median(values) * 1000
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))] * 1000
    return f"p50 {p50:9.2f} ms   p99 {p99:9.2f} ms"


def timed(fn, *args):
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


def bench_renders(work) -> dict[str, float]:
    from chapterhouse.exchange.downloads.document import document_for
    from chapterhouse.exchange.downloads.files import renderer

    seconds, doc = timed(document_for, work)
    print(f"document_for, {work.word_count:,} words in {len(doc.chapters)} chapters: "
          f"{seconds * 1000:9.2f} ms")
    cold = {}
    for fmt in ("html", "txt", "epub", "pdf"):
        seconds, data = timed(renderer(fmt), doc)
        cold[fmt] = seconds
        print(f"render {fmt:>4}: {seconds * 1000:9.2f} ms   {len(data):>10,} bytes")
    return cold


def bench_view(work, repeat: int) -> None:
    import shutil

    from django.conf import settings
    from django.test import Client

    from chapterhouse.exchange.downloads.links import download_path

    client = Client()
    for fmt in ("epub", "pdf"):
        path = download_path(work, fmt)
        cold, cached = [], []
        for i in range(max(3, repeat // 10)):
            shutil.rmtree(settings.DOWNLOADS_CACHE_DIR, ignore_errors=True)
            started = time.perf_counter()
            response = client.get(path, REMOTE_ADDR=f"10.9.0.{i}")
            cold.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(path)
            b"".join(response.streaming_content) if response.streaming else response.content
            cached.append(time.perf_counter() - started)
            assert response.status_code == 200
        ratio = statistics.median(cold) / statistics.median(cached)
        print(f"download {fmt:>4} rendered: {ms(cold)}")
        print(f"download {fmt:>4} cached:   {ms(cached)}   (rendered/cached {ratio:,.1f}x)")


def bench_import(work) -> None:
    from chapterhouse.accounts.models import User
    from chapterhouse.exchange.downloads.files import download_bytes
    from chapterhouse.exchange.importing.ao3 import parse_ao3_html
    from chapterhouse.exchange.importing.services import work_import

    data = download_bytes(work, "html")
    seconds, parsed = timed(parse_ao3_html, data)
    print(f"parse_ao3_html, {len(data):,} bytes: {seconds * 1000:9.2f} ms")
    importer = User.objects.get(username="mireille")
    seconds, _ = timed(lambda: work_import(actor=importer, parsed=parsed))
    print(f"work_import, {len(parsed.chapters)} chapters: {seconds * 1000:9.2f} ms")


def bench_reads(work, repeat: int) -> None:
    from django.test import Client

    client = Client()
    for label, path in (("GET /api/v1/works", "/api/v1/works"),
                        ("GET /api/v1/works/ID", f"/api/v1/works/{work.pk}"),
                        ("GET /opds/recent", "/opds/recent")):
        times = []
        for i in range(repeat):
            started = time.perf_counter()
            response = client.get(path, REMOTE_ADDR=f"10.8.{i // 250}.{i % 250}")
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
        print(f"{label:<22} {ms(times)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--chapters", type=int, default=20)
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    where = scratch(args.db, name="exchange")
    try:
        configure(where)
        print(f"database: {args.db}; preparing the demo and a {args.words:,}-word work …")
        work = prepare(args.chapters, args.words)
        bench_renders(work)
        bench_view(work, args.repeat)
        bench_import(work)
        bench_reads(work, args.repeat)
    finally:
        cleanup(where)
    return 0


if __name__ == "__main__":
    sys.exit(main())
