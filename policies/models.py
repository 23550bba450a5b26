"""Papers, their proposals, and where each proposal stands in the world.

A proposal's delivery status is never stored on the proposal: it is derived
from its published ``StatusUpdate`` rows (see ``ProposalQuerySet``), so the
history is the single source of truth.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias, TypedDict, TypeVar, cast

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import dateformat, timezone
from simple_history.models import HistoricalRecords

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import WithAnnotations


class Status(models.TextChoices):
    """The delivery scale.  These are opposition papers: "delivered" means some
    government, force or body actually did it, whoever that was."""

    NOT_ASSESSED = "not_assessed", "Not yet assessed"
    NO_PROGRESS = "no_progress", "No progress"
    IN_PROGRESS = "in_progress", "In progress"
    PARTLY_DELIVERED = "partly_delivered", "Partly delivered"
    DELIVERED = "delivered", "Delivered"
    CONTRARY = "contrary", "Action contrary"
    OVERTAKEN = "overtaken", "Overtaken by events"


STATUS_DEFINITIONS: dict[str, str] = {
    Status.NOT_ASSESSED: "Nobody has yet weighed the evidence for this proposal. It says "
    "nothing about whether anything has happened.",
    Status.NO_PROGRESS: "The evidence shows that no government, force or other body has "
    "taken any step towards this proposal.",
    Status.IN_PROGRESS: "A body able to deliver it has taken a concrete, public step "
    "towards it (a bill, a funded programme, a pilot, a consultation on its substance), "
    "but it is not yet in effect.",
    Status.PARTLY_DELIVERED: "Some of the proposal is in effect, or all of it in only "
    "some places, but not the whole of what the paper asks for.",
    Status.DELIVERED: "What the proposal asks for is in effect, done by some government, "
    "force or other body, whoever it was and whatever their reasons.",
    Status.CONTRARY: "The body responsible acted against the proposal: it did the opposite, "
    "or made it harder to deliver.",
    Status.OVERTAKEN: "Events made the proposal impossible as written (for example, the "
    "body or law it refers to no longer exists), so it can no longer be delivered as worded.",
}


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


# How a date is written for each precision (Django's ``date`` format): a date known
# to the month is "March 2023", never "1 March 2023".
DATE_FORMATS: dict[str, str] = {
    DatePrecision.DAY: "j F Y",
    DatePrecision.MONTH: "F Y",
    DatePrecision.YEAR: "Y",
}


def precise_date(day: dt.date | None, precision: str | None) -> str:
    """``day`` written no more precisely than it is known ("" for none).  The one
    formatter of every surface: pages, feeds, the API's ``*_display`` fields, CSV."""
    if day is None:
        return ""
    return dateformat.format(day, DATE_FORMATS.get(precision or "", DATE_FORMATS["day"]))


class Theme(models.Model):
    slug = models.SlugField(unique=True, max_length=80)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Paper(models.Model):
    class Route(models.TextChoices):
        MOTION = "motion", "Through the conference motion that endorsed it"
        PAPER = "paper", "From the paper itself"

    number = models.PositiveSmallIntegerField(unique=True)
    title = models.CharField(max_length=200)
    year = models.PositiveSmallIntegerField()
    route = models.CharField(max_length=10, choices=Route.choices)
    route_description = models.TextField()
    source_file = models.CharField(
        max_length=200, help_text="File name under policies/data/sources/"
    )
    source_title = models.CharField(max_length=300)
    applicability_note = models.TextField()

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"Policy Paper {self.number}: {self.title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        # Its proposals carry the number for their reading order (``Proposal.paper_number``).
        self.proposals.exclude(paper_number=self.number).update(paper_number=self.number)

    def get_absolute_url(self) -> str:
        return reverse("paper-detail", kwargs={"number": self.number})


class Section(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="sections")
    number = models.CharField(max_length=10)
    title = models.CharField(max_length=300)
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["paper__number", "order"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "number"], name="section_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.paper.number} §{self.number} {self.title}"


# Which published update a proposal stands on: the latest effective date, then the
# later published, then the later made.  Also every status history's order.
NEWEST_FIRST = ("-effective_date", "-published_at", "-pk")


class StatusAnnotations(TypedDict):
    """What ``ProposalQuerySet.with_status`` annotates on each proposal."""

    current_status: str


_P = TypeVar("_P", bound="Proposal")


class ProposalQuerySet(models.QuerySet[_P]):
    def with_status(
        self, as_at: dt.date | None = None
    ) -> ProposalQuerySet[WithAnnotations[_P, StatusAnnotations]]:
        """Annotate ``current_status`` (and, with ``as_at``, ``as_at_update_id``).

        Without ``as_at`` it is the stored status.  With ``as_at`` it is computed
        from history: the status of the published update with the latest
        effective date on or before that day (ties: the later published); with
        none, ``not_assessed``; and the id of that update as ``as_at_update_id``.
        """
        if as_at is None:
            return self.annotate(current_status=F("status"))
        updates = StatusUpdate.objects.filter(
            proposal=OuterRef("pk"), state=StatusUpdate.State.PUBLISHED
        ).filter(effective_date__lte=as_at)
        updates = updates.order_by(*NEWEST_FIRST)
        dated = self.annotate(
            as_at_update_id=Subquery(updates.values("pk")[:1]),
            current_status=Coalesce(
                Subquery(updates.values("status")[:1]),
                Value(Status.NOT_ASSESSED),
                output_field=models.CharField(),
            ),
        )
        # The extra ``as_at_update_id`` is read with hasattr (attach_current_updates).
        return cast("ProposalQuerySet[WithAnnotations[_P, StatusAnnotations]]", dated)


class Proposal(models.Model):
    class Kind(models.TextChoices):
        SUMMARY = "summary", "Summary proposal"
        HEADLINE = "headline", "Headline commitment"
        BODY = "body", "Body pledge"
        MOTION = "motion", "Motion proposal"

    class Applicability(models.TextChoices):
        ENGLAND_WALES = "england_wales", "England and Wales"
        ENGLAND = "england", "England only"
        FEDERAL = "federal", "Federal"
        PAPER_NOTE = "paper_note", "Federal on federal issues, England on English issues"

    reference = models.CharField(
        max_length=20, unique=True, help_text="Stable citation key, e.g. 118-2d or 138-2.2.5a."
    )
    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="proposals")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="proposals")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    order = models.PositiveIntegerField(help_text="Position in the paper's data file.")
    # The paper's number, copied so that the reading order (paper, then position)
    # is one index without a join; ``save`` keeps it from ``paper``.
    paper_number = models.PositiveIntegerField(editable=False, default=0)
    position = models.CharField(max_length=300, help_text="Where it stands in the source.")
    paragraph = models.CharField(max_length=20, blank=True)
    argued_in = models.JSONField(
        default=list, blank=True, help_text="Paragraphs of the paper that argue this proposal."
    )
    text = models.TextField(help_text="Verbatim from the source; only extraction damage repaired.")
    repairs = models.JSONField(default=list, blank=True)
    source_line_start = models.PositiveIntegerField(null=True, blank=True)
    source_line_end = models.PositiveIntegerField(null=True, blank=True)
    applicability = models.CharField(max_length=20, choices=Applicability.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    themes = models.ManyToManyField(Theme, related_name="proposals")
    # Where it stands now, kept in step with its published history by
    # ``services.updates`` in the same transaction as every publish (see
    # ``refresh_current_status``); ``with_status(as_at=...)`` still computes it.
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_ASSESSED)
    current_update = models.ForeignKey(
        "StatusUpdate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The published update its status comes from (none: not yet assessed).",
    )
    # What full-text search matches, weighted (``policies.search``): derived data,
    # kept by ``search.refresh`` in the same transaction as every write that changes
    # it.  Filled on PostgreSQL only; SQLite keeps the same in an FTS5 table.
    search_vector = SearchVectorField(null=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The stored status and search data are derived: the status's history is the
    # status updates'.
    history = HistoricalRecords(
        m2m_fields=[themes],
        excluded_fields=["status", "current_update", "search_vector", "paper_number"],
    )
    objects = ProposalQuerySet.as_manager()

    # Attached by ``selectors.attach_current_updates`` for a past date (no field):
    # the update that stood then, or None.
    as_at_update: StatusUpdate | None
    # Attached by ``selectors.attach_relatives`` (no fields): see
    # ``child_references`` and ``linked_proposals``.
    attached_children: list[ProposalRef]
    attached_links: list[LinkedProposal]
    # simple-history's switch (no field): set for one save that records no history
    # (``services.set_proposal_themes``).
    skip_history_when_saving: bool
    # Attached by ``search.attach_snippets`` to a page of search results (no field):
    # the passage that matched, matches between ``search.MARK_START`` and
    # ``search.MARK_END``, not escaped (``search.snippet_html``/``snippet_text``).
    search_snippet: str | None

    class Meta:
        ordering = ["paper_number", "order"]
        indexes = [
            # The reading order of every list and page (``Meta.ordering``).
            models.Index(fields=["paper_number", "order"], name="proposal_reading_order_idx"),
            # ?updated_since= (filters.filter_updated_since): latest updated_at.
            models.Index(fields=["updated_at"], name="proposal_updated_idx"),
            # ?status= filters and the scorecard's counts by status.
            models.Index(fields=["status"], name="proposal_status_idx"),
            # ?q= (``policies.search``): PostgreSQL only; the migration makes it there.
            GinIndex(fields=["search_vector"], name="proposal_search_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="proposal_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: Any, **kwargs: Any) -> None:
        number = self.paper.number
        if self.paper_number != number:
            self.paper_number = number
            fields = kwargs.get("update_fields")
            if fields is not None:
                kwargs["update_fields"] = {*fields, "paper_number"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("proposal-detail", kwargs={"reference": self.reference})

    @property
    def status_now(self) -> CurrentStatus:
        """Where it stands: the stored status, or, on proposals read for a past
        date (``with_status(as_at=...)`` and ``attach_current_updates``), the
        status that stood then."""
        if hasattr(self, "as_at_update"):
            return CurrentStatus(
                getattr(self, "current_status", Status.NOT_ASSESSED), self.as_at_update
            )
        return CurrentStatus(self.status, self.current_update)

    def linked_proposals(self) -> list[LinkedProposal]:
        """Its links to the other paper, outgoing first: as ``selectors.attach_relatives``
        attached them (one query for a whole page), or from the relations."""
        attached: list[LinkedProposal] | None = getattr(self, "attached_links", None)
        if attached is not None:
            return attached
        links = [
            LinkedProposal(
                "to_138", link.link_type, link.note, ProposalRef(link.to_proposal.reference)
            )
            for link in self.links_out.select_related("to_proposal")
        ]
        links += [
            LinkedProposal(
                "from_118", link.link_type, link.note, ProposalRef(link.from_proposal.reference)
            )
            for link in self.links_in.select_related("from_proposal")
        ]
        return links

    def child_references(self) -> list[ProposalRef]:
        """The body pledges that serve it (as attached, or from the relation)."""
        attached: list[ProposalRef] | None = getattr(self, "attached_children", None)
        if attached is not None:
            return attached
        return [
            ProposalRef(reference)
            for reference in self.children.values_list("reference", flat=True)
        ]


if TYPE_CHECKING:
    # A proposal with what ``ProposalQuerySet.with_status`` annotates.
    ProposalWithStatus: TypeAlias = WithAnnotations[Proposal, StatusAnnotations]


@dataclass(frozen=True)
class CurrentStatus:
    """A proposal's status now (or as at a date), with the update it comes from."""

    status: str
    update: StatusUpdate | None

    @property
    def label(self) -> str:
        return str(Status(self.status).label)

    @property
    def definition(self) -> str:
        return STATUS_DEFINITIONS[self.status]

    @property
    def effective_date(self) -> dt.date | None:
        return self.update.effective_date if self.update else None

    @property
    def date_precision(self) -> str | None:
        return self.update.date_precision if self.update else None

    @property
    def when(self) -> str:
        """Since when, as precisely as it is known ("" when not assessed)."""
        return precise_date(self.effective_date, self.date_precision)

    @property
    def acting_bodies(self) -> list[ActingBody]:
        return list(self.update.acting_bodies.all()) if self.update else []


@dataclass(frozen=True)
class ProposalRef:
    """Another proposal, by its reference (all a link or a child shows of it)."""

    reference: str


@dataclass(frozen=True)
class LinkedProposal:
    """One link seen from one of its two proposals."""

    direction: str  # "to_138" from a 118 proposal, "from_118" from a 138 one
    link_type: str
    note: str
    proposal: ProposalRef

    @property
    def label(self) -> str:
        return str(ProposalLink.LinkType(self.link_type).label)

    @property
    def takes_up(self) -> bool:
        """Did paper 138 take the 118 proposal up (``ProposalLink.TAKEN_UP_TYPES``)?"""
        return self.link_type in ProposalLink.TAKEN_UP_TYPES


class ProposalLink(models.Model):
    """How paper 138 treated a proposal of 118."""

    class LinkType(models.TextChoices):
        CARRIED_OVER = "carried_over", "Carried over"
        REWORDED = "reworded", "Reworded"
        STRENGTHENED = "strengthened", "Strengthened"
        WEAKENED = "weakened", "Weakened"
        RELATED = "related", "Related"

    # The one rule of "taken up" (the comparison page, the link values of pages and
    # API): paper 138 took the 118 proposal up, in the same words or not, stronger
    # or weaker.  A "related" link only points to a loosely connected proposal: the
    # 118 proposal stays "not revisited" (still party policy) and the 138 one new.
    TAKEN_UP_TYPES: ClassVar[frozenset[str]] = frozenset(
        {LinkType.CARRIED_OVER, LinkType.REWORDED, LinkType.STRENGTHENED, LinkType.WEAKENED}
    )

    from_proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="links_out")
    to_proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="links_in")
    link_type = models.CharField(max_length=20, choices=LinkType.choices)
    note = models.CharField(max_length=300)

    history = HistoricalRecords()

    class Meta:
        ordering = ["from_proposal__order", "to_proposal__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_proposal", "to_proposal"], name="proposal_link_unique_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_proposal} → {self.to_proposal} ({self.link_type})"

    @property
    def takes_up(self) -> bool:
        """Did paper 138 take the 118 proposal up (``TAKEN_UP_TYPES``)?"""
        return self.link_type in self.TAKEN_UP_TYPES


class ActingBody(models.Model):
    """Who acted: a government, Parliament, a named police force, or another body."""

    class Kind(models.TextChoices):
        UK_GOVERNMENT = "uk_government", "UK Government"
        SCOTTISH_GOVERNMENT = "scottish_government", "Scottish Government"
        WELSH_GOVERNMENT = "welsh_government", "Welsh Government"
        PARLIAMENT = "parliament", "Parliament"
        POLICE_FORCE = "police_force", "Police force"
        PCCS = "pccs", "Police and Crime Commissioners"
        COLLEGE_OF_POLICING = "college_of_policing", "College of Policing"
        NPCC = "npcc", "National Police Chiefs' Council"
        OTHER = "other", "Other body"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    # Claimed by every edit (``services.reference_data``), like a proposal's.
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name_plural = "acting bodies"
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="acting_body_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class StatusUpdateQuerySet(models.QuerySet["StatusUpdate"]):
    def public(self) -> StatusUpdateQuerySet:
        """What the public may see: published updates and the ones later corrected."""
        return self.filter(state__in=StatusUpdate.PUBLIC_STATES)


class StatusUpdate(models.Model):
    """A dated judgement of where a proposal stands, with its evidence.

    Published updates are never edited in place: a correction is a new update
    that names the one it corrects, and publishing it marks the original
    ``corrected`` in the same transaction.
    """

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Awaiting review"
        RETURNED = "returned", "Returned to author"
        PUBLISHED = "published", "Published"
        CORRECTED = "corrected", "Published, since corrected"

    PUBLIC_STATES = (State.PUBLISHED, State.CORRECTED)

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="status_updates")
    status = models.CharField(max_length=20, choices=Status.choices)
    effective_date = models.DateField(help_text="When it happened in the world.")
    date_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    acting_bodies = models.ManyToManyField(ActingBody, related_name="status_updates", blank=True)
    rationale = models.TextField()
    evidence = models.ManyToManyField(
        "evidence.Evidence", related_name="status_updates", blank=True
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="status_updates",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewed_status_updates",
    )
    review_comment = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(m2m_fields=[acting_bodies, evidence])
    objects = StatusUpdateQuerySet.as_manager()

    class Meta:
        ordering = list(NEWEST_FIRST)
        indexes = [
            # ProposalQuerySet.with_status: latest published update per proposal.
            models.Index(
                fields=["proposal", "state", "effective_date"], name="statusupdate_current_idx"
            ),
            # The changes feed: published updates in a window.
            models.Index(fields=["published_at"], name="statusupdate_published_idx"),
            # ?updated_since= (filters.filter_updated_since): latest updated_at.
            models.Index(fields=["updated_at"], name="statusupdate_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=["published", "corrected"]) | Q(published_at__isnull=False),
                name="statusupdate_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal.reference}: {self.get_status_display()} from {self.effective_date}"

    def get_absolute_url(self) -> str:
        return reverse("status-update-detail", kwargs={"pk": self.pk})

    @property
    def status_definition(self) -> str:
        return STATUS_DEFINITIONS[self.status]

    @property
    def when(self) -> str:
        """The effective date as precisely as it is known: "2023", "March 2023"…"""
        return precise_date(self.effective_date, self.date_precision)

    @property
    def is_corrected(self) -> bool:
        return self.state == StatusUpdate.State.CORRECTED


def hash_token_secret(secret: str) -> str:
    """SHA-256 of an API token's secret.  A fast hash is enough: the secret is
    256 random bits, not a password a person chose, so it cannot be guessed."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)

    def issue(self, user: User, name: str) -> tuple[ApiToken, str]:
        """A new token for ``user`` and its secret.  Only the hash is stored: the
        caller shows the secret once and it cannot be recovered afterwards."""
        secret = secrets.token_hex(32)
        token = self.model(
            user=user,
            name=name.strip(),
            prefix=secret[: ApiToken.PREFIX_LENGTH],
            key_hash=hash_token_secret(secret),
        )
        # Blank or over-long names are refused here; the database holds the rest.
        token.full_clean(validate_unique=False, validate_constraints=False)
        token.save()
        return token, secret


class ApiToken(models.Model):
    """A named API token: scripts send ``Authorization: Token <secret>``.

    The secret itself is never stored, only its SHA-256 hash and a short prefix
    that lets its owner recognise it.  A revoked token stays listed, with when.
    """

    PREFIX_LENGTH = 8
    # ``last_used_at`` is written at most this often, not on every request.
    LAST_USED_RESOLUTION = dt.timedelta(minutes=1)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=PREFIX_LENGTH, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The tokens page: one user's tokens, newest first.  (Authentication
            # looks tokens up by key_hash, served by apitoken_key_hash_unique.)
            models.Index(fields=["user", "-created_at"], name="apitoken_user_created_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["key_hash"], name="apitoken_key_hash_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="apitoken_name_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def revoke(self) -> bool:
        """Revoke once; a second call changes nothing and returns False."""
        now = timezone.now()
        done = ApiToken.objects.filter(pk=self.pk, revoked_at__isnull=True).update(revoked_at=now)
        if done:
            self.revoked_at = now
        return bool(done)

    def touch(self, now: dt.datetime | None = None) -> None:
        """Record a use, at most once per ``LAST_USED_RESOLUTION``: a conditional
        update, so concurrent requests write once between them."""
        now = now or timezone.now()
        if self.last_used_at and now - self.last_used_at < self.LAST_USED_RESOLUTION:
            return
        stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - self.LAST_USED_RESOLUTION)
        ApiToken.objects.filter(stale, pk=self.pk).update(last_used_at=now)
        self.last_used_at = now


# --- Validation: imports claimed by their content (policies/imports/claims.py) ---------


class ImportClaim(models.Model):
    """An import under way, claimed by the SHA-256 of its file.

    The same file imported twice at once (two tabs, a retried upload, two
    editors) would write every update twice: neither import sees the other's
    uncommitted drafts.  The first claims the file's hash (unique per importer);
    the second finds the claim taken and is refused, writing nothing.  The claim
    goes when the import ends (done or failed); one left by a process that died
    is taken over once ``claimed_at`` is older than ``TRACKER_IMPORT_CLAIM_TIMEOUT``.
    """

    importer = models.CharField(max_length=40, help_text="Which import: status_updates.")
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the file, hex.")
    mode = models.CharField(max_length=10)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    job_id = models.CharField(max_length=32, blank=True, help_text="Its background job, if any.")
    claimed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["importer", "content_hash"], name="importclaim_one_per_file"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.importer} {self.content_hash[:12]}… since {self.claimed_at:%Y-%m-%d %H:%M}"


# --- Delivery criteria and notification preferences (issue 12) -------------------


class DeliveryCriteria(models.Model):
    """What would count as delivered, partly delivered or contrary for one
    proposal, written by editors so that vague wording is judged against stated
    tests.  One row per proposal, guarded by ``version``; none written (no row,
    or every text blank) is shown as such, never invented."""

    proposal = models.OneToOneField(
        Proposal, on_delete=models.CASCADE, related_name="delivery_criteria"
    )
    delivered = models.TextField(blank=True, max_length=2000)
    partly_delivered = models.TextField(blank=True, max_length=2000)
    contrary = models.TextField(blank=True, max_length=2000)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    TEXT_FIELDS = ("delivered", "partly_delivered", "contrary")

    class Meta:
        verbose_name_plural = "delivery criteria"

    def __str__(self) -> str:
        return f"Delivery criteria of {self.proposal_id}"

    @property
    def is_written(self) -> bool:
        return any(getattr(self, name).strip() for name in self.TEXT_FIELDS)

    @classmethod
    def written_for(cls, proposal: Proposal) -> DeliveryCriteria | None:
        """The proposal's criteria if any is written, else None.  Reads what
        ``select_related("delivery_criteria")`` fetched (no query then)."""
        try:
            criteria = proposal.delivery_criteria
        except cls.DoesNotExist:
            return None
        return criteria if criteria.is_written else None


class NotificationPreference(models.Model):
    """Whether a user is emailed about drafts (awaiting review, returned,
    published).  No row means the default: on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(
        default=True,
        help_text="Email me when a draft awaits my review, or when my draft is returned "
        "or published.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Notifications of user {self.user_id}: {'on' if self.email_enabled else 'off'}"
