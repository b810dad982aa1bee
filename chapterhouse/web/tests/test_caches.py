"""A process's own kept fragments (web/caches.py, ``LocalLRU``): a budget of
characters keeps long work pages from filling a worker's memory."""

from chapterhouse.web.caches import LocalLRU


def test_kept_fragments_stay_within_their_budget_of_characters():
    made = []

    def maker(text):
        def make():
            made.append(text)
            return text
        return make

    kept = LocalLRU(100, max_chars=160, name="test_kept")
    for key in ("a", "b", "c"):
        kept.get_or_make(key, maker(key * 10))
    assert made == ["a" * 10, "b" * 10, "c" * 10]
    kept.get_or_make("a", maker("a" * 10))  # still kept: not made again
    assert len(made) == 3
    for key in "defghijklmnopqr":  # 15 more of 10 characters: the oldest go
        kept.get_or_make(key, maker(key * 10))
    kept.get_or_make("b", maker("b" * 10))
    assert len(made) == 19  # "b", the least recently used, was dropped
    kept.get_or_make("r", maker("r" * 10))
    assert len(made) == 19  # the newest stayed
    # Longer than a sixteenth of the budget: handed out, never kept.
    assert kept.get_or_make("long", maker("x" * 11)) == "x" * 11
    kept.get_or_make("long", maker("x" * 11))
    assert made[-2:] == ["x" * 11, "x" * 11]
