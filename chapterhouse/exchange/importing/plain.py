"""Readers for a writer's own files: plain text, Markdown and Word (DOCX).

Each reader turns the file into a ``ParsedWork`` to complete: the file gives
the title, the chapters and the end notes; the import form (or the command's
options) gives the tags a file of this kind never carries. What the reader
looks for, in all three formats:

* **Title**: text: the first line when it stands alone and looks like a title
  (short, no sentence end); Markdown: a leading ``# Title``; DOCX: the first
  Title or Heading 1 paragraph. Otherwise the file's name ("the_long_way.txt"
  → "the long way").
* **Chapters**: a line (a heading in Markdown and DOCX) that reads "Chapter 1",
  "Chapter 2: The Harbour", "CHAPTER THREE", "Chapter IV - Ash", "# Chapter 5"
  starts a chapter; its text after the number is the chapter title. With
  chapter lines present, "Prologue" and "Epilogue" lines start chapters too.
* **End notes**: a last section that starts with a line "Notes:" (also "End
  notes:", "Author's note:") runs to the end of the file and becomes the
  work's end notes, without the label.
* **Plain text as pasted** (text only): "Title:", a byline ("by NAME",
  "Author: NAME"; reported, never credited), "Summary:" and beginning notes
  ("Notes:", "Author's Note:", "A/N:") before the story; end notes introduced
  inline after the last sentence; and a text with no line breaks split into
  guessed paragraphs (``guess_paragraphs``, one linear pass).

Plain text stays plain text (``TextFormat.PLAIN``): the text pipeline escapes
it, so markup in a text file is shown as typed, never run; blank lines make
paragraphs and a single newline is a line break (``<br>``), except in a
hard-wrapped file (most lines broken near one width, as mail and old archives
do), whose lines are joined with spaces.

Nothing here touches the database; ``services.work_import`` sanitises and
stores what these readers return.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath

from chapterhouse.exchange.models import ImportSource
from chapterhouse.works.text import TextFormat

from .archives import DOCX_LIMITS, archive_open
from .parsed import ImportProblem, ParsedChapter, ParsedWork

#: A title longer than this is taken to be the start of the text.
TITLE_MAX_LENGTH = 120
#: End notes longer than this are more likely a chapter of the story than
#: notes (the work form allows 5,000 characters); they stay in the text.
ENDNOTES_MAX_LENGTH = 5000

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    "eighty|ninety|hundred"
)
_CHAPTER_NUMBER = (
    rf"(?:\d{{1,4}}|[ivxlcdm]{{1,8}}|(?:{_NUMBER_WORDS})(?:[\s-](?:{_NUMBER_WORDS}))*)"
)
_CHAPTER_RE = re.compile(
    rf"^(?:chapter|chap\.|ch\.)\s*(?P<number>{_CHAPTER_NUMBER})\b\.?"
    r"(?:\s*(?:[:.\-\u2013\u2014]\s*|\s+)(?P<title>.*))?$",
    re.IGNORECASE,
)
_BOOKEND_RE = re.compile(r"^(?P<title>prologue|epilogue|interlude)\s*(?::\s*(?P<rest>.*))?$",
                         re.IGNORECASE)
_NOTES_RE = re.compile(
    r"^(?:end\s*notes?|(?:author'?s?|a/n)\s*notes?|notes?)\s*:\s*", re.IGNORECASE
)
_NOTES_HEADING_RE = re.compile(r"^(?:end\s*notes?|author'?s?\s*notes?|notes?)\s*:?$",
                               re.IGNORECASE)
_SENTENCE_END_RE = re.compile(r"[.!?\u2026,;]['\"\u2019\u201d)\]]*$")
_MARKDOWN_HEADING_RE = re.compile(r"^ {0,3}(?P<level>#{1,6})(?:[ \t]+(?P<text>.*?))?"
                                  r"(?:[ \t]+#+)?[ \t]*$")
_MARKDOWN_FENCE_RE = re.compile(r"^ {0,3}(```|~~~)")
_MARKDOWN_SETEXT_RE = re.compile(r"^ {0,3}=+[ \t]*$")
_MARKDOWN_MARKS_RE = re.compile(r"(\*\*|__|\*|_|`)")


# --- shared pieces ----------------------------------------------------------


def decode_text(data: bytes, remarks: list[str] | None = None) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), UTF-16 with
    a mark, else Windows-1252, else Latin-1 (which reads any bytes). Line ends
    become ``\\n``."""
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="replace")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
                encoding = "Windows-1252"
            except UnicodeDecodeError:
                text = data.decode("latin-1")
                encoding = "Latin-1"
            if remarks is not None:
                remarks.append(
                    f"The file was not in UTF-8; it was read as {encoding}. "
                    "Check accented letters and quotation marks."
                )
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return text.lstrip("\ufeff")


def title_from_filename(filename: str) -> str:
    """"the_long-way home.txt" → "the long way home"; "Untitled" with no name."""
    stem = PurePath((filename or "").replace("\\", "/")).name
    stem = stem.rsplit(".", 1)[0] if "." in stem.lstrip(".") else stem
    words = " ".join(re.sub(r"[_\-]+", " ", stem).split())
    return words[:TITLE_MAX_LENGTH] or "Untitled"


def chapter_heading(line: str, *, bookends: bool = False) -> str | None:
    """The chapter title when ``line`` is a chapter heading ("" for a chapter
    with no title of its own), else None. ``bookends`` also accepts
    Prologue, Epilogue and Interlude, which then are the chapter's title."""
    line = " ".join(line.strip().lstrip("#").split())
    line = _MARKDOWN_MARKS_RE.sub("", line).strip() if "*" in line or "_" in line else line
    if not line or len(line) > TITLE_MAX_LENGTH:
        return None
    found = _CHAPTER_RE.match(line)
    if found:
        return (found.group("title") or "").strip()
    if bookends:
        found = _BOOKEND_RE.match(line)
        if found:
            rest = (found.group("rest") or "").strip()
            return f"{found.group('title').capitalize()}: {rest}" if rest else (
                found.group("title").capitalize())
    return None


def looks_like_title(line: str) -> bool:
    line = line.strip()
    return (
        bool(line) and len(line) <= TITLE_MAX_LENGTH and len(line.split()) <= 15
        and not _SENTENCE_END_RE.search(line) and chapter_heading(line) is None
    )


@dataclass
class _Section:
    heading: str | None = None          # None: the text before any chapter line
    lines: list[str] = field(default_factory=list)


def _split_chapters(items: list, heading_of, text_of=str) -> list[_Section]:
    """Split ``items`` (lines, or blocks) where ``heading_of(item, bookends)``
    finds a chapter heading. Prologue/Epilogue count only when numbered
    chapter headings are present too. ``text_of`` gives an item's text."""
    with_numbers = any(heading_of(item, False) is not None for item in items)
    sections = [_Section()]
    for item in items:
        title = heading_of(item, True) if with_numbers else None
        if title is not None:
            sections.append(_Section(heading=title))
        else:
            sections[-1].lines.append(item)
    if len(sections) > 1 and not "".join(text_of(i) for i in sections[0].lines).strip():
        sections.pop(0)
    return sections


def _split_notes(lines: list[str], is_notes_start) -> tuple[list[str], str]:
    """(the text, the end notes): the last line for which ``is_notes_start``
    gives the line without its label starts the notes, when it starts a
    paragraph after some text and what follows is short enough to be notes."""
    for index in range(len(lines) - 1, 0, -1):
        rest = is_notes_start(lines[index])
        if rest is None:
            continue
        if lines[index - 1].strip() or not "".join(lines[:index]).strip():
            return lines, ""
        notes = "\n".join([rest, *lines[index + 1:]]).strip()
        if not notes or len(notes) > ENDNOTES_MAX_LENGTH:
            return lines, ""
        return lines[:index], notes
    return lines, ""


def _text_notes_start(line: str) -> str | None:
    stripped = line.strip()
    found = _NOTES_RE.match(stripped) or _END_NOTES_RE.match(stripped)
    if found:
        return stripped[found.end():]
    return None


def _strip_blank_edges(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _is_hard_wrapped(lines: list[str]) -> bool:
    """Most lines that continue a paragraph end near the same width (50–80)."""
    inner = [
        line for line, following in zip(lines, lines[1:], strict=False)
        if line.strip() and following.strip()
    ]
    if len(inner) < 5:
        return False
    near_width = sum(1 for line in inner if 50 <= len(line.rstrip()) <= 80)
    return near_width >= 0.8 * len(inner)


def _unwrap(text: str) -> str:
    paragraphs = re.split(r"\n[ \t]*\n", text)
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def _no_text_problem(filename: str) -> ImportProblem:
    return ImportProblem(f"{filename or 'The file'} has no text to import.")


# --- plain text -------------------------------------------------------------


# Labels a writer (or a copied web page) puts before the parts of a work. Each
# allows "Label:" and a few spellings; "A/N" needs no colon (it is never prose).
_LABEL_NOTES = r"(?:author'?s?[ \t]?notes?|a/n|notes?)"
_TITLE_LINE_RE = re.compile(r"^title[ \t]*:[ \t]*(?P<value>\S.{0,119})$", re.IGNORECASE)
_BYLINE_RE = re.compile(
    r"^(?:(?:written[ \t]+)?by[ \t]*:?|author[ \t]*:|creator[ \t]*:)[ \t]*"
    r"(?P<value>[^\s.!?,;:][^.!?;:]{0,79})$", re.IGNORECASE)
_SUMMARY_RE = re.compile(r"^summary[ \t]*:[ \t]*", re.IGNORECASE)
_BEGINNING_NOTES_RE = re.compile(
    rf"^(?:beginning[ \t]?notes?[ \t]*:?|{_LABEL_NOTES}[ \t]*:|a/n\b[ \t]*[-\u2013\u2014]?)[ \t]*",
    re.IGNORECASE)
_END_NOTES_RE = re.compile(
    rf"^(?:end[ \t]?notes?[ \t]*:?|{_LABEL_NOTES}[ \t]*:|a/n\b[ \t]*[-\u2013\u2014]?)[ \t]*",
    re.IGNORECASE)
_STORY_START_RE = re.compile(r"^(?:work[ \t]text|chapter[ \t]text)[ \t]*:?[ \t]*", re.IGNORECASE)
_SEE_END_RE = re.compile(r"^\(?see the end of the (?:work|chapter) for (?:more )?notes\.?\)?\s*",
                         re.IGNORECASE)
#: Where an inline label may start: a word boundary after a sentence end.
_INLINE_LABEL_RE = re.compile(
    rf"(?<!\S)(?:end[ \t]?notes?[ \t]*:|{_LABEL_NOTES}[ \t]*:|a/n\b|summary[ \t]*:"
    r"|work[ \t]text[ \t]*:)", re.IGNORECASE)
# A sentence end: a run of . ! ? … (only its first character may start a match, so
# a line of a million dots costs one pass), closing quotes or brackets, then a space.
_SENTENCE_BREAK_RE = re.compile(
    r"(?<![.!?\u2026])[.!?\u2026]++(?P<close>[\"'\u201d\u2019)\]]*+)(?=\s)")
_OPENING_QUOTE = ("\"", "\u201c", "'", "\u2018")

_LABEL_START_RE = re.compile(
    rf"\s*(?:beginning[ \t]?notes?|end[ \t]?notes?|{_LABEL_NOTES}|summary)[ \t]*:|\s*a/n\b",
    re.IGNORECASE)

#: A line at least this long with no line break in the whole file is a text whose
#: breaks were lost; its paragraphs are guessed.
UNBROKEN_MIN_LENGTH = 1000
#: Guessed paragraphs: a new one after this many sentences or characters, and a
#: text with no sentence ends is cut at a space before ``GUESS_MAX_LENGTH``.
GUESS_SENTENCES = 5
GUESS_LENGTH = 700
GUESS_MAX_LENGTH = 2000


def _inline_labels(text: str):
    """Starts of labels in ``text`` that follow a sentence end on the same line
    ("… the end. Notes: …"). Each run of spaces is looked at once."""
    for found in _INLINE_LABEL_RE.finditer(text):
        before = found.start()
        while before and text[before - 1] in " \t":
            before -= 1
        if before == found.start() or not before or text[before - 1] == "\n":
            continue
        tail = text[max(0, before - 6):before]
        if _SENTENCE_END_RE.search(tail) and not tail.endswith((",", ";")):
            yield found.start()


def guess_paragraphs(text: str) -> list[str]:
    """A text with no line breaks, split into readable paragraphs: at dialogue
    turns (a quotation opening right after one closed), before an author's-note
    label, and every few sentences. One pass over the text: each sentence end is
    found once, and a stretch with no sentence end is cut at a space."""
    labels = set(_inline_labels(text))
    paragraphs: list[str] = []
    start = 0           # of the paragraph being built
    sentences = 0
    closed_quote = False

    def cut(at: int) -> None:
        nonlocal start, sentences
        piece = text[start:at].strip()
        if piece:
            paragraphs.append(piece)
        start, sentences = at, 0

    def cut_long(until: int) -> None:
        # No sentence end for too long: cut at the last space before the limit.
        while until - start > GUESS_MAX_LENGTH:
            space = text.rfind(" ", start + GUESS_MAX_LENGTH // 2, start + GUESS_MAX_LENGTH)
            cut(space if space > start else start + GUESS_MAX_LENGTH)

    for found in _SENTENCE_BREAK_RE.finditer(text):
        end = found.end()
        cut_long(end)
        sentences += 1
        following = end
        while following < len(text) and text[following].isspace():
            following += 1
        opens_quote = text.startswith(_OPENING_QUOTE, following)
        # A paragraph opened by a label ("A/N:", "Summary:") holds its first sentence.
        labelled = sentences == 1 and _LABEL_START_RE.match(text, start) is not None
        if (following in labels or (opens_quote and (closed_quote or sentences >= 2)) or labelled
                or sentences >= GUESS_SENTENCES or end - start >= GUESS_LENGTH):
            cut(end)
        closed_quote = bool(found.group("close").strip("')]\u2019"))
    cut_long(len(text))
    cut(len(text))
    return paragraphs


def _paragraphs(lines: list[str], start: int = 0) -> tuple[list[str], int]:
    """The paragraph at or after ``start`` (blank lines skipped) and the index after it."""
    while start < len(lines) and not lines[start].strip():
        start += 1
    end = start
    while end < len(lines) and lines[end].strip():
        end += 1
    return lines[start:end], end


def _label_value(lines: list[str], start: int, label_re) -> tuple[str, int] | None:
    """When the paragraph at ``start`` begins with ``label_re``: its text after the
    label (or, for a label alone on its line, the next paragraph) and where the
    paragraph ends."""
    block, end = _paragraphs(lines, start)
    if not block:
        return None
    found = label_re.match(block[0].strip())
    if not found:
        return None
    value = "\n".join([block[0].strip()[found.end():], *block[1:]]).strip()
    if not value:
        block, end = _paragraphs(lines, end)
        value = "\n".join(block).strip()
    return value, end


def _read_header(lines: list[str], remarks: list[str]) -> tuple[dict, list[str]]:
    """The title, byline, summary and beginning notes at the top of a text, and
    the lines after them. Only what stands before the story counts."""
    found: dict[str, str] = {}
    first = lines[0].strip()
    second = lines[1].strip() if len(lines) > 1 else ""
    position = 0
    title_line = _TITLE_LINE_RE.match(first)
    if title_line:
        found["title"] = " ".join(title_line.group("value").split())
        position = 1
    elif looks_like_title(first) and not _is_byline(first, strict=True) and (
            not second or _is_byline(second, strict=False)) and not _starts_part(first):
        found["title"] = " ".join(first.split())
        position = 1
    for _ in range(8):  # a header has a few parts; the story starts soon after
        block, end = _paragraphs(lines, position)
        if not block:
            break
        head = block[0].strip()
        byline = _BYLINE_RE.match(head)
        if byline and _is_byline(head, strict="title" not in found) and (
                "byline" not in found) and len(block) <= 2 and (
                len(block) == 1 or _TITLE_LINE_RE.match(block[1].strip()) is None):
            found["byline"] = " ".join(byline.group("value").split())
            position = _after_line(lines, position)
            continue
        if "title" not in found and _TITLE_LINE_RE.match(head):
            found["title"] = " ".join(_TITLE_LINE_RE.match(head).group("value").split())
            position = _after_line(lines, position)
            continue
        if _SEE_END_RE.match(head) and len(block) == 1:
            position = end
            continue
        story = _STORY_START_RE.match(head)
        if story:
            rest = head[story.end():]
            remaining = lines[end:]
            return found, ([rest, *block[1:], ""] if rest or len(block) > 1 else []) + remaining
        for key, label_re in (("summary", _SUMMARY_RE), ("notes", _BEGINNING_NOTES_RE)):
            if key in found:
                continue
            value = _label_value(lines, position, label_re)
            if value is not None and value[0]:
                text, after = value
                see_end = _SEE_END_RE.search(text.rsplit("\n", 1)[-1].strip())
                if see_end and see_end.start() == 0:
                    text = text.rsplit("\n", 1)[0] if "\n" in text else ""
                # Notes as long as the rest are the story; what follows must be there.
                if text and "".join(lines[after:]).strip() and len(text) <= ENDNOTES_MAX_LENGTH:
                    found[key] = text.strip()
                    position = after
                    break
        else:
            break
    return found, _strip_blank_edges(lines[position:])


def _is_byline(line: str, *, strict: bool) -> bool:
    """A byline line. A bare "by NAME" counts only under a title (strict=False):
    alone, "By the Sea" is more likely a title."""
    found = _BYLINE_RE.match(line)
    if not found:
        return False
    return not strict or not re.match(r"^by[ \t]+\w", line, re.IGNORECASE)


def _after_line(lines: list[str], position: int) -> int:
    while position < len(lines) and not lines[position].strip():
        position += 1
    return position + 1


def _starts_part(line: str) -> bool:
    return bool(_SUMMARY_RE.match(line) or _BEGINNING_NOTES_RE.match(line)
                or _STORY_START_RE.match(line))


def _split_inline_end_notes(lines: list[str]) -> list[str]:
    """Put an end-notes label found inside the last paragraph, after a sentence
    ("… the end. Notes: the title is from a song"), on a paragraph of its own."""
    last = len(lines) - 1
    while last > 0 and lines[last - 1].strip():
        last -= 1
    paragraph = "\n".join(lines[last:])
    starts = [s for s in _inline_labels(paragraph)
              if _END_NOTES_RE.match(paragraph[s:]) and not _SUMMARY_RE.match(paragraph[s:])]
    if not starts:
        return lines
    at = starts[-1]
    story, notes = paragraph[:at].rstrip(), paragraph[at:].strip()
    if not story or len(notes) > ENDNOTES_MAX_LENGTH:
        return lines
    return [*lines[:last], *story.split("\n"), "", *notes.split("\n")]


def _unbroken(lines: list[str]) -> bool:
    return len(lines) == 1 and len(lines[0]) >= UNBROKEN_MIN_LENGTH


def _guessed_lines(line: str) -> list[str]:
    return "\n\n".join(guess_paragraphs(line)).split("\n")


def parse_text(data: bytes, *, filename: str = "") -> ParsedWork:
    """A plain-text file → a ``ParsedWork`` whose texts are ``TextFormat.PLAIN``."""
    remarks: list[str] = []
    text = decode_text(data, remarks)
    lines = _strip_blank_edges(text.split("\n"))
    if not lines:
        raise _no_text_problem(filename)

    # A whole file on one line, or a story on one line below a title and byline.
    guessed = _unbroken(lines)
    if guessed:
        lines = _guessed_lines(lines[0])
    header, lines = _read_header(lines, remarks)
    if not lines:
        raise _no_text_problem(filename)
    if not guessed and _unbroken(lines):
        guessed = True
        lines = _guessed_lines(lines[0])
    if guessed:
        remarks.append("The file had no line breaks: its paragraphs were guessed (at "
                       "dialogue turns and every few sentences). Check where they fall "
                       "before posting.")
    title = header.get("title") or title_from_filename(filename)
    lines = _split_inline_end_notes(lines)
    lines, endnotes = _split_notes(lines, _text_notes_start)
    wrapped = not guessed and _is_hard_wrapped(lines)
    if wrapped:
        remarks.append("The lines of the file were broken at one width; they were joined "
                       "back into paragraphs.")

    chapters = []
    for section in _split_chapters(lines, lambda line, b: chapter_heading(line, bookends=b)):
        body = "\n".join(_strip_blank_edges(section.lines))
        chapters.append(ParsedChapter(
            title=section.heading or "",
            content=_unwrap(body) if wrapped else body,
            content_format=TextFormat.PLAIN,
        ))
    parsed = _parsed_work(title=title, chapters=chapters, endnotes=endnotes, remarks=remarks,
                          text_format=TextFormat.PLAIN, source=ImportSource.TEXT,
                          filename=filename)
    parsed.summary = header.get("summary", "")
    parsed.notes = header.get("notes", "")
    parsed.byline = header.get("byline", "")
    parsed.paragraphs_guessed = guessed
    return parsed


def _parsed_work(*, title: str, chapters: list[ParsedChapter], endnotes: str,
                 remarks: list[str], text_format: str, source: str,
                 filename: str) -> ParsedWork:
    """The work read from the file, leaving out (and noting) chapters with no
    text; a file with no text at all is refused."""
    kept = [c for c in chapters if c.content.strip()]
    if len(kept) < len(chapters):
        names = ", ".join(f"'{c.title}'" if c.title else "one with no title"
                          for c in chapters if not c.content.strip())
        remarks.append(f"Chapters with no text were left out: {names}.")
    if not kept:
        raise _no_text_problem(filename)
    return ParsedWork(title=title, chapters=kept, endnotes=endnotes, text_format=text_format,
                      source=source, remarks=remarks)


# --- Markdown ---------------------------------------------------------------


def _markdown_plain(text: str) -> str:
    return " ".join(_MARKDOWN_MARKS_RE.sub("", text or "").split())


def _markdown_heading(line: str) -> tuple[int, str] | None:
    found = _MARKDOWN_HEADING_RE.match(line)
    if not found:
        return None
    return len(found.group("level")), _markdown_plain(found.group("text") or "")


def _markdown_notes_start(line: str) -> str | None:
    heading = _markdown_heading(line)
    if heading is not None:
        return "" if _NOTES_HEADING_RE.match(heading[1]) else None
    stripped = line.strip()
    # **Notes:** / *Notes:* / __Notes:__ as well as a bare Notes:
    bold = re.match(r"^(\*\*|__|\*|_)(?P<label>[^*_]{1,20}?:?)\s*\1\s*:?\s*", stripped)
    if bold and _NOTES_HEADING_RE.match(bold.group("label").strip()):
        return stripped[bold.end():]
    return _text_notes_start(stripped)


def parse_markdown(data: bytes, *, filename: str = "") -> ParsedWork:
    """A Markdown file → a ``ParsedWork`` whose texts are ``TextFormat.MARKDOWN``.
    Headings (any level) reading "Chapter …" split chapters; fenced code is
    left alone."""
    remarks: list[str] = []
    text = decode_text(data, remarks)
    lines = _strip_blank_edges(text.split("\n"))
    if not lines:
        raise _no_text_problem(filename)

    title = ""
    first = _markdown_heading(lines[0])
    if first and first[0] == 1 and first[1] and chapter_heading(first[1]) is None:
        title = first[1]
        lines = _strip_blank_edges(lines[1:])
    elif (len(lines) > 1 and _MARKDOWN_SETEXT_RE.match(lines[1])
          and chapter_heading(lines[0]) is None and lines[0].strip()):
        title = _markdown_plain(lines[0])
        lines = _strip_blank_edges(lines[2:])
    title = title[:TITLE_MAX_LENGTH] or title_from_filename(filename)

    # Mark lines inside fenced code so no heading is found there.
    in_fence = False
    fenced: set[int] = set()
    for index, line in enumerate(lines):
        if _MARKDOWN_FENCE_RE.match(line):
            in_fence = not in_fence
            fenced.add(index)
        elif in_fence:
            fenced.add(index)
    keyed = [(index, line) for index, line in enumerate(lines)]

    def heading_of(item, bookends):
        index, line = item
        heading = None if index in fenced else _markdown_heading(line)
        return None if heading is None else chapter_heading(heading[1], bookends=bookends)

    def notes_start(item):
        index, line = item
        return None if index in fenced else _markdown_notes_start(line)

    kept, endnotes = _split_notes_keyed(keyed, notes_start)
    chapters = []
    for section in _split_chapters(kept, heading_of, text_of=lambda item: item[1]):
        body = "\n".join(_strip_blank_edges([line for _, line in section.lines]))
        chapters.append(ParsedChapter(
            title=_markdown_plain(section.heading or ""), content=body,
            content_format=TextFormat.MARKDOWN,
        ))
    return _parsed_work(title=title, chapters=chapters, endnotes=endnotes, remarks=remarks,
                        text_format=TextFormat.MARKDOWN, source=ImportSource.MARKDOWN,
                        filename=filename)


def _split_notes_keyed(items: list, is_notes_start) -> tuple[list, str]:
    """``_split_notes`` over (index, line) pairs."""
    for position in range(len(items) - 1, 0, -1):
        rest = is_notes_start(items[position])
        if rest is None:
            continue
        before = [line for _, line in items[:position]]
        if before[-1].strip() or not "".join(before).strip():
            return items, ""
        notes = "\n".join([rest, *(line for _, line in items[position + 1:])]).strip()
        if not notes or len(notes) > ENDNOTES_MAX_LENGTH:
            return items, ""
        return items[:position], notes
    return items, ""


# --- DOCX -------------------------------------------------------------------

_DOCX_STYLE_MAP = """
p[style-name='Title'] => h1.docx-title:fresh
p[style-name='Subtitle'] => p:fresh
"""


def _docx_html(data: bytes, filename: str, remarks: list[str]) -> str:
    import mammoth

    name = filename or "The file"
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportProblem(f"{name} is not a Word (.docx) document, or it is damaged.")
    # Counts and inflates every entry within bounds first: mammoth reads the same zip.
    archive_open(data, DOCX_LIMITS)
    images: list[str] = []

    def drop_image(image) -> list:
        images.append(image.alt_text or "")
        return []

    try:
        result = mammoth.convert_to_html(
            io.BytesIO(data), style_map=_DOCX_STYLE_MAP, convert_image=drop_image,
        )
    except Exception as error:  # a broken zip or XML: mammoth raises many kinds
        raise ImportProblem(
            f"{name} could not be read as a Word (.docx) document; it may be damaged "
            f"({type(error).__name__})."
        ) from error
    if images:
        described = [alt for alt in images if alt]
        remarks.append(
            f"{len(images)} image{'s were' if len(images) != 1 else ' was'} left out: "
            "works here hold text only; add pictures hosted elsewhere by editing the work."
            + (f" (Described as: {'; '.join(described)}.)" if described else "")
        )
    return result.value


def _element_text(element) -> str:
    return " ".join(element.text_content().split())


def _text_slots(element):
    """Every place text sits in ``element``, in reading order."""
    yield element, "text"
    for child in element:
        yield from _text_slots(child)
        yield child, "tail"


def _strip_notes_label(element) -> None:
    """Take the leading "Notes:" label out of ``element``, wherever its
    characters sit ("<strong>Notes:</strong> …", "Notes: …")."""
    full = element.text_content()
    found = _NOTES_RE.match(full.lstrip())
    if not found:
        return
    remaining = len(full) - len(full.lstrip()) + found.end()
    for node, slot in _text_slots(element):
        if remaining <= 0:
            break
        value = getattr(node, slot) or ""
        taken = min(remaining, len(value))
        setattr(node, slot, value[taken:])
        remaining -= taken
    for child in list(element):
        if not child.text_content().strip() and len(child) == 0:
            child.drop_tree()


def parse_docx(data: bytes, *, filename: str = "") -> ParsedWork:
    """A Word document → a ``ParsedWork`` whose texts are HTML (from mammoth)."""
    from lxml import html as lxml_html

    remarks: list[str] = []
    converted = _docx_html(data, filename, remarks)
    if not converted.strip():
        raise _no_text_problem(filename)
    root = lxml_html.fragment_fromstring(converted, create_parent="div")
    blocks = list(root)

    title = ""
    for index, block in enumerate(blocks):
        text = _element_text(block)
        if block.tag in ("h1", "h2", "h3", "p") and chapter_heading(text) is not None:
            break  # the title comes before the first chapter
        is_title = "docx-title" in (block.get("class") or "").split()
        if text and (is_title or block.tag == "h1"):
            title = text[:TITLE_MAX_LENGTH]
            del blocks[index]
            break
    title = title or title_from_filename(filename)

    # End notes: the last block that starts "Notes:" (or a "Notes" heading).
    endnotes = ""
    for index in range(len(blocks) - 1, 0, -1):
        block = blocks[index]
        text = _element_text(block)
        heading = block.tag in ("h1", "h2", "h3", "h4", "h5", "h6")
        if heading and _NOTES_HEADING_RE.match(text):
            notes_blocks = blocks[index + 1:]
        elif block.tag == "p" and _NOTES_RE.match(text):
            _strip_notes_label(block)
            notes_blocks = blocks[index:]
        else:
            continue
        notes = "".join(_serialise(b) for b in notes_blocks).strip()
        if len(notes) <= ENDNOTES_MAX_LENGTH and "".join(
            _element_text(b) for b in notes_blocks
        ).strip():
            endnotes = notes
            blocks = blocks[:index]
        break

    def heading_of(block, bookends):
        if block.tag not in ("h1", "h2", "h3", "p"):
            return None
        return chapter_heading(_element_text(block), bookends=bookends)

    chapters = []
    for section in _split_chapters(blocks, heading_of, text_of=_element_text):
        body = "\n".join(_serialise(b) for b in section.lines).strip()
        visible = "".join(_element_text(b) for b in section.lines).strip()
        chapters.append(ParsedChapter(
            title=section.heading or "", content=body if visible else "",
            content_format=TextFormat.HTML,
        ))
    return _parsed_work(title=title, chapters=chapters, endnotes=endnotes, remarks=remarks,
                        text_format=TextFormat.HTML, source=ImportSource.DOCX,
                        filename=filename)


def _serialise(element) -> str:
    from lxml import html as lxml_html

    element.tail = None
    return lxml_html.tostring(element, encoding="unicode")


__all__ = ["decode_text", "parse_docx", "parse_markdown", "parse_text", "title_from_filename"]
