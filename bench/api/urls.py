"""The site's URLs plus ``/bench/bare/``: a bare Django ``JsonResponse`` of 50
rows, the baseline every measured path is compared with."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def bare(request: HttpRequest) -> JsonResponse:
    rows = [
        {"id": n, "reference": f"bare-{n}", "text": f"Bare benchmark row {n}.", "ok": True}
        for n in range(1, 51)
    ]
    return JsonResponse({"count": len(rows), "results": rows})


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("tracker.urls")),
]
