"""The background worker killed with SIGKILL mid-load, while the comments'
notification mails are being sent: ``serve`` must start it again, and every
comment's mail must leave once (none doubled; none missing beyond a row caught
in the documented crash window, docs/notifications.md).

    .venv/bin/python bench/faults/worker_kill.py              # 30 s of load
    .venv/bin/python bench/faults/worker_kill.py --quick --db sqlite

Prints the figures of bench/faults/common.py's report, plus the mails: for
committed comments, sent once, sent twice, caught in the crash window
(``sending_at`` without ``sent_at``: never sent again, by design) and missing.
"""

from __future__ import annotations

import collections
import os
import re
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from bench.faults import common  # noqa: E402
from chapterhouse.web.realservers import alive, worker_pid  # noqa: E402

SEPARATOR = "\n" + "-" * 79 + "\n"  # Django's file mail backend, between messages


def mails_by_marker(mail_dir: Path, run: str) -> collections.Counter:
    sent = collections.Counter()
    for path in mail_dir.glob("*") if mail_dir.exists() else ():
        for message in path.read_text(errors="replace").split(SEPARATOR):
            sent.update(set(re.findall(rf"fm{run}x\d+", message)))
    return sent


def main(argv=None) -> int:
    args = common.parse(__doc__.split("\n\n")[0], outage=0, seconds=30, argv=argv)
    site = common.Site("workerkill", db=args.db, workers=args.workers)
    try:
        site.prepare()
        site.start()
        first = worker_pid(site.process)
        with common.Load(site, threads=args.threads) as load:
            time.sleep(args.seconds / 2)
            os.kill(first, signal.SIGKILL)
            killed = time.monotonic()
            while alive(first):
                time.sleep(0.05)
            second = worker_pid(site.process)
            restarted = time.monotonic() - killed
            time.sleep(args.seconds / 2)
        committed = common.committed_comments(load.run)
        from chapterhouse.responses.models import Comment, Notification

        ids = {}
        for pk, content in Comment.objects.filter(content__contains=f"fm{load.run}x") \
                .values_list("pk", "content"):
            ids.update({marker: pk for marker in re.findall(rf"fm{load.run}x\d+", content)})

        def outbox() -> tuple[int, int, set]:
            rows = Notification.objects.filter(payload__comment_id__in=list(ids.values()))
            waiting = rows.filter(sent_at=None, skipped=False, sending_at=None).count()
            window = set(rows.filter(sending_at__isnull=False, sent_at=None)
                         .values_list("payload__comment_id", flat=True))
            return rows.count(), waiting, window

        deadline = time.monotonic() + 120
        while outbox()[1] and time.monotonic() < deadline:
            time.sleep(0.5)
        drained = time.monotonic() - killed
        time.sleep(2)  # room for a second copy, were one to be sent
        rows, waiting, window = outbox()
        sent = mails_by_marker(site.var_dir / "mail", load.run)
        in_window = {m for m, pk in ids.items() if pk in window}
        missing = sorted(m for m in committed if not sent[m] and m not in in_window)
        twice = sorted(m for m, n in sent.items() if n > 1)
        failures = []
        if second == first:
            failures.append("serve did not start the worker again")
        if missing:
            failures.append(f"{len(missing)} comment mail(s) never sent: {', '.join(missing[:5])}")
        if twice:
            failures.append(f"{len(twice)} mail(s) sent twice: {', '.join(twice[:5])}")
        return common.report(
            f"Worker killed (SIGKILL) mid-load in {args.seconds:g} s of load "
            f"({args.threads} threads, serve --workers {args.workers}, {args.db})",
            load, committed,
            recovery=common.recovered_after(load.tally.events, killed),
            extra={
                "worker started again by serve after": f"{restarted:.2f} s",
                "mail outbox drained after the kill": f"{drained:.2f} s ({waiting} waiting)",
                "notification rows": f"{rows}",
                "mails sent once": f"{sum(1 for n in sent.values() if n == 1)}",
                "mails sent twice": f"{len(twice)}",
                "mails caught in the crash window": f"{len(in_window)} (at most once, by design)",
                "mails missing": f"{len(missing)}",
            },
            failures=failures,
        )
    finally:
        site.stop()
        site.drop()


if __name__ == "__main__":
    raise SystemExit(main())
