"""Evidence behind each judgement, and the official statistics (indicators)
that show whether things are moving."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords


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

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "proposal"], name="indicator_link_unique_pair"
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
