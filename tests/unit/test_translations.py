"""The message catalogues: complete in Vietnamese, compilable, and in step with the sources.

After changing a marked string, run `make messages`, translate the new entries in
translations/vi/LC_MESSAGES/messages.po, then `make translations` (or `pybabel compile`).
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
CATALOGUES = {lang: TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po" for lang in ("vi", "en")}

# The same options as the Makefile's `messages` target.
EXTRACT_ARGS = [
    "extract",
    "-F",
    "babel.cfg",
    "-k",
    "_l",
    "-k",
    "lazy_gettext",
    "--no-location",
    "--sort-output",
    "--project",
    "Cho OCOP",
]

RUN_MAKE_MESSAGES = (
    "run `make messages`, translate the new entries in "
    "translations/vi/LC_MESSAGES/messages.po, then `make translations`"
)

# %(name)s, %(n)d, %(price).2f … (Python's named %-formatting)
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale, abort_invalid=True)


def _ids(catalog: Catalog) -> set:
    return {m.id for m in catalog if m.id}


def _show(ids) -> str:
    return "\n  ".join(sorted(repr(i) for i in ids))


def _singular(text) -> str:
    return text if isinstance(text, str) else text[0]


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text or ""))


def _source_placeholders(message: Message) -> set[str]:
    # a plural entry is translated from its plural form (vi has a single form)
    return _placeholders(message.id if isinstance(message.id, str) else message.id[-1])


@pytest.fixture(scope="module")
def pot() -> Catalog:
    return _read(POT)


@pytest.fixture(scope="module")
def vi() -> Catalog:
    return _read(CATALOGUES["vi"], "vi")


@pytest.fixture(scope="module")
def en() -> Catalog:
    return _read(CATALOGUES["en"], "en")


def _vi_messages(vi: Catalog) -> list[Message]:
    return [m for m in vi if m.id]


def test_every_extracted_message_is_in_the_vietnamese_catalogue(pot, vi):
    missing = _ids(pot) - _ids(vi)
    assert not missing, f"Not in the vi catalogue ({RUN_MAKE_MESSAGES}):\n  {_show(missing)}"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_catalogues_hold_no_stale_messages(pot, lang):
    stale = _ids(_read(CATALOGUES[lang], lang)) - _ids(pot)
    assert not stale, (
        f"In {lang} but no longer in the sources ({RUN_MAKE_MESSAGES}):\n  {_show(stale)}"
    )


def test_every_vietnamese_message_is_translated(vi):
    untranslated = [m.id for m in _vi_messages(vi) if not all(_strings(m))]
    assert not untranslated, f"Untranslated in vi ({RUN_MAKE_MESSAGES}):\n  {_show(untranslated)}"


def _strings(message: Message) -> list[str]:
    if isinstance(message.string, str):
        return [message.string.strip()]
    # nplurals=1 for Vietnamese: msgstr[0] is the only form that counts
    return [(message.string[0] or "").strip()]


def test_no_vietnamese_translation_is_fuzzy(vi):
    assert not vi.fuzzy, "The vi catalogue header is marked fuzzy: remove the '#, fuzzy' flag"
    fuzzy = [m.id for m in _vi_messages(vi) if m.fuzzy]
    assert not fuzzy, f"Fuzzy (check, then remove '#, fuzzy'):\n  {_show(fuzzy)}"


def test_vietnamese_keeps_exactly_the_placeholders_of_the_source(vi):
    wrong = []
    for m in _vi_messages(vi):
        expected = _source_placeholders(m)
        got = _placeholders(_singular(m.string))
        if got != expected:
            wrong.append(f"{_singular(m.id)!r}: expects {sorted(expected)}, has {sorted(got)}")
    assert not wrong, "Placeholders differ in vi:\n  " + "\n  ".join(wrong)


def test_babel_finds_no_format_errors_in_vietnamese(vi):
    errors = [f"{_singular(m.id)!r}: {'; '.join(map(str, errs))}" for m, errs in vi.check()]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_catalogues_compile(lang):
    catalog = _read(CATALOGUES[lang], lang)
    assert not catalog.fuzzy, f"The {lang} header is fuzzy: it would not compile into the .mo"
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    assert buffer.getvalue()


def test_the_template_is_up_to_date_with_the_sources(pot, tmp_path):
    fresh = tmp_path / "messages.pot"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            *EXTRACT_ARGS,
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    extracted = _ids(_read(fresh))
    committed = _ids(pot)
    new, gone = extracted - committed, committed - extracted
    assert not (new or gone), (
        f"translations/messages.pot is out of date: {RUN_MAKE_MESSAGES}.\n"
        f"New in the sources:\n  {_show(new)}\nNo longer in the sources:\n  {_show(gone)}"
    )
