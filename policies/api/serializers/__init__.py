"""Output serializers of the read API (the write API's inputs are in
``policies.api.write_serializers``), one module per resource family; this
module is their public face (``serializers.ProposalSerializer``)."""

from .changes import ChangeSerializer, ChangesQuerySerializer, DumpSerializer
from .links import (
    REFERENCE_PATTERN,
    Permalinks,
    ProposalLinkRefSerializer,
    StatusUpdateRefSerializer,
    proposal_ref,
    update_ref,
)
from .proposals import (
    CurrentStatusSerializer,
    LinkSerializer,
    PaperSerializer,
    ProposalDetailSerializer,
    ProposalRefSerializer,
    ProposalSerializer,
    SectionSerializer,
    ThemeSerializer,
)
from .updates import (
    ActingBodySerializer,
    EvidenceDetailSerializer,
    EvidenceSerializer,
    StatusUpdateSerializer,
    acting_body,
)

__all__ = [
    "REFERENCE_PATTERN",
    "ActingBodySerializer",
    "ChangeSerializer",
    "ChangesQuerySerializer",
    "CurrentStatusSerializer",
    "DumpSerializer",
    "EvidenceDetailSerializer",
    "EvidenceSerializer",
    "LinkSerializer",
    "PaperSerializer",
    "Permalinks",
    "ProposalDetailSerializer",
    "ProposalLinkRefSerializer",
    "ProposalRefSerializer",
    "ProposalSerializer",
    "SectionSerializer",
    "StatusUpdateRefSerializer",
    "StatusUpdateSerializer",
    "ThemeSerializer",
    "acting_body",
    "proposal_ref",
    "update_ref",
]
