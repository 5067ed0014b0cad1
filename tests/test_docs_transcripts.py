"""Every transcript in the README and the docs is what slasim prints today.

``docs/scripts/transcripts.py`` lists the transcripts and runs them; the pages include the
stored files (``docs/transcripts/NAME.txt``). Here each is run again and compared with its file
(words equal, numbers within the rounding a different CPU can move; see ``same_text``). The
optimizer's transcripts take minutes: they run with ``make test-slow``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docs_scripts import ROOT, load

transcripts = load("transcripts")
DOCS = ROOT / "docs"
FENCE = re.compile(r"^( *)```[\w]*\n(.*?)^\1```", re.M | re.S)


def _params() -> list[object]:
    return [
        pytest.param(t, id=t.name, marks=[pytest.mark.slow] if t.slow else [])
        for t in transcripts.TRANSCRIPTS
    ]


@pytest.mark.parametrize("transcript", _params())
def test_transcript_matches_what_slasim_prints(transcript: object) -> None:
    stored = transcripts.render(transcript.name)  # type: ignore[attr-defined]
    fresh = transcripts.run(transcript)
    problems = transcripts.same_text(stored, fresh)
    assert problems == [], (
        f"docs/transcripts/{transcript.name}.txt is out of date "  # type: ignore[attr-defined]
        "(python docs/scripts/transcripts.py NAME rewrites it):\n" + "\n".join(problems[:10])
    )


def test_every_transcript_file_is_registered_and_shown() -> None:
    files = {p.stem for p in (DOCS / "transcripts").glob("*.txt")}
    registered = {t.name for t in transcripts.TRANSCRIPTS}
    assert files == registered
    pages = "\n".join(p.read_text(encoding="utf-8") for p in DOCS.rglob("*.md"))
    for name in registered:
        assert f'"transcripts/{name}.txt"' in pages or name.startswith("readme"), name


def test_readme_transcripts_are_stored_transcripts() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    stored = {t.name: transcripts.render(t.name) for t in transcripts.TRANSCRIPTS}
    blocks = [m.group(2) for m in FENCE.finditer(readme) if m.group(2).startswith("$ ")]
    assert blocks, "the README shows an example with its output"
    for block in blocks:
        assert block in stored.values(), f"README block is not a stored transcript:\n{block}"


def test_pages_show_no_hand_written_transcript() -> None:
    # A block that starts with a prompt and a command, or with slasim's own first lines, must be
    # an include of a stored transcript.
    starts = ("$ slasim", "scenario '", "slasim optimize '", "error: ")
    for page in DOCS.rglob("*.md"):
        for m in FENCE.finditer(page.read_text(encoding="utf-8")):
            body = m.group(2)
            assert not body.lstrip().startswith(starts), f"{page.relative_to(ROOT)}:\n{body[:200]}"


def test_same_text_tolerates_rounding_and_catches_changes() -> None:
    same = transcripts.same_text
    assert same("profit 804,015 [1.0, 2.5] in 3.9 s\n", "profit  804,100 [1.0, 2.5] in 12.0 s\n") == []
    assert same("marketing 24%\n", "marketing 25%\n") == []  # one month more of 100
    assert same("marketing 24%\n", "marketing 30%\n") != []
    assert same("Realistic: yes\n", "Not realistic: yes\n") != []
    assert same("a\n...\nz 1\n", "a\nb\nc\nz 1\n") == []
    assert same("a\nz 1\n", "a\nb\nz 1\n") != []
    assert same("a\n", "a\nextra\n") != []


def test_scenario_examples_on_the_pages_load(tmp_path: Path) -> None:
    # The annotated scenario and the `extends` example of "Write a scenario" are inputs, not
    # outputs: they must stay valid scenarios.
    import shutil

    from slasim.scenario.load import load_scenario

    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    page = (DOCS / "how-to" / "scenario.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", page, re.S)
    loaded = []
    for n, block in enumerate(blocks):
        if "[horizon]" not in block and "extends" not in block:
            continue
        path = tmp_path / "scenarios" / f"example-{n}.toml"
        path.write_text(block, encoding="utf-8")
        loaded.append(load_scenario(str(path)).name)
    assert loaded == ["my-team", "option-fast-response"]


def test_readme_is_short_starts_with_the_two_commands_and_links_resolve() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 150
    first = FENCE.search(text)
    assert first is not None
    commands = [line.split("#")[0].strip() for line in first.group(2).splitlines()]
    assert commands == ["make demo", "make test"]
    assert text.index(first.group(0)) < text.index("\n## "), "the set-up block comes first"
    links = re.findall(r"\]\(((?:docs/)[^)#]+)", text)
    assert len(links) >= 10
    missing = [link for link in links if not (ROOT / link).is_file()]
    assert missing == []
