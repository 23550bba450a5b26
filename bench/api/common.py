"""What the API benchmark's drivers share: Django set up from the environment
``run.sh`` exports, the paths measured, and the data revision.

Imported by ``wrkbench.py`` and ``inprocess.py`` (run as scripts, so this
directory is on ``sys.path``).
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"

# (label, path): every path the benchmark measures, in the order it reports them.
# The theme filter is added by ``paths()`` with a theme that exists.
FIXED_PATHS = [
    ("api list 25", "/api/v1/proposals/?page_size=25"),
    ("api detail", "/api/v1/proposals/118-4d/"),
    ("home", "/"),
    ("proposal page", "/proposals/118-4d/"),
    ("page search", "/proposals/?q=police"),
    ("api search", "/api/v1/proposals/?q=police"),
    ("api status filter", "/api/v1/proposals/?status=in_progress"),
]
FEED = ("changes feed", "/feeds/changes.atom")
BARE = "/bench/bare/"


def setup_django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def paths() -> list[tuple[str, str]]:
    """The paths measured: the fixed ones, the proposals page filtered by the theme
    that has the most proposals, and the Atom feed.  Needs Django set up."""
    from django.db.models import Count

    from policies.models import Theme

    theme = Theme.objects.annotate(n=Count("proposals")).order_by("-n", "slug").first()
    themed = [("page theme filter", f"/proposals/?theme={theme.slug}")] if theme else []
    return [*FIXED_PATHS, *themed, FEED]


def revision() -> ModuleType | None:
    """``tracker.revision`` (the data revision the response cache keys on), or None
    while the project has none."""
    if importlib.util.find_spec("tracker.revision") is None:
        return None
    return importlib.import_module("tracker.revision")


def bump(module: ModuleType) -> None:
    bumper: Any = module.bump
    bumper()


def revision_number(module: ModuleType) -> int | None:
    """The revision's number now (``current().number``), where the module says it."""
    current: Any = getattr(module, "current", None)
    return getattr(current(), "number", None) if current else None


class Budget:
    """A deadline for a loop: every request loop stops when it has passed."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.exceeded = False

    def spent(self) -> bool:
        if time.monotonic() > self.deadline:
            self.exceeded = True
        return self.exceeded


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (fraction 0..1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]
