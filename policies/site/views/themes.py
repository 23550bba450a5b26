"""The theme pages: every theme, and one theme across both papers (its scorecard,
its proposals, the indicators linked to them, its feed and its data)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from tracker.cache import public_read

from ... import selectors
from ...models import Theme
from .. import charts, scorecard
from .. import selectors as site_selectors
from ..links import all_changes_feed, api_list, data_strip, feeds


@public_read
def theme_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "policies/theme_list.html",
        {"summaries": site_selectors.theme_summaries(), "feeds": feeds(all_changes_feed())},
    )


@public_read
def theme_detail(request: HttpRequest, slug: str) -> HttpResponse:
    theme = get_object_or_404(Theme, slug=slug)
    papers = list(selectors.paper_queryset())
    # The API's ?theme= filter narrows its list the same way: the counts are equal.
    cards = scorecard.theme_scorecard(
        papers, selectors.proposal_queryset().filter(themes=theme), theme.slug
    )
    for card in cards:
        if card.headline is not None:
            card.headline_svg = charts.headline_bar(
                card.headline,
                chart_id=f"theme-headline-{card.number}",
                title=f"{theme.name} in paper {card.number}: proposals by status",
            )
    by_number = {paper.number: paper for paper in papers}
    cards_by_number = {card.number: card for card in cards}
    proposals = site_selectors.theme_proposals(theme)
    groups = [
        {"paper": by_number[number], "card": cards_by_number.get(number), "proposals": found}
        for number, found in proposals
    ]
    query = urlencode({"theme": theme.slug})
    return render(
        request,
        "policies/theme_detail.html",
        {
            "theme": theme,
            "groups": groups,
            "count": sum(len(found) for _, found in proposals),
            "assessed": sum(card.headline.assessed for card in cards if card.headline),
            "indicators": site_selectors.theme_indicators(theme),
            "data": data_strip(
                f"The {theme.name.lower()} proposals",
                api=api_list("api:proposal-list", query),
                atom=reverse("feed-theme", args=[theme.slug]),
                extra=[
                    {
                        "href": reverse("proposal-list") + "?" + query,
                        "label": "Search and filter them",
                    }
                ],
            ),
            "feeds": feeds(
                ("feed-theme", f"Status changes to {theme.name}", (theme.slug,)),
                all_changes_feed(),
            ),
        },
    )
