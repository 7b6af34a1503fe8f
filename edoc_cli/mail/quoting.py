"""The new part of a reply: quoted previous messages and signatures cut off.

Mail programs quote in two ways. Outlook, Gmail's HTML, Mail.ru and Yandex put a header line (or a
block of them) above the previous message and copy it unmarked below: everything from that header
on is cut. Plain-text programs prefix each quoted line with ">": those lines go, with the
attribution line above them, and what the writer put between or after them stays (inline replies).
A signature after "-- " goes too. Forwarded mail is not a quote: from a forwarding marker on,
everything is kept.
"""

from __future__ import annotations

import re

# "-----Original Message-----", "----- Исходное сообщение -----", "-------- Original message --------"
_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(original message|исходное сообщение|оригинальное сообщение|"
    r"ursprüngliche nachricht|message d'origine|reply message|ответное сообщение)\s*-{2,}\s*$",
    re.IGNORECASE)
_FORWARD = re.compile(
    r"^\s*(-{2,}\s*(forwarded message|пересылаемое сообщение|перенаправленное сообщение|"
    r"пересланное сообщение|forwarded message follows)\s*-{2,}|begin forwarded message:|"
    r"начало переадресованного сообщения:)\s*$",
    re.IGNORECASE)
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
# Outlook's header block: From/От, then within a few lines Sent/Date/Отправлено/Дата, To/Кому or Subject/Тема.
_BLOCK_FROM = re.compile(r"^\s*\*?(from|от|de|von)\s*:\*?\s*\S", re.IGNORECASE)
_BLOCK_SENT = re.compile(r"^\s*\*?(sent|date|отправлено|дата|envoyé|gesendet)\s*:", re.IGNORECASE)
_BLOCK_OTHER = re.compile(r"^\s*\*?(to|кому|subject|тема|cc|копия|à|an|objet|betreff)\s*:", re.IGNORECASE)
# "On Mon, 30 Nov 2026 at 10:00, Name <a@b> wrote:" (English Gmail, Thunderbird, Apple Mail)
_ON_WROTE = re.compile(r"^\s*(on|am|le|el)\s.{4,300}\s(wrote|schrieb|a écrit|escribió)\s*:\s*$", re.IGNORECASE)
# «... написал(а):», «... писал(а):», «... пишет:»
_WROTE_RU = re.compile(r"\s((на)?писал(а|\(а\))?|пишет)\s*:\s*$", re.IGNORECASE)
# Gmail (ru): "пн, 30 нояб. 2026 г. в 10:00, Name <a@b>:"; Mail.ru: "Понедельник, 30 ноября 2026,
# 10:00 +05:00 от Name <a@b>:"; Yandex: '30.11.2026, 10:00, "Name" <a@b>:' — a date with a year,
# a time, an address or a name, and a colon at the end.
_YEAR = re.compile(r"(?<!\d)(19|20)\d\d(?!\d)")
_TIME = re.compile(r"(?<!\d)\d{1,2}:\d\d(?!\d)")
# The writer's address before the final colon, or Mail.ru's "10:00 +05:00 от Name:".
_ATTRIBUTION_END = re.compile(r"(@[^\s>]+>?|\d:\d\d\s*[+-]\d\d:?\d\d\s+от\s.+)\s*:\s*$", re.IGNORECASE)
_QUOTED = re.compile(r"^\s*>")
_SIGNATURE = re.compile(r"^--\s?$")
_SENT_FROM = re.compile(
    r"^\s*(sent from my \w+|отправлено (с|из) .{0,60}|sent from (mail|yahoo|outlook) .{0,40}|"
    r"get outlook for \w+)\s*$", re.IGNORECASE)
_LOOKAHEAD = 6


def _is_dated_attribution(line: str) -> bool:
    text = line.strip()
    return (len(text) <= 300 and _YEAR.search(text) is not None and _TIME.search(text) is not None
            and _ATTRIBUTION_END.search(text) is not None)


def attribution(line: str) -> int:
    """How surely `line` introduces a quoted previous message: 2 for a mail program's line ("On <date>
    ... wrote:", «<date>, Name <a@b> написал(а):», a dated line with an address), 1 for a bare
    «Иван пишет:» (a quote only when ">" lines follow it: a person writes such lines too), 0 for none."""
    if _is_dated_attribution(line):
        return 2
    if _ON_WROTE.match(line) or _WROTE_RU.search(line):
        return 2 if re.search(r"\d|@", line) else 1
    return 0


def _outlook_block(lines: list[str], index: int) -> bool:
    if not _BLOCK_FROM.match(lines[index]):
        return False
    following = [line for line in lines[index + 1:index + 1 + _LOOKAHEAD] if line.strip()]
    sent = any(_BLOCK_SENT.match(line) for line in following)
    other = any(_BLOCK_OTHER.match(line) for line in following)
    return sent and other


def _attribution_at(lines: list[str], index: int) -> tuple[int, int]:
    """(lines taken, `attribution` strength) of an attribution starting at `index`; (0, 0) for none.
    Gmail wraps a long "On ... wrote:" over two lines."""
    line = lines[index]
    if not line.strip() or _QUOTED.match(line):
        return 0, 0
    strength = attribution(line)
    if strength:
        return 1, strength
    if index + 1 < len(lines) and lines[index + 1].strip() and not _QUOTED.match(lines[index + 1]):
        strength = attribution(line.rstrip() + " " + lines[index + 1].strip())
        if strength and len(line.strip()) < 200:
            return 2, strength
    return 0, 0


def _next_text(lines: list[str], index: int) -> str:
    for line in lines[index:]:
        if line.strip():
            return line
    return ""


def has_forward_marker(text: str) -> bool:
    """Whether a body holds a forwarded-message block ("---------- Forwarded message ---------")."""
    return any(_FORWARD.match(line) for line in text.split("\n"))


def cut_quotes(text: str) -> str:
    """`text` without quoted previous messages (see the module's docstring)."""
    lines = text.split("\n")
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if _FORWARD.match(line):
            kept.extend(lines[index:])
            break
        if _SEPARATOR.match(line) or _outlook_block(lines, index):
            if kept and _UNDERSCORES.match(kept[-1]):
                kept.pop()
            break
        span, strength = _attribution_at(lines, index)
        if span and _QUOTED.match(_next_text(lines, index + span)):
            index += span  # the attribution of a ">" block: it goes with the block
            continue
        if strength == 2:
            break
        if _QUOTED.match(line):
            index += 1
            continue
        kept.append(line)
        index += 1
    return "\n".join(kept)


def cut_signature(text: str) -> str:
    """`text` without the signature after a "-- " line, or a trailing "Sent from my iPhone"."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if _FORWARD.match(line):
            break
        if _SIGNATURE.match(line) and index > 0:
            lines = lines[:index]
            break
    while lines and not lines[-1].strip():
        lines.pop()
    if lines and _SENT_FROM.match(lines[-1]):
        lines.pop()
    return "\n".join(lines)


def tidy(text: str) -> str:
    """Trailing spaces off each line, no more than one blank line in a row, none at the ends."""
    out: list[str] = []
    for line in text.split("\n"):
        line = line.rstrip()
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def new_part(text: str, forwarded: bool = False) -> str:
    """The part of a message body its writer wrote now; the whole text when nothing would be left.

    A forwarded message keeps everything: what was forwarded is the content, not an old quote.
    """
    full = tidy(text)
    if forwarded:
        return full
    cut = tidy(cut_signature(cut_quotes(full)))
    return cut if cut.strip() else full
