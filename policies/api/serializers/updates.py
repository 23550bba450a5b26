"""Evidence sources and status updates as the API presents them."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from evidence.models import Evidence
from tracker.api.links import absolute

from ... import permissions
from ...models import (
    STATUS_DEFINITIONS,
    ActingBody,
    StatusUpdate,
)
from .links import (
    Permalinks,
    ProposalLinkRefSerializer,
    StatusUpdateRefSerializer,
    proposal_ref,
    update_ref,
)


class ActingBodySerializer(serializers.ModelSerializer):
    class Meta:
        model = ActingBody
        fields = ["slug", "name", "kind"]


def acting_body(body: ActingBody) -> dict:
    """``ActingBodySerializer(body).data`` without a serializer per row."""
    return {"slug": as_text(body.slug), "name": as_text(body.name), "kind": body.kind}


# What DRF's CharField and DateTimeField make of a model value (None stays None).
def as_text(value) -> str | None:
    return None if value is None else str(value)


DATETIME_FIELD = serializers.DateTimeField(read_only=True)


class EvidenceSerializer(serializers.ModelSerializer):
    """A citable source.  ``url`` is this record's API permalink; ``source_url``
    is the address of the source itself (the model's ``url``)."""

    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()
    source_url = serializers.URLField(source="url", read_only=True)
    replaced_by = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "url",
            "html_url",
            "kind",
            "title",
            "publisher",
            "source_url",
            "published_date",
            "accessed_date",
            "archived_url",
            "quote",
            "page",
            "is_published",
            "replaced_by",
            "version",
            "created_at",
            "updated_at",
        ]

    def get_url(self, obj: Evidence) -> str:
        return absolute(self.context.get("request"), reverse("api:evidence-detail", args=[obj.pk]))

    def get_html_url(self, obj: Evidence) -> str:
        return absolute(self.context.get("request"), obj.get_absolute_url())

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_replaced_by(self, obj: Evidence) -> str | None:
        if obj.replaced_by_id is None:
            return None
        return absolute(
            self.context.get("request"), reverse("api:evidence-detail", args=[obj.replaced_by_id])
        )


class StatusUpdateSerializer(serializers.ModelSerializer):
    """A published (or published-then-corrected) judgement of a proposal's status.

    Expects the object from ``selectors.status_update_queryset()`` (proposal
    selected, acting bodies, evidence and public corrections prefetched); the
    campaigners' write views reuse it for their responses and for ``If-Match``.
    """

    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()
    proposal = serializers.SerializerMethodField()
    status_label = serializers.SerializerMethodField()
    status_definition = serializers.SerializerMethodField()
    effective_date_display = serializers.CharField(
        source="when",
        read_only=True,
        help_text='The effective date written no more precisely than it is known: "2023", '
        '"March 2023" or "1 March 2023".',
    )
    acting_bodies = ActingBodySerializer(many=True, read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    corrects = serializers.SerializerMethodField()
    corrected_by = serializers.SerializerMethodField()
    is_corrected = serializers.SerializerMethodField()
    # A field of some kind: ``DraftSerializer`` shows the username instead.
    author: serializers.Field = serializers.SerializerMethodField(
        help_text="Who judged it, as the public sees them: their role (Campaigner, Editor, "
        "Administrator), or their name where the site shows authors' names."
    )

    class Meta:
        model = StatusUpdate
        fields = [
            "id",
            "url",
            "html_url",
            "proposal",
            "status",
            "status_label",
            "status_definition",
            "effective_date",
            "date_precision",
            "effective_date_display",
            "acting_bodies",
            "rationale",
            "evidence",
            "state",
            "is_corrected",
            "corrects",
            "corrected_by",
            "published_at",
            "author",
            "version",
            "updated_at",
        ]

    def get_url(self, obj: StatusUpdate) -> str:
        return Permalinks.of(self.context)("api:statusupdate-detail", obj.pk)

    def get_html_url(self, obj: StatusUpdate) -> str:
        return Permalinks.of(self.context)("status-update-detail", obj.pk)

    @extend_schema_field(ProposalLinkRefSerializer)
    def get_proposal(self, obj: StatusUpdate) -> dict:
        return proposal_ref(self.context.get("request"), obj.proposal.reference)

    def get_status_label(self, obj: StatusUpdate) -> str:
        return obj.get_status_display()

    def get_status_definition(self, obj: StatusUpdate) -> str:
        return STATUS_DEFINITIONS[obj.status]

    def get_is_corrected(self, obj: StatusUpdate) -> bool:
        return obj.is_corrected

    def get_author(self, obj: StatusUpdate) -> str:
        author = obj.author
        if author is not None and hasattr(obj, "author_role"):
            # The selector read the role with the row; hand it to role_of's
            # per-user cache instead of one groups query per row.
            permissions.remember_role(author, obj.author_role)
        return permissions.public_author_label(author)

    @extend_schema_field(StatusUpdateRefSerializer(allow_null=True))
    def get_corrects(self, obj: StatusUpdate) -> dict | None:
        if obj.corrects_id is None:
            return None
        return update_ref(self.context.get("request"), obj.corrects_id)

    @extend_schema_field(StatusUpdateRefSerializer(many=True))
    def get_corrected_by(self, obj: StatusUpdate) -> list[dict]:
        corrections = getattr(obj, "public_corrections", None)
        if corrections is None:
            corrections = obj.corrections.public()
        return [update_ref(self.context.get("request"), c.pk) for c in corrections]


class EvidenceDetailSerializer(EvidenceSerializer):
    """Evidence with the public status updates that cite it."""

    cited_by = serializers.SerializerMethodField()

    class Meta(EvidenceSerializer.Meta):
        fields = [*EvidenceSerializer.Meta.fields, "cited_by"]

    @extend_schema_field(StatusUpdateRefSerializer(many=True))
    def get_cited_by(self, obj: Evidence) -> list[dict]:
        request = self.context.get("request")
        return [update_ref(request, u.pk) for u in getattr(obj, "public_updates", [])]
