"""CSV import through the API: upload, a background job's progress, the template."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from tracker.api.errors import Conflict, TooLarge, Unavailable

from .. import imports
from . import imports_docs as docs
from . import permissions as api_permissions
from . import write_serializers as ws
from .writes import WriteView


@docs.IMPORT_VIEW
class ImportView(WriteView):
    permission_classes = [api_permissions.IsEditor]

    def post(self, request):
        serializer = ws.ImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        try:
            raw = imports.read_upload(upload)
            outcome = self.run(
                lambda: imports.start_or_run(
                    request.user,
                    raw=raw,
                    mode=serializer.validated_data["mode"],
                    filename=upload.name,
                )
            )
        except imports.ImportTooLarge as exc:
            raise TooLarge(" ".join(exc.errors)) from exc
        except imports.ImportRejected as exc:
            raise exceptions.ValidationError({"file": exc.errors}) from exc
        except imports.ImportInProgress as exc:
            raise Conflict(exc.message) from exc
        except imports.ImportBusy as exc:
            raise Unavailable(exc.message) from exc
        if isinstance(outcome, imports.Queued):
            return Response(
                {
                    "job": outcome.job_id,
                    "status_url": request.build_absolute_uri(f"{outcome.job_id}/"),
                },
                status=status.HTTP_202_ACCEPTED,
            )
        result = outcome
        return Response(result.as_dict(), status=status.HTTP_201_CREATED)


@docs.IMPORT_JOB_VIEW
class ImportJobView(WriteView):
    permission_classes = [api_permissions.IsEditor]

    def get(self, request, job_id: str):
        job = imports.job_state(job_id)
        if job is None or job["user_id"] != request.user.pk:
            raise exceptions.NotFound()
        return Response({k: v for k, v in job.items() if k not in ("user_id", "claim_id")})


@docs.IMPORT_TEMPLATE_VIEW
class ImportTemplateView(WriteView):
    permission_classes = [api_permissions.IsEditor]

    def get(self, request):
        response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="status-updates-template.csv"'
        return response
