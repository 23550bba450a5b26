"""HTML pages for researchers.  They use the API's selectors, filters and
serializers, so a page and ``/api/v1/`` always say the same thing."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from evidence.models import Evidence

from . import charts, scorecard, selectors, site_selectors
from .api.filters import ProposalFilter
from .api.serializers import PaperSerializer, ProposalDetailSerializer, ProposalSerializer
from .loading import SOURCES_DIR
from .models import (
    STATUS_DEFINITIONS,
    Paper,
    Proposal,
    ProposalLink,
    Section,
    Status,
    StatusUpdate,
)

LIST_PAGE_SIZE = 50
EVIDENCE_PAGE_SIZE = 30


def _feeds(*candidates: tuple[str, str, tuple]) -> list[dict[str, str]]:
    """Atom feed links for ``<head>``: only the feeds whose URL names exist yet."""
    feeds = []
    for name, title, args in candidates:
        try:
            feeds.append({"href": reverse(name, args=args), "title": title})
        except NoReverseMatch:
            continue
    return feeds


def _all_feed() -> tuple[str, str, tuple]:
    return ("feed-all", "Status changes to every proposal", ())


def _parse_dates(items: list[dict]) -> None:
    """Turn the serializer's ISO dates back into dates, for the template's date filter."""
    for item in items:
        for key in ("effective_date", "published_date", "accessed_date"):
            if isinstance(item.get(key), str):
                item[key] = dt.date.fromisoformat(item[key])
        if isinstance(item.get("published_at"), str):
            item["published_at"] = dt.datetime.fromisoformat(item["published_at"])
        _parse_dates(item.get("evidence", []))


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


# --- Home: the scorecard ----------------------------------------------------------


def home(request):
    papers = list(selectors.paper_queryset())
    cards = scorecard.scorecard(papers, selectors.proposal_queryset())
    for card in cards:
        for group in card.groups:
            group.svg = charts.scorecard_bars(
                group,
                chart_id=f"chart-{card.number}-{group.key}",
                title=f"Paper {card.number}, {group.label.lower()}: proposals by status "
                "in each section",
            )
    papers_data = PaperSerializer(papers, many=True, context={"request": request}).data
    return render(
        request,
        "policies/home.html",
        {
            "papers": papers_data,
            "cards": cards,
            "legend": charts.legend(),
            "recent": site_selectors.recent_updates(),
            "feeds": _feeds(_all_feed()),
        },
    )


# --- Proposals list -------------------------------------------------------------------


def _filter_options(filterset: ProposalFilter, params) -> dict:
    """What the plain GET form shows: every choice, and which are selected."""

    def choices(name: str, values) -> list[dict]:
        chosen = set(params.getlist(name))
        return [
            {"value": str(v), "label": label, "checked": str(v) in chosen} for v, label in values
        ]

    form = filterset.form
    return {
        "q": params.get("q", ""),
        "paper": choices("paper", [(p.number, f"Paper {p.number}") for p in Paper.objects.all()]),
        "section": params.get("section", ""),
        "sections": sorted(
            set(Section.objects.values_list("number", flat=True)), key=lambda n: (len(n), n)
        ),
        "theme": choices("theme", [(t.slug, t.name) for t in form.fields["theme"].queryset]),
        "status": choices("status", Status.choices),
        "kind": choices("kind", Proposal.Kind.choices),
        "applicability": choices("applicability", Proposal.Applicability.choices),
    }


def proposal_list(request):
    filterset = ProposalFilter(request.GET, queryset=selectors.proposal_queryset())
    valid = filterset.is_valid()
    if valid:
        page = Paginator(filterset.qs, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
        selectors.attach_current_updates(page.object_list)
        proposals = ProposalSerializer(
            page.object_list, many=True, context={"request": request}
        ).data
    else:
        page, proposals = None, []
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "filter": filterset,
        "errors": filterset.errors if not valid else {},
        "options": _filter_options(filterset, request.GET),
        "page": page,
        "proposals": proposals,
        "querystring": params.urlencode(),
        "feeds": _feeds(_all_feed()),
    }
    return render(request, "policies/proposal_list.html", context, status=200 if valid else 400)


# --- One proposal -----------------------------------------------------------------------


def proposal_detail(request, reference: str):
    proposal = get_object_or_404(selectors.proposal_detail_queryset(), reference=reference)
    selectors.attach_current_updates([proposal])
    data = ProposalDetailSerializer(proposal, context={"request": request}).data
    _parse_dates(data["status_history"])
    for link in data["links"]:
        link["label"] = ProposalLink.LinkType(link["link_type"]).label
    permalink = _absolute(proposal.get_absolute_url())
    return render(
        request,
        "policies/proposal_detail.html",
        {
            "proposal": data,
            "proposal_obj": proposal,
            "paper": proposal.paper,
            "permalink": permalink,
            "accessed": timezone.localdate(),
            "source_url": (
                reverse("paper-detail", args=[proposal.paper.number])
                + f"#source-{proposal.reference}"
                if proposal.source_line_start
                else ""
            ),
            "feeds": _feeds(
                (
                    "feed-proposal",
                    f"Status changes to {proposal.reference}",
                    (proposal.reference,),
                ),
                _all_feed(),
            ),
        },
    )


def status_update_detail(request, pk: int):
    try:
        update = site_selectors.public_update(pk)
    except StatusUpdate.DoesNotExist:
        raise Http404("No public status update with that number.") from None
    return render(
        request,
        "policies/status_update_detail.html",
        {
            "update": update,
            "definition": STATUS_DEFINITIONS[update.status],
            "permalink": _absolute(update.get_absolute_url()),
        },
    )


# --- Paper, with its source text ----------------------------------------------------


@dataclass
class SourceLine:
    number: int
    text: str
    highlighted: bool = False
    starts: list[Proposal] = field(default_factory=list)


def source_paragraphs(paper: Paper, proposals: list[Proposal]) -> list[list[SourceLine]]:
    """The shipped source text as paragraphs of numbered lines, each line that
    belongs to a proposal highlighted and each proposal's first line anchored."""
    text = (SOURCES_DIR / paper.source_file).read_text(encoding="utf-8")
    lines = [SourceLine(n, line.rstrip()) for n, line in enumerate(text.split("\n"), start=1)]
    for proposal in proposals:
        start, end = proposal.source_line_start, proposal.source_line_end
        if not start:
            continue
        lines[start - 1].starts.append(proposal)
        for line in lines[start - 1 : (end or start)]:
            line.highlighted = True
    paragraphs: list[list[SourceLine]] = [[]]
    for line in lines:
        if line.text.strip():
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return [p for p in paragraphs if p]


def paper_detail(request, number: int):
    paper = get_object_or_404(selectors.paper_queryset(), number=number)
    proposals = selectors.attach_current_updates(selectors.proposal_queryset().filter(paper=paper))
    data = ProposalSerializer(proposals, many=True, context={"request": request}).data
    by_section: dict[int, list] = {}
    for proposal, item in zip(proposals, data, strict=True):
        item["kind_label"] = proposal.get_kind_display()
        by_section.setdefault(proposal.section_id, []).append(item)
    sections = [
        {"section": section, "proposals": by_section.get(section.pk, [])}
        for section in paper.sections.all()
    ]
    return render(
        request,
        "policies/paper_detail.html",
        {
            "paper": paper,
            "sections": sections,
            "count": len(proposals),
            "source": source_paragraphs(paper, proposals),
            "feeds": _feeds(
                ("feed-paper", f"Status changes to paper {paper.number}", (paper.number,)),
                _all_feed(),
            ),
        },
    )


# --- Comparison 118 -> 138 -----------------------------------------------------------

_WORD = re.compile(r"\S+\s*")


def wording_diff(old: str, new: str) -> tuple[SafeString, SafeString]:
    """Word-level differences: old text with deletions marked, new with insertions."""
    a, b = _WORD.findall(old), _WORD.findall(new)
    left: list[str] = []
    right: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        removed, added = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if op == "equal":
            left.append(removed)
            right.append(added)
            continue
        if removed:
            left.append(f"<del>{removed}</del>")
        if added:
            right.append(f"<ins>{added}</ins>")
    return mark_safe("".join(left)), mark_safe("".join(right))  # noqa: S308 - escaped above


COMPARISON_ORDER = [
    ProposalLink.LinkType.CARRIED_OVER,
    ProposalLink.LinkType.REWORDED,
    ProposalLink.LinkType.STRENGTHENED,
    ProposalLink.LinkType.WEAKENED,
    ProposalLink.LinkType.RELATED,
]


def comparison(request):
    proposals = list(selectors.proposal_queryset().filter(paper__number__in=[118, 138]))
    by_pk = {p.pk: p for p in proposals}
    old = [p for p in proposals if p.paper.number == 118]
    new = [p for p in proposals if p.paper.number == 138]
    groups: dict[str, list[dict]] = {t: [] for t in COMPARISON_ORDER}
    for proposal in old:
        for link in proposal.links_out.all():
            target = by_pk[link.to_proposal_id]
            pair = {"link": link, "old": proposal, "new": target}
            if link.link_type != ProposalLink.LinkType.RELATED:
                pair["old_html"], pair["new_html"] = wording_diff(proposal.text, target.text)
            groups[link.link_type].append(pair)
    sections = [
        {
            "type": t,
            "label": ProposalLink.LinkType(t).label,
            "pairs": groups[t],
        }
        for t in COMPARISON_ORDER
    ]
    not_revisited = [p for p in old if not p.links_out.all()]
    new_in_138 = [p for p in new if not p.links_in.all()]
    return render(
        request,
        "policies/comparison.html",
        {
            "sections": sections,
            "not_revisited": not_revisited,
            "new_in_138": new_in_138,
            "linked_118": len(old) - len(not_revisited),
            "count_118": len(old),
            "count_138": len(new),
        },
    )


# --- Evidence -----------------------------------------------------------------------------


def evidence_list(request):
    kind = request.GET.get("kind", "")
    publisher = request.GET.get("publisher", "")
    publishers = site_selectors.evidence_publishers()
    errors = []
    if kind and kind not in Evidence.Kind.values:
        errors.append(f"“{kind}” is not a kind of source.")
    if publisher and publisher not in publishers:
        errors.append(f"No published source comes from “{publisher}”.")
    if errors:
        page, sources = None, []
    else:
        page = Paginator(
            site_selectors.evidence_library(kind, publisher), EVIDENCE_PAGE_SIZE
        ).get_page(request.GET.get("page"))
        sources = site_selectors.attach_supported(page.object_list)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "evidence/evidence_list.html",
        {
            "kinds": Evidence.Kind.choices,
            "publishers": publishers,
            "kind": kind,
            "publisher": publisher,
            "errors": errors,
            "page": page,
            "sources": sources,
            "querystring": params.urlencode(),
        },
        status=400 if errors else 200,
    )


def evidence_detail(request, pk: int):
    source = get_object_or_404(site_selectors.evidence_library(), pk=pk)
    site_selectors.attach_supported([source])
    return render(request, "evidence/evidence_detail.html", {"evidence": source})


# --- Methodology --------------------------------------------------------------------------


def methodology(request):
    statuses = [
        {
            "key": s.value,
            "label": s.label,
            "definition": STATUS_DEFINITIONS[s],
            "colour": charts.STATUS_COLOURS[s],
        }
        for s in Status
    ]
    return render(request, "pages/methodology.html", {"statuses": statuses})
