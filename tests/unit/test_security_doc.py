"""docs/security.md names the test that proves each promise: every file and test it names
exists, so the list cannot quietly point at tests that were renamed or removed."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"


def references() -> list[tuple[str, str | None]]:
    """(file under tests/, test name or None) for every `folder/file.py::name`, `folder/file.py`
    or `::name` (a test of the file cited just before it) in the document."""
    found: list[tuple[str, str | None]] = []
    for cited in re.findall(r"`([^`]+)`", DOC.read_text()):
        whole = re.fullmatch(r"(\w+/test_\w+\.py)(?:::(test_\w+))?", cited)
        more = re.fullmatch(r"::(test_\w+)", cited)
        if whole:
            found.append((whole.group(1), whole.group(2)))
        elif more and found:
            found.append((found[-1][0], more.group(1)))
    return found


def test_every_test_file_and_test_named_in_the_security_promises_exists():
    refs = references()
    assert len(refs) > 40
    missing = []
    for path, name in refs:
        file = ROOT / "tests" / path
        if not file.is_file():
            missing.append(path)
            continue
        if name and not re.search(rf"^def {name}\(", file.read_text(), re.M):
            missing.append(f"{path}::{name}")
    assert missing == []
