"""Benchmark a prompt meme's listing: N prompts (tags from a Zipf-popular pool
of fandoms), claims on most, fills on some (a tenth of them restricted), then
time ``prompts_listing`` — the page, its status counts and its fills through
the visibility door — for a guest and a member, unfiltered, by tag, by status
and on the last page.

    .venv/bin/python bench/prompt_memes.py                      # 5,000 prompts, temp SQLite
    .venv/bin/python bench/prompt_memes.py --prompts 50000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_prompts \
        .venv/bin/python bench/prompt_memes.py

Prints, per case, the median and p90 CPU time of this process (time.process_time;
the database's own time on PostgreSQL is in another process and not counted,
so wall time is printed beside it) over --repeat runs, and the queries each run.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path


def setup_django(var_dir: str) -> None:
    os.environ.setdefault("CHAPTERHOUSE_VAR_DIR", var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chapterhouse.settings")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{var_dir}/bench.sqlite3")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(count: int, rng: random.Random):
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from chapterhouse.collections import services
    from chapterhouse.collections.models import (
        Approval,
        Claim,
        CollectionItem,
        Prompt,
        PromptTag,
    )
    from chapterhouse.collections.prompts import services as prompts
    from chapterhouse.tags.models import Tag, TagType
    from chapterhouse.works.models import Work

    User = get_user_model()
    suffix = rng.randrange(10**9)
    owner = User.objects.create_user(username=f"bench_owner_{suffix}", password="x")
    meme = services.collection_create(
        user=owner, name=f"bench_meme_{suffix}", title="Bench Meme"
    )
    prompts.prompt_meme_set(user=owner, collection=meme, prompts_per_member=100,
                            claims_per_prompt=0)
    users = User.objects.bulk_create(
        [User(username=f"bench_{suffix}_{i}") for i in range(200)]
    )
    fandoms = Tag.objects.bulk_create(
        [Tag(name=f"Bench Fandom {suffix} {i}", type=TagType.FANDOM) for i in range(300)]
    )
    weights = [1 / (i + 1) for i in range(len(fandoms))]
    with transaction.atomic():
        rows = Prompt.objects.bulk_create(
            [Prompt(collection=meme, prompter=rng.choice(users), title=f"Prompt {i}",
                    description="<p>Someone keeps the lighthouse lit.</p>",
                    anonymous=rng.random() < 0.3) for i in range(count)]
        )
        PromptTag.objects.bulk_create(
            [PromptTag(prompt=p, tag=t, position=k) for p in rows
             for k, t in enumerate(set(rng.choices(fandoms, weights, k=rng.randint(1, 3))))]
        )
        claimed = [p for p in rows if rng.random() < 0.6]
        filled = [p for p in claimed if rng.random() < 0.5]
        works = Work.objects.bulk_create(
            [Work(title=f"Fill {i}", posted=True, restricted=rng.random() < 0.1)
             for i in range(len(filled))]
        )
        CollectionItem.objects.bulk_create(
            [CollectionItem(collection=meme, work=w, user_approval=Approval.APPROVED,
                            collection_approval=Approval.APPROVED) for w in works]
        )
        fill_of = dict(zip([p.pk for p in filled], works, strict=True))
        Claim.objects.bulk_create(
            [Claim(prompt=p, claimant=rng.choice(users), work=fill_of.get(p.pk)) for p in claimed]
        )
    from django.db import connection

    if connection.vendor == "postgresql":
        # What autovacuum would do soon after such a load.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return meme, users[0], fandoms[0], len(claimed), len(filled)


def measure(label, fn, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()  # warm
    cpu, wall = [], []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            c0, w0 = time.process_time(), time.perf_counter()
            fn()
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
    cpu.sort()
    print(f"{label:<34} cpu p50 {statistics.median(cpu) * 1000:7.1f} ms  "
          f"p90 {cpu[int(len(cpu) * 0.9) - 1] * 1000:7.1f} ms   "
          f"wall p50 {statistics.median(wall) * 1000:7.1f} ms   queries {len(queries)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="chbench-prompts-") as var_dir:
        setup_django(var_dir)
        from django.contrib.auth.models import AnonymousUser

        from chapterhouse.collections.prompts.selectors import prompts_listing

        rng = random.Random(args.seed)
        started = time.perf_counter()
        meme, member, top, claimed, filled = generate(args.prompts, rng)
        print(f"{args.prompts:,} prompts, {claimed:,} claimed, {filled:,} filled "
              f"(generated in {time.perf_counter() - started:.1f} s)")
        guest = AnonymousUser()
        last = -(-args.prompts // 20)
        cases = [
            ("guest, page 1", dict(viewer=guest)),
            ("member, page 1", dict(viewer=member)),
            ("guest, most popular fandom", dict(viewer=guest, tag=top.name)),
            ("guest, filled", dict(viewer=guest, status="filled")),
            ("guest, unclaimed", dict(viewer=guest, status="unclaimed")),
            (f"guest, last page ({last})", dict(viewer=guest, page=last)),
        ]
        for label, kwargs in cases:
            measure(label, lambda kw=kwargs: prompts_listing(collection=meme, **kw), args.repeat)


if __name__ == "__main__":
    main()
