"""Drafts, the review queue, submit/publish/return, and corrections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ... import permissions, services
from ...models import Proposal, StatusUpdate
from ...permissions import User
from ..access import allowed
from ..forms import NewEvidenceFormSet, ReturnForm, StatusUpdateForm, VersionForm
from ..refusals import attempt_on_form, attempt_with_messages, form_status
from . import watch


def _updates():
    return StatusUpdate.objects.select_related("proposal", "author", "reviewed_by").order_by(
        "-updated_at"
    )


@allowed(permissions.can_draft)
def my_drafts(request):
    updates = _updates().filter(author=request.user).exclude(state__in=StatusUpdate.PUBLIC_STATES)
    return render(request, "editorial/my_drafts.html", {"updates": updates})


@allowed(permissions.can_review)
def review_queue(request):
    updates = _updates().filter(state=StatusUpdate.State.SUBMITTED).order_by("submitted_at")
    drafts = _updates().filter(state=StatusUpdate.State.DRAFT).exclude(author=request.user)
    context = {"updates": updates, "drafts": drafts} | watch.queue_context()  # + suggestions
    return render(request, "editorial/review_queue.html", context)


def _update_form_page(request, proposal: Proposal, update=None, corrects=None):
    """Create a draft (or a correction draft) or edit one."""
    if update is not None:
        initial = StatusUpdateForm.initial_for(update)
    elif corrects is not None:
        initial = StatusUpdateForm.initial_for(corrects) | {"version": None}
    else:
        initial = {}
    data = request.POST if request.method == "POST" else None
    form = StatusUpdateForm(data, initial=initial)
    formset = NewEvidenceFormSet(data, prefix="new")
    attempt = None
    if data is not None and form.is_valid() and formset.is_valid():

        def save() -> StatusUpdate:
            with transaction.atomic():
                new_sources = []
                for source_form in formset:
                    if source_form.has_changed():
                        evidence, created = services.get_or_create_evidence(
                            request.user, data=source_form.evidence_input()
                        )
                        new_sources.append(evidence)
                        watch.archive_if_asked(source_form, evidence.url)  # archive copy
                        if not created:
                            messages.info(
                                request, f"Reused the library's source for {evidence.url}."
                            )
                update_input = form.update_input(new_sources)
                if update is None:
                    return services.create_draft(
                        request.user, proposal=proposal, data=update_input, corrects=corrects
                    )
                version = form.cleaned_data.get("version") or 0
                return services.update_draft(
                    request.user, update=update, expected_version=version, data=update_input
                )

        attempt = attempt_on_form(form, save, with_message=True)
        if attempt.ok and attempt.result is not None:
            messages.success(request, "Draft saved. Submit it for review when it is ready.")
            return redirect("update-review", pk=attempt.result.pk)
    return render(
        request,
        "editorial/update_form.html",
        {
            "proposal": proposal,
            "update": update,
            "corrects": corrects,
            "form": form,
            "formset": formset,
            "conflict": attempt.conflict if attempt else None,
        },
        status=form_status(request, attempt),
    )


@allowed(permissions.can_draft)
def update_create(request, reference: str):
    proposal = get_object_or_404(Proposal, reference=reference)
    return _update_form_page(request, proposal)


@allowed(permissions.can_draft)
def update_edit(request, pk: int):
    update = get_object_or_404(_updates(), pk=pk)
    if not permissions.can_edit_update(request.user, update):
        raise PermissionDenied
    return _update_form_page(request, update.proposal, update=update)


@allowed(permissions.is_editor)
def update_correct(request, pk: int):
    original = get_object_or_404(_updates(), pk=pk)
    if not permissions.can_correct(request.user, original):
        raise PermissionDenied
    return _update_form_page(request, original.proposal, corrects=original)


@allowed(permissions.can_draft)
def update_review(request, pk: int):
    """An update in any state, with the actions the user may take on it."""
    update = get_object_or_404(_updates().prefetch_related("acting_bodies", "evidence"), pk=pk)
    if not permissions.can_view_update(request.user, update):
        raise Http404
    user = request.user
    return render(
        request,
        "editorial/update_review.html",
        {
            "update": update,
            "can_edit": permissions.can_edit_update(user, update),
            "can_submit": permissions.can_submit(user, update),
            "can_publish": permissions.can_publish(user, update),
            "own_update": permissions.is_editor(user)
            and not permissions.may_publish_own(user, update),
            "can_return": permissions.can_return(user, update),
            "can_correct": permissions.can_correct(user, update),
            "return_form": ReturnForm(initial={"version": update.version}),
        },
    )


# A review transition: the acting user, the update, and the form's cleaned data.
Transition = Callable[[User, StatusUpdate, dict[str, Any]], StatusUpdate]


def _review_action(
    act: Transition,
    form_class: type[VersionForm] | type[ReturnForm],
    check: Callable[[Any], bool],
    done: str,
    then: str,
) -> Callable[..., HttpResponse]:
    """A POST-only view that submits, publishes or returns an update, then says
    ``done`` and goes to ``then``; a refusal goes back to the update."""

    @require_POST
    @allowed(check)
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        update = get_object_or_404(_updates(), pk=pk)
        if not permissions.can_view_update(request.user, update):
            raise Http404
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, "The form was incomplete: " + form.errors.as_text())
            return redirect("update-review", pk=pk)
        attempt = attempt_with_messages(
            request, lambda: act(request.user, update, form.cleaned_data)
        )
        if not attempt.ok:
            return redirect("update-review", pk=pk)
        messages.success(request, done)
        return redirect(then)

    return view


update_submit = _review_action(
    lambda user, update, data: services.submit(
        user, update=update, expected_version=data["version"]
    ),
    VersionForm,
    permissions.can_draft,
    "Submitted for review.",
    "my-drafts",
)
update_publish = _review_action(
    lambda user, update, data: services.publish(
        user, update=update, expected_version=data["version"]
    ),
    VersionForm,
    permissions.can_review,
    "Published.",
    "review-queue",
)
update_return = _review_action(
    lambda user, update, data: services.return_to_author(
        user, update=update, expected_version=data["version"], comment=data["comment"]
    ),
    ReturnForm,
    permissions.can_review,
    "Returned to the author with your comment.",
    "review-queue",
)
