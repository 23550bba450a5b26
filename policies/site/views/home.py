"""The home page (scorecard), the methodology page and the about page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from tracker.cache import public_read

from ... import selectors
from ...models import STATUS_DEFINITIONS, Status
from .. import charts, scorecard
from .. import selectors as site_selectors
from ..links import all_changes_feed, api_list, data_strip, feeds


@public_read
def home(request: HttpRequest) -> HttpResponse:
    papers = list(selectors.paper_queryset())
    cards = scorecard.scorecard(papers, selectors.proposal_queryset())
    charts.add_headline_charts(cards)
    for card in cards:
        for group in card.groups:
            group.svg = charts.scorecard_bars(
                group,
                chart_id=f"chart-{card.number}-{group.key}",
                title=f"Paper {card.number}, {group.label.lower()}: proposals by status "
                "in each section",
            )
    return render(
        request,
        "policies/home.html",
        {
            "papers": papers,
            "cards": cards,
            "assessed": sum(card.headline.assessed for card in cards if card.headline),
            "legend": charts.legend(),
            "recent": site_selectors.recent_updates(),
            "data": data_strip(
                "Every proposal",
                api=api_list("api:proposal-list"),
                atom=reverse("feed-all"),
                extra=[{"href": reverse("api:dump"), "label": "Everything in one file (JSON)"}],
            ),
            "feeds": feeds(all_changes_feed()),
        },
    )


@public_read
def methodology(request: HttpRequest) -> HttpResponse:
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


@public_read
def about(request: HttpRequest) -> HttpResponse:
    """What the tracker is, where its data comes from and how to report an error."""
    return render(
        request,
        "pages/about.html",
        {"papers": list(selectors.paper_queryset()), "feeds": feeds(all_changes_feed())},
    )
