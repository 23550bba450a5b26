"""Who changed what and when: history of proposals, updates, evidence, themes, links."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from evidence.models import Evidence

from ... import permissions
from ...history_relations import related_labels
from ...models import ActingBody, DeliveryCriteria, Proposal, ProposalLink, StatusUpdate, Theme
from ..access import allowed

HISTORY_MODELS: dict[
    str,
    type[Proposal | StatusUpdate | Evidence | Theme | ProposalLink | DeliveryCriteria | ActingBody],
] = {
    "proposal": Proposal,
    "statusupdate": StatusUpdate,
    "evidence": Evidence,
    "theme": Theme,
    "link": ProposalLink,
    "criteria": DeliveryCriteria,
    "actingbody": ActingBody,
}
HISTORY_LIMIT = 100


def _diffs(records: list[Any]) -> list[dict[str, Any]]:
    """Each record with the fields (and related lists) that changed since the one
    before it."""
    rows = []
    ordered = list(reversed(records))
    lists = related_labels(records[0].instance_type, [r.history_id for r in records])
    for previous, record in pairwise([None, *ordered]):
        changes = []
        if previous is not None:
            model = record.instance_type
            m2m = {f.name for f in model._meta.many_to_many}
            delta = record.diff_against(previous, excluded_fields=m2m | {"updated_at"})
            changes = [(c.field, c.old, c.new) for c in delta.changes]
            before, after = lists[previous.history_id], lists[record.history_id]
            changes += [
                (name, before[name], after[name]) for name in after if before[name] != after[name]
            ]
        rows.append({"record": record, "changes": changes})
    return list(reversed(rows))


@allowed(permissions.can_view_history)
def history_index(request: HttpRequest) -> HttpResponse:
    """The latest changes to proposals, status updates and evidence, newest first."""
    entries = []
    for kind, model in HISTORY_MODELS.items():
        for record in model.history.select_related("history_user").order_by("-history_date")[
            :HISTORY_LIMIT
        ]:
            entries.append({"kind": kind, "record": record})
    entries.sort(key=lambda e: e["record"].history_date, reverse=True)
    return render(request, "editorial/history_index.html", {"entries": entries[:HISTORY_LIMIT]})


@allowed(permissions.can_view_history)
def history_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = HISTORY_MODELS.get(kind)
    if model is None:
        raise Http404
    records = list(
        model.history.filter(id=pk)
        .select_related("history_user")
        .order_by("-history_date")[:HISTORY_LIMIT]
    )
    if not records:
        raise Http404
    return render(
        request,
        "editorial/history_detail.html",
        {"kind": kind, "object_id": pk, "rows": _diffs(records), "latest": records[0]},
    )
