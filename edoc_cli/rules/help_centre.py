"""Clauses 10 and 14: the Help Centre and its FAQ.

Before registering, the operator checks whether the client studied the Help Centre; a "no" when
articles match the request means the client reads them first (clause 10). An answer may point to
an article (`faq_link`), and a request answered by one closes as `faq` (clause 14).
"""

from __future__ import annotations

import re
from typing import Any

from edoc_cli.config import Config
from edoc_cli.errors import UsageError, ValidationFailed
from edoc_cli.i18n import _
from edoc_cli.rules.checklist import Problem, line_text

URL_RE = re.compile(r"^https?://[^\s/]+\S*$")


def faq_problems(faq_checked: bool | None, link: str | None, text: str,
                 config: Config) -> tuple[list[Problem], str | None, list[dict[str, Any]]]:
    """Clause 10's unmet items for a request; the FAQ link kept; the articles that match its text."""
    problems: list[Problem] = []
    if link is not None and not URL_RE.match(link):
        problems.append(Problem("faq_link", 10, _("must be an http(s) address of a Help Centre or FAQ page")))
        link = None
    matches = match_faq(config, text)
    if faq_checked is None:
        problems.append(Problem(
            "faq_checked", 10,
            _("is required: has the client studied the Help Centre and FAQ on the topic?"),
            missing=True,
        ))
    elif faq_checked is False and matches:
        listed = "; ".join(f"{m['title']} <{m['url']}>" for m in matches[:3])
        problems.append(Problem(
            "faq_checked", 10,
            _("the client must first study the Help Centre articles on this topic: {articles}; "
              "if one resembles the case but needs more explanation, give its link with {faq_link}").format(
                articles=listed, faq_link="{faq_link}"),
            refs=("faq_link",),
        ))
    return problems, link, matches


def faq_link(link: str | None) -> str | None:
    """An article's link given with an answer or a closing, or None."""
    if link is None:
        return None
    value = line_text(link, "faq_link", _("{flag}: the FAQ link is empty"))
    if not URL_RE.match(value):
        raise ValidationFailed(_("{flag} {problem}"), fields={"flag": "faq_link"},
                               problem=_("must be an http(s) address of a Help Centre or FAQ page"))
    return value


def check_faq_closing(resolution: str, link: str | None) -> None:
    """Clause 14: a request answered by an article closes as `faq`, with the article's link."""
    if resolution == "faq" and not link:
        raise UsageError(_("{resolution} faq needs {faq_link}: the Help Centre article that answers (clause 14)"),
                         fields={"resolution": "resolution", "faq_link": "faq_link"})


_WORD_RE = re.compile(r"\w+", re.UNICODE)


def _fold(word: str) -> str:
    """Compare words the way people spell them: any case, ё written as е."""
    return word.casefold().replace("ё", "е")


def match_faq(config: Config, text: str) -> list[dict[str, Any]]:
    """FAQ articles whose keywords occur in the text, best first (clause 10, 14)."""
    words = {_fold(w) for w in _WORD_RE.findall(text)}
    if not words:
        return []
    scored = []
    for article in config.faq:
        hits = 0
        for kw in article.get("keywords", []):
            k = _fold(kw)
            # A keyword matches a word it starts (подпись ~ подписью) or equals.
            if any(w == k or (len(k) >= 4 and w.startswith(k[: max(4, len(k) - 2)])) for w in words):
                hits += 1
        if hits:
            scored.append((hits, article))
    scored.sort(key=lambda pair: -pair[0])
    return [a for _hits, a in scored]
