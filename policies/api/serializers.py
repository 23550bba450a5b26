"""Output serializers shared by the JSON API and the HTML pages."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import (
    STATUS_DEFINITIONS,
    ActingBody,
    Paper,
    Proposal,
    ProposalLink,
    Section,
    Status,
    Theme,
)


def absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


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


class ActingBodySerializer(serializers.ModelSerializer):
    class Meta:
        model = ActingBody
        fields = ["slug", "name", "kind"]


class CurrentStatusSerializer(serializers.Serializer):
    """A proposal's status now (or ``as_at``), with who acted and since when."""

    status = serializers.CharField()
    label = serializers.CharField()
    definition = serializers.CharField()
    effective_date = serializers.DateField(allow_null=True)
    date_precision = serializers.CharField(allow_null=True)
    acting_bodies = ActingBodySerializer(many=True)
    update = serializers.CharField(allow_null=True, help_text="API URL of the status update.")


class ProposalRefSerializer(serializers.Serializer):
    reference = serializers.CharField()
    url = serializers.CharField()


class LinkSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=["to_138", "from_118"])
    link_type = serializers.ChoiceField(choices=ProposalLink.LinkType.choices)
    note = serializers.CharField()
    proposal = ProposalRefSerializer()


class ProposalSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()
    paper = serializers.IntegerField(source="paper.number", read_only=True)
    section = serializers.SerializerMethodField()
    themes = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    parent = serializers.SerializerMethodField()
    children = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()
    current_status = serializers.SerializerMethodField()
    source_lines = serializers.SerializerMethodField()

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
        ]

    def _ref(self, proposal: Proposal) -> dict:
        request = self.context.get("request")
        return {
            "reference": proposal.reference,
            "url": absolute(request, reverse("api:proposal-detail", args=[proposal.reference])),
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
        return self._ref(obj)["url"]

    def get_html_url(self, obj: Proposal) -> str:
        return absolute(self.context.get("request"), obj.get_absolute_url())

    @extend_schema_field(ProposalRefSerializer(allow_null=True))
    def get_parent(self, obj: Proposal) -> dict | None:
        return self._ref(obj.parent) if obj.parent_id else None

    @extend_schema_field(ProposalRefSerializer(many=True))
    def get_children(self, obj: Proposal) -> list[dict]:
        return [self._ref(child) for child in obj.children.all()]

    @extend_schema_field(LinkSerializer(many=True))
    def get_links(self, obj: Proposal) -> list[dict]:
        links = [
            {
                "direction": "to_138",
                "link_type": link.link_type,
                "note": link.note,
                "proposal": self._ref(link.to_proposal),
            }
            for link in obj.links_out.all()
        ]
        links += [
            {
                "direction": "from_118",
                "link_type": link.link_type,
                "note": link.note,
                "proposal": self._ref(link.from_proposal),
            }
            for link in obj.links_in.all()
        ]
        return links

    @extend_schema_field(CurrentStatusSerializer)
    def get_current_status(self, obj: Proposal) -> dict:
        status = getattr(obj, "current_status", Status.NOT_ASSESSED)
        update = getattr(obj, "current_update", None)
        request = self.context.get("request")
        return {
            "status": status,
            "label": Status(status).label,
            "definition": STATUS_DEFINITIONS[status],
            "effective_date": update.effective_date if update else None,
            "date_precision": update.date_precision if update else None,
            "acting_bodies": ActingBodySerializer(
                update.acting_bodies.all() if update else [], many=True
            ).data,
            "update": absolute(request, reverse("api:statusupdate-detail", args=[update.pk]))
            if update
            else None,
        }

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_source_lines(self, obj: Proposal) -> list[int] | None:
        if obj.source_line_start is None:
            return None
        return [obj.source_line_start, obj.source_line_end]
