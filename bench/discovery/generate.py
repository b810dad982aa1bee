"""An AO3-shaped archive generated from a fixed seed per size (BENCH.md, "Data set").

``generate(works)`` returns an ``Archive``: users and pseuds, tags with their
wrangling (synonyms, metatags, parents), and works with their direct tags, their
*effective filter tags* (computed here by the same rules as
``tags.services.filters``, so the loader need not call the per-work services),
creators, counters and dates, all as NumPy arrays. Titles, summaries and the
sample of chapter texts are made block by block (``Archive.texts``), so a
million works never sit in memory as strings at once.

The same size always gives the same archive. Ids are ``base + 1 + index``, with
the bases read from the database by the loader (``Bases``), so an archive can
be written into a database that already has rows.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

import numpy as np

from chapterhouse.tags.fixed import (
    CATEGORIES,
    CHOSE_NOT_TO_WARN,
    EXPLICIT,
    GENERAL,
    MAJOR_CHARACTER_DEATH,
    MATURE,
    NO_WARNINGS_APPLY,
    NONCON,
    NOT_RATED,
    RATINGS,
    TEEN,
    UNDERAGE,
    VIOLENCE,
    WARNINGS,
)

#: Bump when the generated data changes, so kept databases are rebuilt.
VERSION = 1

# AO3's shapes (BENCH.md) ---------------------------------------------------------------

RATING_SHARES = {NOT_RATED: 0.109, GENERAL: 0.278, TEEN: 0.299, MATURE: 0.151, EXPLICIT: 0.163}
WARNING_SHARES = {
    CHOSE_NOT_TO_WARN: 0.336, NO_WARNINGS_APPLY: 0.539, VIOLENCE: 0.068,
    MAJOR_CHARACTER_DEATH: 0.050, NONCON: 0.025, UNDERAGE: 0.023,
}
_CATEGORY_ID = {name: tag_id for tag_id, name in CATEGORIES.items()}
CATEGORY_SHARES = {
    _CATEGORY_ID["M/M"]: 0.49, _CATEGORY_ID["F/M"]: 0.24, _CATEGORY_ID["Gen"]: 0.19,
    _CATEGORY_ID["F/F"]: 0.086, _CATEGORY_ID["Multi"]: 0.049, _CATEGORY_ID["Other"]: 0.03,
}
LANGUAGE_SHARES = {
    "en": 0.90, "zh": 0.035, "ru": 0.015, "es": 0.012, "fr": 0.008, "de": 0.006,
    "pt-BR": 0.005, "ja": 0.004, "it": 0.004, "ko": 0.003, "pl": 0.003, "id": 0.002,
    "vi": 0.002, "tr": 0.001,
}
SINGLE_CHAPTER_SHARE = 0.79
MULTI_COMPLETE_SHARE = 0.42
CROSSOVER_SHARE = 0.25  # works with two or more fandoms
RESTRICTED_SHARE = 0.03
ANONYMOUS_SHARE = 0.02
CO_CREATOR_SHARE = 0.03
SYNONYM_USE = 0.2  # how often a work names a canonical by one of its synonyms
MAX_USER_TAGS = 75
YEARS = 15
#: The archive ends here (fixed, so a size always gives the same data).
END = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
START = END - dt.timedelta(days=round(365.25 * YEARS))
TEXT_BLOCK = 10_000  # works per block of generated texts
CHAPTER_TEXT_EVERY = 200  # one work in this many gets real chapter text
CHAPTER_TEXT_MAX_WORDS = 2000

#: Type codes of generated tags, and the tag type each stands for.
MEDIA, FANDOM, CHARACTER, RELATIONSHIP, FREEFORM = range(5)
TYPE_NAMES = ("Media", "Fandom", "Character", "Relationship", "Freeform")

MEDIA_NAMES = (
    "Anime & Manga", "Books & Literature", "Cartoons & Comics & Graphic Novels",
    "Celebrities & Real People", "Movies", "Music & Bands", "Other Media", "Theater",
    "TV Shows", "Video Games",
)

#: The most used additional tags, most used first.
TOP_FREEFORMS = (
    "Fluff", "Angst", "Hurt/Comfort", "Romance", "Humor", "Friendship", "Alternate Universe",
    "Fluff and Angst", "Established Relationship", "Slow Burn", "Canon Compliant",
    "Alternate Universe - Canon Divergence", "Found Family", "Friends to Lovers",
    "Mutual Pining", "Enemies to Lovers", "Happy Ending", "Post-Canon", "Tooth-Rotting Fluff",
    "Time Travel", "First Kiss", "Soulmates", "Alternate Universe - Modern Setting",
    "Minor Character Death", "Alternate Universe - Coffee Shops & Cafés",
    "Fake/Pretend Relationship", "Road Trips", "Pining", "Drabble Collection", "Missing Scene",
    "Character Study", "Banter", "Comfort", "Feelings", "Whump", "Holidays",
    "Secret Relationship", "Domestic Fluff", "Getting Together", "Nightmares",
)
#: Tags whose phrase summaries use about as often as works carry the tag.
TROPE_PHRASES = {
    "Enemies to Lovers": "enemies to lovers",
    "Slow Burn": "slow burn",
    "Found Family": "found family",
    "Friends to Lovers": "friends to lovers",
    "Fake/Pretend Relationship": "fake dating",
    "Time Travel": "time travel",
    "Mutual Pining": "mutual pining",
    "Road Trips": "road trip",
    "Soulmates": "soulmates",
    "Hurt/Comfort": "hurt and comfort",
    "Alternate Universe - Coffee Shops & Cafés": "coffee shop",
}
#: Metatags among the named additional tags: meta → subtags.
FREEFORM_METATAGS = {
    "Alternate Universe": (
        "Alternate Universe - Canon Divergence", "Alternate Universe - Modern Setting",
        "Alternate Universe - Coffee Shops & Cafés",
    ),
    "Fluff": ("Tooth-Rotting Fluff", "Domestic Fluff"),
    "Pining": ("Mutual Pining",),
}
_TROPE_CARRIERS = (
    "It is {p}.", "A story of {p}.", "Some {p}, eventually.", "{P}, in the end.",
    "Featuring {p}.", "Basically {p}.", "Mostly {p} and feelings.",
)

# Words ------------------------------------------------------------------------------------

SYLLABLES = (
    "ka", "ri", "to", "mi", "sa", "no", "ve", "la", "dor", "en", "is", "an", "mar", "el",
    "cor", "tha", "lin", "bel", "ro", "sen", "da", "vi", "ne", "os", "ta", "ra", "mo", "li",
    "fen", "gar", "wyn", "ash", "cal", "dra", "eth", "fi", "gwen", "hal", "ja", "kel", "lu",
    "mer", "ny", "or", "pe", "qui", "sto", "ul", "va", "yor", "zel", "bri", "tor", "sil",
)
STOPWORDS = (
    "the", "a", "and", "to", "of", "in", "he", "she", "they", "was", "is", "his", "her",
    "their", "with", "that", "it", "for", "on", "but", "not", "when", "what", "who", "as",
    "at", "from", "all", "one", "be", "have", "had", "were", "will", "would", "there",
    "this", "so", "can", "after", "before", "never", "again", "just", "only", "more",
    "into", "out", "up",
)
COMMON_WORDS = (
    "time", "world", "heart", "home", "night", "day", "love", "war", "friend", "secret",
    "city", "light", "dark", "dream", "king", "queen", "ship", "letter", "magic", "storm",
    "sea", "fire", "winter", "summer", "school", "case", "team", "mission", "family",
    "house", "name", "song", "road", "star", "truth", "lie", "promise", "death", "life",
    "kiss", "hand", "door", "voice", "sky", "forest", "village", "captain", "prince",
    "detective", "witch", "doctor", "soldier", "spy", "thief", "rain", "snow", "morning",
    "coffee", "tea", "book", "library", "garden", "train", "car", "phone", "party",
    "wedding", "festival", "dance", "fight", "battle", "past", "future", "memory", "ghost",
    "dragon", "knight", "sword", "crown", "bargain", "rival", "partner", "stranger",
    "neighbor", "roommate", "boss", "mentor", "student", "teacher", "peace", "silence",
    "music", "blood", "bone", "gold", "silver", "iron", "glass", "wolf", "bird", "cat", "dog",
)
#: The two words query 4 searches for anywhere (mid-frequency, both common).
SEARCH_TERMS = ("dragon", "letter")
VOCABULARY_SIZE = 6000
SENTENCES = 20_000

_FANDOM_NOUNS = (
    "Chronicles", "Saga", "Academy", "Legends", "Online", "Rising", "Tales", "Quest",
    "Kingdom", "Station", "Files", "Heroes", "Stars", "Cycle", "Protocol", "Trilogy",
    "Empire", "Club", "Diaries", "Rebellion", "Odyssey", "Sequence", "Gambit", "Covenant",
    "Frontier", "Requiem", "Archives", "Nights", "Circus", "Hospital", "Division", "Society",
    "Games", "Crossing",
)
_FREEFORM_ADJECTIVES = (
    "Protective", "Soft", "Sad", "Jealous", "Competent", "Touch-Starved", "Exhausted",
    "Oblivious", "Dramatic", "Grumpy", "Sunshine", "Feral",
)
_FREEFORM_STATES = (
    "Needs a Hug", "Is Trying Their Best", "Is Bad at Feelings", "Is a Disaster",
    "Has Nightmares", "Is Secretly a Romantic", "Deserves Better", "Gets a Cat",
)
_SYNONYM_FORMS = (
    "{x} (mostly)", "lots of {l}", "{x}-ish", "sort of {l}", "{x}!!", "a bit of {l}",
    "{l} kind of", "so much {l}",
)


# The archive ------------------------------------------------------------------------------


@dataclass
class Bases:
    """The largest id already in each table; generated ids start above them."""

    user: int = 0
    pseud: int = 0
    tag: int = 3000  # above the fixed tags (AO3's ids reach 2246)
    work: int = 0


@dataclass
class Subjects:
    """What each benchmark query asks about, chosen from the generated data."""

    fandoms_by_size: list[int]  # canonical fandom ids, most works first
    largest_fandom: int
    tenth_fandom: int
    two_hundredth_fandom: int
    relationship_in_tenth: int
    freeform_in_tenth: int
    trope_phrase: str
    search_terms: tuple[str, str]
    posting_fandom: int
    posting_relationships: list[int]
    posting_characters: list[int]
    posting_freeforms: list[int]


@dataclass
class BlockTexts:
    start: int  # first work index of the block
    titles: list[str]
    summaries: list[str]  # HTML
    chapter_texts: dict[int, str]  # work index → chapter HTML, for the sample only


@dataclass
class Archive:
    works: int
    seed: int
    bases: Bases
    # Users and pseuds (pseud index i < users is user i's default pseud).
    usernames: list[str]
    user_joined: np.ndarray  # epoch µs
    pseud_user: np.ndarray  # user index of each pseud
    pseud_names: list[str]
    # Generated tags (fixed tags are not here: they already exist).
    tag_names: list[str]
    tag_type: np.ndarray  # uint8 code, see TYPE_NAMES
    tag_canonical: np.ndarray  # bool
    tag_merger: np.ndarray  # id of the canonical a synonym belongs to, else 0
    tag_use_count: np.ndarray  # works tagged with it directly
    parent_links: tuple[np.ndarray, np.ndarray]  # (child ids, parent ids)
    meta_links: tuple[np.ndarray, np.ndarray]  # (meta ids, sub ids)
    # Works.
    rating: np.ndarray
    words: np.ndarray
    chapters: np.ndarray
    expected_chapters: np.ndarray  # 0 means unknown
    complete: np.ndarray
    kudos: np.ndarray
    hits: np.ndarray
    comments: np.ndarray
    bookmarks: np.ndarray
    language: np.ndarray  # index into languages
    languages: list[str]
    created: np.ndarray  # epoch µs
    revised: np.ndarray  # epoch µs
    restricted: np.ndarray
    hidden: np.ndarray
    anonymous: np.ndarray
    posted: np.ndarray
    creator_pseud: np.ndarray  # pseud id
    co_creator_pseud: np.ndarray  # pseud id, 0 for none
    # Work → tag pairs, sorted by work then tag; works as indexes, tags as ids.
    direct_work: np.ndarray
    direct_tag: np.ndarray
    filter_work: np.ndarray
    filter_tag: np.ndarray
    subjects: Subjects
    # For the texts.
    _sentences: list[str] = field(repr=False, default_factory=list)
    _vocabulary: list[str] = field(repr=False, default_factory=list)
    _tropes: list[tuple[int, str, float]] = field(repr=False, default_factory=list)
    _sentence_words: np.ndarray | None = field(repr=False, default=None)

    # Ids -----------------------------------------------------------------------------------

    @property
    def users(self) -> int:
        return len(self.usernames)

    def user_id(self, index):
        return self.bases.user + 1 + index

    def pseud_id(self, index):
        return self.bases.pseud + 1 + index

    def tag_id(self, index):
        return self.bases.tag + 1 + index

    def work_id(self, index):
        return self.bases.work + 1 + index

    def tag_index(self, tag_id: int) -> int:
        return tag_id - self.bases.tag - 1

    def tag_name(self, tag_id: int) -> str:
        fixed = {**RATINGS, **WARNINGS, **CATEGORIES}
        return fixed[tag_id] if tag_id in fixed else self.tag_names[self.tag_index(tag_id)]

    def tags_of(self, work_index: int, *, effective: bool = False) -> list[int]:
        works, tags = (
            (self.filter_work, self.filter_tag) if effective
            else (self.direct_work, self.direct_tag)
        )
        low, high = np.searchsorted(works, [work_index, work_index + 1])
        return [int(t) for t in tags[low:high]]

    @property
    def guest_visible(self) -> np.ndarray:
        return self.posted & ~self.hidden & ~self.restricted

    # Texts ---------------------------------------------------------------------------------

    def blocks(self) -> int:
        return -(-self.works // TEXT_BLOCK)

    def texts(self, block: int) -> BlockTexts:
        """Titles, summaries and sample chapter texts of one block of works."""
        start = block * TEXT_BLOCK
        stop = min(self.works, start + TEXT_BLOCK)
        count = stop - start
        rng = np.random.default_rng([self.seed, 7, block])
        vocab = self._vocabulary
        sentences = self._sentences
        # Titles: 1-5 words, not starting with a stop word.
        lengths = rng.integers(1, 6, size=count)
        picks = _zipf_ranks(rng, np.full(int(lengths.sum()), len(vocab) - len(STOPWORDS)),
                            q=8.0) + len(STOPWORDS)
        titles, at = [], 0
        for length in lengths.tolist():
            titles.append(" ".join(vocab[i] for i in picks[at:at + length].tolist()).title())
            at += length
        # Summaries: whole sentences up to 50-150 words, plus the trope phrases.
        targets = rng.integers(50, 151, size=count)
        chosen = rng.integers(0, len(sentences), size=(count, 30))
        sentence_words = self._sentence_words[chosen]
        enough = np.argmax(np.cumsum(sentence_words, axis=1) >= targets[:, None], axis=1) + 1
        inserts: dict[int, list[str]] = {}
        low, high = np.searchsorted(self.filter_work, [start, stop])
        block_works = self.filter_work[low:high]
        block_tags = self.filter_tag[low:high]
        for tag_id, phrase, rate in self._tropes:
            tagged = np.zeros(count, dtype=bool)
            tagged[block_works[block_tags == tag_id] - start] = True
            draw = rng.random(count)
            use = (tagged & (draw < 0.6)) | (~tagged & (draw < 0.4 * rate))
            carriers = rng.integers(0, len(_TROPE_CARRIERS), size=count)
            for index in np.flatnonzero(use).tolist():
                carrier = _TROPE_CARRIERS[carriers[index]]
                inserts.setdefault(index, []).append(
                    carrier.format(p=phrase, P=phrase[:1].upper() + phrase[1:])
                )
        summaries = []
        for index in range(count):
            parts = [sentences[i] for i in chosen[index, :enough[index]].tolist()]
            for extra in inserts.get(index, ()):
                parts.insert(int(rng.integers(0, len(parts) + 1)), extra)
            summaries.append("<p>" + " ".join(parts) + "</p>")
        chapter_texts = {}
        first = -(-start // CHAPTER_TEXT_EVERY) * CHAPTER_TEXT_EVERY
        for index in range(first, stop, CHAPTER_TEXT_EVERY):
            chapter_texts[index] = self._chapter_text(rng, index)
        return BlockTexts(start=start, titles=titles, summaries=summaries,
                          chapter_texts=chapter_texts)

    def _chapter_text(self, rng: np.random.Generator, index: int) -> str:
        budget = min(int(self.words[index]) // max(1, int(self.chapters[index])),
                     CHAPTER_TEXT_MAX_WORDS)
        paragraphs, current, written = [], [], 0
        while written < max(budget, 1):
            sentence = self._sentences[int(rng.integers(0, len(self._sentences)))]
            current.append(sentence)
            written += sentence.count(" ") + 1
            if len(current) == 5:
                paragraphs.append("<p>" + " ".join(current) + "</p>")
                current = []
        if current:
            paragraphs.append("<p>" + " ".join(current) + "</p>")
        return "\n".join(paragraphs)


# Sampling helpers -------------------------------------------------------------------------


def fandom_count(works: int) -> int:
    """BENCH.md: about 42344 × (N / 7.27M)^0.6 fandoms."""
    return max(1, round(42344 * (works / 7.27e6) ** 0.6))


def fandom_weights(count: int) -> np.ndarray:
    """Popularity by rank as a broken power law: slope −0.72 for ranks 1-100,
    −1.37 to rank 1000, −1.9 beyond (continuous at the breaks)."""
    rank = np.arange(1, count + 1, dtype=np.float64)
    weight = rank ** -0.72
    mid = rank > 100
    weight[mid] = 100.0 ** -0.72 * (rank[mid] / 100.0) ** -1.37
    far = rank > 1000
    weight[far] = 100.0 ** -0.72 * 10.0 ** -1.37 * (rank[far] / 1000.0) ** -1.9
    return weight / weight.sum()


def _zipf_ranks(rng: np.random.Generator, sizes, *, q: float = 0.0, s: float = 1.0):
    """0-based ranks below ``sizes`` (one per element), drawn with probability
    ∝ 1/(rank + 1 + q)^s: a Zipf(-Mandelbrot) law, by its continuous inverse CDF."""
    sizes = np.asarray(sizes, dtype=np.float64)
    u = rng.random(sizes.shape)
    lo, hi = 1.0 + q, sizes + 1.0 + q
    if abs(s - 1.0) < 1e-9:
        x = lo * (hi / lo) ** u
    else:
        a, b = lo ** (1.0 - s), hi ** (1.0 - s)
        x = (a - u * (a - b)) ** (1.0 / (1.0 - s))
    ranks = np.floor(x - q).astype(np.int64) - 1
    return np.clip(ranks, 0, np.maximum(sizes.astype(np.int64) - 1, 0))


def _within(counts: np.ndarray) -> np.ndarray:
    """0, 1, … counts[i]-1 for each i, concatenated."""
    total = int(counts.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts


def _unique_pairs(works: np.ndarray, tags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keys = np.sort(works.astype(np.int64) << 32 | tags.astype(np.int64))
    if len(keys):
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    return (keys >> 32).astype(np.int32), (keys & 0xFFFFFFFF).astype(np.int64)


def _first_distinct(owners: np.ndarray, values: np.ndarray, wanted: np.ndarray):
    """Of each owner's values (``owners`` ascending, values in the order drawn),
    the first ``wanted[owner]`` distinct ones."""
    order = np.lexsort((np.arange(len(owners)), values, owners))
    o, v = owners[order], values[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (o[1:] != o[:-1]) | (v[1:] != v[:-1])
    kept = np.sort(order[first])
    kept_owners = owners[kept]
    rank = _within(np.bincount(kept_owners, minlength=len(wanted)))
    chosen = kept[rank < wanted[kept_owners]]
    return owners[chosen], values[chosen]


class _Names:
    """Unique tag names (case-insensitively, as the database demands)."""

    def __init__(self, seed: int, taken) -> None:
        self.rng = random.Random(seed)
        self.taken = {name.casefold() for name in taken}

    def word(self, low: int = 2, high: int = 3) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(low, high)))

    def claim(self, *candidates: str) -> str:
        for candidate in candidates:
            if candidate.casefold() not in self.taken:
                self.taken.add(candidate.casefold())
                return candidate
        number = 2
        while f"{candidates[0]} ({number})".casefold() in self.taken:
            number += 1
        name = f"{candidates[0]} ({number})"
        self.taken.add(name.casefold())
        return name

    def fandom(self) -> str:
        pattern = self.rng.random()
        word = self.word().capitalize()
        noun = self.rng.choice(_FANDOM_NOUNS)
        if pattern < 0.45:
            name = f"{word} {noun}"
        elif pattern < 0.7:
            name = f"The {word} {noun}"
        elif pattern < 0.85:
            name = f"{word} {self.word().capitalize()}"
        else:
            name = f"{word}: {noun} of {self.word().capitalize()}"
        return self.claim(name)

    def character(self, fandom: str) -> tuple[str, str]:
        first = self.word(1, 2).capitalize()
        name = first if self.rng.random() < 0.15 else f"{first} {self.word().capitalize()}"
        short = "".join(w[0] for w in fandom.replace(":", "").split() if w[:1].isalpha())
        return self.claim(name, f"{name} ({fandom})", f"{name} ({short})"), first

    def freeform(self) -> str:
        pattern = self.rng.random()
        word = self.word().capitalize()
        if pattern < 0.25:
            name = f"{word} {self.rng.choice(_FREEFORM_STATES)}"
        elif pattern < 0.45:
            name = f"{self.rng.choice(_FREEFORM_ADJECTIVES)} {word}"
        elif pattern < 0.6:
            name = f"Alternate Universe - {self.rng.choice(COMMON_WORDS).title()} {word}"
        elif pattern < 0.8:
            name = f"{word.lower()} and {self.word().lower()} are idiots"
        else:
            name = (f"in which {word.lower()} finds the {self.rng.choice(COMMON_WORDS)} "
                    f"of {self.word().lower()}")
        return self.claim(name)

    def synonym_of(self, name: str) -> str:
        forms = list(_SYNONYM_FORMS)
        self.rng.shuffle(forms)
        return self.claim(*(form.format(x=name, l=name.lower()) for form in forms))


class _Tags:
    """The generated tags as they are made: index = position in these lists."""

    def __init__(self, bases: Bases) -> None:
        self.bases = bases
        self.names: list[str] = []
        self.types: list[int] = []
        self.canonical: list[bool] = []
        self.merger: list[int] = []  # index of the canonical, -1 for none

    def add(self, name: str, kind: int, *, canonical: bool = True, merger: int = -1) -> int:
        self.names.append(name)
        self.types.append(kind)
        self.canonical.append(canonical)
        self.merger.append(merger)
        return len(self.names) - 1

    def id(self, index):
        return self.bases.tag + 1 + index


# The generator ----------------------------------------------------------------------------


def seed_for(works: int) -> int:
    return 0x43480000 + works


def generate(works: int, *, bases: Bases | None = None, seed: int | None = None) -> Archive:
    """The archive of ``works`` works (same size, same archive)."""
    if works < 10:
        raise ValueError("Generate at least 10 works.")
    bases = bases or Bases()
    seed = seed_for(works) if seed is None else seed
    rng = np.random.default_rng(seed)
    fixed_names = [*RATINGS.values(), *WARNINGS.values(), *CATEGORIES.values()]
    names = _Names(seed, fixed_names)
    tags = _Tags(bases)
    n = works

    # Media and fandoms, with synonyms and metatags -------------------------------------
    media = [tags.add(names.claim(name), MEDIA) for name in MEDIA_NAMES]
    fandom_total = fandom_count(n)
    weights = fandom_weights(fandom_total)
    fandoms = np.array([tags.add(names.fandom(), FANDOM) for _ in range(fandom_total)])
    parents: list[tuple[int, int]] = []  # (child index, parent index)
    metas: list[tuple[int, int]] = []  # (meta index, sub index)
    medium = rng.integers(0, len(media), size=fandom_total)
    for rank in range(fandom_total):
        parents.append((int(fandoms[rank]), media[int(medium[rank])]))
    for rank in range(1, fandom_total):
        if rng.random() < 0.03:
            metas.append((int(fandoms[int(rng.integers(0, rank))]), int(fandoms[rank])))
    synonyms: dict[int, list[int]] = {}  # canonical index → synonym indexes
    for rank in range(fandom_total):
        if rng.random() < (0.3 if rank < 100 else 0.05):
            canonical = int(fandoms[rank])
            name = tags.names[canonical]
            initials = "".join(w[0] for w in name.replace(":", "").split() if w[:1].isalpha())
            synonym = tags.add(
                names.claim(initials if len(initials) > 2 else f"{name} (Series)",
                            f"{name} (Series)", f"{name} - All Media Types"),
                FANDOM, canonical=False, merger=canonical,
            )
            synonyms.setdefault(canonical, []).append(synonym)

    # Per-fandom pools of characters and relationships ---------------------------------
    expected_works = weights * n * 1.38
    char_pool = np.clip(np.round(4 + 1.6 * np.sqrt(expected_works)), 4, 2500).astype(np.int64)
    rel_pool = np.clip(np.round(3 + 2.2 * np.sqrt(expected_works)), 2, 4000).astype(np.int64)
    char_start = np.zeros(fandom_total, dtype=np.int64)
    rel_start = np.zeros(fandom_total, dtype=np.int64)
    for rank in range(fandom_total):
        fandom_index = int(fandoms[rank])
        fandom_name = tags.names[fandom_index]
        char_start[rank] = len(tags.names)
        firsts = []
        for _ in range(int(char_pool[rank])):
            name, first = names.character(fandom_name)
            index = tags.add(name, CHARACTER)
            parents.append((index, fandom_index))
            firsts.append(first)
        if rank < 500:
            for k in range(min(3, int(char_pool[rank]))):
                if rng.random() < 0.3:
                    canonical = int(char_start[rank]) + k
                    synonym = tags.add(
                        names.claim(firsts[k], f"{firsts[k]} ({fandom_name})"),
                        CHARACTER, canonical=False, merger=canonical,
                    )
                    synonyms.setdefault(canonical, []).append(synonym)
    for rank in range(fandom_total):
        fandom_index = int(fandoms[rank])
        rel_start[rank] = len(tags.names)
        size = int(rel_pool[rank])
        pairs = _zipf_ranks(rng, np.full(size * 2, char_pool[rank]), q=0.5).reshape(size, 2)
        seen: set[tuple[int, int]] = set()
        pool_synonyms = []
        for k in range(size):
            a, b = sorted(int(x) for x in pairs[k])
            if a == b or (a, b) in seen:
                b = (a + 1 + k) % int(char_pool[rank])
                a, b = sorted((a, b))
            seen.add((a, b))
            first = tags.names[int(char_start[rank]) + a]
            second = tags.names[int(char_start[rank]) + b]
            joiner = " & " if rng.random() < 0.25 else "/"
            index = tags.add(names.claim(f"{first}{joiner}{second}"), RELATIONSHIP)
            parents.append((index, fandom_index))
            if rank < 500 and k < 3 and rng.random() < 0.3:
                pool_synonyms.append((index, f"{first} x {second}"))
        # Pools stay contiguous: synonyms come after the fandom's relationships.
        for index, name in pool_synonyms:
            synonym = tags.add(names.claim(name), RELATIONSHIP, canonical=False, merger=index)
            synonyms.setdefault(index, []).append(synonym)

    # Additional tags: a global vocabulary, most used first ----------------------------
    vocabulary_size = max(200, n // 2)
    vocab_start = len(tags.names)
    named = {}
    for rank in range(vocabulary_size):
        if rank < len(TOP_FREEFORMS):
            named[TOP_FREEFORMS[rank]] = tags.add(names.claim(TOP_FREEFORMS[rank]), FREEFORM)
            continue
        canonical_share = rank < vocabulary_size * 0.2
        if rank >= 50 and rng.random() < 0.08:
            target = vocab_start + int(_zipf_ranks(rng, [min(rank, 2000)], q=5.0)[0])
            while tags.merger[target] >= 0 or not tags.canonical[target]:
                target = vocab_start + int(rng.integers(0, len(TOP_FREEFORMS)))
            tags.add(names.synonym_of(tags.names[target]), FREEFORM, canonical=False,
                     merger=target)
        else:
            tags.add(names.freeform(), FREEFORM, canonical=canonical_share)
    for meta, subs in FREEFORM_METATAGS.items():
        for sub in subs:
            metas.append((named[meta], named[sub]))
    for rank in range(100, min(vocabulary_size, 5000)):
        index = vocab_start + rank
        if tags.canonical[index] and rng.random() < 0.01:
            meta = vocab_start + int(rng.integers(len(TOP_FREEFORMS), 100))
            if tags.canonical[meta]:
                metas.append((meta, index))

    tag_total = len(tags.names)
    tag_ids = np.arange(tag_total, dtype=np.int64) + bases.tag + 1
    merger_index = np.array(tags.merger, dtype=np.int64)
    syn_lists = np.zeros(tag_total, dtype=np.int64)  # synonyms per canonical index
    syn_first = np.zeros(tag_total, dtype=np.int64)
    syn_flat: list[int] = []
    for canonical, members in synonyms.items():
        syn_first[canonical] = len(syn_flat)
        syn_lists[canonical] = len(members)
        syn_flat.extend(members)
    syn_flat_arr = np.array(syn_flat or [0], dtype=np.int64)

    def maybe_synonym(indexes: np.ndarray) -> np.ndarray:
        has = syn_lists[indexes] > 0
        swap = has & (rng.random(len(indexes)) < SYNONYM_USE)
        picked = indexes.copy()
        which = np.flatnonzero(swap)
        if len(which):
            offsets = (rng.random(len(which)) * syn_lists[indexes[which]]).astype(np.int64)
            picked[which] = syn_flat_arr[syn_first[indexes[which]] + offsets]
        return picked

    # Users, pseuds and creators -----------------------------------------------------
    users = max(2, n // 2)
    usernames = []
    user_rng = random.Random(seed + 1)
    for index in range(users):
        word = "".join(user_rng.choice(SYLLABLES) for _ in range(user_rng.randint(2, 3)))
        usernames.append((word.capitalize() if index % 3 == 0 else word) + str(index + 1))
    user_joined = START.timestamp() * 1e6 + rng.random(users) * (END - START).total_seconds() * 1e6
    extra = np.flatnonzero(rng.random(users) < 0.10)
    pseud_user = np.concatenate([np.arange(users), extra])
    pseud_names = usernames + [
        f"{names.word().capitalize()} {user_rng.choice(('Writes', 'Fics', 'Archive', 'Draws'))}"
        for _ in extra
    ]
    extra_pseud_of = np.full(users, -1, dtype=np.int64)
    extra_pseud_of[extra] = users + np.arange(len(extra))

    per_creator = np.minimum(rng.zipf(2.0, size=users), 2000)
    creators_needed = int(np.searchsorted(np.cumsum(per_creator), n)) + 1
    creators_needed = min(creators_needed, users)
    creator_users = rng.permutation(users)[:creators_needed]
    owner = np.repeat(creator_users, per_creator[:creators_needed])
    if len(owner) < n:
        owner = np.concatenate([owner, rng.choice(creator_users, n - len(owner))])
    owner = rng.permutation(owner[:n])
    pseud_index = owner.copy()
    use_extra = (extra_pseud_of[owner] >= 0) & (rng.random(n) < 0.3)
    pseud_index[use_extra] = extra_pseud_of[owner[use_extra]]
    creator_pseud = pseud_index + bases.pseud + 1
    co = rng.random(n) < CO_CREATOR_SHARE
    co_user = rng.choice(creator_users, n)
    co &= co_user != owner
    co_creator_pseud = np.where(co, co_user + bases.pseud + 1, 0)

    # Works: fixed tags --------------------------------------------------------------
    work_index = np.arange(n, dtype=np.int64)
    rating = rng.choice(list(RATING_SHARES), size=n, p=list(RATING_SHARES.values()))
    pairs_work = [work_index]
    pairs_tag = [rating.astype(np.int64)]
    specific = [VIOLENCE, MAJOR_CHARACTER_DEATH, NONCON, UNDERAGE]
    any_specific = np.zeros(n, dtype=bool)
    for warning in specific:
        has = rng.random(n) < WARNING_SHARES[warning]
        any_specific |= has
        pairs_work.append(work_index[has])
        pairs_tag.append(np.full(int(has.sum()), warning, dtype=np.int64))
    none_share = float((~any_specific).mean())
    no_warnings = ~any_specific & (rng.random(n) < WARNING_SHARES[NO_WARNINGS_APPLY] / none_share)
    plain_rest = ~any_specific & ~no_warnings
    cntw_with_specific = (WARNING_SHARES[CHOSE_NOT_TO_WARN] - plain_rest.mean()) / max(
        1e-9, any_specific.mean())
    chose_not = plain_rest | (any_specific & (rng.random(n) < max(0.0, cntw_with_specific)))
    for warning, has in ((NO_WARNINGS_APPLY, no_warnings), (CHOSE_NOT_TO_WARN, chose_not)):
        pairs_work.append(work_index[has])
        pairs_tag.append(np.full(int(has.sum()), warning, dtype=np.int64))
    category_ids = np.array(list(CATEGORY_SHARES), dtype=np.int64)
    category_p = np.array(list(CATEGORY_SHARES.values()))
    extra_rate = category_p.sum() - 1.0  # 1.09 categories a work
    category_p = category_p / category_p.sum()
    primary = rng.choice(len(category_ids), size=n, p=category_p)
    second = rng.choice(len(category_ids), size=n, p=category_p)
    has_second = (rng.random(n) < extra_rate / (1 - np.sum(category_p ** 2))) & (
        second != primary)
    pairs_work += [work_index, work_index[has_second]]
    pairs_tag += [category_ids[primary], category_ids[second[has_second]]]

    # Works: fandoms, relationships, characters, additional tags -----------------------
    fandom_slots = np.ones(n, dtype=np.int64)
    multi = rng.random(n) < CROSSOVER_SHARE
    fandom_slots[multi] = 1 + rng.geometric(0.658, size=int(multi.sum()))
    fandom_slots = np.minimum(fandom_slots, 10)
    slot_work = np.repeat(work_index, fandom_slots)
    slot_rank = rng.choice(fandom_total, size=len(slot_work), p=weights)
    fw, franks = _unique_pairs(slot_work, slot_rank)  # the work's fandoms, by rank
    fandom_count_of = np.bincount(fw, minlength=n)
    fandom_first = np.cumsum(fandom_count_of) - fandom_count_of

    relationship_count = rng.poisson(2.0, size=n)
    relationship_count[rng.random(n) < 0.029] = 0  # 16% without a relationship
    character_count = rng.poisson(4.0, size=n)
    freeform_count = rng.negative_binomial(1.5, 1.5 / (1.5 + 6.5), size=n)
    room = MAX_USER_TAGS - fandom_count_of - relationship_count - character_count
    freeform_count = np.clip(freeform_count, 0, np.maximum(room, 0))

    def candidates(counts: np.ndarray) -> np.ndarray:
        # Draw half as many again, so that ``counts`` remain after repeats go.
        return np.repeat(work_index, counts + (counts + 1) // 2)

    def from_pools(counts: np.ndarray, starts: np.ndarray, pools: np.ndarray, q: float):
        owners = candidates(counts)
        pick = (rng.random(len(owners)) * fandom_count_of[owners]).astype(np.int64)
        ranks = franks[fandom_first[owners] + pick]
        within = _zipf_ranks(rng, pools[ranks], q=q)
        return _first_distinct(owners, starts[ranks] + within, counts)

    rel_work, rel_index = from_pools(relationship_count, rel_start, rel_pool, 0.3)
    char_work, char_index = from_pools(character_count, char_start, char_pool, 0.5)
    ff_owners = candidates(freeform_count)
    ff_work, ff_index = _first_distinct(
        ff_owners, vocab_start + _zipf_ranks(rng, np.full(len(ff_owners), vocabulary_size),
                                             q=10.0), freeform_count)
    fandom_index = fandoms[franks]
    for owners, indexes in (
        (fw.astype(np.int64), fandom_index), (rel_work, rel_index), (char_work, char_index),
        (ff_work, ff_index),
    ):
        pairs_work.append(owners)
        pairs_tag.append(maybe_synonym(indexes) + bases.tag + 1)
    direct_work, direct_tag = _unique_pairs(np.concatenate(pairs_work),
                                            np.concatenate(pairs_tag))

    # Effective filter tags: canonical or unwrangled as itself, synonym as its
    # canonical, then every metatag above (tags.services.filters' rules).
    top_id = int(bases.tag + tag_total + 1)
    counts_as = np.arange(top_id, dtype=np.int64)
    synonym_rows = np.flatnonzero(merger_index >= 0)
    counts_as[tag_ids[synonym_rows]] = tag_ids[merger_index[synonym_rows]]
    base_tag = counts_as[direct_tag]
    above: dict[int, set[int]] = {}
    meta_of: dict[int, list[int]] = {}
    for meta, sub in metas:
        meta_of.setdefault(int(tag_ids[sub]), []).append(int(tag_ids[meta]))

    def ancestors(tag_id: int) -> set[int]:
        if tag_id not in above:
            found: set[int] = set()
            for meta in meta_of.get(tag_id, ()):
                found.add(meta)
                found |= ancestors(meta)
            above[tag_id] = found
        return above[tag_id]

    ancestor_count = np.zeros(top_id, dtype=np.int64)
    ancestor_first = np.zeros(top_id, dtype=np.int64)
    flat: list[int] = []
    for tag_id in meta_of:
        found = sorted(ancestors(tag_id))
        ancestor_first[tag_id] = len(flat)
        ancestor_count[tag_id] = len(found)
        flat.extend(found)
    flat_arr = np.array(flat or [0], dtype=np.int64)
    reps = ancestor_count[base_tag]
    extra_work = np.repeat(direct_work, reps)
    extra_tag = flat_arr[np.repeat(ancestor_first[base_tag], reps) + _within(reps)]
    filter_work, filter_tag = _unique_pairs(
        np.concatenate([direct_work, extra_work]), np.concatenate([base_tag, extra_tag])
    )

    # Works: sizes, counters, dates, visibility ------------------------------------------
    words = np.clip(np.round(rng.lognormal(7.89, 1.52, size=n)), 1, 5_000_000).astype(np.int64)
    chapters = np.ones(n, dtype=np.int64)
    multi_chapter = rng.random(n) >= SINGLE_CHAPTER_SHARE
    chapters[multi_chapter] = np.clip(
        1 + np.round(rng.lognormal(1.6, 0.9, size=int(multi_chapter.sum()))), 2, 500
    ).astype(np.int64)
    complete = ~multi_chapter | (rng.random(n) < MULTI_COMPLETE_SHARE)
    expected = chapters.copy()
    open_ended = ~complete
    unknown = open_ended & (rng.random(n) < 0.5)
    expected[open_ended] = chapters[open_ended] + 1 + rng.poisson(3, size=int(open_ended.sum()))
    expected[unknown] = 0
    kudos = np.floor(rng.lognormal(3.83, 1.61, size=n)).astype(np.int64)
    comments = np.where(rng.random(n) < 0.4, 0,
                        np.ceil(rng.lognormal(1.8, 1.3, size=n))).astype(np.int64)
    hits = np.maximum(kudos, np.round(kudos * rng.lognormal(math.log(15), 0.6, size=n)))
    hits = (hits + rng.poisson(5, size=n)).astype(np.int64)
    bookmarks = rng.poisson(0.1 * kudos).astype(np.int64)
    languages = list(LANGUAGE_SHARES)
    language = rng.choice(len(languages), size=n, p=list(LANGUAGE_SHARES.values()))
    span = (END - START).total_seconds() * 1e6
    growth = 1.6
    t = np.log1p(rng.random(n) * (math.exp(growth) - 1)) / growth
    created = (START.timestamp() * 1e6 + t * span).astype(np.int64)
    later = rng.exponential(60 * 86400e6, size=n) * np.sqrt(chapters)
    revised = np.where(multi_chapter, np.minimum(created + later, END.timestamp() * 1e6),
                       created).astype(np.int64)
    restricted = rng.random(n) < RESTRICTED_SHARE
    anonymous = rng.random(n) < ANONYMOUS_SHARE
    handful = max(3, n // 20_000)
    special = rng.choice(n, size=2 * handful, replace=False)
    hidden = np.zeros(n, dtype=bool)
    hidden[special[:handful]] = True
    posted = np.ones(n, dtype=bool)
    posted[special[handful:]] = False
    generated = direct_tag[direct_tag > bases.tag] - bases.tag - 1
    use_count = np.bincount(generated, minlength=tag_total)[:tag_total]

    # Texts: a Zipf vocabulary, sentences made from it, and the trope phrases ---------
    text_rng = random.Random(seed + 2)
    vocabulary = list(dict.fromkeys(STOPWORDS + COMMON_WORDS))
    known = set(vocabulary)
    while len(vocabulary) < VOCABULARY_SIZE:
        word = "".join(text_rng.choice(SYLLABLES) for _ in range(text_rng.randint(1, 3)))
        if word not in known:
            known.add(word)
            vocabulary.append(word)
    sentence_lengths = rng.integers(6, 19, size=SENTENCES)
    sentence_picks = _zipf_ranks(rng, np.full(int(sentence_lengths.sum()), len(vocabulary)),
                                 q=2.7)
    sentences, at = [], 0
    for length in sentence_lengths.tolist():
        text = " ".join(vocabulary[i] for i in sentence_picks[at:at + length].tolist())
        sentences.append(text[:1].upper() + text[1:] + ".")
        at += length

    visible = posted & ~hidden & ~restricted
    tag_works = np.bincount(filter_tag[visible[filter_work]], minlength=top_id)
    tropes = []
    for name, phrase in TROPE_PHRASES.items():
        tag_id = int(tag_ids[named[name]])
        tropes.append((tag_id, phrase, float(tag_works[tag_id]) / max(1, int(visible.sum()))))

    # What the queries ask about -------------------------------------------------------
    fandom_ids = tag_ids[fandoms]
    by_size = [int(x) for x in fandom_ids[np.argsort(-tag_works[fandom_ids], kind="stable")]]

    def pick(rank: int) -> int:
        return by_size[min(rank, len(by_size) - 1)]

    tenth = pick(9)
    in_tenth = np.isin(filter_work, filter_work[filter_tag == tenth]) & visible[filter_work]
    kind_of = np.full(top_id, -1, dtype=np.int64)
    kind_of[tag_ids] = np.array(tags.types)
    tenth_counts = np.bincount(filter_tag[in_tenth], minlength=top_id)

    def most_used(counts: np.ndarray, kind: int, skip: int = 0) -> list[int]:
        candidates = np.flatnonzero((kind_of == kind) & (counts > 0))
        ordered = candidates[np.argsort(-counts[candidates], kind="stable")]
        return [int(x) for x in ordered[skip:]]

    posting_fandom = pick(4)
    posting_rank = int(np.flatnonzero(fandom_ids == posting_fandom)[0])
    subjects = Subjects(
        fandoms_by_size=by_size,
        largest_fandom=pick(0),
        tenth_fandom=tenth,
        two_hundredth_fandom=pick(199),
        relationship_in_tenth=(most_used(tenth_counts, RELATIONSHIP) or [0])[0],
        freeform_in_tenth=(most_used(tenth_counts, FREEFORM, skip=1) or [0])[0],
        trope_phrase=TROPE_PHRASES["Enemies to Lovers"],
        search_terms=SEARCH_TERMS,
        posting_fandom=posting_fandom,
        posting_relationships=[int(tag_ids[rel_start[posting_rank] + k]) for k in range(2)],
        posting_characters=[int(tag_ids[char_start[posting_rank] + k]) for k in range(4)],
        posting_freeforms=[int(tag_ids[vocab_start + k]) for k in range(6)],
    )

    child, parent = (np.array(x, dtype=np.int64) for x in zip(*parents, strict=True))
    meta_ids, sub_ids = (
        (np.array(x, dtype=np.int64) for x in zip(*metas, strict=True)) if metas
        else (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    )
    archive = Archive(
        works=n, seed=seed, bases=bases,
        usernames=usernames, user_joined=user_joined.astype(np.int64),
        pseud_user=pseud_user.astype(np.int64), pseud_names=pseud_names,
        tag_names=tags.names, tag_type=np.array(tags.types, dtype=np.uint8),
        tag_canonical=np.array(tags.canonical, dtype=bool),
        tag_merger=np.where(merger_index >= 0, merger_index + bases.tag + 1, 0),
        tag_use_count=use_count.astype(np.int64),
        parent_links=(tag_ids[child], tag_ids[parent]),
        meta_links=(tag_ids[meta_ids], tag_ids[sub_ids]),
        rating=rating.astype(np.int64), words=words, chapters=chapters,
        expected_chapters=expected, complete=complete, kudos=kudos, hits=hits,
        comments=comments, bookmarks=bookmarks, language=language, languages=languages,
        created=created, revised=revised, restricted=restricted, hidden=hidden,
        anonymous=anonymous, posted=posted, creator_pseud=creator_pseud.astype(np.int64),
        co_creator_pseud=co_creator_pseud.astype(np.int64),
        direct_work=direct_work, direct_tag=direct_tag,
        filter_work=filter_work, filter_tag=filter_tag,
        subjects=subjects,
        _sentences=sentences, _vocabulary=vocabulary, _tropes=tropes,
    )
    archive._sentence_words = sentence_lengths.astype(np.int64)
    return archive


def describe(archive: Archive) -> dict:
    """The archive's shape in numbers, to print next to BENCH.md's."""
    n = archive.works
    per_work = np.bincount(archive.direct_work, minlength=n)
    filters = np.bincount(archive.filter_work, minlength=n)
    fandom_ids = archive.tag_id(np.flatnonzero(
        (archive.tag_type == FANDOM) & archive.tag_canonical))
    fandom_works = np.isin(archive.filter_tag, [archive.subjects.largest_fandom])
    return {
        "works": n,
        "users": archive.users,
        "tags": len(archive.tag_names),
        "fandoms": len(fandom_ids),
        "direct tags": len(archive.direct_tag),
        "filter tags": len(archive.filter_tag),
        "tags per work (mean)": round(float(per_work.mean()), 2),
        "tags per work (mode)": int(np.bincount(per_work).argmax()),
        "filter tags per work (mean)": round(float(filters.mean()), 2),
        "median words": int(np.median(archive.words)),
        "single-chapter share": round(float((archive.chapters == 1).mean()), 3),
        "largest fandom share": round(float(fandom_works.sum()) / n, 3),
    }
