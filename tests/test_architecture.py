"""The import rules of ARCHITECTURE.md, checked on the code's own import statements.

Every ``import`` and ``from … import`` in ``tracker/``, ``policies/`` and
``evidence/`` (migrations aside; imports inside functions included) is resolved
to a module name and held against ``RULES``.  A wrong import fails here, with
the file, the line and the rule it breaks.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("tracker", "policies", "evidence")

# The domain of ``policies``: what pages, the API and the commands build on.
POLICIES_DOMAIN = (
    "policies.models",
    "policies.selectors",
    "policies.permissions",
    "policies.services",
    "policies.filters",
    "policies.search",
    "policies.history_relations",
    "policies.notifications",
    "policies.papers",
    "policies.imports",
)


@dataclass(frozen=True)
class Rule:
    importer: tuple[str, ...]  # modules (or packages) the rule applies to
    forbidden: tuple[str, ...]  # modules (or packages) they may not import
    why: str
    unless: tuple[str, ...] = ()  # importers the rule leaves out


RULES = [
    Rule(
        ("tracker.api", "tracker.revision", "tracker.cache", "tracker.models"),
        ("policies", "evidence"),
        "tracker.api is plumbing every app uses; it knows no app",
    ),
    Rule(
        ("evidence",),
        ("policies",),
        "one direction between the apps: policies uses evidence, evidence knows "
        "proposals only through its model relations",
    ),
    Rule(
        ("policies",),
        ("evidence.api", "evidence.views", "evidence.services", "evidence.tasks"),
        "an app uses another app's models and selectors, never its API, pages or writes",
        unless=("policies.site",),
    ),
    Rule(
        ("policies.site",),
        ("evidence.api", "evidence.services", "evidence.tasks"),
        "pages use evidence's models, selectors and charts only",
    ),
    Rule(
        POLICIES_DOMAIN,
        ("policies.site", "policies.editorial", "policies.api", "policies.tasks"),
        "the domain does not know who calls it (urls → views → services/selectors → models)",
    ),
    Rule(
        ("policies.models",),
        (
            "policies.services",
            "policies.selectors",
            "policies.imports",
            "policies.papers",
            "policies.search",
        ),
        "models are the bottom layer",
    ),
    Rule(
        ("policies.site",),
        ("policies.api", "policies.editorial", "rest_framework"),
        "pages share selectors and plain data with the API, never its serializers",
    ),
    Rule(
        ("policies.editorial",),
        ("policies.api", "policies.site", "rest_framework"),
        "editorial pages use services and forms, not the API or the public pages",
    ),
    Rule(
        ("policies.api",),
        ("policies.site", "policies.editorial"),
        "the API does not reach into pages",
    ),
    Rule(
        ("evidence.views", "evidence.templatetags", "evidence.charts"),
        ("evidence.api", "rest_framework"),
        "indicator pages share selectors with the API, never its serializers",
    ),
    Rule(
        (
            "policies.permissions",
            "policies.models",
            "policies.services",
            "policies.selectors",
            "policies.search",
        ),
        ("rest_framework",),
        "decisions and rules hold for pages and API alike: no DRF below the API",
    ),
]


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imported_modules(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in the file, relative ones resolved.

    ``from a import b`` yields ``a.b`` as well as ``a``, since ``b`` may be a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def violations(root: Path = ROOT) -> list[str]:
    problems = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            importer = module_name(path, root)
            for line, target in imported_modules(path, root):
                for rule in RULES:
                    if (
                        _within(importer, rule.importer)
                        and not _within(importer, rule.unless)
                        and _within(target, rule.forbidden)
                        and not _within(target, (importer,))
                    ):
                        where = path.relative_to(root)
                        problems.append(f"{where}:{line} imports {target}: {rule.why}")
    return sorted(set(problems))


def test_the_code_keeps_the_import_rules():
    assert violations() == []


def test_a_wrong_import_is_caught(tmp_path):
    """The checker on a copy of the tree with deliberately wrong modules added."""
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            target = tmp_path / path.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert violations(tmp_path) == []

    wrong = {
        "policies/site/wrong.py": "from ..api.serializers import ProposalSerializer\n",
        "evidence/wrong.py": "from policies.models import Proposal\n",
        "tracker/api/wrong.py": "def late():\n    from policies import selectors\n",
        "policies/services/wrong.py": "from rest_framework import serializers\n",
        "policies/papers/wrong.py": "from policies.site import charts\n",
    }
    for name, text in wrong.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    found = violations(tmp_path)
    assert any(
        v.startswith("policies/site/wrong.py:1 imports policies.api.serializers") for v in found
    )
    assert any(v.startswith("evidence/wrong.py:1 imports policies.models") for v in found)
    assert any(v.startswith("tracker/api/wrong.py:2 imports policies") for v in found)
    assert any(v.startswith("policies/services/wrong.py:1 imports rest_framework") for v in found)
    assert any(v.startswith("policies/papers/wrong.py:1 imports policies.site") for v in found)
    assert len({v.split(":")[0] for v in found}) == 5


def test_relative_imports_are_resolved(tmp_path):
    (tmp_path / "policies" / "site").mkdir(parents=True)
    path = tmp_path / "policies" / "site" / "views.py"
    path.write_text("from .. import selectors\nfrom . import charts\n", encoding="utf-8")
    modules = {m for _, m in imported_modules(path, tmp_path)}
    assert {"policies", "policies.selectors", "policies.site", "policies.site.charts"} <= modules
