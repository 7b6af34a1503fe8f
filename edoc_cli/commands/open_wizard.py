"""`edoc open` on a terminal: the wizard, its summary, and a registration that never loses the answers.

Whatever stops the wizard after answers were given (Esc or Ctrl-C confirmed, a store still busy,
a failed write) saves them for `edoc open --resume`; only "Cancel" at the summary, confirmed,
throws them away.
"""

from __future__ import annotations

import dataclasses

from edoc_cli.i18n import _

RESUME_HINT = "edoc open --resume"


def saved_from_mail(env) -> int | None:
    """The intake message the saved answers of this store's interrupted wizard were registering."""
    from edoc_cli import wizard_resume

    return wizard_resume.saved_from_mail(wizard_resume.resume_path(env.environ, env.store_path), env.store_path)


def forget_saved(env) -> None:
    """Delete this store's saved answers (they were for a message no longer waiting), saying so."""
    from edoc_cli import wizard_resume
    from edoc_cli.store.commit import RUN

    path = wizard_resume.resume_path(env.environ, env.store_path)
    RUN.warnings.append(wizard_resume.forget(path) or _("the saved answers were for that message; they are "
                                                       "deleted ({path})").format(path=path))


def register_by_wizard(env, request, resume: bool, from_mail: int | None = None) -> list:
    """Ask what is missing (from saved answers with `resume`), confirm at the summary, register
    (`from_mail`: as that intake message, whose number a save keeps with the answers)."""
    from edoc_cli import wizard_resume
    from edoc_cli.errors import Cancelled, ValidationFailed, os_reason
    from edoc_cli.wizard import Discarded, OutOfScope, Prompter, Refused, Wizard, answers_in

    desk = env.desk
    env.busy_wait  # a bad EDOC_BUSY_WAIT is a usage error before the first question, not after the last
    saved = wizard_resume.resume_path(env.environ, env.store_path)
    prompter = Prompter.for_terminal()
    if resume:
        # Flags given with --resume replace the saved answers they name.
        request = dataclasses.replace(wizard_resume.load(saved, env.store_path), **answers_in(request))
        prompter.say(_("Continuing from the saved answers ({count}); the summary shows them all "
                       "before anything is registered.").format(count=len(answers_in(request))))
    elif saved.exists():
        prompter.say(_("This store has the saved answers of an interrupted registration: {command} "
                       "continues it. If this one is interrupted too, its answers replace them.").format(
                           command=RESUME_HINT))
    wizard = Wizard(desk.config, desk.now(), desk.tz, prompter)

    def keep() -> bool:
        """Save the answers so far; whether there were any and they were saved."""
        answers = answers_in(wizard.current)
        if not answers:
            return False
        if wizard.received_now and "received_at" not in answers:
            # "Enter = now" meant the time of this conversation, not of a later --resume.
            answers["received_at"] = desk.iso(wizard.now)
        try:
            wizard_resume.save(saved, env.store_path, answers, desk.iso(desk.now()), from_mail)
        except OSError as exc:
            prompter.say(_("edoc: the answers could not be saved ({error})").format(error=os_reason(exc)))
            return False
        return True

    try:
        request = wizard.review(wizard.run(request))
    except OutOfScope as exc:
        raise ValidationFailed(_("clause 6: {what} is outside what support handles; nothing was registered")
                               .format(what=str(exc))) from None
    except Refused as exc:
        raise ValidationFailed(_("nothing was registered: {why}").format(why=str(exc))) from None
    except Discarded:
        wizard_resume.forget(saved)  # a file that stays is mentioned by the next wizard
        raise Cancelled(_("cancelled; nothing was registered")) from None
    except KeyboardInterrupt:
        if not keep():
            raise
        raise Cancelled(_("stopped; nothing was registered. The answers are saved: {command} continues").format(
            command=RESUME_HINT)) from None
    try:
        tickets = _register_when_free(env, wizard, request, from_mail)
    except BaseException:
        wizard.current = request
        if keep():
            prompter.say(_("edoc: nothing was registered; the answers are saved: {command} registers them").format(
                command=RESUME_HINT))
        raise
    warning = wizard_resume.forget(saved)
    if warning:
        from edoc_cli.store.commit import RUN

        RUN.warnings.append(warning)
    return tickets


def _register_when_free(env, wizard, request, from_mail: int | None) -> list:
    """Register; while another edoc holds the store, retry for EDOC_BUSY_WAIT seconds, then ask."""
    import time

    from edoc_cli.errors import StoreBusy

    while True:
        deadline = time.monotonic() + env.busy_wait
        while True:
            try:
                if from_mail is not None:
                    return env.desk.register_mail(from_mail, request)
                return env.desk.register([request])
            except StoreBusy as exc:
                busy = exc
            left = deadline - time.monotonic()
            if left <= 0:
                break
            wizard.ask.say(_("The store is busy (another edoc is writing); retrying for up to {seconds} s…").format(
                seconds=max(1, round(left))))
            time.sleep(min(1.0, left))
        choice = wizard.ask.select(_("The store is still busy. What now?"), [
            ("retry", _("Try again")), ("save", _("Save the answers and quit"))])
        if choice == "save":
            raise busy
