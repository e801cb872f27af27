"""The ``/ims`` sub-command table: one entry per sub-command, and the help drawn from it."""

from __future__ import annotations

import json
from pathlib import Path

from bot.blocks.common import esc
from bot.listeners.commands import BY_NAME, SUBCOMMANDS, help_blocks


def test_every_subcommand_is_listed_once_under_a_plain_name():
    names = [s.name for s in SUBCOMMANDS]
    assert len(names) == len(set(names)) == len(BY_NAME)
    assert all(name.isalpha() and name.islower() for name in names)
    assert {"help", "summary", "pending", "vendor", "followup", "scorecard", "digest"} <= set(names)


def test_help_lists_every_subcommand_with_its_arguments_and_the_word_not_understood():
    text = json.dumps([b.to_dict() for b in help_blocks("I don't know “frobnicate”.")], ensure_ascii=False)
    for subcommand in SUBCOMMANDS:
        assert f"• `/ims {esc(subcommand.usage)}`: {esc(subcommand.help)}" in text
    # Slack reads <…> as a link or mention, even between backticks: shown escaped, read as typed
    assert "`/ims vendor &lt;GSTIN or name&gt;`" in text and "`/ims digest now`" in text
    assert text.index("frobnicate") < text.index("What I can do")


def test_the_app_manifest_names_every_subcommand():
    """Slack shows the manifest's description when someone types /ims: it must not fall behind."""
    manifest = json.loads((Path(__file__).resolve().parents[2] / "manifest.json").read_text(encoding="utf-8"))
    [ims] = manifest["features"]["slash_commands"]
    named = set(ims["description"].removeprefix("GST IMS: ").split(", "))
    assert named == {s.name for s in SUBCOMMANDS} - {"help"}
    hinted = {part.split()[0] for part in ims["usage_hint"].split(" | ")}
    assert hinted <= {s.name for s in SUBCOMMANDS}
