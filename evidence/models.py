"""Evidence behind each judgement, and the official statistics (indicators)
that show whether things are moving."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from simple_history.models import HistoricalRecords


class EvidenceManager(models.Manager["Evidence"]):
    """Every source read through it carries its link's health (``LinkHealth``, by
    URL): ``link_broken_since``, ``link_archive_url`` and ``link_archived_at``, all
    None unless the link checker flagged the address broken.  Subqueries in the
    same SELECT, so a page that shows sources (prefetched through their relations,
    which use this manager) offers the archived copy without one more query."""

    def get_queryset(self) -> models.QuerySet[Evidence]:
        flagged = LinkHealth.objects.filter(url=OuterRef("url"), broken_since__isnull=False)
        flagged = flagged.order_by()
        return (
            super()
            .get_queryset()
            .annotate(
                link_broken_since=Subquery(flagged.values("broken_since")[:1]),
                link_archive_url=Subquery(flagged.values("archive_url")[:1]),
                link_archived_at=Subquery(flagged.values("archive_timestamp")[:1]),
            )
        )


class Evidence(models.Model):
    """A citable source.  Once an update citing it is published, it is never
    edited in place: a new version replaces it (``replaced_by``)."""

    class Kind(models.TextChoices):
        LEGISLATION = "legislation", "Legislation"
        OFFICIAL_STATISTICS = "official_statistics", "Official statistics"
        GOVERNMENT_PUBLICATION = "government_publication", "Government publication"
        PARLIAMENTARY_RECORD = "parliamentary_record", "Parliamentary record"
        INSPECTION_REPORT = "inspection_report", "Inspection or report"
        COURT_JUDGMENT = "court_judgment", "Court judgment"
        NEWS = "news", "News"
        PARTY_DOCUMENT = "party_document", "Party document"
        OTHER = "other", "Other"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    title = models.CharField(max_length=500)
    publisher = models.CharField(max_length=300)
    url = models.URLField(max_length=1000)
    published_date = models.DateField()
    accessed_date = models.DateField()
    archived_url = models.URLField(max_length=1000, blank=True)
    quote = models.TextField(blank=True)
    page = models.CharField(max_length=50, blank=True)
    is_published = models.BooleanField(
        default=False, help_text="Cited by a published update: frozen, replaced by new versions."
    )
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="earlier_versions"
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EvidenceManager()  # with the link's health (watch: evidence.linkhealth)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_date", "title"]
        verbose_name_plural = "evidence"
        constraints = [
            # One current source per address: a second one with the same URL is reused.
            models.UniqueConstraint(
                fields=["url"],
                condition=Q(replaced_by__isnull=True),
                name="evidence_current_url_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.publisher}, {self.published_date:%Y})"

    def get_absolute_url(self) -> str:
        return reverse("evidence-detail", kwargs={"pk": self.pk})


class Area(models.Model):
    """England and Wales as a whole, or one police force area, keyed by one code."""

    class Kind(models.TextChoices):
        NATIONAL = "national", "National"
        FORCE = "force", "Police force area"

    code = models.CharField(max_length=20, unique=True, help_text="ONS geocode or 'E92+W92'.")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class AreaAlias(models.Model):
    """One spelling of an area by one source ("Metropolitan Police", "metropolitan")."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="aliases")
    spelling = models.CharField(max_length=200, unique=True, help_text="Normalised, lower case.")

    class Meta:
        verbose_name_plural = "area aliases"

    def __str__(self) -> str:
        return f"{self.spelling} → {self.area.code}"


class Indicator(models.Model):
    class Direction(models.TextChoices):
        UP = "up", "Higher is progress"
        DOWN = "down", "Lower is progress"
        NEITHER = "neither", "Context only"

    class Source(models.TextChoices):
        POLICE_API = "police_api", "data.police.uk API"
        HO_WORKFORCE = "ho_workforce", "Home Office police workforce open data"
        HO_RECORDED_CRIME = "ho_recorded_crime", "Home Office police recorded crime open data"
        HO_STOP_SEARCH = "ho_stop_search", "Home Office stop and search open data"
        MANUAL = "manual", "Entered by hand from a cited publication"

    slug = models.SlugField(unique=True, max_length=80)
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=80)
    description = models.TextField()
    source = models.CharField(max_length=30, choices=Source.choices)
    source_url = models.URLField(max_length=500)
    methodology = models.TextField()
    direction = models.CharField(max_length=10, choices=Direction.choices)
    schedule = models.CharField(
        max_length=60, help_text="Crontab 'minute hour day_of_month month day_of_week'."
    )
    stale_after_days = models.PositiveIntegerField(default=120)
    config = models.JSONField(default=dict, blank=True, help_text="Client parameters.")
    proposals = models.ManyToManyField(
        "policies.Proposal", through="IndicatorLink", related_name="indicators"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("indicator-detail", kwargs={"slug": self.slug})


class IndicatorLink(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="links")
    proposal = models.ForeignKey(
        "policies.Proposal", on_delete=models.CASCADE, related_name="indicator_links"
    )
    rationale = models.CharField(max_length=300)

    # --- Watch: figures that suggest a status (evidence.suggestions) ---
    # Set by an admin; load_indicators never touches them.  With a threshold, a new
    # release that moves the national figure past it puts a suggestion in the editors'
    # review queue.  See evidence/suggestions.py for the exact rule.
    class Basis(models.TextChoices):
        LEVEL = "level", "The latest national figure"
        CHANGE = "change", "Its change over N periods"

    class Progress(models.TextChoices):
        UP = "up", "Higher is progress"
        DOWN = "down", "Lower is progress"

    progress_direction = models.CharField(
        max_length=10,
        choices=Progress.choices,
        blank=True,
        help_text="What would show progress on this proposal; blank: the indicator's own "
        "direction (no suggestion if that is 'context only').",
    )
    threshold = models.DecimalField(
        max_digits=16,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Level basis: the figure to pass.  Change basis: how far the figure must "
        "move in the direction of progress over the periods (a positive amount).",
    )
    threshold_basis = models.CharField(max_length=10, choices=Basis.choices, default=Basis.LEVEL)
    threshold_periods = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Change basis only: over how many periods (1 or more)."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "proposal"], name="indicator_link_unique_pair"
            ),
            # A change is measured over at least one period, and is a positive amount.
            models.CheckConstraint(
                condition=Q(threshold_basis="level")
                | (
                    Q(threshold_periods__isnull=False, threshold_periods__gte=1)
                    & (Q(threshold__isnull=True) | Q(threshold__gt=0))
                ),
                name="indicator_link_change_threshold",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} → {self.proposal_id}"


class SourceRelease(models.Model):
    """One edition of a source: a file on GOV.UK, or a month's API state."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="releases")
    key = models.CharField(max_length=300, help_text="Stable identity of the edition.")
    title = models.CharField(max_length=500)
    url = models.URLField(max_length=1000)
    published_at = models.DateTimeField(null=True, blank=True)
    retrieved_at = models.DateTimeField()
    citation = models.ForeignKey(
        Evidence, null=True, blank=True, on_delete=models.PROTECT, related_name="releases"
    )

    class Meta:
        ordering = ["-retrieved_at"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "key"], name="release_unique_key"),
        ]

    def __str__(self) -> str:
        return self.title


class Observation(models.Model):
    """One figure.  A revision is a new row from a later release: the earlier
    value and its release stay."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="observations")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="observations")
    period_start = models.DateField()
    period_end = models.DateField()
    period_label = models.CharField(max_length=30)
    value = models.DecimalField(max_digits=16, decimal_places=4)
    release = models.ForeignKey(
        SourceRelease, on_delete=models.PROTECT, related_name="observations"
    )
    retrieved_at = models.DateTimeField()

    class Meta:
        ordering = ["indicator", "area", "period_start", "-retrieved_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period_start", "area", "release"],
                name="observation_unique_per_release",
            ),
        ]
        indexes = [
            # Charts: one indicator's series for one area.
            models.Index(
                fields=["indicator", "area", "period_start"], name="observation_series_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.area_id} {self.period_label}: {self.value}"


class RefreshRun(models.Model):
    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCESS = "success", "Succeeded"
        FAILED = "failed", "Failed"

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.RUNNING)
    rows_read = models.PositiveIntegerField(default=0)
    rows_added = models.PositiveIntegerField(default=0)
    rows_revised = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            # The freshness page: the last run per indicator.
            models.Index(fields=["indicator", "-started_at"], name="refreshrun_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.started_at:%Y-%m-%d %H:%M} {self.outcome}"


# --- Coverage of each period (evidence.sources: Coverage; evidence.services.store_coverage) ---


class PeriodCoverage(models.Model):
    """Which police force areas an indicator's source had a figure for, for one
    period, as the latest refresh found it.  A sum over the forces that reported
    is a national figure only when none is missing; pages and the API say for
    every period which are ("40 of 43 forces")."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="coverage")
    period_start = models.DateField()
    period_end = models.DateField()
    period_label = models.CharField(max_length=30)
    forces_expected = models.PositiveSmallIntegerField()
    forces_reporting = models.PositiveSmallIntegerField()
    missing = models.JSONField(
        default=list, blank=True, help_text="Codes of the force areas with no figure, sorted."
    )
    release = models.ForeignKey(
        SourceRelease, on_delete=models.PROTECT, related_name="coverage", null=True, blank=True
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["indicator", "period_start"]
        verbose_name_plural = "period coverage"
        constraints = [
            # One statement per period; the incremental refresh reads it to know what is held.
            models.UniqueConstraint(
                fields=["indicator", "period_start"], name="coverage_unique_period"
            ),
            models.CheckConstraint(
                condition=Q(forces_reporting__lte=models.F("forces_expected")),
                name="coverage_reporting_within_expected",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.indicator_id} {self.period_label}: "
            f"{self.forces_reporting} of {self.forces_expected} forces"
        )

    @property
    def is_complete(self) -> bool:
        return self.forces_reporting == self.forces_expected


# --- Watch: figures that suggest a status (evidence.suggestions) --------------------


class StatusSuggestion(models.Model):
    """A new release moved an indicator's national figure past the threshold an
    indicator link sets for its proposal.  Editors accept it (a draft is pre-filled
    for them to finish and submit: nothing is published by this) or dismiss it,
    saying why.  The threshold is copied here as it was, with the figures."""

    class State(models.TextChoices):
        OPEN = "open", "Awaiting an editor"
        ACCEPTED = "accepted", "Accepted (a draft was started)"
        DISMISSED = "dismissed", "Dismissed"

    link = models.ForeignKey(IndicatorLink, on_delete=models.CASCADE, related_name="suggestions")
    release = models.ForeignKey(SourceRelease, on_delete=models.PROTECT, related_name="suggestions")
    observation = models.ForeignKey(
        Observation, on_delete=models.PROTECT, related_name="+", help_text="The latest figure."
    )
    compared_with = models.ForeignKey(
        Observation,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Change basis: the figure the periods earlier.",
    )
    measure = models.DecimalField(
        max_digits=17, decimal_places=4, help_text="What was held against the threshold."
    )
    measure_before = models.DecimalField(
        max_digits=17,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="The same before this release (blank: there was none).",
    )
    direction = models.CharField(max_length=10, choices=IndicatorLink.Progress.choices)
    basis = models.CharField(max_length=10, choices=IndicatorLink.Basis.choices)
    threshold = models.DecimalField(max_digits=16, decimal_places=4)
    periods = models.PositiveSmallIntegerField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    dismiss_reason = models.TextField(blank=True)
    evidence = models.ForeignKey(
        Evidence,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The source citing the release, made or reused on accepting.",
    )
    draft = models.ForeignKey(
        "policies.StatusUpdate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The draft started from it.",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A release that crosses the threshold suggests once: a second refresh,
            # or the same task run twice, finds it already made.
            models.UniqueConstraint(fields=["link", "release"], name="suggestion_once_per_release"),
            models.CheckConstraint(
                condition=~Q(state="dismissed") | ~Q(dismiss_reason=""),
                name="suggestion_dismissed_says_why",
            ),
        ]
        indexes = [
            # The review queue: the open ones, oldest first.
            models.Index(fields=["state", "created_at"], name="suggestion_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.link} after {self.release_id}: {self.state}"


# --- Watch: evidence links that never rot (evidence.linkhealth) ---------------------


class LinkHealth(models.Model):
    """What the link checker knows of one evidence address (every version of a
    source with this URL shares it).  ``broken_since`` is the flag the public pages
    read: set once when the link is found broken, cleared when it answers again."""

    class State(models.TextChoices):
        UNCHECKED = "unchecked", "Not checked yet"
        OK = "ok", "Answers"
        REDIRECTED = "redirected", "Redirects elsewhere"
        FAILING = "failing", "Failing (not yet long enough to call broken)"
        BROKEN = "broken", "Broken"

    url = models.URLField(max_length=1000, unique=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.UNCHECKED)
    last_checked_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when a run claims the link, then by its check."
    )
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    broken_since = models.DateTimeField(null=True, blank=True)
    flagged_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was flagged to editors (broken or redirected)."
    )
    redirected_to = models.URLField(max_length=1000, blank=True)
    archive_url = models.URLField(max_length=1000, blank=True)
    archive_timestamp = models.DateTimeField(null=True, blank=True)
    archive_checked_at = models.DateTimeField(null=True, blank=True)
    archive_save_requested_at = models.DateTimeField(null=True, blank=True)
    archive_save_result = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["url"]
        verbose_name_plural = "link health"
        indexes = [
            # A run takes the links checked longest ago first.
            models.Index(fields=["last_checked_at"], name="linkhealth_due_idx"),
            # The editors' report: the flagged ones.
            models.Index(fields=["state", "flagged_at"], name="linkhealth_flagged_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.url} ({self.state})"


class LinkCheck(models.Model):
    """One check of one address, kept."""

    class Outcome(models.TextChoices):
        OK = "ok", "OK"
        REDIRECTED = "redirected", "Redirected"
        BROKEN = "broken", "Broken"
        ERROR = "error", "Error"

    link = models.ForeignKey(LinkHealth, on_delete=models.CASCADE, related_name="checks")
    checked_at = models.DateTimeField()
    method = models.CharField(max_length=4, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    final_url = models.URLField(max_length=1000, blank=True)
    error = models.CharField(max_length=500, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)

    class Meta:
        ordering = ["-checked_at", "-pk"]
        indexes = [
            models.Index(fields=["link", "-checked_at"], name="linkcheck_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.link_id} {self.checked_at:%Y-%m-%d %H:%M} {self.outcome}"
