"""The README is a front door: at most 200 lines, a Quick start of exactly the two commands CI runs, and
every relative link in it and in docs/ leads to a file (and a heading, for a ``#fragment``) that exists."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower()
    text = "".join(ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in "LN")
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    out, fenced = set(), False
    for line in page.read_text().splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            out.add(slug(line.lstrip("#")))
    return out


def broken_links(page: Path, text: str) -> list[str]:
    """Each relative link of ``text`` (the contents of ``page``) whose file or heading is missing."""
    bad = []
    for target in LINK.findall(re.sub(r"```.*?```", "", text, flags=re.S)):
        if re.match(r"[a-z]+:", target):
            continue  # http:, https:, mailto:
        path, _, fragment = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            bad.append(f"{target}: no such file")
        elif fragment and dest.suffix == ".md" and fragment not in anchors(dest):
            bad.append(f"{target}: no heading #{fragment} in {dest.name}")
    return bad


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_resolves(page):
    assert broken_links(page, page.read_text()) == []


def test_the_link_check_catches_a_missing_file_and_a_missing_heading(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n## Two words\n")
    text = "[a](nowhere.md) [b](page.md#two-words) [c](#title) [d](#missing) [e](https://example.org/x)"
    assert broken_links(page, text) == ["nowhere.md: no such file", "#missing: no heading #missing in page.md"]


def test_slug_follows_github():
    assert slug(" How the verdict is reached") == "how-the-verdict-is-reached"
    assert slug("The atlas of any optimizer package (`invcheck atlas`)") == \
        "the-atlas-of-any-optimizer-package-invcheck-atlas"


def test_the_readme_is_a_front_door():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 200
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.*?)\n```", quick, flags=re.S)
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    assert commands[0].endswith("invcheck algorithms.adagrad_diag")
    assert commands[1] in (ROOT / ".ci" / "run").read_text()  # CI runs the test command verbatim
