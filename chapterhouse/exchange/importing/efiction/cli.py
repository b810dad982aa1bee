"""Command-line import (arguments in ``configure``, the work in ``run``)."""

from __future__ import annotations

import argparse
import sys


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*")


def run(args: argparse.Namespace) -> int:
    print("Not built yet.", file=sys.stderr)
    return 2
