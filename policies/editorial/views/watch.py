"""Editors' side of the watch: status suggestions from indicator figures (accept:
a pre-filled draft; dismiss: say why) and the report of broken and redirected
evidence links.  The figures and link checks themselves are evidence's
(``evidence.suggestions``, ``evidence.linkhealth``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from evidence import linkhealth, suggestions
from evidence.models import StatusSuggestion

from ... import permissions, services
from ..access import allowed
from ..forms import EditorialForm, NewEvidenceFormSet, StatusUpdateForm
from ..refusals import attempt_on_form, attempt_with_messages, form_status

# --- Hooks the other editorial views call -----------------------------------------------


def queue_context() -> dict[str, Any]:
    """What the review queue shows of the watch: open suggestions, and accepted ones
    whose draft is not saved yet."""
    return {
        "suggestions": list(suggestions.open_suggestions()),
        "unfinished_suggestions": list(suggestions.unfinished_suggestions()),
    }


def archive_if_asked(form: forms.Form, url: str) -> None:
    """A campaigner ticked "ask a web archive to keep a copy" on a source form: queue
    the request once the source is saved."""
    if form.cleaned_data.get("archive_copy"):
        linkhealth.ask_for_archive_copy(url)


# --- Suggestions ----------------------------------------------------------------------------


class DismissForm(EditorialForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why the figures do not change this proposal's status (kept with it).",
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why you dismiss it.")
        return reason


class SuggestedUpdateForm(StatusUpdateForm):
    """The status update form, whose rationale must not be the template as given."""

    def __init__(self, *args: Any, template: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.template = template

    def clean_rationale(self) -> str:
        text: str = self.cleaned_data["rationale"]
        if suggestions.TEMPLATE_MARK in text or text.strip() == self.template.strip():
            raise forms.ValidationError(
                "Edit the rationale: replace the first line with what the figures show "
                "about this proposal, in your own words."
            )
        return text


def _suggestion(pk: int) -> StatusSuggestion:
    return get_object_or_404(suggestions.suggestion_queryset(), pk=pk)


@require_POST
@allowed(permissions.can_review)
def suggestion_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept: the source citing the release is made (or the library's reused), and
    the draft form opens pre-filled.  Nothing is published."""
    suggestion = _suggestion(pk)
    if suggestion.state == StatusSuggestion.State.ACCEPTED:
        return redirect("suggestion-draft", pk=pk)
    if suggestion.state != StatusSuggestion.State.OPEN:
        messages.error(request, "This suggestion was dismissed already.")
        return redirect("review-queue")
    citation = suggestions.release_citation(suggestion)

    def accept() -> bool:
        with transaction.atomic():
            evidence = suggestion.release.citation
            if evidence is None and citation["published_date"] is not None:
                evidence, _ = services.get_or_create_evidence(
                    request.user, data=services.EvidenceInput.from_cleaned(citation)
                )
            return suggestions.accept(suggestion, by=request.user, evidence=evidence)

    attempt = attempt_with_messages(request, accept)
    if not attempt.ok:
        return redirect("review-queue")
    if not attempt.result:
        messages.error(request, "Another editor decided this suggestion first.")
        return redirect("review-queue")
    return redirect("suggestion-draft", pk=pk)


@allowed(permissions.can_review)
def suggestion_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = _suggestion(pk)
    form = DismissForm(request.POST if request.method == "POST" else None)
    status = 200
    if suggestion.state != StatusSuggestion.State.OPEN:
        messages.error(request, "This suggestion was decided already.")
        return redirect("review-queue")
    if request.method == "POST":
        if form.is_valid():
            if suggestions.dismiss(suggestion, by=request.user, reason=form.cleaned_data["reason"]):
                messages.success(request, "Dismissed; your reason is kept with it.")
            else:
                messages.error(request, "Another editor decided this suggestion first.")
            return redirect("review-queue")
        status = 400
    return render(
        request,
        "editorial/suggestion_dismiss.html",
        {"suggestion": suggestion, "form": form},
        status=status,
    )


@allowed(permissions.can_review)
def suggestion_draft(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft form of an accepted suggestion, pre-filled: the source citing the
    release, and a rationale template to be rewritten."""
    suggestion = _suggestion(pk)
    if suggestion.draft_id:
        return redirect("update-review", pk=suggestion.draft_id)
    if suggestion.state != StatusSuggestion.State.ACCEPTED:
        messages.error(request, "Accept the suggestion first.")
        return redirect("review-queue")
    proposal = suggestion.link.proposal
    template = suggestions.rationale_template(suggestion)
    citation = suggestions.release_citation(suggestion)
    data = request.POST if request.method == "POST" else None
    form = SuggestedUpdateForm(
        data,
        template=template,
        initial={
            "rationale": template,
            "evidence": [suggestion.evidence] if suggestion.evidence else [],
            "effective_date": suggestion.observation.period_end,
        },
    )
    # With no publication date the release could not be made a source on accepting:
    # its fields wait in the first new-source form for the editor to complete.
    prefill = [citation] if suggestion.evidence is None and data is None else None
    formset = NewEvidenceFormSet(data, prefix="new", initial=prefill)
    attempt = None
    if data is not None and form.is_valid() and formset.is_valid():

        def save() -> Any:
            with transaction.atomic():
                new_sources = []
                for source_form in formset:
                    if source_form.has_changed():
                        evidence, _ = services.get_or_create_evidence(
                            request.user, data=source_form.evidence_input()
                        )
                        new_sources.append(evidence)
                        archive_if_asked(source_form, evidence.url)
                draft = services.create_draft(
                    request.user, proposal=proposal, data=form.update_input(new_sources)
                )
                suggestions.record_draft(suggestion, draft)
                return draft

        attempt = attempt_on_form(form, save, with_message=True)
        if attempt.ok and attempt.result is not None:
            messages.success(
                request, "Draft saved from the suggestion. Submit it for review when it is ready."
            )
            return redirect("update-review", pk=attempt.result.pk)
    return render(
        request,
        "editorial/suggestion_draft.html",
        {"suggestion": suggestion, "proposal": proposal, "form": form, "formset": formset},
        status=form_status(request, attempt),
    )


# --- Link reports ---------------------------------------------------------------------------


@allowed(permissions.can_review)
def link_reports(request: HttpRequest) -> HttpResponse:
    links = linkhealth.attach_sources(list(linkhealth.report_queryset()))
    groups = [
        ("broken", "Broken", [link for link in links if link.state == "broken"]),
        ("redirected", "Redirected", [link for link in links if link.state == "redirected"]),
        (
            "failing",
            "Failing, not yet called broken",
            [link for link in links if link.state == "failing"],
        ),
    ]
    return render(request, "editorial/link_reports.html", {"groups": groups})
