"""The one path of errors to people: what they say, and every listener on it."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest

import bot.listeners
from bot.replies import LISTENER_ARGS, SORRY, error_text, tells_errors
from ims_core.decisions.errors import ActionConflict, ActionRefused
from ims_core.errors import UserFacingError


def test_errors_read_as_written_for_users_and_as_an_apology_otherwise(caplog: pytest.LogCaptureFixture):
    # plain text, escaped: Slack would read <GSTIN or name> as a link or mention
    usage = UserFacingError("Name the supplier: /ims vendor <GSTIN or name>")
    assert error_text(usage) == "Name the supplier: /ims vendor &lt;GSTIN or name&gt;"
    assert error_text(ActionRefused("Pending is not allowed.")) == ":no_entry: Pending is not allowed."
    conflict = ActionConflict("INV-1 was changed by Ravi & co.", decided_by="Ravi", current_action="A")
    assert error_text(conflict) == ":warning: INV-1 was changed by Ravi &amp; co."
    with caplog.at_level(logging.ERROR, logger="bot.replies"):
        assert error_text(KeyError("gstin")) == SORRY
    assert [r.exc_info[0] for r in caplog.records] == [KeyError]


def test_every_listener_is_registered_behind_tells_errors():
    """A listener raising after its ack must not reach bolt (see bot.replies): each one is wrapped."""
    registered = 0
    for path in Path(bot.listeners.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            names = [ast.unparse(d) for d in node.decorator_list]
            if any(n.startswith("app.") for n in names):
                registered += 1
                assert names[1:2] == ["tells_errors"], f"{path.name}: {node.name}"
    assert registered >= 15


def test_a_listener_asking_for_an_argument_the_wrapper_does_not_pass_is_refused_at_start():
    def on_shortcut(ack, shortcut):
        ack()

    with pytest.raises(TypeError, match="shortcut"):
        tells_errors(on_shortcut)
    assert "say" not in LISTENER_ARGS
