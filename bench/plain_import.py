"""CPU time of reading a plain-text file, ordinary and hostile (importing/plain.py).

    .venv/bin/python bench/plain_import.py            # each case 3 times, best printed
    .venv/bin/python bench/plain_import.py --repeat 5

Prints, per case, the input's size, the CPU time of ``parse_text``
(``time.process_time``: the machine is shared, so wall time says little) and
the microseconds per kB; a reader whose cost grows linearly keeps that last
figure about flat between the 100 kB and 1 MB sizes of a case.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chapterhouse.settings")

import django  # noqa: E402

django.setup()

from chapterhouse.exchange.importing.plain import parse_text  # noqa: E402

SENTENCES = ['"Did you tie them?" Mara asked.', '"I always do," said Ivo.',
             "The tide came in over the flats and nobody spoke of the boats again."]


def _story(size: int) -> str:
    text = " ".join(SENTENCES * (size // 120 + 1))[:size]
    return text + ". Notes: the title is from a song."


CASES = {
    "one-line story with end notes": _story,
    "no punctuation": lambda size: ("word " * (size // 5)).strip(),
    "A/N: markers": lambda size: "A/N: " * (size // 5),
    "dots": lambda size: "x" + "." * size + " y",
    "lined story": lambda size: "Title\n\n" + "\n\n".join(SENTENCES * (size // 120 + 1)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'case':32} {'size':>9} {'CPU s':>8} {'µs/kB':>8}")
    for name, make in CASES.items():
        for size in (100_000, 1_000_000):
            data = make(size).encode()
            best = float("inf")
            for _ in range(args.repeat):
                start = time.process_time()
                parse_text(data, filename="bench.txt")
                best = min(best, time.process_time() - start)
            print(f"{name:32} {len(data):>9,} {best:>8.3f} {best * 1e6 / (len(data) / 1000):>8.1f}")


if __name__ == "__main__":
    main()
