"""The letters to a client: whole templates, one per part, in the client's language.

A letter is its greeting, the part its event calls for (a reply, an information request, a close
by its resolution, a termination) and its signature. Each part is a template: the configuration's
`[letters.<lang>]` table (ru, kk, en) may replace any of them for the clients of one language;
the catalogs' texts serve the rest. A template names its values in braces (`{message}`); only the
names its part knows are filled, and a value is never read again as a template, so a client's
"{id}" stays as typed. `config_check` refuses a template with an unknown name, without the value
the part exists for (the operator's text), or with control characters.

Sentences are never glued from words: each part is one text a translator or the support team
writes whole, as Kazakh word order and suffixes need.
"""

from __future__ import annotations

import re
from typing import Any, Callable, NamedTuple

from edoc_cli.i18n import N_, NP_, in_language, plural_in

# Every part knows these: the registration number, the ticket's subject, the client's name.
COMMON = ("id", "subject", "name")
_CLOSE = ("message", "help_centre")
_MESSAGE = (("message",),)  # the operator's text: what the letter is sent for


class Part(NamedTuple):
    default: str                   # the catalog's msgid: the English text, translated per language
    names: tuple[str, ...] = ()    # values it may name beyond COMMON
    needs: tuple[tuple[str, ...], ...] = ()  # of each group, it must name one (what the letter is for)


PARTS: dict[str, Part] = {
    "greeting": Part(N_("Hello, {name}!")),
    "greeting_no_name": Part(N_("Hello!")),
    "reply": Part(N_("{message}\n\n{help_centre}"), _CLOSE, _MESSAGE),
    "request_info": Part(N_(
        "{message}\n\nYour request is waiting for your answer: please reply to this e-mail. If we receive no "
        "answer {within}, the request will be closed with the wording «no answer received from the client» "
        "(«ответ от клиента не получен», clause 15 of the support regulation)."), ("message", "within"), _MESSAGE),
    "close_resolved": Part(N_("Your request has been resolved and closed.\n\n{help_centre}\n\n{message}"),
                           _CLOSE, _MESSAGE),
    "close_faq": Part(N_("Your request has been answered with a Help Centre article and closed.\n\n"
                         "{help_centre}\n\n{message}"), _CLOSE, (("help_centre",), ("message",))),
    "close_out_of_scope": Part(N_("Your request is outside the scope of the E-DOC portal's technical support "
                                  "and has been closed.\n\n{help_centre}\n\n{message}"), _CLOSE, _MESSAGE),
    # The regulation's wording, in the client's language (README, "Languages"), then what was done.
    "close_no_response": Part(N_(
        "Your request has been closed under clause 15 of the support regulation with the wording «no answer "
        "received from the client» («ответ от клиента не получен»): we received no answer from you {within}.\n\n"
        "{comment}\n\nThe actions taken on your request:\n{actions}"),
        # The actions and the operator's own words: each named apart, or both in the record ({message}).
        ("message", "comment", "actions", "within"), (("actions", "message"), ("comment", "message"))),
    "close_duplicate": Part(N_("Your request has been closed as a repeat of another request. The work goes on "
                               "under request {other}.\n\n{message}"), _CLOSE + ("other",), (("other",), ("message",))),
    "close_rejected": Part(N_("Your request has been declined and closed.\n\n{help_centre}\n\n{message}"),
                           _CLOSE, _MESSAGE),
    # Clause 16: `edoc terminate` (a close for abuse goes no other way).
    "terminate": Part(N_("Support on your request has been stopped (clause 16 of the support regulation)."
                         "\n\n{message}"), ("message",), _MESSAGE),
    "help_centre": Part(N_("Help Centre: {link}"), ("link",), (("link",),)),
    "signature": Part(N_("Registration number of your request: {id}\n"
                         "To write to us about this request, reply to this e-mail keeping [{id}] in the subject.\n"
                         "E-DOC technical support")),
}
# The part each event (and each resolution of a close) sends.
EVENT_PARTS = {"replied": "reply", "info_requested": "request_info", "terminated": "terminate"}
# A close for abuse is a termination (clause 16): `close` refuses it, an older record may hold one.
_CLOSE_AS = {"abuse": "terminate"}

# A name in braces: what a template names; anything else in braces is refused by config_check.
NAME = re.compile(r"\{([^{}\n]*)\}")

WITHIN_HOURS = NP_("within {hours} working hour", "within {hours} working hours")

# How clause 15's actions are named to the client (rules.no_response.actions_done).
_ACTIONS = {
    "replied": N_("answer to you"),
    "info_requested": N_("information requested"),
    "note": N_("action"),
    "diagnosed": N_("diagnosis"),
    "escalated": N_("a third party engaged"),
}


def part_of(event: dict[str, Any]) -> str:
    """The part that tells the client about `event`."""
    if event["type"] == "closed":
        resolution = event.get("resolution")
        key = _CLOSE_AS.get(resolution) or f"close_{resolution}"
        return key if key in PARTS else "close_resolved"
    return EVENT_PARTS[event["type"]]


def template(letters: dict[str, Any], lang: str, key: str) -> str:
    """The text of part `key` for clients of `lang`: the configuration's, else the catalog's."""
    own = (letters.get(lang) or {}).get(key)
    return own if isinstance(own, str) and own.strip() else in_language(lang)(PARTS[key].default)


def fill(text: str, values: dict[str, str]) -> str:
    """`text` with each name it knows replaced by its value (a value is never read again).

    A line of the template that is only an empty value goes, and so does the second of two blank
    lines that leaves, so a letter without a Help Centre link or a comment has no gap; the values
    themselves (the operator's text) are kept as they are."""
    lines = []
    for line in text.split("\n"):
        alone = NAME.fullmatch(line.strip())
        if alone and alone.group(1) in values and not values[alone.group(1)]:
            continue
        if not line.strip() and (not lines or not lines[-1].strip()):
            continue
        lines.append(line)
    while lines and not lines[-1].strip():
        lines.pop()
    return NAME.sub(lambda m: values.get(m.group(1), m.group(0)), "\n".join(lines))


def problems(key: str, text: str) -> list[tuple[str, dict[str, str]]]:
    """Why `text` cannot be part `key`'s template: each a message (to translate) and its values.
    It names a value its part does not know, or none of those the part exists for."""
    part = PARTS[key]
    known = COMMON + part.names
    found = NAME.findall(text)
    wrong = sorted({n for n in found if n not in known})
    out = []
    if wrong:
        out.append((N_("names {name}, which this letter does not know; it knows {names}"),
                    {"name": _braced(wrong, ", "), "names": _braced(known, ", ")}))
    for group in part.needs:
        if not set(group) & set(found):
            if len(group) == 1:
                out.append((N_("must name {needs}: that is what this letter is for"), {"needs": _braced(group, "")}))
            else:
                out.append((N_("must name {one} or {other}: that is what this letter is for"),
                            {"one": _braced(group[:1], ""), "other": _braced(group[1:], "")}))
    return out


def _braced(names, between: str) -> str:
    return between.join("{" + n + "}" for n in names)


def clause_15_actions(history: list[dict[str, Any]], tz, tr: Callable[[str], str]) -> str:
    """The actions taken before the close, one line each, in the client's language (clause 15)."""
    from edoc_cli.rules.no_response import actions_said

    def priority(code: str) -> str:
        return tr(N_("priority {priority}")).format(priority=code)

    return "\n".join(
        tr(N_("- {when} {action}: {text}")).format(when=when, action=tr(_ACTIONS[event["type"]]),
                                                    # a text of several lines stays inside its item
                                                    text=str(what).replace("\n", "\n  "))
        for event, when, what in actions_said(history, tz, priority))


# gettext counts whole numbers. A fraction is said with the form its language gives it: Russian
# «в течение 1,5 рабочего часа» (the form of 1 in this phrase), English "1.5 hours" (of 2).
_FRACTION_AS = {"ru": 1}


def within_hours(hours: float, lang: str) -> str:
    """"within 8 working hours" in the client's language, by its Plural-Forms; a decimal comma in
    Russian and Kazakh."""
    hours = round(hours, 2)  # 100 minutes: 1.67, never 1.66667
    shown = f"{hours:g}"
    if lang in ("ru", "kk"):
        shown = shown.replace(".", ",")
    count = int(hours) if float(hours).is_integer() else _FRACTION_AS.get(lang, 2)
    return plural_in(lang)(*WITHIN_HOURS, count).format(hours=shown)
