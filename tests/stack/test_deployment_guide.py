"""docs/deployment.md lists every setting of config/default.py (issue 12: "a table of every setting")."""

from __future__ import annotations

from pathlib import Path

import config.default

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_has_a_row_in_the_guide():
    guide = (ROOT / "docs" / "deployment.md").read_text()
    rows = {line.split("|")[1].strip().strip("`") for line in guide.splitlines() if line.startswith("| `FALLWERK_")}
    settings = {f"FALLWERK_{name}" for name in dir(config.default) if name.isupper()}
    missing = settings - rows
    assert not missing, f"add a row to docs/deployment.md, section 2, for each of: {sorted(missing)}"


def test_the_readme_links_the_guide_and_names_make_serve():
    readme = (ROOT / "README.md").read_text()
    assert "docs/deployment.md" in readme and "make serve" in readme
