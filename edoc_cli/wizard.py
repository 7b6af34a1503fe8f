"""The registration wizard: the regulation's checklist, one question at a time.

The wizard only fills a RegistrationRequest; every answer is validated by
the same `registration_problems` the flags and --from-json go through, so
it can never accept what `--no-input` would refuse, nor the reverse.
Questions already answered by flags (or by saved answers, `edoc open --resume`)
are skipped, unless the value is refused: then it is asked again with the
reason. The summary registers, goes back to any answer, or cancels. Esc or
Ctrl-C, once answers exist, asks before stopping; a stop raises
KeyboardInterrupt with the answers so far in `Wizard.current`.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, Callable

from edoc_cli.config import Config
from edoc_cli.i18n import N_, _
from edoc_cli.i18n import _ as _marked  # a message marked with N_() where it is defined
from edoc_cli.rules.help_centre import match_faq
from edoc_cli.rules.registration import RegistrationRequest, registration_problems
from edoc_cli.rules.scope import is_scope_free
from edoc_cli.ticket import CLIENT_LANGUAGES, CLIENT_TYPES
from edoc_cli.typed_time import instant_forms
from edoc_cli.wizard_prompts import Prompter

__all__ = ["OutOfScope", "Refused", "Discarded", "Prompter", "Wizard", "answers_in"]

# Fields asked by free-text questions, in the order of the checklist.
IDENTITY_FIELDS = ("iin", "bin", "login")
CONTACT_FIELDS = ("email", "phone")


class OutOfScope(Exception):
    """The request is outside support's scope (clause 6): explain and register nothing."""


class Refused(Exception):
    """The checklist cannot be met in this conversation (e.g. clause 10)."""


class Discarded(Exception):
    """The operator cancelled at the summary and confirmed: the answers are thrown away."""


# The text questions, by the field they fill (also asked again from the summary).
QUESTIONS = {
    "name": N_("Client's full name:"),
    "iin": N_("IIN (12 digits, Enter to skip):"),
    "bin": N_("BIN of the organisation (12 digits, Enter to skip):"),
    "login": N_("Portal login (Enter to skip):"),
    "email": N_("E-mail to answer to (Enter to skip):"),
    "phone": N_("Phone to answer to (Enter to skip):"),
    "organization": N_("Organisation (Enter to skip):"),
    "subject": N_("Subject (one line):"),
    "description": N_("Description in the client's words:"),
    "faq_link": N_("Help Centre article link (Enter to skip):"),
    "steps": N_("Steps to reproduce:"),
    "occurred_at": N_("When did it happen?"),
    "browser": N_("Browser and version:"),
    "os": N_("Operating system:"),
    "document": N_("Number of the document involved:"),
    "received_at": N_("When did the request reach support? (Enter = now)"),
}

# What the summary calls each answer, and the names of the answers that are codes.
LABELS = {
    "client_type": N_("Who is asking"), "client_lang": N_("Letters in"), "name": N_("Full name"), "iin": N_("IIN"), "bin": N_("BIN"),
    "login": N_("Portal login"), "email": N_("E-mail"), "phone": N_("Phone"),
    "organization": N_("Organisation"), "category": N_("Category"), "channel": N_("Channel"),
    "topic": N_("Topic"), "subject": N_("Subject"), "description": N_("Description"),
    "faq_checked": N_("Help Centre studied"), "faq_link": N_("Help Centre article"),
    "steps": N_("Steps to reproduce"), "occurred_at": N_("Happened at"), "browser": N_("Browser"),
    "os": N_("Operating system"), "attachments": N_("Attachments"), "document": N_("Document"),
    "received_at": N_("Reached support"),
}
CODE_NAMES = {
    "client_type": {"user": N_("A portal user"), "guest": N_("A portal guest")},
    "client_lang": {"ru": N_("Russian"), "kk": N_("Kazakh"), "en": N_("English")},  # Russian first: Enter takes it
    "category": {"consultation": N_("Consultation"), "bug": N_("Bug or defect"),
                 "feature": N_("Proposal for improvement"), "complaint": N_("Complaint about staff conduct")},
    "channel": {"phone": N_("Phone"), "email": N_("E-mail"), "portal": N_("Portal"), "chat": N_("Chat")},
}


def answers_in(req: RegistrationRequest) -> dict[str, Any]:
    """The answers a request holds, by field (what the summary shows and a resume file keeps)."""
    return {f: v for f in RegistrationRequest.field_names() if (v := getattr(req, f)) not in (None, "", [])}


class Wizard:
    def __init__(self, config: Config, now: datetime, tz, prompter: Prompter):
        self.config = config
        self.now = now
        self.tz = tz
        self.ask = prompter
        self.current = RegistrationRequest()  # the answers so far, kept when the wizard stops
        self.defaults: dict[str, Any] = {}     # previous answers offered again (an answer changed)
        self.received_now = False              # "reached support" answered with Enter: not asked again
        prompter.on_interrupt = self._may_stop

    def _may_stop(self) -> bool:
        """Esc or Ctrl-C: stop at once with nothing typed, else only once the operator says so."""
        count = len(answers_in(self.current))
        if not count:
            return True
        return self.ask.confirm(_("Stop? Answers so far: {count}. They will be saved; `edoc open --resume` "
                                  "continues from them.").format(count=count), default=False)

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

    def _text(self, req: RegistrationRequest, field: str, required: bool) -> RegistrationRequest:
        given = getattr(req, field)
        if given not in (None, "") and not self._problems(req, field):
            return req
        if given not in (None, ""):
            self.ask.say(_("{flag}: {problem}").format(flag=field, problem=self._problems(req, field)[0]))
        self.current = req
        # A date's question shows the forms it may take, as --help and the errors do.
        instruction = instant_forms() if field in ("occurred_at", "received_at") else None
        answer = self.ask.text(_marked(QUESTIONS[field]), self._validator(req, field, required),
                               default=str(self.defaults.get(field) or ""), instruction=instruction).strip()
        self.current = dataclasses.replace(req, **{field: answer or None})
        return self.current

    def _select(self, req: RegistrationRequest, field: str, message: str,
                choices: list[tuple[str, str]]) -> RegistrationRequest:
        self.current = req
        chosen = self.ask.select(message, choices, default=self.defaults.get(field))
        self.current = dataclasses.replace(req, **{field: chosen})
        return self.current

    def _confirm(self, req: RegistrationRequest, message: str, default: bool = True) -> bool:
        self.current = req
        return self.ask.confirm(message, default=self.defaults.get("faq_checked", default))

    # -- the checklist ---------------------------------------------------------
    def run(self, req: RegistrationRequest) -> RegistrationRequest:
        """Ask what is missing; return the completed request (still checked again on registration)."""
        cfg = self.config
        self.current = req
        # Clause 7: who is asking.
        if req.client_type not in CLIENT_TYPES:
            req = self._select(req, "client_type", _("Who is asking? (clause 7)"), self._named("client_type"))
        # Clause 11: identification, validated as it is typed in.
        req = self._text(req, "name", required=True)
        # Optional identifiers are asked only while none is given and valid: flags skip them.
        if req.client_type == "user" and not self._has_valid(req, IDENTITY_FIELDS):
            while True:
                for field in IDENTITY_FIELDS:
                    req = self._text(req, field, required=False)
                if any(getattr(req, f) for f in IDENTITY_FIELDS):
                    break
                self.ask.say(_("A portal user is identified by IIN, BIN or portal login; "
                               "support may refuse service without it (clause 11)."))
        while not self._has_valid(req, CONTACT_FIELDS):
            req = self._text(req, "email", required=False)
            req = self._text(req, "phone", required=False)
            if req.email or req.phone:
                break
            self.ask.say(_("An e-mail or a phone number is required to answer the client (clause 11)."))
        if req.organization is None and req.client_type == "user" and req.bin:
            req = self._text(req, "organization", required=False)
        # The language edoc writes to the client in (Russian unless chosen): asked when there is an
        # e-mail to write to (edit --client-lang sets it later).
        if req.client_lang not in CLIENT_LANGUAGES and req.email:
            req = self._select(req, "client_lang", _("Which language do we write to the client in?"),
                               self._named("client_lang"))

        # Clauses 4 and 8: category, then a channel allowed for it.
        if req.category not in cfg.categories:
            req = self._select(req, "category", _("Category of the request (clause 4):"),
                               self._named("category", cfg.categories))
        allowed = cfg.channels_for(req.category)
        if req.channel not in allowed:
            if req.channel is not None:
                self.ask.say(_("A {category} request may arrive only by {channels} (clause 8).").format(
                    category=req.category, channels=", ".join(allowed)))
            req = self._select(req, "channel", _("How did it arrive? (clause 8)"), self._named("channel", allowed))

        # Clause 6: scope. Out of scope: explain, register nothing.
        if not is_scope_free(req.category) and req.topic not in cfg.in_scope:
            if req.topic in cfg.out_of_scope:
                raise OutOfScope(cfg.out_of_scope[req.topic])
            choices = [(k, v) for k, v in cfg.in_scope.items()]
            choices += [(k, _("Out of scope: {what}").format(what=v)) for k, v in cfg.out_of_scope.items()]
            req = self._select(req, "topic", _("What is it about? (clause 6)"), choices)
            if req.topic in cfg.out_of_scope:
                raise OutOfScope(cfg.out_of_scope[req.topic])

        req = self._text(req, "subject", required=True)
        needed = cfg.details_for(req.category)
        req = self._text(req, "description", required="description" in needed)

        # Clauses 10 and 14: the Help Centre first.
        req = self._faq(req)

        # Clause 12: what this category needs for a quick resolution.
        for field in ("steps", "occurred_at", "browser", "os"):
            if field in needed:
                req = self._text(req, field, required=True)
        if "attachments" in needed and self._needs(req, "attachments"):
            req = self._attachments(req)
        document_needed = "document" in needed or (
            req.category == "bug" and req.topic in cfg.document_topics)
        if document_needed:
            req = self._text(req, "document", required=True)
        if req.received_at is None and not self.received_now:
            req = self._text(req, "received_at", required=False)
            self.received_now = req.received_at is None
        return self._ask_again_what_is_refused(req)

    def _named(self, field: str, codes=None) -> list[tuple[str, str]]:
        names = CODE_NAMES[field]
        return [(c, _marked(names[c]) if c in names else c) for c in (codes or names)]

    def _ask_again_what_is_refused(self, req: RegistrationRequest) -> RegistrationRequest:
        """A flag the checklist did not need but refuses (say a future --occurred-at on a
        consultation) would still stop registration: ask for it again, or let it be dropped."""
        for problem in registration_problems(req, self.config, self.now, self.tz):
            if not problem.missing and problem.field in QUESTIONS and getattr(req, problem.field):
                req = self._text(req, problem.field, required=False)
        return req

    def _faq(self, req: RegistrationRequest) -> RegistrationRequest:
        matches = match_faq(self.config, f"{req.subject or ''} {req.description or ''}")
        if req.faq_checked is None or (req.faq_checked is False and matches):
            if matches:
                self.ask.say(_("Help Centre articles that match this request:"))
                for m in matches[:5]:
                    self.ask.say(f"  • {m['title']} <{m['url']}>")
            checked = self._confirm(req, _("Has the client studied the Help Centre and FAQ on this? (clause 10)"))
            if not checked and matches:
                self.ask.say(_("Clause 10: the client studies the Help Centre first. Give the client the links above."))
                checked = self._confirm(req, _("Has the client read them and still needs help?"), default=False)
                if not checked:
                    raise Refused(_("the client must first study the Help Centre articles on this topic (clause 10)"))
            req = self.current = dataclasses.replace(req, faq_checked=checked)
        if req.faq_checked and matches and req.faq_link is None:
            choices = [(m["url"], m["title"]) for m in matches[:5]]
            choices.append(("", _("None of them resembles the case")))
            req = self._select(req, "faq_link", _("Does one of these articles resemble the case but need "
                                                  "more explanation?"), choices)
            req = self.current = dataclasses.replace(req, faq_link=req.faq_link or None)
        return req

    def _attachments(self, req: RegistrationRequest) -> RegistrationRequest:
        items = list(req.attachments or [])

        def validate(value: str) -> bool | str:
            if not value.strip():
                return True if items else _("At least one screenshot or attachment reference (clause 12)")
            problems = self._problems(dataclasses.replace(req, attachments=items + [value]), "attachments")
            return problems[0] if problems else True

        while True:
            self.current = dataclasses.replace(req, attachments=list(items))
            answer = self.ask.text(_("Screenshot or attachment reference (Enter when done):"), validate).strip()
            if not answer:
                break
            items.append(answer)
        self.current = dataclasses.replace(req, attachments=items)
        return self.current

    # -- the summary -----------------------------------------------------------
    def review(self, req: RegistrationRequest) -> RegistrationRequest:
        """The summary: register, change an answer (then back here), or cancel (asked once more)."""
        while True:
            self.current = req
            rows = self.summary(req)
            self.ask.say(_("Summary:"))
            for _field, label, value in rows:
                self.ask.say(f"  {label}: {value}")
            action = self.ask.select(_("Register this request?"), [
                ("register", _("Register")), ("change", _("Change an answer")), ("cancel", _("Cancel"))])
            if action == "register":
                return req
            if action == "cancel":
                if self.ask.confirm(_("Discard the answers ({count})? Nothing will be registered.").format(
                        count=len(rows)), default=False):
                    raise Discarded()
                continue
            field = self.ask.select(_("Which answer to change?"),
                                    [(f, label) for f, label, _value in rows] + [("", _("Back to the summary"))])
            if field:
                req = self.change(req, field)

    def change(self, req: RegistrationRequest, field: str) -> RegistrationRequest:
        """Ask `field` again (its answer offered as the default), then whatever the new answer needs."""
        self.defaults = {field: getattr(req, field)}
        self.received_now = self.received_now and field != "received_at"
        try:
            req = dataclasses.replace(req, **{field: [] if field == "attachments" else None})
            if field in QUESTIONS:  # asked even where the checklist would not ask it (an optional answer)
                req = self._text(req, field, required=False)
            return self.run(req)
        finally:
            self.defaults = {}

    def summary(self, req: RegistrationRequest) -> list[tuple[str, str, str]]:
        """(field, label, value) of every answer, named in the chosen language."""
        rows = []
        for field, value in answers_in(req).items():
            if field in CODE_NAMES:
                value = _marked(CODE_NAMES[field].get(value, value))
            elif field == "topic":
                value = self.config.in_scope.get(value, value)
            elif isinstance(value, bool):
                value = _("yes") if value else _("no")
            elif isinstance(value, list):
                value = ", ".join(value)
            rows.append((field, _marked(LABELS[field]), str(value)))
        return rows
