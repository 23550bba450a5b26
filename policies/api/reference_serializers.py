"""Editors' reference data in the API: themes, 118→138 links, a proposal's
themes and its delivery criteria, as editors read them (each with the
``revision`` or ``version`` its ETag covers) and as they write them."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .. import services
from ..models import DeliveryCriteria, Proposal, ProposalLink, Theme
from ..services.validation import max_length

# --- Output -------------------------------------------------------------------


class EditableThemeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    revision = serializers.IntegerField(
        help_text="The id of the theme's latest history record; it changes with every save."
    )


class EditableLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    from_proposal = serializers.CharField(help_text="A proposal of paper 118, by reference.")
    to_proposal = serializers.CharField(help_text="A proposal of paper 138, by reference.")
    link_type = serializers.ChoiceField(choices=ProposalLink.LinkType.choices)
    note = serializers.CharField()
    revision = serializers.IntegerField(
        help_text="The id of the link's latest history record; it changes with every save."
    )


class ProposalThemesSerializer(serializers.Serializer):
    proposal = serializers.CharField()
    themes = serializers.ListField(child=serializers.SlugField())
    version = serializers.IntegerField(help_text="The proposal's version.")


class DeliveryCriteriaSerializer(serializers.Serializer):
    """A proposal's delivery criteria (``version`` 0: none written yet)."""

    proposal = serializers.CharField()
    delivered = serializers.CharField(allow_blank=True)
    partly_delivered = serializers.CharField(allow_blank=True)
    contrary = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField()
    updated_at = serializers.DateTimeField(allow_null=True)


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.CharField(allow_null=True)
    new = serializers.CharField(allow_null=True)


class HistoryRecordSerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    history_date = serializers.DateTimeField()
    history_type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    user = serializers.CharField(allow_null=True, help_text="Username; null for the system.")
    changes = HistoryChangeSerializer(many=True)


def theme_data(theme: Theme, revision: int) -> dict[str, Any]:
    return {
        "id": theme.pk,
        "slug": theme.slug,
        "name": theme.name,
        "description": theme.description,
        "revision": revision,
    }


def link_data(link: ProposalLink, revision: int) -> dict[str, Any]:
    return {
        "id": link.pk,
        "from_proposal": link.from_proposal.reference,
        "to_proposal": link.to_proposal.reference,
        "link_type": link.link_type,
        "note": link.note,
        "revision": revision,
    }


def criteria_data(proposal: Proposal, criteria: DeliveryCriteria | None) -> dict[str, Any]:
    updated = criteria.updated_at if criteria is not None and criteria.pk else None
    return {
        "proposal": proposal.reference,
        "delivered": criteria.delivered if criteria else "",
        "partly_delivered": criteria.partly_delivered if criteria else "",
        "contrary": criteria.contrary if criteria else "",
        "version": criteria.version if criteria else 0,
        "updated_at": serializers.DateTimeField().to_representation(updated) if updated else None,
    }


# --- Input --------------------------------------------------------------------


class ThemeInputSerializer(serializers.Serializer):
    slug = serializers.SlugField(max_length=max_length(Theme, "slug"))
    name = serializers.CharField(max_length=max_length(Theme, "name"))
    description = serializers.CharField(required=False, allow_blank=True, default="")

    def to_input(self) -> services.ThemeInput:
        data = self.validated_data
        return services.ThemeInput(data["slug"], data["name"], data.get("description", ""))


def _proposal_of(paper: int) -> serializers.SlugRelatedField[Proposal]:
    return serializers.SlugRelatedField(
        slug_field="reference",
        queryset=Proposal.objects.filter(paper__number=paper).select_related("paper"),
        help_text=f"A proposal of paper {paper}, by reference.",
    )


class LinkInputSerializer(serializers.Serializer):
    from_proposal = _proposal_of(services.LINK_FROM_PAPER)
    to_proposal = _proposal_of(services.LINK_TO_PAPER)
    link_type = serializers.ChoiceField(choices=ProposalLink.LinkType.choices)
    note = serializers.CharField(max_length=max_length(ProposalLink, "note"))

    def to_input(self) -> services.LinkInput:
        data = self.validated_data
        return services.LinkInput(
            data["from_proposal"], data["to_proposal"], data["link_type"], data["note"]
        )


class ProposalThemesInputSerializer(serializers.Serializer):
    themes = serializers.SlugRelatedField(
        slug_field="slug", queryset=Theme.objects.all(), many=True, allow_empty=True
    )


def _criterion(what: str) -> serializers.CharField:
    return serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=max_length(DeliveryCriteria, "delivered"),
        trim_whitespace=False,
        help_text=f"What would count as {what}; empty (or left out) for none.",
    )


class DeliveryCriteriaInputSerializer(serializers.Serializer):
    delivered = _criterion("delivered")
    partly_delivered = _criterion("partly delivered")
    contrary = _criterion("action contrary")

    def to_input(self) -> services.CriteriaInput:
        data = self.validated_data
        return services.CriteriaInput(
            delivered=data["delivered"],
            partly_delivered=data["partly_delivered"],
            contrary=data["contrary"],
        )
