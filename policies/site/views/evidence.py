"""The evidence library: every public source, and one source with what cites it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from evidence.models import Evidence
from tracker.cache import public_read

from .. import selectors as site_selectors
from ..links import api_list, data_strip

EVIDENCE_PAGE_SIZE = 30


@public_read
def evidence_list(request: HttpRequest) -> HttpResponse:
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
            site_selectors.evidence_library(kind=kind, publisher=publisher), EVIDENCE_PAGE_SIZE
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
            # The API filters by kind, not publisher: the strip says which it gives.
            "data": data_strip(
                "Every source"
                if not kind or errors
                else f"Every source of the kind “{Evidence.Kind(kind).label}”",
                api=api_list(
                    "api:evidence-list", urlencode({"kind": kind}) if kind and not errors else ""
                ),
            ),
        },
        status=400 if errors else 200,
    )


@public_read
def evidence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(site_selectors.evidence_library(), pk=pk)
    site_selectors.attach_supported([source])
    return render(request, "evidence/evidence_detail.html", {"evidence": source})
