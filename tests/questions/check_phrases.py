#!/usr/bin/env python3
"""Check the retrieval question sets in tests/questions/*.toml.

For every question file this script checks that:
  * the TOML parses and has only [[question]] / [[out_of_scope]] tables,
    each with a non-empty `text` (questions also need a non-empty `expect`);
  * every `expect` phrase occurs in the source text of that file's knowledge
    base, inside one paragraph (a line of a .txt file, a blank-line separated
    block of a .md file), compared case-insensitively with whitespace collapsed,
    after this Markdown stripping: `[text](url)` -> `text`, and `**`, `__` and
    backticks removed;
  * the file has at least the required number of questions / out-of-scope
    entries, and no question text appears twice.

It warns (without failing) about phrases outside the 3-8 word sweet spot,
phrases that look like they cross a sentence boundary, and phrases that still
contain Markdown/HTML characters.

Usage:
  python3 tests/questions/check_phrases.py            # every known file
  python3 tests/questions/check_phrases.py seed.toml  # selected files
  python3 tests/questions/check_phrases.py -v         # also show where each phrase matched

Environment:
  CAREERBOT_SEED_TEXT  path of the back-end developer article used by seed.toml
                       (default: tests/fixtures/backend-developer.txt, a copy of the seed)

Exit status is 1 if any check fails. Standard library only (Python 3.11+).
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CORPORA = REPO / "tests" / "fixtures" / "corpora"

# question file -> (source files or directories, min questions, min out-of-scope)
SOURCES = {
    "seed.toml": (
        [Path(os.environ.get("CAREERBOT_SEED_TEXT", str(REPO / "tests" / "fixtures" / "backend-developer.txt")))],
        70,
        20,
    ),
    "holdout-seed.toml": (
        [Path(os.environ.get("CAREERBOT_SEED_TEXT", str(REPO / "tests" / "fixtures" / "backend-developer.txt")))],
        30,
        10,
    ),
    "git-novice.toml": ([CORPORA / "git-novice"], 15, 4),
    "git-novice-holdout.toml": ([CORPORA / "git-novice"], 8, 3),
    "coding-interview-university.toml": ([CORPORA / "coding-interview-university" / "README.md"], 15, 4),
    "coding-interview-university-holdout.toml": ([CORPORA / "coding-interview-university" / "README.md"], 8, 3),
    "tech-interview-handbook.toml": (
        [CORPORA / "tech-interview-handbook" / "apps" / "website"],
        15,
        5,
    ),
    "system-design-primer.toml": (
        [CORPORA / "system-design-primer" / "README.md"],
        15,
        5,
    ),
}

LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
WS = re.compile(r"\s+")


def strip_markdown(text: str) -> str:
    text = LINK.sub(r"\1", text)
    for marker in ("**", "__", "`"):
        text = text.replace(marker, "")
    return text


def normalize(text: str) -> str:
    return WS.sub(" ", text).strip().casefold()


def paragraphs(path: Path) -> list[str]:
    raw = path.read_text(encoding="utf-8")
    if path.suffix == ".txt":
        blocks = raw.splitlines()
    else:
        blocks = re.split(r"\n[ \t]*\n", raw)
    return [normalize(strip_markdown(b)) for b in blocks if b.strip()]


def load_source(paths: list[Path]) -> dict[str, list[str]]:
    """Map each source file (relative name) to its normalized paragraphs."""
    files: dict[str, list[str]] = {}
    for p in paths:
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.suffix in (".md", ".mdx", ".txt") and f.is_file():
                    files[str(f.relative_to(p))] = paragraphs(f)
        elif p.is_file():
            files[p.name] = paragraphs(p)
        else:
            raise FileNotFoundError(f"source not found: {p}")
    return files


def where(phrase: str, source: dict[str, list[str]]) -> list[str]:
    needle = normalize(phrase)
    hits = []
    for name, paras in source.items():
        for i, para in enumerate(paras):
            if needle in para:
                hits.append(f"{name}#{i}")
    return hits


def check_file(path: Path, verbose: bool) -> tuple[int, int, int, int]:
    """Return (errors, questions, out_of_scope, phrases) for one question file."""
    name = path.name
    errors = 0

    def error(msg: str) -> None:
        nonlocal errors
        errors += 1
        print(f"ERROR {name}: {msg}")

    def warn(msg: str) -> None:
        print(f"warn  {name}: {msg}")

    try:
        data = tomllib.load(path.open("rb"))
    except tomllib.TOMLDecodeError as e:
        error(f"toml does not parse: {e}")
        return errors, 0, 0, 0

    if name not in SOURCES:
        error("no source configured for this file in check_phrases.py SOURCES")
        return errors, 0, 0, 0
    source_paths, min_q, min_oos = SOURCES[name]
    try:
        source = load_source(source_paths)
    except FileNotFoundError as e:
        error(str(e))
        return errors, 0, 0, 0

    for key in data:
        if key not in ("question", "out_of_scope"):
            error(f"unexpected top-level key {key!r}")

    questions = data.get("question", [])
    oos = data.get("out_of_scope", [])
    seen: set[str] = set()
    n_phrases = 0

    for i, q in enumerate(questions, 1):
        text = q.get("text", "")
        label = f"question #{i} {text[:50]!r}"
        if not isinstance(text, str) or not text.strip():
            error(f"{label}: empty text")
        if normalize(text) in seen:
            error(f"{label}: duplicate question text")
        seen.add(normalize(text))
        for key in q:
            if key not in ("text", "expect"):
                error(f"{label}: unexpected key {key!r}")
        expect = q.get("expect", [])
        if not isinstance(expect, list) or not expect:
            error(f"{label}: `expect` must be a non-empty list")
            continue
        if len(expect) > 3:
            warn(f"{label}: {len(expect)} expect phrases (1-3 recommended)")
        for phrase in expect:
            n_phrases += 1
            words = len(phrase.split())
            if not 3 <= words <= 8:
                warn(f"{label}: phrase {phrase!r} has {words} words (3-8 ideal)")
            # "e.g. Bitly" is not a sentence boundary
            unabbreviated = re.sub(r"\b(e\.g|i\.e|etc|vs)\.", "", phrase)
            if re.search(r"[a-z0-9][.!?] [A-Z]", unabbreviated):
                warn(f"{label}: phrase {phrase!r} may span two sentences")
            if re.search(r"[*_`<>\[\]]", phrase):
                warn(f"{label}: phrase {phrase!r} contains markdown/html characters")
            hits = where(phrase, source)
            if not hits:
                error(f"{label}: phrase not found in source: {phrase!r}")
            elif verbose:
                more = f" (+{len(hits) - 3} more)" if len(hits) > 3 else ""
                print(f"ok    {name}: {phrase!r} -> {', '.join(hits[:3])}{more}")

    for i, q in enumerate(oos, 1):
        text = q.get("text", "")
        if not isinstance(text, str) or not text.strip():
            error(f"out_of_scope #{i}: empty text")
        if normalize(text) in seen:
            error(f"out_of_scope #{i} {text[:50]!r}: duplicate text")
        seen.add(normalize(text))
        for key in q:
            if key != "text":
                error(f"out_of_scope #{i}: unexpected key {key!r}")

    if len(questions) < min_q:
        error(f"{len(questions)} questions, need at least {min_q}")
    if len(oos) < min_oos:
        error(f"{len(oos)} out_of_scope entries, need at least {min_oos}")

    return errors, len(questions), len(oos), n_phrases


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    names = [a for a in argv if a != "-v"]
    files = [HERE / Path(n).name for n in names] if names else sorted(HERE.glob("*.toml"))
    total_errors = 0
    for f in files:
        errors, nq, noos, nph = check_file(f, verbose)
        total_errors += errors
        status = "ok" if errors == 0 else f"{errors} error(s)"
        print(f"{f.name}: {nq} questions, {noos} out_of_scope, {nph} expect phrases: {status}")
    return 1 if total_errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
