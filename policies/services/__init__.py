"""Writes that enforce the tracker's rules, one module per concern.

Every write runs in ``transaction.atomic``, takes the acting user, asks
``permissions`` whether they may act, and claims the row with a conditional
update on ``version`` (checking the row count) or a locked revision, so that two
saves from the same version cannot both win: the second gets ``StaleVersion``
naming what changed.  Pages, the API, the CSV import and the management
commands all come through here, as ``from policies import services`` and
``services.publish(...)``: this module is the package's public face.

- ``errors``: how a write is refused (``RuleViolation``, ``NotPermitted``, ``StaleVersion``).
- ``concurrency``: version claims, revision locks, what changed since.
- ``sources``: evidence sources and the evidence rule.
- ``updates``: drafts, review, publishing, corrections.
- ``reference_data``: a proposal's themes, themes, 118→138 links.
- ``criteria``: a proposal's delivery criteria.
"""

from .concurrency import changes_since, revision_of
from .criteria import CriteriaInput, set_delivery_criteria
from .errors import Change, NotPermitted, RuleViolation, ServiceError, StaleRevision, StaleVersion
from .reference_data import (
    LINK_FROM_PAPER,
    LINK_TO_PAPER,
    ActingBodyInput,
    LinkInput,
    ThemeInput,
    create_acting_body,
    create_link,
    create_theme,
    delete_link,
    delete_theme,
    merge_acting_bodies,
    set_proposal_themes,
    update_acting_body,
    update_link,
    update_theme,
)
from .sources import (
    EvidenceInput,
    check_evidence_rule,
    current_evidence_for_url,
    get_or_create_evidence,
    update_evidence,
)
from .updates import (
    MIN_RATIONALE_LENGTH,
    UpdateInput,
    check_ready,
    create_draft,
    publish,
    return_to_author,
    start_correction,
    submit,
    update_draft,
)

__all__ = [
    "MIN_RATIONALE_LENGTH",
    "check_ready",
    "LINK_FROM_PAPER",
    "LINK_TO_PAPER",
    "ActingBodyInput",
    "Change",
    "CriteriaInput",
    "EvidenceInput",
    "LinkInput",
    "NotPermitted",
    "RuleViolation",
    "ServiceError",
    "StaleRevision",
    "StaleVersion",
    "ThemeInput",
    "UpdateInput",
    "changes_since",
    "check_evidence_rule",
    "create_acting_body",
    "create_draft",
    "create_link",
    "create_theme",
    "current_evidence_for_url",
    "delete_link",
    "delete_theme",
    "get_or_create_evidence",
    "merge_acting_bodies",
    "publish",
    "return_to_author",
    "revision_of",
    "set_delivery_criteria",
    "set_proposal_themes",
    "update_acting_body",
    "start_correction",
    "submit",
    "update_draft",
    "update_evidence",
    "update_link",
    "update_theme",
]
