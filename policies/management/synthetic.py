"""A clearly synthetic paper for benchmarks: paper 199, every text saying so.

``seed`` adds paper 199 with its sections, proposals (themes from the existing
ones, no links), status updates citing synthetic evidence sources, and made-up
figures for the existing indicators from one synthetic release each.  Rows are
bulk-created in batches, in one transaction: no signals, so no history rows;
each proposal's stored status (``status``, ``current_update``) is then set in
one UPDATE by the rule of ``services.updates.refresh_current_status``, the
search data refreshed and the data revision moved (where the project has them:
``policies.search``, ``tracker.revision``), as the services do after a write.

It is for development and benchmark databases only: ``refusal`` says why not
when the database holds no paper 118 (one not made with ``load_papers``, such
as production by accident), unless forced, or when paper 199 exists already
(``replace`` deletes it and everything synthetic first).
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import io
import math
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.core.management import call_command
from django.db import models, transaction
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from evidence.models import Area, Evidence, Indicator, IndicatorLink, Observation, SourceRelease
from policies.models import (
    NEWEST_FIRST,
    ActingBody,
    DatePrecision,
    Paper,
    Proposal,
    ProposalLink,
    Section,
    Status,
    StatusUpdate,
    Theme,
)

PAPER_NUMBER = 199
REAL_PAPER = 118
URL_PREFIX = "https://example.org/synthetic-benchmark/"
RELEASE_KEY = "synthetic-benchmark"
BATCH = 2000
MAX_SECTIONS = 20

# The vocabulary of every synthetic text: real policing words, so that search
# benchmarks find things (bench/api/inprocess.py builds its queries from it).
WORDS: tuple[str, ...] = (
    "police",
    "policing",
    "stop and search",
    "cannabis",
    "prison",
    "probation",
    "victims",
    "courts",
    "sentencing",
    "knife crime",
    "drugs",
    "rehabilitation",
    "youth justice",
    "community",
    "neighbourhood officers",
    "domestic abuse",
    "restorative justice",
    "mental health",
    "reoffending",
    "short sentences",
    "body-worn cameras",
    "custody",
    "bail",
    "remand",
    "magistrates",
    "legal aid",
    "offenders",
    "early intervention",
    "schools",
    "prevention",
    "burglary",
    "robbery",
    "fraud",
    "cybercrime",
    "hate crime",
    "county lines",
    "gangs",
    "firearms",
    "accountability",
    "inspection",
    "commissioners",
    "chief constables",
    "detectives",
    "recruitment",
    "training",
    "diversity",
    "misconduct",
    "complaints",
    "surveillance",
    "facial recognition",
    "funding",
    "local authorities",
    "treatment",
    "addiction",
    "decriminalisation",
    "licensing",
    "women's prisons",
    "young adults",
    "employment",
    "housing",
    "resettlement",
    "electronic monitoring",
    "community sentences",
    "unpaid work",
    "witnesses",
    "compensation",
    "sexual violence",
    "modern slavery",
    "violence reduction",
    "public health",
    "antisocial behaviour",
    "rural crime",
    "transparency",
    "statistics",
)
VERBS = (
    "Require",
    "Fund",
    "Review",
    "Extend",
    "Pilot",
    "Reform",
    "Expand",
    "Replace",
    "Strengthen",
    "Publish",
    "Evaluate",
    "Introduce",
)
ASSESSED = [s for s in Status.values if s != Status.NOT_ASSESSED]
UNPUBLISHED = [StatusUpdate.State.DRAFT, StatusUpdate.State.SUBMITTED, StatusUpdate.State.RETURNED]


@dataclass(frozen=True)
class Seeded:
    counts: Counts
    search_refreshed: bool  # policies.search.refresh was called (the project has it)
    revision_moved: bool  # tracker.revision.bump was called (the project has it)


@dataclass(frozen=True)
class Counts:
    proposals: int
    sections: int
    status_updates: int
    published_updates: int
    evidence: int
    citations: int
    releases: int
    observations: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def refusal(*, force: bool = False, replace: bool = False) -> str | None:
    """Why this database may not be seeded, or None when it may."""
    if not force and not Paper.objects.filter(number=REAL_PAPER).exists():
        return (
            f"This database holds no paper {REAL_PAPER}: synthetic data goes only into a "
            "development or benchmark database made with `load_papers`, never by accident "
            "into another one. Use --force to seed it anyway."
        )
    if not replace and Paper.objects.filter(number=PAPER_NUMBER).exists():
        return (
            f"Paper {PAPER_NUMBER} exists already: nothing was changed. Use --replace to "
            "delete it and everything synthetic, then seed again."
        )
    return None


def ensure_indicators() -> None:
    """Areas and indicator definitions, loaded by the command users run, if none are."""
    if not Indicator.objects.exists() or not Area.objects.exists():
        call_command("load_indicators", stdout=io.StringIO())


def delete_synthetic() -> None:
    """Delete paper 199 with everything under it, the synthetic evidence sources and
    the synthetic releases with their figures.  Raw deletes (no signals, no history
    rows), children first; the caller holds the transaction."""
    ours = {"proposal__paper__number": PAPER_NUMBER}
    gone = list(Proposal.objects.filter(paper__number=PAPER_NUMBER).values_list("pk", flat=True))
    Proposal.objects.filter(paper__number=PAPER_NUMBER).update(current_update=None)
    for queryset in (
        StatusUpdate.evidence.through.objects.filter(
            statusupdate__proposal__paper__number=PAPER_NUMBER
        ),
        StatusUpdate.acting_bodies.through.objects.filter(
            statusupdate__proposal__paper__number=PAPER_NUMBER
        ),
        StatusUpdate.objects.filter(**ours),
        Proposal.themes.through.objects.filter(**ours),
        IndicatorLink.objects.filter(**ours),
        ProposalLink.objects.filter(from_proposal__paper__number=PAPER_NUMBER),
        ProposalLink.objects.filter(to_proposal__paper__number=PAPER_NUMBER),
        Proposal.objects.filter(paper__number=PAPER_NUMBER),
        Section.objects.filter(paper__number=PAPER_NUMBER),
        Paper.objects.filter(number=PAPER_NUMBER),
        Evidence.objects.filter(url__startswith=URL_PREFIX),
        Observation.objects.filter(release__key=RELEASE_KEY),
        SourceRelease.objects.filter(key=RELEASE_KEY),
    ):
        queryset._raw_delete(queryset.db)
    # Forget the search data of the deleted proposals (SQLite's FTS5 rows).
    _call_if_present("policies.search", "refresh", gone)


def _call_if_present(module: str, function: str, *args: Any) -> bool:
    """Call ``module.function(*args)`` where the project has that module; False
    where it has not.  Bulk creation bypasses the services, so the seed does
    itself what they do after a write: refresh the search data of the proposals
    (``policies.search.refresh``) and move the data revision
    (``tracker.revision.bump``)."""
    if importlib.util.find_spec(module) is None:
        return False
    found: Any = getattr(importlib.import_module(module), function)
    found(*args)
    return True


def _phrase(rng: random.Random, low: int, high: int) -> str:
    words = rng.sample(WORDS, rng.randint(low, high))
    return ", ".join(words[:-1]) + f" and {words[-1]}" if len(words) > 1 else words[0]


def _in_batches(model: type[models.Model], rows: Sequence[Any]) -> list[Any]:
    return model._default_manager.bulk_create(rows, batch_size=BATCH)


@transaction.atomic
def seed(
    *,
    proposals: int,
    evidence: int,
    observations: int,
    replace: bool = False,
    random_seed: int = PAPER_NUMBER,
    progress: Callable[[str], None] | None = None,
) -> Seeded:
    """Add the synthetic paper.  The caller has checked ``refusal`` (and loaded
    indicators with ``ensure_indicators`` when it wants figures)."""
    if proposals < 1 or evidence < 0 or observations < 0:
        raise ValueError("proposals must be at least 1; evidence and observations at least 0")
    started = time.perf_counter()

    def say(message: str) -> None:
        if progress:
            progress(f"{message} ({time.perf_counter() - started:.1f} s)")

    rng = random.Random(random_seed)
    now = timezone.now()
    if replace:
        delete_synthetic()
        say("deleted the earlier synthetic data")

    paper = Paper.objects.create(
        number=PAPER_NUMBER,
        title="Synthetic benchmark paper (not a real policy paper)",
        year=2000,
        route=Paper.Route.PAPER,
        route_description="Synthetic: made up for benchmarks only.",
        source_file="synthetic.txt",
        source_title="Synthetic benchmark source (no real document)",
        applicability_note="Synthetic: made up for benchmarks only.",
    )
    n_sections = max(1, min(MAX_SECTIONS, math.ceil(proposals / 50)))
    sections = _in_batches(
        Section,
        [
            Section(
                paper=paper,
                number=str(n),
                title=f"Synthetic section {n} for benchmarks only: {rng.choice(WORDS)}",
                order=n,
            )
            for n in range(1, n_sections + 1)
        ],
    )
    kinds = [Proposal.Kind.BODY] * 14 + [Proposal.Kind.SUMMARY] * 5 + [Proposal.Kind.HEADLINE]
    made = _in_batches(
        Proposal,
        [
            Proposal(
                reference=f"{PAPER_NUMBER}-{i}a",
                paper=paper,
                paper_number=paper.number,
                section=sections[(i - 1) * n_sections // proposals],
                kind=rng.choice(kinds),
                order=i,
                position=f"Synthetic position {i} (benchmarks only)",
                text=f"Synthetic proposal {i} for benchmarks only: {rng.choice(VERBS)} "
                f"{_phrase(rng, 3, 9)}.",
                applicability=rng.choice(Proposal.Applicability.values),
            )
            for i in range(1, proposals + 1)
        ],
    )
    say(f"{len(made)} proposals")

    themes = list(Theme.objects.values_list("pk", flat=True))
    if themes:
        _in_batches(
            Proposal.themes.through,
            [
                Proposal.themes.through(proposal_id=p.pk, theme_id=theme)
                for p in made
                for theme in rng.sample(themes, min(len(themes), rng.randint(1, 2)))
            ],
        )

    updates = _status_updates(rng, made, now) if evidence else []
    bodies = list(ActingBody.objects.values_list("pk", flat=True))
    if bodies:
        bodies_through = StatusUpdate.acting_bodies.through
        _in_batches(
            bodies_through,
            [
                bodies_through(statusupdate_id=u.pk, actingbody_id=body)
                for u in updates
                for body in rng.sample(bodies, min(len(bodies), rng.randint(1, 2)))
            ],
        )
    say(f"{len(updates)} status updates")

    citations = _citations(len(updates), evidence)
    published = {e for u, e in citations if updates[u].state == StatusUpdate.State.PUBLISHED}
    sources = _in_batches(Evidence, [_source(rng, n, n in published) for n in range(evidence)])
    cites = StatusUpdate.evidence.through
    _in_batches(
        cites,
        [cites(statusupdate_id=updates[u].pk, evidence_id=sources[e].pk) for u, e in citations],
    )
    say(f"{len(sources)} evidence sources, {len(citations)} citations")

    _store_current_status(paper)
    releases, figures = _observations(rng, observations, now)
    say(f"{figures} observations")
    searched = _call_if_present("policies.search", "refresh", [p.pk for p in made])
    if searched:
        say("search data refreshed")
    counts = Counts(
        proposals=len(made),
        sections=len(sections),
        status_updates=len(updates),
        published_updates=sum(u.state == StatusUpdate.State.PUBLISHED for u in updates),
        evidence=len(sources),
        citations=len(citations),
        releases=releases,
        observations=figures,
    )
    moved = _call_if_present("tracker.revision", "bump")
    return Seeded(counts, search_refreshed=searched, revision_moved=moved)


def _status_updates(
    rng: random.Random, proposals: Iterable[Proposal], now: dt.datetime
) -> list[StatusUpdate]:
    """0 to 3 updates a proposal, one in ten unpublished.  Effective dates sometimes
    repeat within a proposal, so the tie-breaks of the current status count."""
    rows = []
    for proposal in proposals:
        day: dt.date | None = None
        for _ in range(rng.choice((0, 0, 1, 1, 1, 2, 2, 3))):
            if day is None or rng.random() > 0.2:
                day = dt.date(rng.randint(2014, 2024), rng.randint(1, 12), 1)
            state = rng.choice(UNPUBLISHED) if rng.random() < 0.1 else StatusUpdate.State.PUBLISHED
            noon = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
            published_at = min(now, noon + dt.timedelta(days=rng.randint(1, 90)))
            rows.append(
                StatusUpdate(
                    proposal=proposal,
                    status=rng.choice(ASSESSED),
                    effective_date=day,
                    date_precision=DatePrecision.MONTH,
                    rationale=f"Synthetic status update for benchmarks only: "
                    f"{_phrase(rng, 2, 5)} ({proposal.reference}).",
                    state=state,
                    submitted_at=published_at if state != StatusUpdate.State.DRAFT else None,
                    published_at=published_at if state == StatusUpdate.State.PUBLISHED else None,
                )
            )
    return _in_batches(StatusUpdate, rows)


def _citations(n_updates: int, n_sources: int) -> list[tuple[int, int]]:
    """(update, source) pairs: every source cited once and every update citing at
    least one (sources reused when there are fewer of them than updates)."""
    if not n_updates or not n_sources:
        return []
    pairs = {(e % n_updates, e) for e in range(n_sources)}
    pairs |= {(u, u % n_sources) for u in range(n_updates)}
    return sorted(pairs)


def _source(rng: random.Random, n: int, published: bool) -> Evidence:
    day = dt.date(2014, 1, 1) + dt.timedelta(days=rng.randint(0, 11 * 365))
    return Evidence(
        kind=rng.choice(Evidence.Kind.values),
        title=f"Synthetic benchmark source {n + 1}",
        publisher="Synthetic publisher (benchmarks only)",
        url=f"{URL_PREFIX}sources/{n + 1}",
        published_date=day,
        accessed_date=day + dt.timedelta(days=rng.randint(0, 30)),
        quote=f"Synthetic quote for benchmarks only: {_phrase(rng, 2, 4)}.",
        is_published=published,
    )


def _store_current_status(paper: Paper) -> None:
    """The same values ``refresh_current_status`` stores, for every proposal at once."""
    latest = StatusUpdate.objects.filter(
        proposal=OuterRef("pk"), state=StatusUpdate.State.PUBLISHED
    ).order_by(*NEWEST_FIRST)
    Proposal.objects.filter(paper=paper).update(
        status=Coalesce(
            Subquery(latest.values("status")[:1]),
            Value(Status.NOT_ASSESSED),
            output_field=models.CharField(),
        ),
        current_update_id=Subquery(latest.values("pk")[:1]),
    )


def _observations(rng: random.Random, count: int, now: dt.datetime) -> tuple[int, int]:
    """``count`` monthly figures over the existing indicators and areas, each
    indicator's from its own synthetic release.  Returns (releases, figures)."""
    indicators = list(Indicator.objects.order_by("slug"))
    areas = list(Area.objects.order_by("code").values_list("pk", flat=True))
    if not count or not indicators or not areas:
        return 0, 0
    used = indicators[: min(count, len(indicators))]
    releases = _in_batches(
        SourceRelease,
        [
            SourceRelease(
                indicator=indicator,
                key=RELEASE_KEY,
                title=f"Synthetic benchmark release for {indicator.slug}: made-up figures, "
                "not official statistics",
                url=f"{URL_PREFIX}releases/{indicator.slug}",
                published_at=now,
                retrieved_at=now,
            )
            for indicator in used
        ],
    )
    rows = []
    for k in range(count):
        indicator = k % len(used)
        area = areas[(k // len(used)) % len(areas)]
        month = k // (len(used) * len(areas))
        start = dt.date(2000 + month // 12, month % 12 + 1, 1)
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        rows.append(
            Observation(
                indicator=used[indicator],
                area_id=area,
                period_start=start,
                period_end=end,
                period_label=f"{start:%Y-%m} (synthetic)",
                value=Decimal(f"{rng.uniform(0, 10_000):.4f}"),
                release=releases[indicator],
                retrieved_at=now,
            )
        )
    return len(releases), len(_in_batches(Observation, rows))
