"""CSV import of status updates: template, allowed values, upload, progress of a
background job, and submitting an import's drafts for review."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render

from tracker import faults

from ... import imports, permissions, services
from ...models import StatusUpdate
from ..access import allowed
from ..forms import MAX_INTEGER, ImportForm

# How many drafts one "submit all" may name (an import's drafts, not a free list).
SUBMIT_ALL_LIMIT = 10_000


def _ids(request) -> list[int] | None:
    """The posted update ids, or None if any is not a whole number in range."""
    raw = request.POST.getlist("updates")
    if not raw or len(raw) > SUBMIT_ALL_LIMIT:
        return None
    ids = []
    for value in raw:
        if not (value.isascii() and value.isdigit()) or int(value) > MAX_INTEGER:
            return None
        ids.append(int(value))
    return ids


def _created(update_ids: list[int]) -> list[StatusUpdate]:
    """The drafts an import created, with their proposals (one query)."""
    return list(
        StatusUpdate.objects.filter(pk__in=update_ids)
        .select_related("proposal")
        .order_by("proposal__paper__number", "proposal__position", "pk")
        if update_ids
        else []
    )


@allowed(permissions.can_import)
def import_template(request):
    response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="status-updates-template.csv"'
    return response


@allowed(permissions.can_import)
def import_values(request):
    return render(request, "editorial/import_values.html", {"values": imports.allowed_values()})


@allowed(permissions.can_import)
def import_values_csv(request):
    response = HttpResponse(imports.allowed_values_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="status-updates-allowed-values.csv"'
    return response


@allowed(permissions.can_import)
def import_upload(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    result = None
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome = imports.start_or_run(
                request.user,
                raw=imports.read_upload(upload),
                mode=form.cleaned_data["mode"],
                filename=upload.name,
            )
        except imports.ImportTooLarge as exc:
            form.add_error("file", exc.errors)
            status = 413
        except imports.ImportRejected as exc:
            errors = exc.errors
        except imports.ImportInProgress as exc:
            errors, status = [exc.message], 409
        except imports.ImportBusy as exc:
            errors, status = [exc.message], 503
        except faults.QueueUnavailable:
            # The form comes back as it was sent (mode chosen); the file must be chosen again.
            errors = [
                "This file is long enough to run in the background, and the task queue is "
                "unavailable just now: nothing was imported. Please try again in a few minutes."
            ]
            status = 503
        except services.NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        else:
            if isinstance(outcome, imports.Queued):
                return redirect("import-job", job_id=outcome.job_id)
            result, status = outcome, 200
    return render(
        request,
        "editorial/import.html",
        {
            "form": form,
            "errors": errors,
            "unknown_bodies": any("acting bod" in e for e in errors),
            "result": result,
            "created": _created(result.update_ids) if result else [],
            "header": imports.TEMPLATE_HEADER,
            "separator": imports.BODY_SEPARATOR,
        },
        status=status,
    )


@allowed(permissions.can_import)
def import_job(request, job_id: str):
    job = imports.job_state(job_id)
    if job is None or job["user_id"] != request.user.pk:
        raise Http404
    created = _created(job.get("update_ids") or []) if job.get("state") == "done" else []
    return render(request, "editorial/import_job.html", {"job": job, "created": created})


@allowed(permissions.can_import)
def import_submit_all(request):
    """Submit every draft an import created (the ids the result page lists)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    ids = _ids(request)
    if ids is None:
        return HttpResponse("No valid list of drafts to submit.", status=400)
    try:
        submitted = imports.submit_all(request.user, update_ids=ids)
    except services.NotPermitted as exc:
        raise PermissionDenied(exc.message) from exc
    except services.ServiceError as exc:
        messages.error(request, f"Nothing was submitted: {exc.message}")
        return redirect("my-drafts")
    messages.success(request, f"{submitted} draft(s) submitted for review.")
    return redirect("review-queue")
