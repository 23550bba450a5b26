"""Output serializers shared by the JSON API and the HTML pages.

Every resource has ``url`` (its permalink for machines, under ``/api/v1/``) and,
where a page exists, ``html_url`` (its permalink for people).  The ETag of a
read (``conditional.etag_for(serializer.data)``) is the one a write must send
back with ``If-Match``: serialize the same object with the same serializer and
the same request (absolute URLs depend on the host).
"""

from __future__ import annotations

import re

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from evidence.models import Evidence

from .. import permissions
from ..models import (
    STATUS_DEFINITIONS,
    ActingBody,
    Paper,
    Proposal,
    ProposalLink,
    Section,
    Status,
    StatusUpdate,
    Theme,
)


def absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


# A proposal reference as the API's detail route accepts it (``ProposalViewSet``).
REFERENCE_PATTERN = r"1[0-9]{2}-[0-9a-z.]+"
_REFERENCE = re.compile(REFERENCE_PATTERN)
_DIGITS = re.compile(r"[0-9]+")

# Per route: the values that go into the URL exactly as they are (unreserved
# characters only, and accepted by the route's pattern), and a placeholder of
# that form which appears nowhere else in the URL.
_ROUTE_VALUES: dict[str, tuple[re.Pattern, str]] = {
    "api:proposal-detail": (_REFERENCE, "199-zzplaceholderzz"),
    "proposal-detail": (_REFERENCE, "199-zzplaceholderzz"),
    "api:statusupdate-detail": (_DIGITS, "987654321987"),
    "status-update-detail": (_DIGITS, "987654321987"),
}


class Permalinks:
    """Absolute permalinks for one request: ``absolute(request, reverse(name,
    args=[value]))`` with the route reversed once and each row's value put in
    its place.  ``reverse()`` and ``build_absolute_uri()`` per URL were most of
    the time of a page of proposals (about a dozen URLs per row).

    A value outside the route's simple form falls back to ``reverse()``, so the
    result (or the error) is always the one ``reverse()`` gives."""

    def __init__(self, request):
        self.request = request
        self._parts: dict[str, tuple[str, str]] = {}

    @classmethod
    def of(cls, context: dict) -> Permalinks:
        """The serializer tree's instance (shared through its context)."""
        links = context.get("_permalinks")
        if links is None:
            links = context["_permalinks"] = cls(context.get("request"))
        return links

    def __call__(self, name: str, value) -> str:
        text = str(value)
        pattern, placeholder = _ROUTE_VALUES[name]
        if not pattern.fullmatch(text):
            return absolute(self.request, reverse(name, args=[value]))
        parts = self._parts.get(name)
        if parts is None:
            url = absolute(self.request, reverse(name, args=[placeholder]))
            head, found, tail = url.rpartition(placeholder)
            if not found:  # cannot happen with the routes above; stay correct anyway
                return absolute(self.request, reverse(name, args=[value]))
            parts = self._parts[name] = (head, tail)
        return parts[0] + text + parts[1]


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


def acting_body(body: ActingBody) -> dict:
    """``ActingBodySerializer(body).data`` without a serializer per row."""
    return {"slug": _text(body.slug), "name": _text(body.name), "kind": body.kind}


# What DRF's CharField and DateTimeField make of a model value (None stays None).
def _text(value) -> str | None:
    return None if value is None else str(value)


_DATETIME = serializers.DateTimeField(read_only=True)


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
    """A proposal with its current status (``current_status``/``current_update``
    from ``selectors.proposal_queryset`` and ``attach_current_updates``).

    The declared fields describe the representation (the schema, the CSV
    columns); ``to_representation`` builds the same dict directly, without
    DRF's per-field machinery or a nested serializer per row (a page of 25 cost
    more in field plumbing than in queries).  ``tests/test_api_representation.py``
    checks it against DRF's generic ``Serializer.to_representation``."""

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

    def to_representation(self, instance: Proposal) -> dict:
        obj = instance
        links = Permalinks.of(self.context)
        return {
            "reference": _text(obj.reference),
            "url": links("api:proposal-detail", obj.reference),
            "html_url": links("proposal-detail", obj.reference),
            "paper": int(obj.paper.number),
            "section": self.get_section(obj),
            "kind": obj.kind,
            "position": _text(obj.position),
            "paragraph": _text(obj.paragraph),
            "argued_in": obj.argued_in,
            "text": _text(obj.text),
            "repairs": obj.repairs,
            "applicability": obj.applicability,
            "themes": [theme.slug for theme in obj.themes.all()],
            "parent": self.get_parent(obj),
            "children": self.get_children(obj),
            "links": self.get_links(obj),
            "current_status": self.get_current_status(obj),
            "source_lines": self.get_source_lines(obj),
            "version": None if obj.version is None else int(obj.version),
            "updated_at": None
            if obj.updated_at is None
            else _DATETIME.to_representation(obj.updated_at),
        }

    def _ref(self, proposal: Proposal) -> dict:
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
        return {
            "status": status,
            "label": Status(status).label,
            "definition": STATUS_DEFINITIONS[status],
            "effective_date": update.effective_date if update else None,
            "date_precision": update.date_precision if update else None,
            "acting_bodies": [acting_body(body) for body in update.acting_bodies.all()]
            if update
            else [],
            "update": Permalinks.of(self.context)("api:statusupdate-detail", update.pk)
            if update
            else None,
        }

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_source_lines(self, obj: Proposal) -> list[int] | None:
        if obj.source_line_start is None:
            return None
        return [obj.source_line_start, obj.source_line_end]


# --- Evidence and status updates ---------------------------------------------


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


class StatusUpdateRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField(help_text="API permalink of the status update.")
    html_url = serializers.CharField(help_text="Page permalink of the status update.")


class ProposalLinkRefSerializer(serializers.Serializer):
    reference = serializers.CharField()
    url = serializers.CharField(help_text="API permalink of the proposal.")
    html_url = serializers.CharField(help_text="Page permalink of the proposal.")


def update_ref(request, pk: int) -> dict:
    return {
        "id": pk,
        "url": absolute(request, reverse("api:statusupdate-detail", args=[pk])),
        "html_url": absolute(request, reverse("status-update-detail", kwargs={"pk": pk})),
    }


def proposal_ref(request, reference: str) -> dict:
    return {
        "reference": reference,
        "url": absolute(request, reverse("api:proposal-detail", args=[reference])),
        "html_url": absolute(request, reverse("proposal-detail", kwargs={"reference": reference})),
    }


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
    acting_bodies = ActingBodySerializer(many=True, read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    corrects = serializers.SerializerMethodField()
    corrected_by = serializers.SerializerMethodField()
    is_corrected = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField(
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
        return obj.state == StatusUpdate.State.CORRECTED

    def get_author(self, obj: StatusUpdate) -> str:
        author = obj.author
        if author is not None and hasattr(obj, "author_role"):
            # The selector read the role with the row; hand it to role_of's
            # per-user cache instead of one groups query per row.
            author._tracker_role = obj.author_role
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


class ProposalDetailSerializer(ProposalSerializer):
    """A proposal with its whole public status history (newest effective date
    first; corrected updates stay, marked ``is_corrected``) and the evidence
    cited by it."""

    status_history = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()

    class Meta(ProposalSerializer.Meta):
        fields = [*ProposalSerializer.Meta.fields, "status_history", "evidence"]

    def to_representation(self, instance: Proposal) -> dict:
        data = super().to_representation(instance)
        data["status_history"] = self.get_status_history(instance)
        data["evidence"] = self.get_evidence(instance)
        return data

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


# --- Change log and dump -----------------------------------------------------


class ChangeSerializer(serializers.Serializer):
    """One entry of ``/api/v1/changes/`` (a ``selectors.Change``)."""

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
    source = serializers.CharField(help_text="The site the dump was taken from.")
    papers = PaperSerializer(many=True)
    themes = ThemeSerializer(many=True)
    acting_bodies = ActingBodySerializer(many=True)
    proposals = ProposalDetailSerializer(many=True)
    evidence = EvidenceDetailSerializer(many=True)
