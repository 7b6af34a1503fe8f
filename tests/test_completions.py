"""completions/ is generated from the app and must not drift; completion itself works."""

from __future__ import annotations

from pathlib import Path

import pytest

from edoc_cli.commands.completion import SHELLS, completion_script

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("shell", SHELLS)
def test_completion_files_are_up_to_date(shell: str) -> None:
    committed = (ROOT / "completions" / f"edoc.{shell}").read_text(encoding="utf-8")
    assert committed == completion_script(shell), (
        f"completions/edoc.{shell} is stale: run `edoc completion {shell} > completions/edoc.{shell}`"
    )


@pytest.mark.parametrize("shell", SHELLS)
def test_completion_command_prints_the_file(edoc, shell: str) -> None:
    result = edoc.run("completion", shell)
    assert result.code == 0
    assert result.out == (ROOT / "completions" / f"edoc.{shell}").read_text(encoding="utf-8")


def test_unknown_shell_is_a_usage_error(edoc) -> None:
    result = edoc.run("completion", "tcsh")
    assert result.code == 2
    assert "bash, zsh, fish" in result.err


def _complete_bash(edoc, words: str) -> list[str]:
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    result = edoc.proc(env={"_EDOC_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)})
    assert result.code == 0, result
    return result.out.split()


def test_bash_completes_commands_and_configured_values(edoc) -> None:
    assert "list" in _complete_bash(edoc, "edoc li")
    assert _complete_bash(edoc, "edoc open --category b") == ["bug"]
    # The resolution codes a person may give to close (abuse goes through terminate).
    assert _complete_bash(edoc, "edoc close X --resolution ") == [
        "resolved", "faq", "out_of_scope", "no_response", "duplicate", "rejected"]


def test_bash_completes_the_ticket_numbers_each_command_takes(edoc) -> None:
    first = edoc.open_ticket()
    second = edoc.open_ticket()
    third = edoc.open_ticket()
    for closed in (second, third):
        assert edoc.run("close", closed, "--resolution", "resolved").code == 0
    # An action takes a ticket not yet closed; reopen a closed one; show and sla any (open first).
    assert _complete_bash(edoc, "edoc reply ED-2026") == [first]
    assert _complete_bash(edoc, "edoc reopen ED-2026") == [second, third]
    assert _complete_bash(edoc, f"edoc reopen {third}") == [third]
    assert _complete_bash(edoc, "edoc reopen ED-2025") == []
    assert _complete_bash(edoc, "edoc show ED-") == [first, second, third]
    assert _complete_bash(edoc, "edoc sla ") == [first, second, third]
    # Reopened, it is an action's again and no longer reopen's.
    assert edoc.run("reopen", second, "-m", "снова").code == 0
    assert _complete_bash(edoc, "edoc reopen ED-") == [third]
    assert _complete_bash(edoc, "edoc note ED-") == [first, second]


def test_zsh_and_fish_protocols_answer(edoc) -> None:
    zsh = edoc.proc(env={"_EDOC_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "edoc list --sta"})
    assert zsh.code == 0 and "--status" in zsh.out
    fish = edoc.proc(env={"_EDOC_COMPLETE": "complete_fish", "_TYPER_COMPLETE_FISH_ACTION": "get-args",
                          "_TYPER_COMPLETE_ARGS": "edoc sh"})
    assert fish.code == 0 and fish.out.startswith("show")


def test_python_dash_m_and_version(edoc) -> None:
    result = edoc.proc("--version")
    assert result.code == 0
    assert result.out.startswith("edoc ")


def test_command_groups_offer_no_shell_install_of_their_own(edoc):
    """`edoc completion SHELL` is the one way to install completion: a group's own --install-completion
    (Typer's, untranslated) would be a second, wrong one."""
    for group in ("calendar", "config", "store"):
        result = edoc.run(group, "--help")
        assert result.code == 0 and "--install-completion" not in result.out, (group, result)
