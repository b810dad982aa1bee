"""``chapterhouse import FILE...``: import files from the command line.

Arguments are set in ``configure`` and the work is done in ``run`` (the
``chapterhouse`` command calls both). Each file goes through the same door as
the import page (``files.parse_upload`` then ``services.work_import``), so a
file that fails leaves nothing behind. One line per file on standard output;
with many files, a progress bar on standard error. Exit code 0 when every file
was imported, 1 when any was skipped, 2 when the command itself cannot run.

    chapterhouse import story.txt --fandom "Harbour Lights (Film)" --draft
    chapterhouse import downloads/*.html --as mireille --by rowan --match-creators
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

#: A progress bar is drawn from this many files on.
PROGRESS_FROM = 5
BAR_WIDTH = 30


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="FILE",
                        help="AO3 downloads (.html, .epub), .txt, .md or .docx files")
    parser.add_argument("--as", dest="as_user", metavar="USERNAME",
                        help="whose works they become (an admin imports them: see --by)")
    parser.add_argument("--by", dest="by_user", metavar="ADMIN",
                        help="who imports (default: the first superuser)")
    parser.add_argument("--match-creators", action="store_true",
                        help="credit accounts here whose pseuds carry the files' creator names")
    parser.add_argument("--draft", action="store_true",
                        help="save the works as drafts instead of posting them")
    parser.add_argument("--fandom", action="append", default=[], metavar="NAME",
                        help="a fandom for files that name none (text, Markdown, Word); "
                             "may be given more than once")


def _user(name: str):
    from chapterhouse.accounts.selectors import user_by_name

    return user_by_name(name)


def _first_superuser():
    from chapterhouse.accounts.models import User

    return User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()


def _people(args) -> tuple:
    """(the importing account, the owner: None for the importer's own works).
    Raises ValueError saying what is wrong with --by or --as."""
    actor = _user(args.by_user) if args.by_user else _first_superuser()
    if actor is None:
        raise ValueError(
            f"There is no user called {args.by_user}." if args.by_user
            else "There is no admin account to import with: create one with "
                 "`chapterhouse createadmin`, or name the importer with --by."
        )
    owner = None
    if args.as_user:
        owner = _user(args.as_user)
        if owner is None:
            raise ValueError(f"There is no user called {args.as_user}.")
    if (owner not in (None, actor) or args.match_creators) and not actor.is_staff:
        raise ValueError(f"{actor.username} is not an admin: only an admin may import works "
                         "for other people or match creators.")
    return actor, owner


def _reason(error: Exception) -> str:
    from django.core.exceptions import ValidationError

    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return " ".join(
                f"{'' if field == '__all__' else field + ': '}{message}"
                for field, messages in error.message_dict.items() for message in messages
            )
        return " ".join(error.messages)
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return str(error) or type(error).__name__


def _bar(done: int, total: int) -> None:
    filled = BAR_WIDTH * done // total
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def import_one(path: Path, *, actor, owner, post: bool, match_creators: bool,
               fandoms: list[str]):
    """Import one file; returns (work, parsed). Raises what the readers and
    ``work_import`` raise."""
    from .importing.files import parse_upload
    from .importing.services import work_import

    parsed = parse_upload(path.name, path.read_bytes())
    if not parsed.fandoms:
        parsed.fandoms = list(fandoms)
    work = work_import(actor=actor, parsed=parsed, owner=owner, post=post,
                       match_creators=match_creators)
    return work, parsed


def run(args: argparse.Namespace) -> int:
    from django.core.exceptions import PermissionDenied, ValidationError

    from chapterhouse.works.views.posting import work_url

    try:
        actor, owner = _people(args)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    fandoms = [name.strip() for value in args.fandom for name in value.split(",")
               if name.strip()]
    paths = [Path(p) for p in args.paths]
    show_bar = len(paths) >= PROGRESS_FROM
    failed = 0
    for done, path in enumerate(paths, start=1):
        try:
            if path.is_dir():
                raise IsADirectoryError(21, "it is a folder, not a file")
            work, parsed = import_one(path, actor=actor, owner=owner, post=not args.draft,
                                      match_creators=args.match_creators, fandoms=fandoms)
        except (ValidationError, PermissionDenied, OSError) as error:
            failed += 1
            print(f"skipped {path}: {_reason(error)}", flush=True)
        except Exception as error:  # one odd file must not stop the others
            failed += 1
            print(f"skipped {path}: it could not be read ({type(error).__name__}: {error})",
                  flush=True)
        else:
            count = work.chapters.count()
            state = "" if work.posted else " as a draft"
            print(f"Imported '{work.title}' → {work_url(work)} "
                  f"({count} chapter{'' if count == 1 else 's'}){state}", flush=True)
            for remark in parsed.remarks:
                print(f"  note: {remark}", flush=True)
        if show_bar:
            _bar(done, len(paths))
    return 1 if failed else 0
