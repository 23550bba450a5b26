"""HTML pages.  They use the API's selectors, filters and serializers, so a
page and ``/api/v1/`` always say the same thing."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from evidence.models import Evidence

from . import selectors
from .api.filters import ProposalFilter
from .api.serializers import PaperSerializer, ProposalSerializer
from .models import StatusUpdate


def home(request):
    papers = PaperSerializer(selectors.paper_queryset(), many=True, context={"request": request})
    return render(request, "policies/home.html", {"papers": papers.data})


def paper_detail(request, number: int):
    paper = get_object_or_404(selectors.paper_queryset(), number=number)
    proposals = selectors.attach_current_updates(selectors.proposal_queryset().filter(paper=paper))
    data = ProposalSerializer(proposals, many=True, context={"request": request}).data
    return render(request, "policies/paper_detail.html", {"paper": paper, "proposals": data})


def proposal_list(request):
    filterset = ProposalFilter(request.GET, queryset=selectors.proposal_queryset())
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    selectors.attach_current_updates(page.object_list)
    data = ProposalSerializer(page.object_list, many=True, context={"request": request}).data
    return render(
        request,
        "policies/proposal_list.html",
        {"filter": filterset, "page": page, "proposals": data},
    )


def proposal_detail(request, reference: str):
    proposal = get_object_or_404(selectors.proposal_queryset(), reference=reference)
    selectors.attach_current_updates([proposal])
    data = ProposalSerializer(proposal, context={"request": request}).data
    return render(request, "policies/proposal_detail.html", {"proposal": data})


def status_update_detail(request, pk: int):
    update = get_object_or_404(StatusUpdate.objects.public().select_related("proposal"), pk=pk)
    return render(request, "policies/status_update_detail.html", {"update": update})


def evidence_detail(request, pk: int):
    evidence = get_object_or_404(Evidence, pk=pk)
    return render(request, "evidence/evidence_detail.html", {"evidence": evidence})
