"""Indicator pages: a chart per area with the latest figure and where it came
from, and a data freshness page for editors.  They render model objects and the
plain data of :mod:`evidence.selectors`, which the API serializes too, so a page
and /api/v1/indicators/ always say the same thing.  Pages never use the API's
serializers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from tracker.cache import public_read

from . import selectors
from .areas import NATIONAL_CODE
from .charts import line_chart
from .models import Area, Indicator
from .selectors import CoverageOfPeriod, Series


def chart_block(
    indicator: Indicator,
    series: Series | None,
    area_name: str,
    chart_id: str,
    coverage: Sequence[CoverageOfPeriod] = (),
) -> dict[str, Any]:
    # What the chart leaves out for want of coverage, said in its description and below it.
    note = (
        selectors.period_coverage_note(coverage, series, national=series.area_code == NATIONAL_CODE)
        if series and coverage
        else ""
    )
    return {
        "area_name": area_name,
        "series": series,
        "latest": series.latest if series else None,
        "coverage_note": note,
        "svg": line_chart(
            series,
            title=f"{indicator.name}, {area_name}",
            unit=indicator.unit,
            chart_id=chart_id,
            note=note,
        )
        if series
        else "",
    }


@public_read
def indicator_list(request: HttpRequest) -> HttpResponse:
    indicators = list(selectors.indicator_queryset())
    national = selectors.series_for([i.pk for i in indicators], area_codes=[NATIONAL_CODE])
    coverage = selectors.latest_coverage([i.pk for i in indicators])
    rows = [
        {
            "indicator": indicator,
            "status": selectors.indicator_status(indicator),
            "national": national.get((indicator.pk, NATIONAL_CODE)),
            "coverage": coverage.get(indicator.pk),
        }
        for indicator in indicators
    ]
    return render(
        request,
        "evidence/indicator_list.html",
        {"rows": rows, "operator": _may_see_freshness(request.user)},
    )


@public_read
def indicator_detail(request: HttpRequest, slug: str) -> HttpResponse:
    indicator = get_object_or_404(selectors.indicator_queryset(), slug=slug)
    status = selectors.indicator_status(indicator)
    forces = selectors.force_areas()
    chosen_code = request.GET.get("area", "")
    chosen = next((a for a in forces if a.code == chosen_code), None)
    if chosen_code and chosen is None:
        return render(
            request,
            "evidence/indicator_detail.html",
            {
                "indicator": indicator,
                "status": status,
                "forces": forces,
                "operator": _may_see_freshness(request.user),
                "error": f"There is no police force area with the code “{chosen_code}”.",
            },
            status=400,
        )
    codes = [NATIONAL_CODE] + ([chosen.code] if chosen else [])
    found = selectors.series_for([indicator.pk], area_codes=codes)
    coverage = selectors.indicator_coverage(indicator, areas=forces)
    charts = [
        chart_block(
            indicator,
            found.get((indicator.pk, NATIONAL_CODE)),
            "England and Wales",
            "ew",
            coverage.periods,
        )
    ]
    if chosen:
        charts.append(
            chart_block(
                indicator,
                found.get((indicator.pk, chosen.code)),
                chosen.name,
                "force",
                coverage.periods,
            )
        )
    return render(
        request,
        "evidence/indicator_detail.html",
        {
            "indicator": indicator,
            "status": status,
            "charts": charts,
            "forces": forces,
            "chosen": chosen,
            "coverage": coverage,
            # Editors see how figures are fetched (commands, the worker); the public does not.
            "operator": _may_see_freshness(request.user),
        },
    )


# The roles of policies.permissions that may see the freshness page, by the names
# of their groups: evidence does not import policies (ARCHITECTURE.md, import rule
# 2).  tests/test_signin.py holds these names to policies.permissions.ROLES.
FRESHNESS_ROLES = ("editor", "admin")


def _may_see_freshness(user: AbstractUser | AnonymousUser) -> bool:
    """Editors and admins (as the README says), staff, and anyone granted the
    permission to view refresh runs."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff or user.has_perm("evidence.view_refreshrun"):
        return True
    return user.groups.filter(name__in=FRESHNESS_ROLES).exists()


@login_required
def freshness(request: HttpRequest) -> HttpResponse:
    if not _may_see_freshness(request.user):
        raise PermissionDenied("Only editors can see the data freshness page.")
    rows = [
        {"indicator": indicator, "status": selectors.indicator_status(indicator)}
        for indicator in selectors.indicator_queryset()
    ]
    return render(
        request,
        "evidence/freshness.html",
        {"rows": rows, "area_count": Area.objects.count()},
    )
