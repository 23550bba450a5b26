"""Editing an evidence source (a published one gets a new version)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from evidence.models import Evidence

from ... import permissions, services
from ..access import allowed
from ..forms import EvidenceForm
from ..refusals import attempt_on_form, form_status
from . import watch


@allowed(permissions.can_add_evidence)
def evidence_edit(request, pk: int):
    evidence = get_object_or_404(Evidence, pk=pk)
    if not permissions.can_edit_evidence(request.user, evidence):
        raise PermissionDenied
    form = EvidenceForm(
        request.POST if request.method == "POST" else None,
        initial=EvidenceForm.initial_for(evidence),
    )
    attempt = None
    if request.method == "POST" and form.is_valid():
        attempt = attempt_on_form(
            form,
            lambda: services.update_evidence(
                request.user,
                evidence=evidence,
                expected_version=form.cleaned_data.get("version") or 0,
                data=form.evidence_input(),
            ),
        )
        saved = attempt.result
        if attempt.ok and saved is not None:
            watch.archive_if_asked(form, saved.url)  # a web archive's copy, if asked
            messages.success(
                request,
                "Saved as a new version." if saved.pk != evidence.pk else "Source saved.",
            )
            return redirect(saved.get_absolute_url())
    return render(
        request,
        "editorial/evidence_form.html",
        {"evidence": evidence, "form": form, "conflict": attempt.conflict if attempt else None},
        status=form_status(request, attempt),
    )
