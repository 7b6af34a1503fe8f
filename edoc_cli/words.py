"""The words a person reads for edoc's codes: statuses, events, categories, calendar days.

Codes (`new`, `info_requested`, `consultation`, `weekend`) are the contract: JSON, CSV and the
TSV of a pipe carry them as they are. On a screen meant for a person they are shown by `word`,
in the language of the run. Each word's catalog entry is `kind|code` (a context: "closed" the
status and "closed" the event read differently in Russian); where a catalog has no entry (the
English one, or a category added in the configuration) the code itself is shown, `_` as a space.
Holiday names come from the `holidays` package in English and are put into words by
`holiday_name`.
"""

from __future__ import annotations

import re

from edoc_cli.i18n import N_, _
from edoc_cli.i18n import _ as _marked  # a word marked with N_() above

# Every word a catalog may translate (tools/update_catalogs.py finds them here).
WORDS = (
    N_("status|new"), N_("status|open"), N_("status|waiting"), N_("status|postponed"), N_("status|closed"),
    N_("event|opened"), N_("event|assigned"), N_("event|replied"), N_("event|info_requested"),
    N_("event|client_replied"), N_("event|note"), N_("event|diagnosed"), N_("event|postponed"),
    N_("event|resumed"), N_("event|escalated"), N_("event|closed"), N_("event|reopened"),
    N_("event|terminated"), N_("event|breached"), N_("event|edited"), N_("event|mail_received"),
    N_("category|consultation"), N_("category|bug"), N_("category|feature"), N_("category|complaint"),
    N_("channel|phone"), N_("channel|email"), N_("channel|portal"), N_("channel|chat"),
    N_("client|user"), N_("client|guest"), N_("lang|ru"), N_("lang|kk"), N_("lang|en"),
    N_("level|basic"), N_("level|vip"),
    N_("priority|critical"), N_("priority|high"), N_("priority|normal"), N_("priority|low"),
    N_("resolution|resolved"), N_("resolution|faq"), N_("resolution|out_of_scope"),
    N_("resolution|no_response"), N_("resolution|abuse"), N_("resolution|duplicate"), N_("resolution|rejected"),
    N_("target|first_response"), N_("target|resolution"),
    N_("day|workday"), N_("day|weekend"), N_("day|holiday"), N_("day|transfer_off"), N_("day|transfer_work"),
    N_("day|extra_off"), N_("day|extra_work"),
    N_("interval|counted"), N_("interval|off_hours"), N_("interval|weekend"), N_("interval|holiday"),
    N_("interval|paused"), N_("interval|stopped"),
    N_("weekday|Mon"), N_("weekday|Tue"), N_("weekday|Wed"), N_("weekday|Thu"), N_("weekday|Fri"),
    N_("weekday|Sat"), N_("weekday|Sun"),
    N_("field|email"), N_("field|phone"), N_("field|organization"), N_("field|client_lang"), N_("field|category"), N_("field|channel"),
    N_("field|topic"), N_("field|subject"), N_("field|description"), N_("field|steps"), N_("field|occurred_at"),
    N_("field|browser"), N_("field|os"), N_("field|attachments"), N_("field|document"),
    N_("by|category"), N_("by|level"), N_("by|channel"), N_("by|assignee"), N_("by|priority"),
    N_("delivery|queued"), N_("delivery|sending"), N_("delivery|sent"), N_("delivery|failed"),
)


def word(kind: str, code: str | None) -> str:
    """`code` (of `kind`: status, event, category…) as a person reads it in this run's language."""
    if not code:
        return ""
    key = f"{kind}|{code}"
    said = _marked(key)
    return code.replace("_", " ") if said == key else said


def words(kind: str, codes) -> str:
    return ", ".join(word(kind, c) for c in codes)


def as_code(kind: str, code: str | None) -> str:
    """`code` as it is: what a pipe's TSV shows where a terminal shows `word`."""
    return code or ""


def namer(human: bool):
    """How a screen names a code: `word` for a person on a terminal, `as_code` in a pipe."""
    return word if human else as_code


def field_value(field: str, value):
    """A registration field's value for a person: a category or a channel by its word, else as it is."""
    if field == "client_lang" and isinstance(value, str):
        return word("lang", value)
    return word(field, value) if field in ("category", "channel") and isinstance(value, str) else value


# The names the `holidays` package gives Kazakhstan's holidays (en_US), and edoc's own.
HOLIDAYS = (
    N_("Capital Day"), N_("Constitution Day"), N_("Defender of the Fatherland Day"), N_("Eid al-Adha"),
    N_("First President Day"), N_("Independence Day"), N_("International Women's Day"),
    N_("Kazakhstan's People Solidarity Holiday"), N_("New Year's Day"), N_("Nowruz Holiday"),
    N_("Orthodox Christmas"), N_("Republic Day"), N_("Victory Day"), N_("Working day (decreed transfer)"),
)
_SUFFIXES = {" (observed)": N_("{name} (moved from a day off)"), " (estimated)": N_("{name} (estimated date)")}
_MOVED = re.compile(r"(Day off \(substituted from|Working day \(instead of) (\d{4})-(\d\d)-(\d\d)\)")


def holiday_name(name: str | None) -> str:
    """A holiday's or transfer's name in this run's language (several are joined with "; ")."""
    if not name:
        return ""
    return "; ".join(_one_holiday(part) for part in name.split("; "))


def _one_holiday(name: str) -> str:
    moved = _MOVED.fullmatch(name)
    if moved:
        day = f"{moved[4]}.{moved[3]}.{moved[2]}"
        if moved[1].startswith("Day off"):
            return _("Day off (moved from {day})").format(day=day)
        return _("Working day (instead of {day})").format(day=day)
    for suffix, form in _SUFFIXES.items():
        if name.endswith(suffix):
            return _marked(form).format(name=_marked(name[: -len(suffix)]))
    return _marked(name)


def interval_reason(reason: str | None) -> str:
    """Why an SLA clock was paused or stopped, or which holiday: `sla`'s timeline."""
    if not reason:
        return ""
    if reason == "waiting for the client":
        return _("waiting for the client")
    if reason == "closed":
        return word("status", "closed")
    if reason.startswith("postponed: "):
        return _("postponed: {reason}").format(reason=reason.split(": ", 1)[1])
    return holiday_name(reason)
