"""The regulation's checklist items: what is unmet, for which field, under which clause; and the
limits of text a person types (a name, a message), shared by registration and every action.

Core messages name fields, never flags: `Problem.render` and `EdocError.render` take the command
line's way of naming a field (commands/flags.py).
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from edoc_cli.errors import UsageError, ValidationFailed, plain_name
from edoc_cli.i18n import _
from edoc_cli.safe_text import clean_multiline, control_problem

MAX_LINE = 200
MAX_TEXT = 20_000
MAX_ATTACHMENTS = 20
MAX_ATTACHMENT = 500

# A request's field -> the clause of the regulation that asks for it.
CLAUSES = {
    "client_type": 7, "client_lang": 7, "name": 11, "iin": 11, "bin": 11, "login": 11, "email": 11, "phone": 11,
    "organization": 11, "category": 4, "channel": 8, "topic": 6, "subject": 12, "description": 12,
    "faq_checked": 10, "faq_link": 10, "steps": 12, "occurred_at": 12, "browser": 12, "os": 12,
    "attachments": 12, "document": 12,
    "received_at": 5,  # the SLA clock starts here, in working time
}
MULTILINE = {"description", "steps"}


class Problem(NamedTuple):  # not a frozen dataclass: five times its cost to every command's start
    """One unmet item of the checklist."""

    field: str
    clause: int
    message: str
    # The answer is absent (an "is required" item), rather than given and refused.
    missing: bool = False
    # Other fields the message names, as {field} in its text.
    refs: tuple[str, ...] = ()
    # Which request of several (a batch) it belongs to, counted from 1.
    request: int | None = None

    def text(self, name_of: Callable[[str], str] = plain_name) -> str:
        """The message, the fields it names shown as `name_of` names them."""
        message = self.message
        for ref in self.refs:
            message = message.replace("{" + ref + "}", name_of(ref))
        return message

    def render(self, name_of: Callable[[str], str] = plain_name) -> str:
        line = _("clause {clause}: {flag}: {problem}").format(
            clause=self.clause, flag=name_of(self.field), problem=self.text(name_of))
        if self.request is not None:
            line = _("request {number}: {problem}").format(number=self.request, problem=line)
        return line

    def __str__(self) -> str:
        return self.render()


def required_one_of(choices) -> str:
    return _("is required: one of {choices}").format(choices=", ".join(choices))


def not_one_of(choices, value: str) -> str:
    return _("must be one of {choices}, not {value}").format(choices=", ".join(choices), value=repr(value))


def one_of(field: str, value: str, choices) -> str:
    """`value` if it is one of `choices`; otherwise a usage error naming the field."""
    if value not in choices:
        raise UsageError(_("{flag} must be one of {choices}, not {value}"), fields={"flag": field},
                         choices=", ".join(choices), value=repr(value))
    return value


def message_text(text: str | None, field: str = "message") -> str:
    """Free text a person wrote (a reply, a note): cleaned of terminal sequences, within the limit."""
    if text is None:
        raise UsageError(_("{flag} is required"), fields={"flag": field})
    why = control_problem(text, True)
    if why:
        raise ValidationFailed(_("{flag} {problem}"), fields={"flag": field}, problem=why)
    cleaned = clean_multiline(text)
    if not cleaned:
        raise ValidationFailed(_("{flag} is empty"), fields={"flag": field})
    if len(cleaned) > MAX_TEXT:
        raise ValidationFailed(_("{flag} {problem}"), fields={"flag": field}, problem=_(
            "is {length} characters long; at most {limit}").format(length=len(cleaned), limit=MAX_TEXT))
    return cleaned


def line_text(text: str | None, field: str, empty: str) -> str:
    """One line of text (a name); `empty` is the message, with {flag}, for an empty one."""
    why = control_problem(text or "", False)
    if why:
        raise ValidationFailed(_("{flag} {problem}"), fields={"flag": field}, problem=why)
    value = (text or "").strip()
    if not value:
        raise ValidationFailed(empty, fields={"flag": field})
    if len(value) > MAX_LINE:
        raise ValidationFailed(_("{flag} is longer than {limit} characters"), fields={"flag": field}, limit=MAX_LINE)
    return value
