"""The proposals list (filters and search) and one proposal with its history."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from tracker.api.pagination import KeysFirstPaginator
from tracker.cache import public_read

from ... import search, selectors
from ...filters import ProposalFilter
from ...models import STATUS_DEFINITIONS, Paper, Proposal, Section, Status, StatusUpdate
from .. import selectors as site_selectors
from ..links import absolute, all_changes_feed, feeds

LIST_PAGE_SIZE = 50


def _filter_options(filterset: ProposalFilter, params: QueryDict) -> dict[str, Any]:
    """What the plain GET form shows: every choice, and which are selected."""

    def choices(name: str, values: Iterable[tuple[Any, str]]) -> list[dict[str, Any]]:
        chosen = set(params.getlist(name))
        return [
            {"value": str(v), "label": label, "checked": str(v) in chosen} for v, label in values
        ]

    form = filterset.form
    # The ``theme`` filter's field (a form's fields are typed as any Field).
    theme_field = cast(forms.ModelMultipleChoiceField, form.fields["theme"])
    themes = [] if theme_field.queryset is None else list(theme_field.queryset)
    return {
        "q": params.get("q", ""),
        "paper": choices("paper", [(p.number, f"Paper {p.number}") for p in Paper.objects.all()]),
        "section": params.get("section", ""),
        "sections": sorted(
            set(Section.objects.values_list("number", flat=True)), key=lambda n: (len(n), n)
        ),
        "theme": choices("theme", [(t.slug, t.name) for t in themes]),
        "status": choices("status", Status.choices),
        "kind": choices("kind", Proposal.Kind.choices),
        "applicability": choices("applicability", Proposal.Applicability.choices),
    }


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
    context = {
        "filter": filterset,
        "errors": filterset.errors if not valid else {},
        "options": _filter_options(filterset, request.GET),
        "page": page,
        "proposals": proposals,
        "q": q,
        "by_paper": by_paper,
        "querystring": params.urlencode(),
        "api_querystring": api_params.urlencode(),
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
