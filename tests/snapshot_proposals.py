"""Regenerate tests/snapshots/proposals.json from policies/data/papers.yaml.

The snapshot is a reviewed record of every proposal's text, keyed by ref.
tests/test_paper_data.py fails when papers.yaml drifts from it. After a
deliberate, reviewed change to proposal texts, regenerate it with either

    python tests/snapshot_proposals.py
    python -m tests.snapshot_proposals

and review the diff of tests/snapshots/proposals.json before committing.
Pure Python + PyYAML; no Django needed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PAPERS_YAML = ROOT / "policies" / "data" / "papers.yaml"
SNAPSHOT = Path(__file__).resolve().parent / "snapshots" / "proposals.json"


def current_snapshot(papers_yaml: Path = PAPERS_YAML) -> dict[str, str]:
    """{ref: text} for every proposal in papers.yaml, sorted by ref."""
    data = yaml.safe_load(papers_yaml.read_text(encoding="utf-8"))
    texts: dict[str, str] = {}
    for paper in data["papers"]:
        for section in paper["sections"]:
            for proposal in section["proposals"]:
                ref = proposal["ref"]
                if ref in texts:
                    raise SystemExit(f"duplicate ref {ref} in {papers_yaml}")
                texts[ref] = proposal["text"]
    return dict(sorted(texts.items()))


def render(snapshot: dict[str, str]) -> str:
    return json.dumps(snapshot, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main() -> int:
    snapshot = current_snapshot()
    SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
    SNAPSHOT.write_text(render(snapshot), encoding="utf-8")
    print(f"wrote {len(snapshot)} proposals to {SNAPSHOT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
