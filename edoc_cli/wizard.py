"""The registration wizard: the regulation's checklist, one question at a time.

The wizard only fills a RegistrationRequest; every answer is validated by
the same `registration_problems` the flags and --from-json go through, so
it can never accept what `--no-input` would refuse, nor the reverse.
Questions already answered by flags are skipped (unless the flag's value is
refused, then it is asked again with the reason). Ctrl-C or Esc anywhere
raises KeyboardInterrupt: nothing is registered.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, Callable

from edoc_cli.config import Config
from edoc_cli.i18n import _
from edoc_cli.rules.help_centre import match_faq
from edoc_cli.rules.registration import RegistrationRequest, registration_problems
from edoc_cli.rules.scope import is_scope_free
from edoc_cli.ticket import CLIENT_TYPES
from edoc_cli.typed_time import instant_forms

# Fields asked by free-text questions, in the order of the checklist.
IDENTITY_FIELDS = ("iin", "bin", "login")
CONTACT_FIELDS = ("email", "phone")


class OutOfScope(Exception):
    """The request is outside support's scope (clause 6): explain and register nothing."""


class Refused(Exception):
    """The checklist cannot be met in this conversation (e.g. clause 10)."""


class Prompter:
    """Asks questions with questionary; tests pass a prompt_toolkit pipe input and dummy output."""

    def __init__(self, input=None, output=None):
        self.kwargs: dict[str, Any] = {}
        if input is not None:
            self.kwargs["input"] = input
        if output is not None:
            self.kwargs["output"] = output

    @classmethod
    def for_terminal(cls) -> "Prompter":
        """Questions on stderr, so stdout stays data (`edoc open --json` on a terminal)."""
        import sys

        from prompt_toolkit.output import create_output

        return cls(output=create_output(stdout=sys.stderr))

    def _ask(self, question) -> Any:
        from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings

        bindings = KeyBindings()

        @bindings.add("escape", eager=True)
        def _cancel(event) -> None:
            event.app.exit(exception=KeyboardInterrupt, style="class:aborting")

        app = question.application
        app.key_bindings = merge_key_bindings([app.key_bindings or KeyBindings(), bindings])
        return question.unsafe_ask()

    def select(self, message: str, choices: list[tuple[str, str]], default: str | None = None) -> str:
        import questionary

        options = [questionary.Choice(title=title, value=value) for value, title in choices]
        chosen = next((o for o in options if o.value == default), None)
        return self._ask(questionary.select(message, options, default=chosen, **self.kwargs))

    def text(self, message: str, validate: Callable[[str], bool | str], default: str = "",
             instruction: str | None = None) -> str:
        import questionary

        return self._ask(questionary.text(message, default=default, validate=validate,
                                          instruction=instruction, **self.kwargs))

    def confirm(self, message: str, default: bool = True) -> bool:
        import questionary

        return self._ask(questionary.confirm(message, default=default, **self.kwargs))

    def say(self, message: str) -> None:
        import sys

        from edoc_cli.safe_text import for_terminal

        out = self.kwargs.get("output")
        if out is not None:
            out.write(for_terminal(message) + "\n")
            out.flush()
        else:
            sys.stderr.write(for_terminal(message) + "\n")
            sys.stderr.flush()


class Wizard:
    def __init__(self, config: Config, now: datetime, tz, prompter: Prompter):
        self.config = config
        self.now = now
        self.tz = tz
        self.ask = prompter

    # -- validation shared with the flags --------------------------------------
    def _problems(self, req: RegistrationRequest, field: str) -> list[str]:
        return [p.message for p in registration_problems(req, self.config, self.now, self.tz)
                if p.field == field and not p.missing]

    def _validator(self, req: RegistrationRequest, field: str, required: bool) -> Callable[[str], bool | str]:
        def validate(value: str) -> bool | str:
            if not value.strip():
                return _("An answer is required") if required else True
            candidate = dataclasses.replace(req, **{field: value})
            problems = self._problems(candidate, field)
            return problems[0] if problems else True
        return validate

    def _has_valid(self, req: RegistrationRequest, fields: tuple[str, ...]) -> bool:
        """Whether one of `fields` is given and none of the given ones is refused."""
        given = [f for f in fields if getattr(req, f)]
        return bool(given) and not any(self._problems(req, f) for f in given)

    def _needs(self, req: RegistrationRequest, field: str) -> bool:
        """Whether to ask: no answer yet, or the given answer is refused."""
        value = getattr(req, field)
        return value in (None, "", []) or bool(self._problems(req, field))

    def _text(self, req: RegistrationRequest, field: str, message: str, required: bool,
              instruction: str | None = None) -> RegistrationRequest:
        given = getattr(req, field)
        if given not in (None, "") and not self._problems(req, field):
            return req
        if given not in (None, ""):
            self.ask.say(_("{flag}: {problem}").format(flag=field, problem=self._problems(req, field)[0]))
        if field in ("occurred_at", "received_at"):  # the forms a date may take, as in --help and errors
            instruction = instant_forms()
        answer = self.ask.text(message, self._validator(req, field, required), default="",
                               instruction=instruction).strip()
        return dataclasses.replace(req, **{field: answer or None})

    # -- the checklist ---------------------------------------------------------
    def run(self, req: RegistrationRequest) -> RegistrationRequest:
        """Ask what is missing; return the completed request (still checked again on registration)."""
        cfg = self.config
        # Clause 7: who is asking.
        if req.client_type not in CLIENT_TYPES:
            req = dataclasses.replace(req, client_type=self.ask.select(
                _("Who is asking? (clause 7)"),
                [("user", _("A portal user")), ("guest", _("A portal guest"))]))
        # Clause 11: identification, validated as it is typed in.
        req = self._text(req, "name", _("Client's full name:"), required=True)
        # Optional identifiers are asked only while none is given and valid: flags skip them.
        if req.client_type == "user" and not self._has_valid(req, IDENTITY_FIELDS):
            while True:
                for field, message in (("iin", _("IIN (12 digits, Enter to skip):")),
                                       ("bin", _("BIN of the organisation (12 digits, Enter to skip):")),
                                       ("login", _("Portal login (Enter to skip):"))):
                    req = self._text(req, field, message, required=False)
                if any(getattr(req, f) for f in IDENTITY_FIELDS):
                    break
                self.ask.say(_("A portal user is identified by IIN, BIN or portal login; "
                               "support may refuse service without it (clause 11)."))
        while not self._has_valid(req, CONTACT_FIELDS):
            req = self._text(req, "email", _("E-mail to answer to (Enter to skip):"), required=False)
            req = self._text(req, "phone", _("Phone to answer to (Enter to skip):"), required=False)
            if req.email or req.phone:
                break
            self.ask.say(_("An e-mail or a phone number is required to answer the client (clause 11)."))
        if req.organization is None and req.client_type == "user" and req.bin:
            req = self._text(req, "organization", _("Organisation (Enter to skip):"), required=False)

        # Clauses 4 and 8: category, then a channel allowed for it.
        names = {"consultation": _("Consultation"), "bug": _("Bug or defect"),
                 "feature": _("Proposal for improvement"), "complaint": _("Complaint about staff conduct")}
        if req.category not in cfg.categories:
            req = dataclasses.replace(req, category=self.ask.select(
                _("Category of the request (clause 4):"), [(c, names.get(c, c)) for c in cfg.categories]))
        allowed = cfg.channels_for(req.category)
        if req.channel not in allowed:
            if req.channel is not None:
                self.ask.say(_("A {category} request may arrive only by {channels} (clause 8).").format(
                    category=req.category, channels=", ".join(allowed)))
            req = dataclasses.replace(req, channel=self.ask.select(
                _("How did it arrive? (clause 8)"), [(c, c) for c in allowed]))

        # Clause 6: scope. Out of scope: explain, register nothing.
        if not is_scope_free(req.category) and req.topic not in cfg.in_scope:
            if req.topic in cfg.out_of_scope:
                raise OutOfScope(cfg.out_of_scope[req.topic])
            choices = [(k, v) for k, v in cfg.in_scope.items()]
            choices += [(k, _("Out of scope: {what}").format(what=v)) for k, v in cfg.out_of_scope.items()]
            topic = self.ask.select(_("What is it about? (clause 6)"), choices)
            if topic in cfg.out_of_scope:
                raise OutOfScope(cfg.out_of_scope[topic])
            req = dataclasses.replace(req, topic=topic)

        req = self._text(req, "subject", _("Subject (one line):"), required=True)
        needed = cfg.details_for(req.category)
        req = self._text(req, "description", _("Description in the client's words:"),
                         required="description" in needed)

        # Clauses 10 and 14: the Help Centre first.
        req = self._faq(req)

        # Clause 12: what this category needs for a quick resolution.
        if "steps" in needed:
            req = self._text(req, "steps", _("Steps to reproduce:"), required=True)
        if "occurred_at" in needed:
            req = self._text(req, "occurred_at", _("When did it happen?"), required=True)
        if "browser" in needed:
            req = self._text(req, "browser", _("Browser and version:"), required=True)
        if "os" in needed:
            req = self._text(req, "os", _("Operating system:"), required=True)
        if "attachments" in needed and self._needs(req, "attachments"):
            req = self._attachments(req)
        document_needed = "document" in needed or (
            req.category == "bug" and req.topic in cfg.document_topics)
        if document_needed:
            req = self._text(req, "document", _("Number of the document involved:"), required=True)
        if req.received_at is None:
            req = self._text(req, "received_at", _("When did the request reach support? (Enter = now)"),
                             required=False)
        return self._ask_again_what_is_refused(req)

    def _ask_again_what_is_refused(self, req: RegistrationRequest) -> RegistrationRequest:
        """A flag the checklist did not need but refuses (say a future --occurred-at on a
        consultation) would still stop registration: ask for it again, or let it be dropped."""
        questions = {
            "organization": _("Organisation (Enter to skip):"),
            "faq_link": _("Help Centre article link (Enter to skip):"),
            "steps": _("Steps to reproduce:"),
            "occurred_at": _("When did it happen?"),
            "browser": _("Browser and version:"),
            "os": _("Operating system:"),
            "document": _("Number of the document involved:"),
            "received_at": _("When did the request reach support? (Enter = now)"),
        }
        for problem in registration_problems(req, self.config, self.now, self.tz):
            if not problem.missing and problem.field in questions and getattr(req, problem.field):
                req = self._text(req, problem.field, questions[problem.field], required=False)
        return req

    def _faq(self, req: RegistrationRequest) -> RegistrationRequest:
        matches = match_faq(self.config, f"{req.subject or ''} {req.description or ''}")
        if req.faq_checked is None or (req.faq_checked is False and matches):
            if matches:
                self.ask.say(_("Help Centre articles that match this request:"))
                for m in matches[:5]:
                    self.ask.say(f"  • {m['title']} <{m['url']}>")
            checked = self.ask.confirm(_("Has the client studied the Help Centre and FAQ on this? (clause 10)"))
            if not checked and matches:
                self.ask.say(_("Clause 10: the client studies the Help Centre first. Give the client the links above."))
                checked = self.ask.confirm(_("Has the client read them and still needs help?"), default=False)
                if not checked:
                    raise Refused(_("the client must first study the Help Centre articles on this topic (clause 10)"))
            req = dataclasses.replace(req, faq_checked=checked)
        if req.faq_checked and matches and req.faq_link is None:
            choices = [(m["url"], m["title"]) for m in matches[:5]]
            choices.append(("", _("None of them resembles the case")))
            link = self.ask.select(_("Does one of these articles resemble the case but need more explanation?"),
                                   choices)
            req = dataclasses.replace(req, faq_link=link or None)
        return req

    def _attachments(self, req: RegistrationRequest) -> RegistrationRequest:
        items = list(req.attachments or [])

        def validate(value: str) -> bool | str:
            if not value.strip():
                return True if items else _("At least one screenshot or attachment reference (clause 12)")
            problems = self._problems(dataclasses.replace(req, attachments=items + [value]), "attachments")
            return problems[0] if problems else True

        while True:
            answer = self.ask.text(_("Screenshot or attachment reference (Enter when done):"), validate).strip()
            if not answer:
                break
            items.append(answer)
        return dataclasses.replace(req, attachments=items)

    def confirm(self, summary: list[tuple[str, str]]) -> bool:
        self.ask.say(_("Summary:"))
        for label, value in summary:
            if value:
                self.ask.say(f"  {label}: {value}")
        return self.ask.confirm(_("Register this request?"), default=True)


def summary_of(req: RegistrationRequest) -> list[tuple[str, str]]:
    """What the operator confirms before registration."""
    rows = []
    for f in dataclasses.fields(RegistrationRequest):
        value = getattr(req, f.name)
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            value = ", ".join(value)
        if isinstance(value, bool):
            value = _("yes") if value else _("no")
        rows.append((f.name.replace("_", " "), str(value)))
    return rows
