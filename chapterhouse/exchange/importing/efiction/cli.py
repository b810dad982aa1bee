"""``chapterhouse import-efiction``: import a whole eFiction archive.

    chapterhouse import-efiction DUMP.sql --archive "Name" [--by ADMIN]
    chapterhouse import-efiction --mysql mysql://user@127.0.0.1:3306/db --archive "Name"

A progress bar is redrawn on stderr; the last line says what was made
("Imported 4 authors, 6 stories (9 chapters), 2 series, 7 reviews."). On a
failure nothing is kept, the reason is printed and the exit code is 1.
"""

from __future__ import annotations

import argparse
import sys

BAR_WIDTH = 30


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dump", nargs="?", help="the archive's mysqldump file (.sql)")
    parser.add_argument("--mysql", metavar="URL",
                        help="read a live database instead: mysql://user:pass@host:3306/db")
    parser.add_argument("--archive", required=True,
                        help="the archive's name (kept on every imported account and record)")
    parser.add_argument("--by", metavar="ADMIN",
                        help="the admin recorded as importer (default: each work's author)")
    parser.add_argument("--prefix", help="the tables' prefix (default: found in the dump)")
    parser.add_argument("--stories-dir", metavar="DIR",
                        help="the archive's stories folder, when it kept texts in files")
    parser.add_argument("--fandom", default="",
                        help="fandom for stories in no category (default: the archive's name)")


def progress_bar(stream=None):
    """A ``progress(done, total, stage)`` that redraws one line on ``stream``."""
    stream = stream or sys.stderr

    def draw(done: int, total: int, stage: str) -> None:
        filled = int(BAR_WIDTH * done / total) if total else BAR_WIDTH
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        stream.write(f"\r[{bar}] {done}/{total} {stage:<24}")
        if total and done >= total:
            stream.write("\n")
        stream.flush()

    return draw


def run(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from chapterhouse.accounts.models import User

    from .importer import archive_import
    from .source import DumpSource, MySQLSource

    if bool(args.dump) == bool(args.mysql):
        print("Give either a dump file or --mysql URL (one of them).", file=sys.stderr)
        return 2
    actor = None
    if args.by:
        actor = User.objects.filter(username__iexact=args.by, is_staff=True).first()
        if actor is None:
            print(f"No admin called {args.by!r}.", file=sys.stderr)
            return 1
    source = None
    try:
        source = (MySQLSource(args.mysql, prefix=args.prefix) if args.mysql
                  else DumpSource(args.dump, prefix=args.prefix))
        result = archive_import(
            source=source, archive=args.archive, actor=actor, progress=progress_bar(),
            stories_dir=args.stories_dir, fallback_fandom=args.fandom,
        )
    except ValidationError as error:
        print(f"\nImport failed; nothing was imported. {' '.join(error.messages)}",
              file=sys.stderr)
        return 1
    finally:
        if source is not None:
            source.close()
    for remark in result.remarks:
        print(f"  note: {remark}")
    print(result.summary())
    return 0
