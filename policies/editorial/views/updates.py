"""Drafts, the review queue, submit/publish/return, and corrections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from evidence.models import Evidence

from ... import permissions, services
from ...models import Proposal, Status, StatusUpdate
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
    updates = list(
        _updates()
        .filter(state=StatusUpdate.State.SUBMITTED)
        .select_related("corrects", "proposal__current_update")
        .prefetch_related(
            "acting_bodies",
            "evidence",
            "proposal__current_update__acting_bodies",
            "proposal__current_update__evidence",
        )
        .order_by("submitted_at")
    )
    drafts = _updates().filter(state=StatusUpdate.State.DRAFT).exclude(author=request.user)
    context = {
        "updates": updates,
        "diffs": [(u, _diff(u, u.proposal.current_update)) for u in updates],
        "drafts": drafts,
    } | watch.queue_context()  # + suggestions
    return render(request, "editorial/review_queue.html", context)


def _diff(draft: StatusUpdate, public: StatusUpdate | None) -> dict[str, Any]:
    """What publishing ``draft`` changes against the proposal's current public
    update: status, date, acting bodies, sources added and removed."""
    bodies = {b.name for b in draft.acting_bodies.all()}
    sources = {e.pk: e for e in draft.evidence.all()}
    old_bodies = {b.name for b in public.acting_bodies.all()} if public else set()
    old_sources = {e.pk: e for e in public.evidence.all()} if public else {}
    return {
        "public": public,
        "status_changed": public is None or public.status != draft.status,
        "date_changed": public is None or public.when != draft.when,
        "bodies_added": sorted(bodies - old_bodies),
        "bodies_removed": sorted(old_bodies - bodies),
        "sources_added": [e for pk, e in sources.items() if pk not in old_sources],
        "sources_removed": [e for pk, e in old_sources.items() if pk not in sources],
    }


# The evidence picker: how many library sources a search shows.
SOURCE_MATCHES = 20


def _find_sources(query: str):
    query = query.strip()[:200]
    if not query:
        return Evidence.objects.none()
    return (
        Evidence.objects.filter(replaced_by__isnull=True)
        .filter(Q(title__icontains=query) | Q(publisher__icontains=query) | Q(url__icontains=query))
        .order_by("title")[:SOURCE_MATCHES]
    )


def _source_label(source: Evidence) -> str:
    return f"{source.title} — {source.publisher}, {source.published_date:%Y-%m-%d} ({source.url})"


@allowed(permissions.can_draft)
def source_search(request):
    """The evidence picker's search as you type: library sources matching ``q``."""
    matches = _find_sources(request.GET.get("q", ""))
    return JsonResponse({"results": [{"id": e.pk, "label": _source_label(e)} for e in matches]})


def _picker_choices(form: StatusUpdateForm, chosen: list[str], query: str) -> None:
    """The library checkboxes: the chosen sources and the search's matches (the
    whole library is never drawn)."""
    ids = [int(i) for i in chosen if str(i).isdigit() and int(i) < 2**63]
    sources = list(Evidence.objects.filter(pk__in=ids, replaced_by__isnull=True))
    sources += [e for e in _find_sources(query) if e.pk not in ids]
    form.fields["evidence"].widget.choices = [(e.pk, _source_label(e)) for e in sources]


def _posted_initial(data) -> dict[str, Any]:
    multi = ("acting_bodies", "evidence")
    return {
        name: data.getlist(name) if name in multi else data.get(name)
        for name in StatusUpdateForm.base_fields
    }


def _update_form_page(request, proposal: Proposal, update=None, corrects=None):
    """Create a draft (or a correction draft) or edit one."""
    if update is not None:
        initial = StatusUpdateForm.initial_for(update)
    elif corrects is not None:
        initial = StatusUpdateForm.initial_for(corrects) | {"version": None}
    else:
        initial = {}
    data = request.POST if request.method == "POST" else None
    query = (data or request.GET).get("source_q", "")
    if data is not None and "find_sources" in data:
        # Without JS, the picker's search is a submit that saves nothing.
        initial, data = _posted_initial(data), None
    form = StatusUpdateForm(data, initial=initial)
    chosen = data.getlist("evidence") if data is not None else initial.get("evidence", [])
    _picker_choices(form, [getattr(e, "pk", e) for e in chosen], query)
    formset = NewEvidenceFormSet(data, prefix="new")
    attempt = None
    if data is not None:
        _require_evidence(form, formset, data)
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
            "source_q": query,
            "min_rationale": services.MIN_RATIONALE_LENGTH,
        },
        status=form_status(request, attempt) if data is not None else 200,
    )


def _require_evidence(form: StatusUpdateForm, formset: Any, data: QueryDict) -> None:
    """An empty or sourceless submission says at once that evidence is required
    (the services refuse it too; this only words it on the form)."""
    if data.get("status", "") == Status.NOT_ASSESSED or data.getlist("evidence"):
        return
    if any(sub.has_changed() for sub in formset):
        return
    form.is_valid()  # run the field checks first, then add ours
    form.add_error(
        "evidence",
        "Evidence is required: choose a source from the library or add a new one below "
        "(only “Not yet assessed” needs none).",
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
def update_propose_correction(request, pk: int):
    """A campaigner's correction: a draft an editor reviews; publishing it corrects."""
    original = get_object_or_404(_updates(), pk=pk)
    if not permissions.can_propose_correction(request.user, original):
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
            "can_propose_correction": permissions.can_propose_correction(user, update),
            "public_status": {"status": update.status, "label": update.get_status_display()},
            "return_form": ReturnForm(initial={"version": update.version}),
        },
    )


# Publishing with a second look: the confirmation field a publish POST must carry.
CONFIRM_FIELD = "confirm_publish"


@allowed(permissions.can_review)
def update_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: exactly what becomes public.  POST: publishes only with the confirmation
    field and the version shown; without it, nothing changes."""
    update = get_object_or_404(
        _updates()
        .select_related("corrects", "proposal__current_update")
        .prefetch_related("acting_bodies", "evidence"),
        pk=pk,
    )
    if not permissions.can_view_update(request.user, update):
        raise Http404
    if request.method == "POST":
        form = VersionForm(request.POST)
        if form.is_valid() and request.POST.get(CONFIRM_FIELD) == "yes":
            attempt = attempt_with_messages(
                request,
                lambda: services.publish(
                    request.user, update=update, expected_version=form.cleaned_data["version"]
                ),
            )
            if attempt.ok:
                messages.success(request, "Published.")
                return redirect("review-queue")
            return redirect("update-review", pk=pk)
        messages.error(request, "Nothing was published: confirm below that this should go public.")
        return redirect("update-publish", pk=pk)
    if not permissions.can_publish(request.user, update):
        messages.error(request, "This update cannot be published now.")
        return redirect("update-review", pk=pk)
    ready = True
    try:
        services.check_ready(update, list(update.evidence.all()))
    except services.RuleViolation as refusal:
        ready = False
        messages.error(request, refusal.message)
        for problems in (refusal.fields or {}).values():
            for problem in problems:
                messages.error(request, problem)
    return render(
        request,
        "editorial/publish_confirm.html",
        {
            "update": update,
            "public_status": {"status": update.status, "label": update.get_status_display()},
            "diff": _diff(update, update.proposal.current_update),
            "ready": ready,
            "may_publish_own": permissions.may_publish_own(request.user, update),
            "confirm_field": CONFIRM_FIELD,
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
update_return = _review_action(
    lambda user, update, data: services.return_to_author(
        user, update=update, expected_version=data["version"], comment=data["comment"]
    ),
    ReturnForm,
    permissions.can_review,
    "Returned to the author with your comment.",
    "review-queue",
)
