"""Pages for campaigners and editors: sign-in, drafts, review, corrections,
evidence, history, import and API tokens.

Views check input with forms, ask ``permissions`` and call ``services``; they
decide nothing themselves.
"""

from __future__ import annotations

import functools
from itertools import pairwise

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit

from evidence.models import Evidence

from . import imports, permissions, services, tasks
from .forms import (
    EvidenceForm,
    ImportForm,
    NewEvidenceFormSet,
    ProposalLinkForm,
    ProposalThemesForm,
    ReturnForm,
    StatusUpdateForm,
    ThemeForm,
    VersionForm,
)
from .history_relations import related_labels
from .models import ApiToken, Proposal, ProposalLink, StatusUpdate, Theme


def allowed(check):
    """Signed-out visitors go to the sign-in page; signed-in ones without the
    role get 403."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- Accounts -----------------------------------------------------------------------


def _login_rate(group, request) -> str:
    return settings.TRACKER_LOGIN_RATE


@method_decorator(
    ratelimit(key="ip", rate=_login_rate, method="POST", block=False), name="dispatch"
)
@method_decorator(
    ratelimit(key="post:username", rate=_login_rate, method="POST", block=False),
    name="dispatch",
)
class LoginView(auth_views.LoginView):
    """Sign-in, limited per address and per username; a first sign-in (with the
    one-time password from ``create_user``) goes on to choose a password."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if getattr(request, "limited", False):
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, "Too many sign-in attempts. Wait a minute and try again.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        first_time = form.get_user().last_login is None
        response = super().form_valid(form)
        if first_time:
            messages.info(self.request, "Welcome. Replace your one-time password now.")
            return redirect("password_change")
        return response


@method_decorator(
    ratelimit(key="ip", rate=_login_rate, method="POST", block=False), name="dispatch"
)
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"

    def post(self, request, *args, **kwargs):
        if getattr(request, "limited", False):
            return HttpResponse("Too many requests. Wait a minute.", status=429)
        return super().post(request, *args, **kwargs)


def _write_rate(group, request) -> str:
    """The API's ``writes`` rate (DRF's "60/min" reads the same in django-ratelimit)."""
    return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["writes"]


@allowed(permissions.can_manage_tokens)
def api_tokens(request):
    """A user's named API tokens: create one (its secret shown once), revoke any."""
    new_secret = None
    new_token = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            if is_ratelimited(
                request, group="api-token-create", key="user", rate=_write_rate, increment=True
            ):
                messages.error(request, "Too many new tokens. Wait a minute and try again.")
                status = 429
            else:
                try:
                    new_token, new_secret = ApiToken.objects.issue(
                        request.user, request.POST.get("name", "")
                    )
                except ValidationError as exc:
                    messages.error(request, "Token not created: " + " ".join(exc.messages))
                    status = 400
                else:
                    messages.success(request, "Token created. Copy it now: it is shown once.")
        elif action == "revoke":
            # Only the user's own tokens are found: anyone else's id is a 404.
            token_id = request.POST.get("token", "")
            token = get_object_or_404(
                ApiToken, pk=int(token_id) if token_id.isdigit() else 0, user=request.user
            )
            if not permissions.can_revoke_token(request.user, token):
                raise PermissionDenied
            if token.revoke():
                messages.success(request, f"Token “{token.name}” revoked.")
        else:
            messages.error(request, "Unknown action.")
            status = 400
    tokens = ApiToken.objects.filter(user=request.user)
    return render(
        request,
        "editorial/tokens.html",
        {
            "tokens": tokens,
            "new_token": new_token,
            "new_secret": new_secret,
            "role": permissions.role_of(request.user),
        },
        status=status,
    )


# --- Drafts and review ------------------------------------------------------------------


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
    return render(request, "editorial/review_queue.html", {"updates": updates, "drafts": drafts})


def _conflict_context(exc: services.StaleVersion) -> dict:
    return {"message": exc.message, "changes": exc.changes, "version": exc.obj.version}


def _refill_version(form, version: int) -> None:
    """After a conflict the form keeps what the user typed, on the current
    version: saving again is then a deliberate choice."""
    form.data = form.data.copy()
    form.data["version"] = version


def _field_errors(form, exc: services.RuleViolation) -> None:
    """Each of the service's field errors on its field (or the form, if it has none)."""
    for name, errors in exc.fields.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


def _form_status(request, conflict) -> int:
    """409 after a conflict, 400 for a refused form, 200 for a fresh one."""
    return 409 if conflict else (400 if request.method == "POST" else 200)


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
    conflict = None
    if data is not None and form.is_valid() and formset.is_valid():
        try:
            with transaction.atomic():
                new_sources = []
                for source_form in formset:
                    if source_form.has_changed():
                        evidence, created = services.get_or_create_evidence(
                            request.user, source_form.evidence_input()
                        )
                        new_sources.append(evidence)
                        if not created:
                            messages.info(
                                request, f"Reused the library's source for {evidence.url}."
                            )
                update_input = form.update_input(new_sources)
                if update is None:
                    update = services.create_draft(
                        request.user, proposal, update_input, corrects=corrects
                    )
                else:
                    version = form.cleaned_data.get("version") or 0
                    services.update_draft(request.user, update, version, update_input)
        except services.StaleVersion as exc:
            conflict = _conflict_context(exc)
            _refill_version(form, exc.obj.version)
        except services.NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except services.RuleViolation as exc:
            form.add_error(None, exc.message)
            _field_errors(form, exc)
            if update is not None and update.pk is None:
                update = None
        else:
            messages.success(request, "Draft saved. Submit it for review when it is ready.")
            return redirect("update-review", pk=update.pk)
    return render(
        request,
        "editorial/update_form.html",
        {
            "proposal": proposal,
            "update": update,
            "corrects": corrects,
            "form": form,
            "formset": formset,
            "conflict": conflict,
        },
        status=_form_status(request, conflict),
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


def _review_action(run, check, done: str, then: str):
    """A POST-only view that submits, publishes or returns an update, then says
    ``done`` and goes to ``then``; a refusal goes back to the update."""

    @require_POST
    @allowed(check)
    def view(request, pk: int):
        update = get_object_or_404(_updates(), pk=pk)
        if not permissions.can_view_update(request.user, update):
            raise Http404
        returning = run is services.return_to_author
        form = ReturnForm(request.POST) if returning else VersionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The form was incomplete: " + form.errors.as_text())
            return redirect("update-review", pk=pk)
        extra = [form.cleaned_data["comment"]] if returning else []
        try:
            run(request.user, update, form.cleaned_data["version"], *extra)
        except services.NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except services.StaleVersion as exc:
            messages.error(request, exc.with_changes())
            return redirect("update-review", pk=pk)
        except services.RuleViolation as exc:
            messages.error(request, exc.message)
            return redirect("update-review", pk=pk)
        messages.success(request, done)
        return redirect(then)

    return view


update_submit = _review_action(
    services.submit, permissions.can_draft, "Submitted for review.", "my-drafts"
)
update_publish = _review_action(
    services.publish, permissions.can_review, "Published.", "review-queue"
)
update_return = _review_action(
    services.return_to_author,
    permissions.can_review,
    "Returned to the author with your comment.",
    "review-queue",
)


# --- Evidence ---------------------------------------------------------------------------


@allowed(permissions.can_add_evidence)
def evidence_edit(request, pk: int):
    evidence = get_object_or_404(Evidence, pk=pk)
    if not permissions.can_edit_evidence(request.user, evidence):
        raise PermissionDenied
    form = EvidenceForm(
        request.POST if request.method == "POST" else None,
        initial=EvidenceForm.initial_for(evidence),
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.update_evidence(
                request.user, evidence, form.cleaned_data.get("version") or 0, form.evidence_input()
            )
        except services.StaleVersion as exc:
            conflict = _conflict_context(exc)
            _refill_version(form, exc.obj.version)
        except services.NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except services.RuleViolation as exc:
            _field_errors(form, exc)
        else:
            messages.success(
                request,
                "Saved as a new version." if saved.pk != evidence.pk else "Source saved.",
            )
            return redirect(saved.get_absolute_url())
    return render(
        request,
        "editorial/evidence_form.html",
        {"evidence": evidence, "form": form, "conflict": conflict},
        status=_form_status(request, conflict),
    )


# --- History ------------------------------------------------------------------------------

HISTORY_MODELS = {
    "proposal": Proposal,
    "statusupdate": StatusUpdate,
    "evidence": Evidence,
    "theme": Theme,
    "link": ProposalLink,
}
HISTORY_LIMIT = 100


def _diffs(records: list) -> list[dict]:
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
def history_index(request):
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
def history_detail(request, kind: str, pk: int):
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


# --- Import -------------------------------------------------------------------------------


@allowed(permissions.can_import)
def import_template(request):
    response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="status-updates-template.csv"'
    return response


@allowed(permissions.can_import)
def import_upload(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    result = None
    if request.method == "POST" and form.is_valid():
        raw = form.cleaned_data["file"].read()
        mode = form.cleaned_data["mode"]
        if imports.count_rows(raw) > settings.TRACKER_IMPORT_BACKGROUND_ROWS:
            job_id = tasks.start_import_job(request.user, raw, mode, form.cleaned_data["file"].name)
            return redirect("import-job", job_id=job_id)
        try:
            result = imports.import_file(request.user, raw, mode)
        except imports.ImportRejected as exc:
            errors = exc.errors
        except services.NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
    status = 400 if errors or (request.method == "POST" and not form.is_valid()) else 200
    return render(
        request,
        "editorial/import.html",
        {
            "form": form,
            "errors": errors,
            "result": result,
            "header": imports.TEMPLATE_HEADER,
            "separator": imports.BODY_SEPARATOR,
        },
        status=status,
    )


@allowed(permissions.can_import)
def import_job(request, job_id: str):
    job = tasks.job_state(job_id)
    if job is None or job["user_id"] != request.user.pk:
        raise Http404
    return render(request, "editorial/import_job.html", {"job": job})


# --- Themes and links (editors) --------------------------------------------------------


def _stale_context(exc: services.StaleRevision) -> dict:
    return {"message": exc.message, "changes": exc.changes, "version": exc.current}


def _form_errors(form, exc: services.RuleViolation) -> None:
    if not exc.fields:
        form.add_error(None, exc.message)
    _field_errors(form, exc)


@allowed(permissions.can_edit_proposal)
def proposal_themes(request, reference: str):
    proposal = get_object_or_404(Proposal.objects.select_related("paper"), reference=reference)
    initial = {"themes": list(proposal.themes.all()), "version": proposal.version}
    form = ProposalThemesForm(request.POST if request.method == "POST" else None, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.set_proposal_themes(
                request.user, proposal, form.cleaned_data["version"], form.cleaned_data["themes"]
            )
        except services.StaleVersion as exc:
            conflict = _conflict_context(exc)
            _refill_version(form, exc.obj.version)
        except services.NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        else:
            messages.success(request, f"Themes of {proposal.reference} saved.")
            return redirect(proposal.get_absolute_url())
    return render(
        request,
        "editorial/proposal_themes.html",
        {"proposal": proposal, "form": form, "conflict": conflict},
        status=_form_status(request, conflict),
    )


@allowed(permissions.can_edit_proposal)
def theme_list(request):
    themes = Theme.objects.annotate(proposal_count=Count("proposals"))
    return render(request, "editorial/theme_list.html", {"themes": themes})


def _reference_data_form(request, obj, form, *, create, update, template, name, saved, back):
    """Create or update a theme or link, guarded by its revision (shared by both)."""
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            if obj is None:
                obj = create(request.user)
            else:
                update(request.user, obj, form.cleaned_data.get("version") or 0)
        except services.StaleRevision as exc:
            conflict = _stale_context(exc)
            _refill_version(form, exc.current)
        except services.NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except services.RuleViolation as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, saved(form))
            return redirect(back)
    return render(
        request,
        template,
        {name: obj, "form": form, "conflict": conflict},
        status=_form_status(request, conflict),
    )


def _reference_data_delete(request, obj, *, delete, what, consequence, deleted, back, again):
    """Delete a theme or link after confirmation, guarded by its revision."""
    form = VersionForm(
        request.POST if request.method == "POST" else None,
        initial={"version": services.revision_of(obj)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            outcome = delete(request.user, obj, form.cleaned_data["version"])
        except services.NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except services.StaleRevision as exc:
            messages.error(request, exc.with_changes())
            return redirect(again)
        except services.RuleViolation as exc:
            messages.error(request, exc.message)
            return redirect(back)
        messages.success(request, deleted(outcome))
        return redirect(back)
    return render(
        request,
        "editorial/confirm_delete.html",
        {
            "what": what,
            "object": obj,
            "form": form,
            "consequence": consequence,
            "back": reverse(back),
        },
        status=400 if request.method == "POST" else 200,
    )


@allowed(permissions.can_edit_proposal)
def theme_edit(request, pk: int | None = None):
    theme = get_object_or_404(Theme, pk=pk) if pk is not None else None
    initial = ThemeForm.initial_for(theme) if theme is not None else {}
    form = ThemeForm(request.POST if request.method == "POST" else None, initial=initial)
    return _reference_data_form(
        request,
        theme,
        form,
        create=lambda user: services.create_theme(user, form.theme_input()),
        update=lambda user, obj, revision: services.update_theme(
            user, obj, revision, form.theme_input()
        ),
        template="editorial/theme_form.html",
        name="theme",
        saved=lambda form: f"Theme “{form.cleaned_data['name']}” saved.",
        back="theme-list",
    )


@allowed(permissions.can_edit_proposal)
def theme_delete(request, pk: int):
    theme = get_object_or_404(Theme.objects.annotate(proposal_count=Count("proposals")), pk=pk)
    return _reference_data_delete(
        request,
        theme,
        delete=services.delete_theme,
        what=f"the theme “{theme.name}”",
        consequence=f"It is taken off the {theme.proposal_count} proposal(s) that have it; "
        "each gets a new version and a history record.",
        deleted=lambda untagged: f"Theme “{theme.name}” deleted; taken off {untagged} proposal(s).",
        back="theme-list",
        again=reverse("theme-delete", kwargs={"pk": pk}),
    )


def _links():
    return ProposalLink.objects.select_related("from_proposal", "to_proposal")


@allowed(permissions.can_edit_proposal)
def link_list(request):
    return render(request, "editorial/link_list.html", {"links": _links()})


@allowed(permissions.can_edit_proposal)
def link_edit(request, pk: int | None = None):
    link = get_object_or_404(_links(), pk=pk) if pk is not None else None
    if link is not None:
        initial = ProposalLinkForm.initial_for(link)
    else:
        initial = {"from_proposal": request.GET.get("from", "")}
    form = ProposalLinkForm(request.POST if request.method == "POST" else None, initial=initial)
    return _reference_data_form(
        request,
        link,
        form,
        create=lambda user: services.create_link(user, form.link_input()),
        update=lambda user, obj, revision: services.update_link(
            user, obj, revision, form.link_input()
        ),
        template="editorial/link_form.html",
        name="link",
        saved=lambda form: "Link saved.",
        back="link-list",
    )


@allowed(permissions.can_edit_proposal)
def link_delete(request, pk: int):
    link = get_object_or_404(_links(), pk=pk)
    return _reference_data_delete(
        request,
        link,
        delete=services.delete_link,
        what=f"the link {link}",
        consequence="",
        deleted=lambda _outcome: f"Link {link} deleted.",
        back="link-list",
        again=reverse("link-delete", kwargs={"pk": pk}),
    )
