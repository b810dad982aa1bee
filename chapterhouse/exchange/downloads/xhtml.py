"""Sanitised HTML fragments as well-formed, EPUB-valid XHTML.

Stored text is HTML5 (``<br>``, ``&nbsp;``, AO3's allowlist, which still has
``<center>``, ``<big>``, ``align=…``). An EPUB content document is XHTML and
epubcheck validates it against the HTML5 schema, so :func:`fragment_to_xhtml`
parses the fragment and rewrites it:

* entities become characters, void elements are closed, text is XML-escaped;
* obsolete elements become their modern form (``<center>`` → ``<div
  class="center">``, ``<strike>`` → ``<s>``, ``<acronym>`` → ``<abbr>``,
  ``<big>``/``<tt>`` → ``<span class="big|tt">``) and obsolete attributes are
  dropped or turned into classes (``align="center"`` → ``class="align-center"``);
* ``<img>`` becomes its alt text in ``<span class="image">``, linked to the
  picture's address when it is a web address: EPUB 3 forbids undeclared remote
  resources, and a reader offline could not show it anyway;
* links: web and mail addresses stay, site-relative ones are made absolute
  against the work's address, ``#name`` links stay only when their target is
  in the same fragment, anything else is unwrapped (the text stays);
* content-model repairs the HTML parser leaves alone (text directly in a list,
  a ``<div>`` inside a ``<span>``, a ``<summary>`` outside ``<details>``…).

Pure function, no settings, no I/O; also used by the PDF renderer to read the
same tree (:func:`parse_fragment`).
"""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlsplit

import lxml.html
from lxml import etree

from chapterhouse.works.text import xml_text

__all__ = ["fragment_to_xhtml", "parse_fragment", "xml_text"]

#: Elements kept as they are (after attribute filtering).
KEPT = frozenset(
    {
        "a", "abbr", "address", "b", "blockquote", "br", "caption", "cite", "code",
        "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em",
        "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins",
        "kbd", "li", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s", "samp", "small",
        "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot",
        "th", "thead", "tr", "u", "ul", "var",
    }
)  # fmt: skip

#: Obsolete elements → (replacement, class added).
RENAMED = {
    "center": ("div", "center"),
    "big": ("span", "big"),
    "tt": ("span", "tt"),
    "strike": ("s", None),
    "acronym": ("abbr", None),
    "font": ("span", None),
}

#: Attributes every kept element may carry (``align`` becomes a class).
GLOBAL_ATTRIBUTES = frozenset({"class", "dir", "lang", "title"})
ELEMENT_ATTRIBUTES = {
    "a": frozenset({"href"}),
    "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
    "details": frozenset({"open"}),
    "ol": frozenset({"start", "type"}),
    "td": frozenset({"colspan", "rowspan"}),
    "th": frozenset({"colspan", "rowspan", "scope", "abbr"}),
}

#: Elements whose content must be phrasing content only.
PHRASING_ONLY = frozenset(
    {
        "abbr", "b", "cite", "code", "dfn", "em", "h1", "h2", "h3", "h4", "h5", "h6",
        "i", "kbd", "p", "pre", "q", "rp", "rt", "ruby", "s", "samp", "small", "span",
        "strong", "sub", "summary", "sup", "u", "var",
    }
)  # fmt: skip
#: Elements that are flow content but not phrasing content.
FLOW_ONLY = frozenset(
    {
        "address", "blockquote", "details", "div", "dl", "figure", "h1", "h2", "h3",
        "h4", "h5", "h6", "hr", "ol", "p", "pre", "table", "ul",
    }
)  # fmt: skip
_TABLE_CHILDREN = frozenset({"caption", "colgroup", "thead", "tbody", "tfoot", "tr"})
_SECTION_CHILDREN = frozenset({"tr"})
_ROW_CHILDREN = frozenset({"td", "th"})

_INTEGER_RE = re.compile(r"\s*([0-9]{1,6})\s*")
_LANG_RE = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_ID_UNSAFE_RE = re.compile(r"[^A-Za-z0-9_.-]+")
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"


def parse_fragment(html: str | None) -> lxml.html.HtmlElement:
    """Parse an HTML fragment into a ``<div>`` holding it (comments dropped)."""
    text = xml_text(html).strip()
    if not text:
        return lxml.html.Element("div")
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, recover=True)
    try:
        root = lxml.html.fragment_fromstring(text, create_parent="div", parser=parser)
    except (etree.ParserError, ValueError):
        root = lxml.html.Element("div")
        root.text = text
    return root


def _unwrap(el) -> None:
    """Replace ``el`` by its children and text."""
    el.drop_tag()


def _add_class(el, name: str) -> None:
    classes = (el.get("class") or "").split()
    if name not in classes:
        classes.append(name)
    el.set("class", " ".join(classes))


def _clean_url(href: str) -> str:
    return quote(href.strip(), safe=_URL_SAFE)


def _absolute_href(href: str, base_url: str) -> str | None:
    """``href`` as an address a reader can follow from inside the book, or None."""
    href = href.strip()
    if not href:
        return None
    try:
        parts = urlsplit(href)
    except ValueError:
        return None
    if parts.scheme:
        if parts.scheme.lower() in ("http", "https") and parts.netloc:
            return _clean_url(href)
        if parts.scheme.lower() == "mailto" and parts.path:
            return _clean_url(href)
        return None
    if not base_url:
        return None
    try:
        return _clean_url(urljoin(base_url, href))
    except ValueError:
        return None


def _safe_id(value: str, prefix: str) -> str:
    return prefix + (_ID_UNSAFE_RE.sub("-", value).strip("-") or "anchor")


def _replace_image(img, base_url: str) -> None:
    alt = " ".join((img.get("alt") or "").split())
    label = f"[{alt}]" if alt else "[image]"
    src = _absolute_href(img.get("src") or "", base_url)
    span = lxml.html.Element("span")
    span.set("class", "image")
    inside_link = any(parent.tag == "a" for parent in img.iterancestors())
    if src and not src.startswith("mailto:") and not inside_link:
        link = etree.SubElement(span, "a")
        link.set("href", src)
        link.text = label
    else:
        span.text = label
    span.tail = img.tail
    img.getparent().replace(img, span)


_ENUMERATED = {
    "dir": ("ltr", "rtl", "auto"),
    "type": ("1", "a", "A", "i", "I"),
    "scope": ("row", "col", "rowgroup", "colgroup"),
}


def _attribute_value(name: str, value: str) -> str | None:
    """The value to keep for an allowed attribute, or None to drop it."""
    value = " ".join(value.split())
    if name in _ENUMERATED:
        choices = _ENUMERATED[name]
        if name != "type":
            value = value.lower()
        return value if value in choices else None
    if name == "lang":
        return value if _LANG_RE.fullmatch(value) else None
    if name in ("colspan", "rowspan", "span", "start"):
        match = _INTEGER_RE.fullmatch(value)
        if not match or (name != "start" and int(match.group(1)) < 1):
            return None
        return match.group(1)
    if name == "open":
        return "open"
    return value or None


def _filter_attributes(el) -> None:
    allowed = GLOBAL_ATTRIBUTES | ELEMENT_ATTRIBUTES.get(el.tag, frozenset())
    align = (el.get("align") or "").strip().lower()
    for name in list(el.attrib):
        value = _attribute_value(name, el.get(name) or "") if name in allowed else None
        if value is None:
            del el.attrib[name]
        else:
            el.set(name, value)
    if align in ("left", "right", "center", "justify"):
        _add_class(el, f"align-{align}")


def _first_element(parent):
    return next((child for child in parent if isinstance(child.tag, str)), None)


def _wrap_loose_children(parent, allowed: frozenset[str], wrapper: str) -> None:
    """Put text and elements that may not be direct children of ``parent`` in ``wrapper``
    elements (consecutive loose pieces share one)."""
    new_children = []
    pending = None

    def box():
        nonlocal pending
        if pending is None:
            pending = lxml.html.Element(wrapper)
            new_children.append(pending)
        return pending

    def add_text(target, text):
        if len(target):
            target[-1].tail = (target[-1].tail or "") + text
        else:
            target.text = (target.text or "") + text

    text, parent.text = parent.text, None
    if text and text.strip():
        add_text(box(), text)
    for child in list(parent):
        tail, child.tail = child.tail, None
        parent.remove(child)
        if child.tag in allowed:
            pending = None
            new_children.append(child)
        else:
            box().append(child)
        if tail and tail.strip():
            add_text(box(), tail)
    for child in new_children:
        parent.append(child)


def _repair_structure(root) -> None:
    """Fix the content models epubcheck checks and the HTML parser does not."""
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or el is root:
            continue
        parent = el.getparent()
        tag = el.tag
        if tag == "a" and any(a.tag == "a" for a in el.iterancestors()):
            _unwrap(el)
        elif (tag == "li" and parent.tag not in ("ul", "ol")) or (
            tag in ("dt", "dd") and parent.tag != "dl"
        ):
            el.tag = "div"
        elif tag == "summary" and (parent.tag != "details" or _first_element(parent) is not el):
            el.tag = "p" if parent.tag != "p" else "span"
        elif tag == "figcaption" and (
            parent.tag != "figure" or el not in (_first_element(parent), parent[-1])
        ):
            el.tag = "div"
        elif tag == "caption":
            if parent.tag != "table":
                el.tag = "div"
            elif _first_element(parent) is not el:
                parent.remove(el)
                parent.insert(0, el)
        elif tag in ("rt", "rp") and parent.tag != "ruby":
            el.tag = "span"
        elif tag in ("thead", "tbody", "tfoot", "tr", "td", "th", "col", "colgroup"):
            expected = {
                "thead": ("table",), "tbody": ("table",), "tfoot": ("table",),
                "tr": ("table", "thead", "tbody", "tfoot"), "td": ("tr",), "th": ("tr",),
                "col": ("colgroup",), "colgroup": ("table",),
            }[tag]  # fmt: skip
            if parent.tag not in expected:
                if tag in ("col", "colgroup"):
                    el.drop_tree()
                else:
                    el.tag = "div"
    for el in list(root.iter("ul", "ol")):
        _wrap_loose_children(el, frozenset({"li"}), "li")
    for el in list(root.iter("dl")):
        _wrap_loose_children(el, frozenset({"dt", "dd"}), "dd")
    for el in list(root.iter("tr")):
        _wrap_loose_children(el, _ROW_CHILDREN, "td")
    for el in list(root.iter("thead", "tbody", "tfoot")):
        _wrap_loose_children(el, _SECTION_CHILDREN, "tr")
        for row in el.iter("tr"):
            _wrap_loose_children(row, _ROW_CHILDREN, "td")
    for table in list(root.iter("table")):
        _repair_table(table)
    # Phrasing-only containers holding block content become <div>s, innermost
    # first, until nothing is left to fix (each pass can expose the parent).
    changed = True
    while changed:
        changed = False
        for el in list(root.iter()):
            if el is root or el.tag not in PHRASING_ONLY:
                continue
            if any(child.tag in FLOW_ONLY for child in el.iterchildren()):
                el.tag = "div"
                changed = True
        for el in list(root.iter("th")):
            if any(child.tag in ("h1", "h2", "h3", "h4", "h5", "h6") for child in el):
                el.tag = "td"
                changed = True


def _repair_table(table) -> None:
    """A table holds caption?, colgroup*, thead?, (tbody* | tr*), tfoot? — in order."""
    loose = []
    for child in list(table):
        if child.tag not in _TABLE_CHILDREN:
            loose.append(child)
    text = table.text if table.text and table.text.strip() else None
    table.text = None
    for child in table:
        child.tail = None
    if loose or text:
        # Move stray content just before the table, as a browser would.
        holder = lxml.html.Element("div")
        holder.text = text
        for child in loose:
            holder.append(child)
        table.addprevious(holder)
    kinds = [child.tag for child in table]
    has_rows = "tr" in kinds
    if has_rows and any(k in ("tbody",) for k in kinds):
        # Rows next to tbody sections: put each loose row into its own tbody.
        for child in list(table):
            if child.tag == "tr":
                body = lxml.html.Element("tbody")
                child.addprevious(body)
                body.append(child)
    order = {"caption": 0, "colgroup": 1, "thead": 2, "tbody": 3, "tr": 3, "tfoot": 4}
    children = sorted(table, key=lambda child: order[child.tag])
    seen_thead = seen_tfoot = seen_caption = False
    for child in children:
        table.remove(child)
    for child in children:
        if child.tag == "caption":
            if seen_caption:
                child.tag = "tbody"
                for sub in list(child):
                    child.remove(sub)
                continue
            seen_caption = True
        if child.tag == "thead":
            if seen_thead:
                child.tag = "tbody"
            seen_thead = True
        if child.tag == "tfoot":
            if seen_tfoot:
                child.tag = "tbody"
            seen_tfoot = True
        if child.tag == "tbody" and not len(child) and not child.text:
            continue
        table.append(child)


def clean_tree(root, *, base_url: str = "", id_prefix: str = "") -> None:
    """Rewrite the parsed fragment ``root`` in place (see the module docs)."""
    # Anchors first, so that #links can be checked against them.
    anchors: dict[str, str] = {}
    used_ids: set[str] = set()
    for el in root.iter("a"):
        name = el.get("name") or el.get("id")
        if name and name not in anchors:
            new_id = _safe_id(name, id_prefix)
            while new_id in used_ids:
                new_id += "-x"
            used_ids.add(new_id)
            anchors[name] = new_id
    for el in list(root.iter()):
        if el is root:
            continue
        if not isinstance(el.tag, str):  # comments, PIs the parser kept
            el.drop_tree()
            continue
        tag = el.tag.lower()
        el.tag = tag
        if tag == "img":
            _replace_image(el, base_url)
            continue
        if tag in RENAMED:
            new_tag, css_class = RENAMED[tag]
            el.tag = new_tag
            if css_class:
                _add_class(el, css_class)
            tag = new_tag
        if tag not in KEPT:
            if tag in ("script", "style", "iframe", "object", "embed", "svg", "math"):
                el.drop_tree()
            else:
                _unwrap(el)
            continue
        anchor_name = el.get("name") or el.get("id") if tag == "a" else None
        href = el.get("href") if tag == "a" else None
        _filter_attributes(el)
        if tag == "a":
            if anchor_name and anchors.get(anchor_name) and anchors[anchor_name] in used_ids:
                el.set("id", anchors[anchor_name])
                used_ids.discard(anchors[anchor_name])  # each id is written once
            if href is not None:
                if href.startswith("#"):
                    target = anchors.get(href[1:])
                    new_href = f"#{target}" if target else None
                else:
                    new_href = _absolute_href(href, base_url)
                if new_href:
                    el.set("href", new_href)
            if not el.get("href") and not el.get("id"):
                _unwrap(el)
    # #links whose anchor was dropped (it sat in a removed element) are unwrapped.
    ids = {el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    for el in list(root.iter("a")):
        href = el.get("href") or ""
        if href.startswith("#") and href[1:] not in ids:
            del el.attrib["href"]
            if not el.get("id"):
                _unwrap(el)
    _repair_structure(root)


def fragment_to_xhtml(html: str | None, *, base_url: str = "", id_prefix: str = "") -> str:
    """``html`` (a sanitised fragment) as XHTML markup, ready to sit in a ``<div>``.

    ``base_url`` makes relative links absolute (the work's address); ``id_prefix``
    keeps the fragment's anchor ids apart from the page's own.
    """
    root = parse_fragment(html)
    clean_tree(root, base_url=base_url, id_prefix=id_prefix)
    parts = [_escape_text(root.text)]
    for child in root:
        parts.append(etree.tostring(child, method="xml", encoding="unicode", with_tail=True))
    return "".join(parts)


def _escape_text(text: str | None) -> str:
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
