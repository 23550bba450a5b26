"""Atom feeds of what changed: site-wide, per paper, per theme, per proposal.

Entries are those of ``/api/v1/changes/`` (``change_log.ChangeLog``), newest
first.  Each entry links to its own permalink (the status update's page, or the
proposal's page for an edit), and with ``rel="related"`` to the proposal, the
update's API permalink, the update it corrects and each piece of evidence.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.xmlutils import SimplerXMLGenerator

from .. import changes as change_log
from ..models import STATUS_DEFINITIONS, Paper, Proposal, Theme
from .links import absolute

FEED_LENGTH = 50


class LinkedAtomFeed(Atom1Feed):
    """Atom with several ``<link rel="related">`` per entry, and entry summaries sent
    as text.

    Django's Atom feed marks every summary ``type="html"``: a feed reader would then
    render markup held in a rationale or an evidence title (a planted ``<script>`` or
    ``onerror``).  The summaries here are plain text, so they are sent as text.
    """

    def add_item_elements(self, handler: SimplerXMLGenerator, item: dict[str, Any]) -> None:
        summary = item["description"]
        super().add_item_elements(handler, item | {"description": None})
        if summary is not None:
            handler.addQuickElement("summary", summary, {"type": "text"})
        for link in item.get("related_links", ()):
            handler.addQuickElement("link", "", link)


class ChangesFeed(Feed):
    """Every change.  The subclasses narrow it to one paper, theme or proposal:
    the object ``get_object`` finds (None here) is what ``title``, ``link``,
    ``feed_url`` and ``changes`` are given, so here it is typed ``Any``."""

    public_read = True  # anonymous answers may be cached (tracker.cache)

    feed_type = LinkedAtomFeed
    subtitle = (
        "Published status updates, corrections and edited proposals for Liberal Democrat "
        "policy papers 118 and 138."
    )

    def title(self, obj: Any) -> str:
        return "Crime policy tracker: what changed"

    def link(self, obj: Any) -> str:
        return reverse("proposal-list")

    def feed_url(self, obj: Any) -> str:
        return reverse("feed-all")

    def changes(self, obj: Any) -> change_log.ChangeLog:
        return change_log.ChangeLog()

    def items(self, obj: Any = None) -> list[change_log.Change]:
        return self.changes(obj)[:FEED_LENGTH]

    def item_title(self, change: change_log.Change) -> str:
        update = change.update
        if update is None:
            version = change.record.version
            return f"{change.reference}: proposal edited (version {version})"
        prefix = "Correction: " if change.type == "correction" else ""
        suffix = " [since corrected]" if update.state == "corrected" else ""
        return (
            f"{prefix}{change.reference}: {update.get_status_display()} from {update.when}{suffix}"
        )

    def item_description(self, change: change_log.Change) -> str:
        update = change.update
        if update is None:
            return f"The text or themes of proposal {change.reference} changed."
        lines = [
            update.rationale,
            f"{update.get_status_display()}: {STATUS_DEFINITIONS[update.status]}",
        ]
        if update.corrects_id:
            lines.append(
                f"This corrects the earlier update {absolute(reverse('status-update-detail', kwargs={'pk': update.corrects_id}))}."
            )
        if update.state == "corrected":
            lines.append("This update has since been corrected.")
        for source in update.evidence.all():
            lines.append(f"Evidence: {source.title} ({source.publisher}) {source.url}")
        return "\n\n".join(lines)

    def item_link(self, change: change_log.Change) -> str:
        if change.update is not None:
            return reverse("status-update-detail", kwargs={"pk": change.update.pk})
        return reverse("proposal-detail", kwargs={"reference": change.reference})

    def item_guid(self, change: change_log.Change) -> str:
        if change.update is not None:
            return absolute(reverse("status-update-detail", kwargs={"pk": change.update.pk}))
        return absolute(
            reverse("proposal-detail", kwargs={"reference": change.reference})
            + f"#history-{change.record.history_id}"
        )

    item_guid_is_permalink = False

    def item_pubdate(self, change: change_log.Change) -> dt.datetime:
        return change.at

    def item_updateddate(self, change: change_log.Change) -> dt.datetime:
        return change.update.updated_at if change.update is not None else change.at

    def item_categories(self, change: change_log.Change) -> list[str]:
        categories = [change.type]
        if change.update is not None:
            categories.append(change.update.status)
            if change.update.state == "corrected":
                categories.append("corrected")
        return categories

    def item_extra_kwargs(self, change: change_log.Change) -> dict[str, Any]:
        proposal_path = reverse("proposal-detail", kwargs={"reference": change.reference})
        links = [
            {
                "rel": "related",
                "href": absolute(proposal_path),
                "title": f"Proposal {change.reference}",
            }
        ]
        update = change.update
        if update is not None:
            links.append(
                {
                    "rel": "related",
                    "type": "application/json",
                    "href": absolute(reverse("api:statusupdate-detail", args=[update.pk])),
                    "title": "This status update (JSON)",
                }
            )
            if update.corrects_id:
                links.append(
                    {
                        "rel": "related",
                        "href": absolute(
                            reverse("status-update-detail", kwargs={"pk": update.corrects_id})
                        ),
                        "title": "The update this corrects",
                    }
                )
            for source in update.evidence.all():
                links.append(
                    {
                        "rel": "related",
                        "href": absolute(source.get_absolute_url()),
                        "title": f"Evidence: {source.title}",
                    }
                )
        return {"related_links": links}


class PaperChangesFeed(ChangesFeed):
    def get_object(self, request: HttpRequest, number: int) -> Paper:
        return get_object_or_404(Paper, number=number)

    def title(self, paper: Paper) -> str:
        return f"Crime policy tracker: what changed in paper {paper.number}"

    def link(self, paper: Paper) -> str:
        return paper.get_absolute_url()

    def feed_url(self, paper: Paper) -> str:
        return reverse("feed-paper", args=[paper.number])

    def changes(self, paper: Paper) -> change_log.ChangeLog:
        return change_log.ChangeLog(paper=paper.number)


class ThemeChangesFeed(ChangesFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Theme:
        return get_object_or_404(Theme, slug=slug)

    def title(self, theme: Theme) -> str:
        return f"Crime policy tracker: what changed on {theme.name}"

    def link(self, theme: Theme) -> str:
        return reverse("theme-detail", args=[theme.slug])

    def feed_url(self, theme: Theme) -> str:
        return reverse("feed-theme", args=[theme.slug])

    def changes(self, theme: Theme) -> change_log.ChangeLog:
        return change_log.ChangeLog(theme=theme.slug)


class ProposalChangesFeed(ChangesFeed):
    def get_object(self, request: HttpRequest, reference: str) -> Proposal:
        return get_object_or_404(Proposal, reference=reference)

    def title(self, proposal: Proposal) -> str:
        return f"Crime policy tracker: what changed for proposal {proposal.reference}"

    def link(self, proposal: Proposal) -> str:
        return proposal.get_absolute_url()

    def feed_url(self, proposal: Proposal) -> str:
        return reverse("feed-proposal", args=[proposal.reference])

    def changes(self, proposal: Proposal) -> change_log.ChangeLog:
        return change_log.ChangeLog(reference=proposal.reference)
