"""HTML mail turned into readable plain text (the standard library's html.parser, nothing rendered).

Scripts, styles and the head are dropped; paragraphs, line breaks, list items and table rows become
lines; table cells are joined with " | "; entities are decoded; whitespace is collapsed as a browser
would; a link whose text differs from its address keeps the address as "text (url)"; what sat in a
<blockquote> comes out with "> " before each line, so quoted previous messages can be cut like
those of plain-text mail.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_DROPPED = {"script", "style", "head", "title", "template", "noscript", "object", "svg", "math"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "param",
         "source", "track", "wbr"}
_BLOCKS = {"p", "div", "li", "tr", "table", "thead", "tbody", "tfoot", "ul", "ol", "dl", "dt", "dd",
           "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "section", "article", "header",
           "footer", "address", "center", "form", "fieldset", "hr", "caption", "body", "html"}
_CELLS = {"td", "th"}
_SPACE = re.compile(r"[ \t\r\n\f\v\u00a0\u200b]+")
_LINK_SCHEMES = ("http://", "https://", "mailto:", "ftp://")
MAX_LINES = 100_000


class _TextMaker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []  # (blockquote depth, text) of finished lines
        self.current: list[str] = []
        self.depth_of_line = 0
        self.quote_depth = 0
        self.dropped = 0  # inside script/style/head (nesting counted)
        self.pre = 0
        self.cells_in_row = 0
        self.links: list[tuple[str, int]] = []  # (href, position in self.current where its text starts)
        self.cell_gap = False  # a table cell began after one with text
        self.has_text = False  # the current line has more than spaces (kept, not recomputed: lines can be long)
        self.spacer = False  # the line held only &nbsp; (how Outlook and Yandex write an empty paragraph)

    # --- line handling
    def _text_so_far(self) -> str:
        return "".join(self.current)

    def newline(self, force: bool = False) -> None:
        text = self._text_so_far()
        if not text.strip() and self.spacer and self.lines and self.lines[-1][1]:
            force = True
        self.spacer = False
        if text.strip() or force:
            if len(self.lines) < MAX_LINES:
                self.lines.append((self.depth_of_line, text.strip() if not self.pre else text.rstrip()))
        self.current = []
        self.has_text = False
        self.cell_gap = False
        self.depth_of_line = self.quote_depth
        self.links = [(href, 0) for href, _start in self.links]

    def blank_line(self) -> None:
        self.newline()
        if self.lines and self.lines[-1][1] != "":
            self.lines.append((self.quote_depth, ""))

    # --- parser events
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":  # whatever of the head was left open (a <title> never closed) ends here
            self.dropped = 0
        if tag in _DROPPED:
            if tag not in _VOID:
                self.dropped += 1
            return
        if self.dropped:
            return
        if tag == "br":
            self.newline(force=True)
        elif tag == "blockquote":
            self.blank_line()
            self.quote_depth += 1
            self.depth_of_line = self.quote_depth
        elif tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"):
            self.blank_line() if tag == "p" or tag.startswith("h") else self.newline()
        elif tag == "tr":
            self.newline()
            self.cells_in_row = 0
        elif tag in _CELLS:
            # the " | " goes in only when the next cell has text: an empty last cell leaves no bar behind
            self.cell_gap = bool(self.cells_in_row and self.has_text)
            self.cells_in_row += 1
        elif tag == "li":
            self.newline()
            self.current.append("- ")
        elif tag == "pre":
            self.newline()
            self.pre += 1
        elif tag == "hr":
            self.newline()
            self.lines.append((self.quote_depth, "-" * 20))
        elif tag in _BLOCKS:
            self.newline()
        elif tag == "a":
            href = next((value or "" for name, value in attrs if name == "href"), "").strip()
            self.links.append((href, len(self.current)))
        elif tag == "img":
            alt = next((value or "" for name, value in attrs if name == "alt"), "").strip()
            if alt:
                self.handle_data(f"[{alt}]")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            self.dropped = max(0, self.dropped - 1)
            return
        if self.dropped:
            return
        if tag == "blockquote":
            self.newline()
            self.quote_depth = max(0, self.quote_depth - 1)
            self.blank_line()
            self.depth_of_line = self.quote_depth
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.current[start:]).strip()
            shown = href[len("mailto:"):] if href.lower().startswith("mailto:") else href
            if href.lower().startswith(_LINK_SCHEMES) and shown and shown != label and shown not in label:
                self.current.append(f" ({shown})" if label else shown)
                self.has_text = True
        elif tag == "pre":
            self.newline()
            self.pre = max(0, self.pre - 1)
        elif tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6"):
            self.blank_line()
        elif tag in _BLOCKS or tag == "li":
            self.newline()

    def handle_data(self, data: str) -> None:
        if self.dropped:
            return
        if self.pre:
            for number, piece in enumerate(data.split("\n")):
                if number:
                    self.newline(force=True)
                self.current.append(piece.replace("\r", ""))
                self.has_text = self.has_text or bool(piece.strip())
            return
        if "\u00a0" in data and not data.strip():
            self.spacer = True
        text = _SPACE.sub(" ", data)
        if not self.current or self.current[-1].endswith((" ", "- ")):
            text = text.lstrip(" ")
        if text.strip() and self.cell_gap:
            self.current.append(" | ")
            self.cell_gap = False
            text = text.lstrip(" ")
        if text:
            self.current.append(text)
            self.has_text = self.has_text or bool(text.strip())


def html_to_text(html: str) -> str:
    """Readable text of an HTML document or fragment; never raises."""
    maker = _TextMaker()
    try:
        maker.feed(html)
        maker.close()
    except Exception:  # html.parser is lenient, but a broken document must not lose the text so far
        pass
    maker.newline()
    out: list[str] = []
    for depth, text in maker.lines:
        line = ("> " * depth + text).rstrip() if depth else text
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)
