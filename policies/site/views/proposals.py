"""The proposals list (filters and search) and one proposal with its history."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from tracker.api.pagination import KeysFirstPaginator
from tracker.cache import public_read

from ... import search, selectors
from ...filters import PAPER_SECTION, ProposalFilter
from ...models import STATUS_DEFINITIONS, Paper, Proposal, Section, Status, StatusUpdate
from .. import selectors as site_selectors
from ..links import absolute, all_changes_feed, api_list, data_strip, feeds

LIST_PAGE_SIZE = 50


# The page's names for the filters, in its error summary.
FILTER_LABELS = {
    "q": "Search",
    "paper": "Paper",
    "section": "Section",
    "theme": "Theme",
    "status": "Status",
    "kind": "Kind",
    "body": "Acting body",
    "applicability": "Applies to",
    "ordering": "Sort",
}
# The sort menu: the default ("") is the best match first when searching, else
# paper order (``ProposalFilter``'s ``ordering``).
SORT_CHOICES = [
    ("", "Best match when searching, else paper order"),
    ("paper", "Paper order"),
    ("-changed", "Most recently updated"),
    ("status", "Status: delivered first"),
]
# A long shared lead of 138's summary proposals' positions ("Summary of policy
# proposals, 'To ensure that ...', item 2"): shown once above its items.
_GROUPED_POSITION = re.compile(r"^(?P<group>.{40,}), (?P<item>item \d+)$")


def _chosen_section(params: QueryDict) -> str:
    """The section asked for, as the menu's value (with its paper: "118-5")."""
    section, paper = params.get("section", ""), params.get("paper", "")
    if section and paper and not PAPER_SECTION.match(section):
        return f"{paper}-{section}"
    return section


def _section_groups(params: QueryDict) -> list[dict[str, Any]]:
    """The Section menu: one <optgroup> per paper, each value one section ("118-5");
    the other papers' groups are disabled when one paper is chosen (the script
    keeps that in step with the Paper buttons)."""
    chosen, paper = _chosen_section(params), params.get("paper", "")
    groups: dict[int, dict[str, Any]] = {}
    for number, section, title in Section.objects.order_by("paper__number", "order").values_list(
        "paper__number", "number", "title"
    ):
        group = groups.setdefault(
            number,
            {"paper": number, "disabled": bool(paper) and paper != str(number), "options": []},
        )
        value = f"{number}-{section}"
        group["options"].append(
            {"value": value, "label": f"§{section} {title}", "selected": value == chosen}
        )
    return list(groups.values())


def _filter_options(filterset: ProposalFilter, params: QueryDict) -> dict[str, Any]:
    """What the plain GET form shows: every choice, and which are selected."""

    def choices(name: str, values: Iterable[tuple[Any, str]]) -> list[dict[str, Any]]:
        chosen = set(params.getlist(name))
        return [
            {"value": str(v), "label": label, "checked": str(v) in chosen} for v, label in values
        ]

    form = filterset.form
    # The ``theme`` and ``body`` filters' fields (a form's fields are typed as any Field).
    theme_field = cast(forms.ModelMultipleChoiceField, form.fields["theme"])
    body_field = cast(forms.ModelMultipleChoiceField, form.fields["body"])
    themes = [] if theme_field.queryset is None else list(theme_field.queryset)
    bodies = [] if body_field.queryset is None else list(body_field.queryset.order_by("name"))
    ordering = params.get("ordering", "")
    return {
        "q": params.get("q", ""),
        "paper": choices("paper", [(p.number, f"Paper {p.number}") for p in Paper.objects.all()]),
        "section_groups": _section_groups(params),
        "theme": choices("theme", [(t.slug, t.name) for t in themes]),
        "body": choices("body", [(b.slug, b.name) for b in bodies]),
        "status": choices("status", Status.choices),
        "kind": choices("kind", Proposal.Kind.choices),
        "applicability": choices("applicability", Proposal.Applicability.choices),
        "sort": [
            {"value": value, "label": label, "selected": value == ordering}
            for value, label in SORT_CHOICES
        ],
    }


def _rows(proposals: Iterable[Any]) -> list[dict[str, Any]]:
    """A list row per proposal: a long position lead shared by consecutive rows is
    given once, as the heading of its first row, and each row keeps the rest."""
    rows = []
    previous = ""
    for proposal in proposals:
        found = _GROUPED_POSITION.match(proposal.position)
        group = found["group"] if found else ""
        rows.append(
            {
                "proposal": proposal,
                "group": group if group and group != previous else "",
                "position": found["item"] if found else proposal.position,
            }
        )
        previous = group
    return rows


@public_read
def proposal_list(request: HttpRequest) -> HttpResponse:
    filterset = ProposalFilter(request.GET, queryset=selectors.proposal_queryset())
    valid = filterset.is_valid()
    q = search.clean(filterset.form.cleaned_data.get("q")) if valid else ""
    by_paper: list[tuple[int, int]] = []
    if valid:
        matches = filterset.qs
        paginator: Paginator
        if search.is_ranked(matches):
            # The keys of every match in rank order give the page, the count and
            # the count by paper in one narrow query.
            paginator = KeysFirstPaginator(matches, LIST_PAGE_SIZE, key_fields=("paper_number",))
            by_paper = sorted(Counter(paper for _, paper in paginator.keys).items())
        else:
            paginator = Paginator(matches, LIST_PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        proposals = search.attach_snippets(selectors.attach_listing(page.object_list), q)
    else:
        page, proposals = None, []
    params = request.GET.copy()
    params.pop("page", None)
    # The API refuses parameters it does not take (utm_source and the like): the link
    # to the same list as JSON carries the filters only.
    api_params = params.copy()
    for name in [name for name in api_params if name not in filterset.filters]:
        del api_params[name]
    errors = {
        FILTER_LABELS.get(name, name): messages for name, messages in filterset.errors.items()
    }
    context = {
        "filter": filterset,
        "errors": errors if not valid else {},
        "options": _filter_options(filterset, request.GET),
        "page": page,
        "rows": _rows(proposals),
        "q": q,
        "by_paper": by_paper,
        # How many filters are in use, on the folded panel's summary.
        "active": sum(
            1 for name in filterset.filters if name != "ordering" and request.GET.get(name)
        ),
        "best_first": bool(q) and request.GET.get("ordering", "") in ("", "relevance"),
        "querystring": params.urlencode(),
        "data": data_strip(
            "This list" if api_params else "Every proposal",
            api=api_list("api:proposal-list", api_params.urlencode()),
            atom=reverse("feed-all"),
        ),
        "feeds": feeds(all_changes_feed()),
    }
    return render(request, "policies/proposal_list.html", context, status=200 if valid else 400)


@public_read
def proposal_detail(request: HttpRequest, reference: str) -> HttpResponse:
    proposal = get_object_or_404(selectors.proposal_detail_queryset(), reference=reference)
    selectors.attach_listing([proposal], from_history=True)
    permalink = absolute(proposal.get_absolute_url())
    return render(
        request,
        "policies/proposal_detail.html",
        {
            "proposal": proposal,
            "paper": proposal.paper,
            "permalink": permalink,
            "accessed": timezone.localdate(),
            "data": data_strip(
                f"Proposal {proposal.reference}",
                api=(
                    reverse("api:proposal-detail", args=[proposal.reference]),
                    api_list("api:statusupdate-list", urlencode({"proposal": proposal.reference}))[
                        1
                    ],
                ),
                atom=reverse("feed-proposal", args=[proposal.reference]),
                csv_label="Its assessments as CSV",
                extra=[{"href": "#cite-heading", "label": "Cite"}],
            ),
            "source_url": (
                reverse("paper-detail", args=[proposal.paper.number])
                + f"#source-{proposal.reference}"
                if proposal.source_line_start
                else ""
            ),
            "feeds": feeds(
                (
                    "feed-proposal",
                    f"Status changes to {proposal.reference}",
                    (proposal.reference,),
                ),
                all_changes_feed(),
            ),
        },
    )


@public_read
def status_update_detail(request: HttpRequest, pk: int) -> HttpResponse:
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
            "permalink": absolute(update.get_absolute_url()),
        },
    )
