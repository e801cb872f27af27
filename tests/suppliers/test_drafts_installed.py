"""An installed (non-editable) copy of the package carries the templates: pyproject's data-files put
them where ``followup_drafts`` looks when the project's templates/ folder is not beside it."""

from __future__ import annotations

import tomllib
from pathlib import Path

from ims_core.suppliers import drafts as followup_drafts

ROOT = Path(__file__).resolve().parents[2]


def test_every_template_is_installed_where_the_drafts_look():
    data_files = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["data-files"]
    installed = {Path(target) / path.name for target, globs in data_files.items()
                 for pattern in globs for path in ROOT.glob(pattern)}
    shipped = {Path("share/ims-assistant/templates") / path.relative_to(ROOT / "templates")
               for path in (ROOT / "templates").rglob("*") if path.is_file()}
    assert shipped and shipped == installed
    assert followup_drafts.INSTALLED_TEMPLATES.parts[-3:] == ("share", "ims-assistant", "templates")
    searched = [Path(p) for p in followup_drafts.environment().loader.searchpath]
    assert followup_drafts.INSTALLED_TEMPLATES in searched
