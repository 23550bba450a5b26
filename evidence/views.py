from django.shortcuts import get_object_or_404, render

from .models import Indicator


def indicator_detail(request, slug: str):
    indicator = get_object_or_404(Indicator, slug=slug)
    return render(request, "evidence/indicator_detail.html", {"indicator": indicator})
