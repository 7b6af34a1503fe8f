"""Clause 6: what support handles. A request's topic is in scope, or it is explained and refused;
a complaint about staff (clause 16) is registered whatever it was about."""

from __future__ import annotations

from edoc_cli.config import Config
from edoc_cli.i18n import _
from edoc_cli.rules.checklist import Problem, not_one_of
from edoc_cli.rules.termination import COMPLAINT_CATEGORIES


def is_scope_free(category: str | None) -> bool:
    """Whether a request of this category is registered whatever its topic (clause 16)."""
    return category in COMPLAINT_CATEGORIES


def scope_problems(category: str | None, topic: str | None, refused: set[str], config: Config) -> list[Problem]:
    """Clause 6's unmet items for the request's topic."""
    if is_scope_free(category) and (topic is None or topic in config.out_of_scope):
        return []  # a complaint about staff is registered whatever it was about
    if topic is None:
        if "topic" in refused:
            return []
        return [Problem("topic", 6, _("is required: {topics}").format(topics=", ".join(config.in_scope)),
                        missing=True)]
    if topic in config.out_of_scope:
        return [Problem("topic", 6, _("{what} is outside what support handles; the request is not registered").format(
            what=repr(config.out_of_scope[topic])))]
    if topic not in config.in_scope:
        return [Problem("topic", 6, not_one_of(config.in_scope, topic))]
    return []
