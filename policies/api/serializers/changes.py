"""The change log and the whole-dataset dump as the API presents them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ...models import (
    StatusUpdate,
)
from .links import ProposalLinkRefSerializer, proposal_ref
from .proposals import PaperSerializer, ProposalDetailSerializer, ThemeSerializer
from .updates import ActingBodySerializer, EvidenceDetailSerializer, StatusUpdateSerializer

# --- Change log and dump -----------------------------------------------------


class ChangeSerializer(serializers.Serializer):
    """One entry of ``/api/v1/changes/`` (a ``changes.Change``)."""

    type = serializers.ChoiceField(
        choices=["status_update", "correction", "proposal_edited"],
        help_text="status_update: a published update; correction: a published update that "
        "corrects an earlier one; proposal_edited: the proposal's text or themes changed.",
    )
    at = serializers.DateTimeField(help_text="When it was published (or edited).")
    proposal = serializers.SerializerMethodField()
    status_update = serializers.SerializerMethodField()
    is_corrected = serializers.SerializerMethodField()
    proposal_version = serializers.SerializerMethodField()

    @extend_schema_field(ProposalLinkRefSerializer)
    def get_proposal(self, obj) -> dict:
        return proposal_ref(self.context.get("request"), obj.reference)

    @extend_schema_field(StatusUpdateSerializer(allow_null=True))
    def get_status_update(self, obj) -> dict | None:
        if obj.update is None:
            return None
        return StatusUpdateSerializer(obj.update, context=self.context).data

    def get_is_corrected(self, obj) -> bool:
        """True when this update has since been corrected (see its ``corrected_by``)."""
        return obj.update is not None and obj.update.state == StatusUpdate.State.CORRECTED

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_proposal_version(self, obj) -> int | None:
        return obj.record.version if obj.record is not None else None


class ChangesQuerySerializer(serializers.Serializer):
    """Query parameters of ``/api/v1/changes/``."""

    since = serializers.DateTimeField(
        required=False,
        help_text="ISO 8601 date or date-time: changes at or after it (inclusive).",
        input_formats=["iso-8601", "%Y-%m-%d"],
    )
    until = serializers.DateTimeField(
        required=False,
        help_text="ISO 8601 date or date-time: changes before it (exclusive).",
        input_formats=["iso-8601", "%Y-%m-%d"],
    )
    paper = serializers.IntegerField(required=False, help_text="Only changes to this paper.")
    theme = serializers.SlugField(required=False, help_text="Only changes to this theme.")
    proposal = serializers.CharField(
        required=False, max_length=20, help_text="Only changes to this proposal (reference)."
    )

    def validate(self, attrs):
        if attrs.get("since") and attrs.get("until") and attrs["since"] >= attrs["until"]:
            raise serializers.ValidationError({"until": "until must be after since."})
        return attrs


class DumpSerializer(serializers.Serializer):
    """The whole public dataset in one document."""

    schema_version = serializers.IntegerField(
        help_text="Version of this document's layout; bumped on incompatible changes."
    )
    generated_at = serializers.DateTimeField()
    licence = serializers.CharField()
    # ``source`` is also a Field attribute; DRF's metaclass takes declared fields off
    # the class, which the stubs cannot know.
    source = serializers.CharField(  # type: ignore[assignment]
        help_text="The site the dump was taken from."
    )
    papers = PaperSerializer(many=True)
    themes = ThemeSerializer(many=True)
    acting_bodies = ActingBodySerializer(many=True)
    proposals = ProposalDetailSerializer(many=True)
    evidence = EvidenceDetailSerializer(many=True)
