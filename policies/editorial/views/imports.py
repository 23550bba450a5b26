"""CSV import of status updates: template, upload, progress of a background job."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from tracker import faults

from ... import imports, permissions, services
from ..access import allowed
from ..forms import ImportForm


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
            "result": result,
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
    return render(request, "editorial/import_job.html", {"job": job})
