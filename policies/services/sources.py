"""Evidence sources: the evidence rule, adding a source (a URL is never
duplicated) and editing one (a published source gets a new version)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from evidence.models import Evidence
from tracker import revision as data_revision

from .. import permissions, search
from ..models import Status
from ..permissions import User
from .concurrency import claim_version, save_with_history
from .errors import NotPermitted, RuleViolation
from .validation import field_problems


def check_evidence_rule(status: str, *, evidence: Iterable[Evidence]) -> None:
    """Any status but ``not_assessed`` needs at least one complete source."""
    if status == Status.NOT_ASSESSED:
        return
    complete = [
        e
        for e in evidence
        if e.title
        and e.publisher
        and e.published_date
        and e.url.lower().startswith(("http://", "https://"))
    ]
    if not complete:
        raise RuleViolation(
            "A status other than “Not yet assessed” needs at least one evidence source "
            "with a title, publisher, date and URL.",
            {"evidence": ["Add at least one source."]},
        )


@dataclass
class EvidenceInput:
    url: str
    title: str
    publisher: str
    kind: str
    published_date: dt.date | None
    accessed_date: dt.date | None = None
    archived_url: str = ""
    quote: str = ""
    page: str = ""

    # Stored as text (the model's limits apply); ``kind`` is checked as a choice.
    TEXT_FIELDS = ("url", "title", "publisher", "archived_url", "quote", "page")

    @classmethod
    def from_cleaned(cls, data: dict[str, Any], url_field: str = "url") -> EvidenceInput:
        """From a form's or an input serializer's cleaned data; the API names the
        URL ``source_url``."""
        return cls(
            url=data[url_field],
            title=data["title"],
            publisher=data["publisher"],
            kind=data["kind"],
            published_date=data["published_date"],
            accessed_date=data.get("accessed_date"),
            archived_url=data.get("archived_url", ""),
            quote=data.get("quote", ""),
            page=data.get("page", ""),
        )

    def problems(self) -> dict[str, list[str]]:
        """Every rule a source breaks, by field: the one check of the forms, the API
        and the CSV import (``validation``: lengths from the model, NUL, http(s))."""
        found = field_problems(
            Evidence,
            {name: getattr(self, name) for name in self.TEXT_FIELDS if getattr(self, name)},
        )
        for name in ("url", "title", "publisher", "published_date"):
            if not getattr(self, name):
                found[name] = ["This field is required."]
        if self.kind not in Evidence.Kind.values:
            found["kind"] = [
                f"Unknown kind {self.kind!r}; one of {', '.join(Evidence.Kind.values)}."
            ]
        return found

    def values(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "publisher": self.publisher,
            "kind": self.kind,
            "published_date": self.published_date,
            "accessed_date": self.accessed_date or timezone.localdate(),
            "archived_url": self.archived_url,
            "quote": self.quote,
            "page": self.page,
        }


def current_evidence_for_url(url: str) -> Evidence | None:
    return Evidence.objects.filter(url=url.strip(), replaced_by__isnull=True).first()


@transaction.atomic
def get_or_create_evidence(actor: User, *, data: EvidenceInput) -> tuple[Evidence, bool]:
    """The current source with this URL, or a new one: a URL is never duplicated."""
    if not permissions.can_add_evidence(actor):
        raise NotPermitted("Only campaigners, editors and admins may add evidence.")
    data.url = data.url.strip()
    problems = data.problems()
    if problems:
        raise RuleViolation("The evidence source is incomplete.", problems)
    existing = current_evidence_for_url(data.url)
    if existing is not None:
        return existing, False
    evidence = Evidence(url=data.url, created_by=actor, **data.values())
    try:
        with transaction.atomic():
            save_with_history(evidence, actor)
    except IntegrityError:
        # Someone added the same URL a moment ago: reuse theirs.
        existing = current_evidence_for_url(data.url)
        if existing is None:
            raise
        return existing, False
    return evidence, True


@transaction.atomic
def update_evidence(
    actor: User, *, evidence: Evidence, expected_version: int, data: EvidenceInput
) -> Evidence:
    """Edit an unpublished source in place; a published one gets a new version
    that replaces it (the old one stays, cited by what cited it)."""
    if not permissions.can_edit_evidence(actor, evidence):
        raise NotPermitted("You may not edit this source.")
    data.url = data.url.strip()
    problems = data.problems()
    if problems:
        raise RuleViolation("The evidence source is incomplete.", problems)
    claim_version(evidence, expected_version)
    if not permissions.can_edit_evidence(actor, evidence):
        raise NotPermitted("This source was published or replaced meanwhile.")
    if data.url != evidence.url and current_evidence_for_url(data.url) is not None:
        raise RuleViolation(
            "Another source already has this URL; cite that one instead.",
            {"url": ["Another current source has this URL."]},
        )
    if not evidence.is_published:
        evidence.url = data.url
        for name, value in data.values().items():
            setattr(evidence, name, value)
        save_with_history(evidence, actor)
        search.refresh_citing([evidence.pk])
        data_revision.bump()
        return evidence
    new = Evidence(url=data.url, created_by=actor, version=evidence.version + 1, **data.values())
    # The URL is unique among current sources: take the old one out of the
    # constraint (pointing at itself) before the new one exists, then point it on.
    Evidence.objects.filter(pk=evidence.pk).update(replaced_by=evidence.pk)
    save_with_history(new, actor)
    evidence.replaced_by = new
    save_with_history(evidence, actor)
    data_revision.bump()
    return new
