"""Editors' page for a proposal's delivery criteria: what would count as
delivered, partly delivered or contrary."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from ... import permissions, services
from ...models import DeliveryCriteria, Proposal
from ...services.criteria import criteria_of
from ...services.validation import max_length
from ..access import allowed
from ..forms import MAX_INTEGER, EditorialForm
from ..refusals import attempt_on_form, form_status


def _text(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length(DeliveryCriteria, "delivered"),
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class DeliveryCriteriaForm(EditorialForm):
    delivered = _text("Delivered", "What, in effect, would count as the whole proposal delivered.")
    partly_delivered = _text(
        "Partly delivered", "What would count as part of it, or all of it in only some places."
    )
    contrary = _text("Action contrary", "What would count as acting against it.")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=MAX_INTEGER)

    def criteria_input(self) -> services.CriteriaInput:
        data = self.cleaned_data
        return services.CriteriaInput(
            delivered=data["delivered"],
            partly_delivered=data["partly_delivered"],
            contrary=data["contrary"],
        )


@allowed(permissions.can_edit_proposal)
def proposal_criteria(request: HttpRequest, reference: str) -> HttpResponse:
    proposal = get_object_or_404(Proposal.objects.select_related("paper"), reference=reference)
    criteria = criteria_of(proposal)
    initial = {"version": criteria.version if criteria is not None else 0}
    if criteria is not None:
        initial.update({name: getattr(criteria, name) for name in DeliveryCriteria.TEXT_FIELDS})
    form = DeliveryCriteriaForm(request.POST if request.method == "POST" else None, initial=initial)
    attempt = None
    if request.method == "POST" and form.is_valid():
        attempt = attempt_on_form(
            form,
            lambda: services.set_delivery_criteria(
                request.user,
                proposal=proposal,
                expected_version=form.cleaned_data["version"],
                data=form.criteria_input(),
            ),
        )
        if attempt.ok:
            messages.success(request, f"Delivery criteria of {proposal.reference} saved.")
            return redirect(proposal.get_absolute_url())
    return render(
        request,
        "editorial/delivery_criteria_form.html",
        {
            "proposal": proposal,
            "criteria": criteria,
            "form": form,
            "conflict": attempt.conflict if attempt else None,
        },
        status=form_status(request, attempt),
    )
