"""Input serializers for API writes, and the representation of unpublished
updates (drafts), which the public read API never shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework import serializers

from evidence.models import Evidence

from .. import services
from ..models import ActingBody, DatePrecision, Proposal, Status
from ..services.validation import max_length
from .serializers import StatusUpdateSerializer

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class DraftSerializer(StatusUpdateSerializer):
    """A status update in any state, as its author and editors see it."""

    author: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    reviewed_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta(StatusUpdateSerializer.Meta):
        fields = [
            *StatusUpdateSerializer.Meta.fields,  # with author: the username here
            "reviewed_by",
            "review_comment",
            "submitted_at",
        ]


class EvidenceInputSerializer(serializers.Serializer):
    """An evidence source, checked by the same rules as the site's forms and the CSV
    import: the stored lengths, no NUL, an http:// or https:// address."""

    source_url = serializers.URLField(max_length=max_length(Evidence, "url"))
    title = serializers.CharField(max_length=max_length(Evidence, "title"))
    publisher = serializers.CharField(max_length=max_length(Evidence, "publisher"))
    kind = serializers.ChoiceField(choices=Evidence.Kind.choices)
    published_date = serializers.DateField()
    accessed_date = serializers.DateField(required=False, allow_null=True)
    archived_url = serializers.URLField(
        max_length=max_length(Evidence, "archived_url"), required=False, allow_blank=True
    )
    quote = serializers.CharField(required=False, allow_blank=True)
    page = serializers.CharField(
        max_length=max_length(Evidence, "page"), required=False, allow_blank=True
    )

    def validate(self, attrs: dict) -> dict:
        problems = self.input_from(attrs).problems()
        if problems:
            raise serializers.ValidationError(
                {
                    ("source_url" if name == "url" else name): found
                    for name, found in problems.items()
                }
            )
        return attrs

    def to_input(self) -> services.EvidenceInput:
        return self.input_from(self.validated_data)

    @staticmethod
    def input_from(data: dict) -> services.EvidenceInput:
        return services.EvidenceInput.from_cleaned(data, url_field="source_url")


class DraftInputSerializer(serializers.Serializer):
    """Create (``proposal`` required) or change a draft.  ``evidence`` cites
    sources of the library by id; ``new_evidence`` adds sources on the spot (a
    URL the library has is reused)."""

    proposal = serializers.SlugRelatedField(
        slug_field="reference", queryset=Proposal.objects.all(), required=False
    )
    status = serializers.ChoiceField(choices=Status.choices)
    effective_date = serializers.DateField()
    date_precision = serializers.ChoiceField(
        choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    rationale = serializers.CharField()
    acting_bodies = serializers.SlugRelatedField(
        slug_field="slug", queryset=ActingBody.objects.all(), many=True, required=False
    )
    evidence = serializers.PrimaryKeyRelatedField(
        queryset=Evidence.objects.filter(replaced_by__isnull=True), many=True, required=False
    )
    new_evidence = EvidenceInputSerializer(many=True, required=False)


class ReturnInputSerializer(serializers.Serializer):
    comment = serializers.CharField()


class ImportInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    mode = serializers.ChoiceField(choices=["draft", "publish"], default="draft")


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    skipped = serializers.IntegerField()
    published = serializers.IntegerField()
    evidence_created = serializers.IntegerField()


class ImportQueuedSerializer(serializers.Serializer):
    """A file too long to import during the request: it runs in the background."""

    job = serializers.CharField(help_text="The job's id.")
    status_url = serializers.URLField(help_text="Poll it (GET) for progress and the result.")


class ImportJobSerializer(serializers.Serializer):
    """Progress of a background import (``imports.start_import_job``)."""

    id = serializers.CharField()
    mode = serializers.ChoiceField(choices=["draft", "publish"])
    filename = serializers.CharField(allow_blank=True)
    # Not a ChoiceField: its enum would collide with the status updates' ``StateEnum``.
    state = serializers.CharField(
        help_text="queued, running, done (imported: see result) or failed (nothing was "
        "written: see errors)."
    )
    phase = serializers.ChoiceField(choices=["queued", "validating", "writing", "done"])
    done = serializers.IntegerField(help_text="Rows handled so far in this phase.")
    total = serializers.IntegerField(help_text="Rows in the file.")
    # ``errors`` is also a Serializer property; DRF's metaclass takes declared fields
    # off the class, which the stubs cannot know.
    errors = serializers.ListField(  # type: ignore[assignment]
        child=serializers.CharField(), help_text="Line-numbered reasons for a failed import."
    )
    result = ImportResultSerializer(allow_null=True)
    update_ids = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Once done: the ids of the drafts (or published updates) the import "
        "created, for /api/v1/status-updates/<id>/.",
    )
