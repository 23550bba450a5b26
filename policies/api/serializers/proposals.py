"""Papers, sections, themes and proposals as the API presents them.

Every resource has ``url`` (its permalink for machines, under ``/api/v1/``) and,
where a page exists, ``html_url`` (its permalink for people).  The ETag of a
read (``conditional.etag_for(serializer.data)``) is the one a write must send
back with ``If-Match``: serialize the same object with the same serializer and
the same request (absolute URLs depend on the host).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from evidence.models import Evidence
from tracker.api.links import absolute

from ... import search, selectors
from ...models import (
    STATUS_DEFINITIONS,
    DeliveryCriteria,
    Paper,
    Proposal,
    ProposalLink,
    ProposalRef,
    Section,
    Status,
    Theme,
    precise_date,
)
from .links import Permalinks
from .updates import (
    DATETIME_FIELD,
    ActingBodySerializer,
    EvidenceSerializer,
    StatusUpdateSerializer,
    acting_body,
    as_text,
)


class ThemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["slug", "name", "description"]


class SectionSerializer(serializers.ModelSerializer):
    paper = serializers.IntegerField(source="paper.number", read_only=True)

    class Meta:
        model = Section
        fields = ["id", "paper", "number", "title", "order"]


class PaperSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()
    sections = SectionSerializer(many=True, read_only=True)

    class Meta:
        model = Paper
        fields = [
            "number",
            "title",
            "year",
            "route",
            "route_description",
            "source_title",
            "applicability_note",
            "sections",
            "url",
            "html_url",
        ]

    def get_url(self, obj: Paper) -> str:
        return absolute(self.context.get("request"), reverse("api:paper-detail", args=[obj.number]))

    def get_html_url(self, obj: Paper) -> str:
        return absolute(self.context.get("request"), obj.get_absolute_url())


class CurrentStatusSerializer(serializers.Serializer):
    """A proposal's status now (or ``as_at``), with who acted and since when."""

    status = serializers.CharField()
    # These two names are also Serializer attributes (``label``, ``update()``); the
    # stubs cannot know that DRF's metaclass takes declared fields off the class.
    label = serializers.CharField()  # type: ignore[assignment]
    definition = serializers.CharField()
    effective_date = serializers.DateField(allow_null=True)
    date_precision = serializers.CharField(allow_null=True)
    effective_date_display = serializers.CharField(
        help_text='The effective date written no more precisely than it is known: "2023", '
        '"March 2023" or "1 March 2023"; empty when not assessed.'
    )
    acting_bodies = ActingBodySerializer(many=True)
    update = serializers.CharField(  # type: ignore[assignment]
        allow_null=True, help_text="API URL of the status update."
    )


class ProposalRefSerializer(serializers.Serializer):
    reference = serializers.CharField()
    url = serializers.CharField()


class LinkSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=["to_138", "from_118"])
    link_type = serializers.ChoiceField(choices=ProposalLink.LinkType.choices)
    takes_up = serializers.BooleanField(
        help_text="True when paper 138 took the 118 proposal up (carried over, reworded, "
        "strengthened or weakened); a related link does not: the 118 proposal then stays "
        "not revisited, still party policy."
    )
    note = serializers.CharField()
    proposal = ProposalRefSerializer()


class ProposalSerializer(serializers.ModelSerializer):
    """A proposal with its current status (``current_status``/``current_update``
    from ``selectors.proposal_queryset`` and ``attach_current_updates``) and, in
    search results, its snippet (``search.attach_snippets``).

    The declared fields describe the representation (the schema, the CSV
    columns); ``to_representation`` builds the same dict directly, without
    DRF's per-field machinery or a nested serializer per row (a page of 25 cost
    more in field plumbing than in queries).  ``tests/test_api_representation.py``
    checks it against DRF's generic ``Serializer.to_representation``."""

    # (Not in the docstring, which the OpenAPI schema shows.)  ``represent_row``
    # builds that dict from a row of plain values: the API list passes rows of
    # ``selectors.proposal_rows`` (no model instance), ``to_representation`` the row
    # of an instance (``selectors.row_of``); ``tests/test_api_list_rows.py`` checks
    # the two give the same bytes.

    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()
    paper = serializers.IntegerField(source="paper.number", read_only=True)
    section = serializers.SerializerMethodField()
    themes: serializers.SlugRelatedField[Theme] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    # ``parent`` is also a Field attribute; DRF's metaclass takes declared fields off
    # the class, which the stubs cannot know.
    parent = serializers.SerializerMethodField()  # type: ignore[assignment]
    children = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()
    current_status = serializers.SerializerMethodField()
    source_lines = serializers.SerializerMethodField()
    snippet = serializers.SerializerMethodField(
        help_text="With `q`: the passage of about 30 words that matched best (in the text, its "
        "context or the evidence it cites), as plain text with each match between « and » "
        "(U+00AB, U+00BB); the start of the text when no passage matched (a query of "
        "exclusions only). Null without `q`."
    )

    class Meta:
        model = Proposal
        fields = [
            "reference",
            "url",
            "html_url",
            "paper",
            "section",
            "kind",
            "position",
            "paragraph",
            "argued_in",
            "text",
            "repairs",
            "applicability",
            "themes",
            "parent",
            "children",
            "links",
            "current_status",
            "source_lines",
            "version",
            "updated_at",
            "snippet",
        ]

    def to_representation(self, instance: Proposal) -> dict:
        row = selectors.row_of(instance)
        row["snippet"] = getattr(instance, "search_snippet", None)
        return self.represent_row(row)

    def represent_row(self, row: dict[str, Any]) -> dict:
        """The representation of a row of ``selectors.proposal_rows`` (with
        ``attach_row_listing`` and ``snippet``, the raw ``search_snippet`` or None)
        or of ``selectors.row_of`` an instance: the list builds no model instance."""
        links = Permalinks.of(self.context)
        reference = row["reference"]
        paper = row["paper__number"]
        status = row["status"]
        update = row["current_update_id"]
        effective_date = row["current_update__effective_date"]
        precision = row["current_update__date_precision"]
        start = row["source_line_start"]
        version = row["version"]
        updated_at = row["updated_at"]
        parent = row["parent__reference"]
        return {
            "reference": as_text(reference),
            "url": links("api:proposal-detail", reference),
            "html_url": links("proposal-detail", reference),
            "paper": int(paper),
            "section": {
                "id": row["section_id"],
                "paper": paper,
                "number": row["section__number"],
                "title": row["section__title"],
                "order": row["section__order"],
            },
            "kind": row["kind"],
            "position": as_text(row["position"]),
            "paragraph": as_text(row["paragraph"]),
            "argued_in": row["argued_in"],
            "text": as_text(row["text"]),
            "repairs": row["repairs"],
            "applicability": row["applicability"],
            "themes": row["themes"],
            "parent": None if parent is None else self._ref_of(parent),
            "children": [self._ref_of(child) for child in row["children"]],
            "links": [
                {
                    "direction": link.direction,
                    "link_type": link.link_type,
                    "takes_up": link.takes_up,
                    "note": link.note,
                    "proposal": self._ref_of(link.proposal.reference),
                }
                for link in row["links"]
            ],
            "current_status": {
                "status": status,
                "label": str(Status(status).label),
                "definition": STATUS_DEFINITIONS[status],
                "effective_date": effective_date,
                "date_precision": precision,
                "effective_date_display": precise_date(effective_date, precision),
                "acting_bodies": [
                    {"slug": as_text(b["slug"]), "name": as_text(b["name"]), "kind": b["kind"]}
                    for b in row["acting_bodies"]
                ],
                "update": None if update is None else links("api:statusupdate-detail", update),
            },
            "source_lines": None if start is None else [start, row["source_line_end"]],
            "version": None if version is None else int(version),
            "updated_at": None
            if updated_at is None
            else DATETIME_FIELD.to_representation(updated_at),
            "snippet": search.snippet_text(row["snippet"]),
        }

    def _ref_of(self, reference: str) -> dict:
        return {
            "reference": reference,
            "url": Permalinks.of(self.context)("api:proposal-detail", reference),
        }

    def _ref(self, proposal: Proposal | ProposalRef) -> dict:
        return {
            "reference": proposal.reference,
            "url": Permalinks.of(self.context)("api:proposal-detail", proposal.reference),
        }

    @extend_schema_field(SectionSerializer)
    def get_section(self, obj: Proposal) -> dict:
        s = obj.section
        return {
            "id": s.pk,
            "paper": obj.paper.number,
            "number": s.number,
            "title": s.title,
            "order": s.order,
        }

    def get_url(self, obj: Proposal) -> str:
        return Permalinks.of(self.context)("api:proposal-detail", obj.reference)

    def get_html_url(self, obj: Proposal) -> str:
        return Permalinks.of(self.context)("proposal-detail", obj.reference)

    @extend_schema_field(ProposalRefSerializer(allow_null=True))
    def get_parent(self, obj: Proposal) -> dict | None:
        return self._ref(obj.parent) if obj.parent is not None else None

    @extend_schema_field(ProposalRefSerializer(many=True))
    def get_children(self, obj: Proposal) -> list[dict]:
        return [self._ref(child) for child in obj.child_references()]

    @extend_schema_field(LinkSerializer(many=True))
    def get_links(self, obj: Proposal) -> list[dict]:
        return [
            {
                "direction": link.direction,
                "link_type": link.link_type,
                "takes_up": link.takes_up,
                "note": link.note,
                "proposal": self._ref(link.proposal),
            }
            for link in obj.linked_proposals()
        ]

    @extend_schema_field(CurrentStatusSerializer)
    def get_current_status(self, obj: Proposal) -> dict:
        now = obj.status_now
        return {
            "status": now.status,
            "label": now.label,
            "definition": now.definition,
            "effective_date": now.effective_date,
            "date_precision": now.date_precision,
            "effective_date_display": now.when,
            "acting_bodies": [acting_body(body) for body in now.acting_bodies],
            "update": Permalinks.of(self.context)("api:statusupdate-detail", now.update.pk)
            if now.update
            else None,
        }

    def get_snippet(self, obj: Proposal) -> str | None:
        # Attached by ``search.attach_snippets`` to a page of search results.
        return search.snippet_text(getattr(obj, "search_snippet", None))

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_source_lines(self, obj: Proposal) -> list[int | None] | None:
        if obj.source_line_start is None:
            return None
        return [obj.source_line_start, obj.source_line_end]


class PublicDeliveryCriteriaSerializer(serializers.Serializer):
    """What editors wrote would count as delivered, partly delivered or contrary
    for the proposal (each empty when not written)."""

    delivered = serializers.CharField(allow_blank=True)
    partly_delivered = serializers.CharField(allow_blank=True)
    contrary = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


class ProposalDetailSerializer(ProposalSerializer):
    """A proposal with its whole public status history (newest effective date
    first; corrected updates stay, marked ``is_corrected``) and the evidence
    cited by it."""

    status_history = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()
    delivery_criteria = serializers.SerializerMethodField(
        help_text="What editors wrote would count as delivered, partly delivered or "
        "action contrary; null while none is written."
    )

    class Meta(ProposalSerializer.Meta):
        fields = [
            *ProposalSerializer.Meta.fields,
            "status_history",
            "evidence",
            "delivery_criteria",
        ]

    def to_representation(self, instance: Proposal) -> dict:
        data = super().to_representation(instance)
        data["status_history"] = self.get_status_history(instance)
        data["evidence"] = self.get_evidence(instance)
        data["delivery_criteria"] = self.get_delivery_criteria(instance)
        return data

    @extend_schema_field(PublicDeliveryCriteriaSerializer(allow_null=True))
    def get_delivery_criteria(self, obj: Proposal) -> dict | None:
        criteria = DeliveryCriteria.written_for(obj)
        if criteria is None:
            return None
        return {
            "delivered": criteria.delivered,
            "partly_delivered": criteria.partly_delivered,
            "contrary": criteria.contrary,
            "version": criteria.version,
            "updated_at": DATETIME_FIELD.to_representation(criteria.updated_at),
        }

    def _child(self, serializer_class: type[serializers.Serializer]) -> serializers.Serializer:
        """One child serializer for every row (the dump serializes every proposal),
        not one built, with its fields, per row."""
        children = self.__dict__.setdefault("_children", {})
        if serializer_class not in children:
            children[serializer_class] = serializer_class(context=self.context)
        return children[serializer_class]

    @extend_schema_field(StatusUpdateSerializer(many=True))
    def get_status_history(self, obj: Proposal) -> list[dict]:
        updates = getattr(obj, "public_updates", None)
        if updates is None:
            return []
        child = self._child(StatusUpdateSerializer)
        return [child.to_representation(update) for update in updates]

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, obj: Proposal) -> list[dict]:
        seen: dict[int, Evidence] = {}
        for update in getattr(obj, "public_updates", []):
            for item in update.evidence.all():
                seen.setdefault(item.pk, item)
        child = self._child(EvidenceSerializer)
        return [child.to_representation(item) for item in seen.values()]
