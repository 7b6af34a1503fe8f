"""The wizard's questions on a terminal: questionary, in the chosen language, forgiving to a Russian keyboard.

Yes/no questions take y/n, д/н (да/нет) and и/ж (иә/жоқ) in either case (so an operator typing
Russian or Kazakh need not switch layout), Enter takes the default. Esc or Ctrl-C asks the wizard's `on_interrupt` whether to stop:
when it says no, the same question is asked again.
"""

from __future__ import annotations

from typing import Any, Callable

from edoc_cli.i18n import _

YES_KEYS = ("y", "Y", "д", "Д", "и", "И")
NO_KEYS = ("n", "N", "н", "Н", "ж", "Ж")


def yes_no(message: str, default: bool = True, **kwargs: Any):
    """questionary's confirm, with д/н and и/ж, and the hint and answer in the chosen language."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.formatted_text import to_formatted_text
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.keys import Keys
    from questionary.constants import DEFAULT_QUESTION_PREFIX
    from questionary.question import Question
    from questionary.styles import merge_styles_default

    status: dict[str, Any] = {"answer": None, "complete": False}

    def tokens():
        shown = [("class:qmark", DEFAULT_QUESTION_PREFIX), ("class:question", f" {message} ")]
        if not status["complete"]:
            shown.append(("class:instruction", (_("(Y/n)") if default else _("(y/N)")) + " "))
        if status["answer"] is not None:
            shown.append(("class:answer", _("Yes") if status["answer"] else _("No")))
        return to_formatted_text(shown)

    bindings = KeyBindings()

    def answer_with(value: bool):
        def handler(event) -> None:
            status["answer"] = value
            status["complete"] = True
            event.app.exit(result=value)
        return handler

    for key in YES_KEYS:
        bindings.add(key)(answer_with(True))
    for key in NO_KEYS:
        bindings.add(key)(answer_with(False))

    @bindings.add(Keys.ControlC, eager=True)
    def _interrupt(event) -> None:
        event.app.exit(exception=KeyboardInterrupt, style="class:aborting")

    @bindings.add(Keys.ControlM, eager=True)
    def _enter(event) -> None:
        answer_with(default)(event)

    @bindings.add(Keys.Any)
    def _other(event) -> None:
        """Any other key types nothing."""

    return Question(PromptSession(tokens, key_bindings=bindings, style=merge_styles_default([None]),
                                  **kwargs).app)


class Prompter:
    """Asks questions with questionary; tests pass a prompt_toolkit pipe input and dummy output."""

    def __init__(self, input=None, output=None):
        self.kwargs: dict[str, Any] = {}
        if input is not None:
            self.kwargs["input"] = input
        if output is not None:
            self.kwargs["output"] = output
        # Esc or Ctrl-C: True stops (KeyboardInterrupt), False asks the question again.
        self.on_interrupt: Callable[[], bool] | None = None
        self.typed: str | None = None  # what was typed when Esc came: offered again if the wizard goes on

    @classmethod
    def for_terminal(cls) -> "Prompter":
        """Questions on stderr, so stdout stays data (`edoc open --json` on a terminal)."""
        import sys

        from prompt_toolkit.output import create_output

        return cls(output=create_output(stdout=sys.stderr))

    def _ask(self, make_question: Callable[[], Any]) -> Any:
        typed = None
        while True:
            self.typed = typed  # the question built next offers it (the "stop?" question is asked in between)
            try:
                return self._run(make_question())
            except KeyboardInterrupt:
                typed = self.typed
                if self._stopping():
                    raise

    def _stopping(self) -> bool:
        hook, self.on_interrupt = self.on_interrupt, None  # Esc at "stop?" itself stops
        try:
            return hook is None or hook()
        except KeyboardInterrupt:
            return True
        finally:
            self.on_interrupt = hook

    def _run(self, question) -> Any:
        from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings

        bindings = KeyBindings()

        @bindings.add("escape", eager=True)
        @bindings.add("c-c", eager=True)
        def _cancel(event) -> None:
            self.typed = event.app.current_buffer.text
            event.app.exit(exception=KeyboardInterrupt, style="class:aborting")

        app = question.application
        app.key_bindings = merge_key_bindings([app.key_bindings or KeyBindings(), bindings])
        return question.unsafe_ask()

    def select(self, message: str, choices: list[tuple[str, str]], default: str | None = None) -> str:
        import questionary

        def make():
            options = [questionary.Choice(title=title, value=value) for value, title in choices]
            chosen = next((o for o in options if o.value == default), None)
            return questionary.select(message, options, default=chosen, instruction=_("(Use arrow keys)"),
                                      **self.kwargs)
        return self._ask(make)

    def text(self, message: str, validate: Callable[[str], bool | str], default: str = "",
             instruction: str | None = None) -> str:
        import questionary

        return self._ask(lambda: questionary.text(message, default=self.typed or default, validate=validate,
                                                  instruction=instruction, **self.kwargs))

    def confirm(self, message: str, default: bool = True) -> bool:
        return self._ask(lambda: yes_no(message, default=default, **self.kwargs))

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
