"""Evidence links that never rot: the periodic check of every evidence address,
what a run of checks means, and the web archive's copy.

Every address an ``Evidence`` row cites has one ``LinkHealth`` row; each check
adds a ``LinkCheck``.  The rule (documented in the README):

- ``ok`` or ``redirected``: the link answers; any flag of brokenness is cleared.
  A redirect to another address is flagged to editors once per new target.
- ``broken`` (404, 410, a host name that does not exist): flagged broken at once.
- ``error`` (5xx, other 4xx, timeouts, refused connections): flagged broken after
  ``LINK_CHECK_FAILURES_BEFORE_BROKEN`` checks in a row; until then "failing".
- A flagged link stays flagged, with the date its run of failures began
  (``broken_since``), until it answers again: it is flagged once, not once per
  check.  When flagged, the web archive's availability API is asked for its
  closest copy; public pages then offer that copy.

A run takes at most ``LINK_CHECK_MAX_PER_RUN`` links not checked for
``LINK_CHECK_EVERY_HOURS``, never-checked first, interleaved by host and paced per
host; each link is claimed by a conditional update first, so two runs at once
never check the same link.  A flag set or cleared moves the data revision, in the
same transaction: the public pages that show the source change with it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone

from tracker import revision as data_revision

from .linkclient import CheckResult, LinkClient, host_key
from .models import Evidence, LinkCheck, LinkHealth

log = logging.getLogger(__name__)

FLAGGED = (LinkHealth.State.BROKEN, LinkHealth.State.REDIRECTED)


@dataclass
class RunSummary:
    checked: int = 0
    newly_broken: list[str] = field(default_factory=list)
    newly_redirected: list[str] = field(default_factory=list)
    archived: int = 0
    stopped_early: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "checked": self.checked,
            "newly_broken": self.newly_broken,
            "newly_redirected": self.newly_redirected,
            "archived": self.archived,
            "stopped_early": self.stopped_early,
        }


# --- Which links ----------------------------------------------------------------------


def sync_links() -> int:
    """A ``LinkHealth`` row for every address evidence cites; returns how many were new."""
    cited = set(Evidence.objects.values_list("url", flat=True))
    held = set(LinkHealth.objects.values_list("url", flat=True))
    new = [LinkHealth(url=url) for url in sorted(cited - held)]
    LinkHealth.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def due_links(now: dt.datetime, limit: int) -> list[LinkHealth]:
    """Links still cited and not checked for ``LINK_CHECK_EVERY_HOURS``, oldest first."""
    since = now - dt.timedelta(hours=settings.LINK_CHECK_EVERY_HOURS)
    cited = Evidence.objects.order_by().values("url")
    return list(
        LinkHealth.objects.filter(url__in=cited)
        .exclude(last_checked_at__gt=since)
        .order_by(F("last_checked_at").asc(nulls_first=True), "pk")[:limit]
    )


def interleaved_by_host(links: Iterable[LinkHealth]) -> list[LinkHealth]:
    """One link of each host in turn, so that pacing one host rarely waits."""
    queues: dict[str, list[LinkHealth]] = defaultdict(list)
    for link in links:
        queues[host_key(link.url)].append(link)
    ordered: list[LinkHealth] = []
    while queues:
        for host in list(queues):
            ordered.append(queues[host].pop(0))
            if not queues[host]:
                del queues[host]
    return ordered


def claim(link: LinkHealth, now: dt.datetime) -> bool:
    """Take the link for this run: only if no other run took it since it was read."""
    taken = LinkHealth.objects.filter(pk=link.pk)
    if link.last_checked_at is None:
        taken = taken.filter(last_checked_at__isnull=True)
    else:
        taken = taken.filter(last_checked_at=link.last_checked_at)
    if taken.update(last_checked_at=now) != 1:
        return False
    link.last_checked_at = now
    return True


# --- What a check means -----------------------------------------------------------------


def apply_check(link: LinkHealth, result: CheckResult, when: dt.datetime) -> bool:
    """Update the link's state from one check (see the module docstring); True when
    the public flag (``broken_since``) was set or cleared."""
    was_broken = link.broken_since is not None
    link.last_checked_at = when
    if result.refused:
        return False
    Outcome = LinkCheck.Outcome
    if result.outcome in (Outcome.OK, Outcome.REDIRECTED):
        link.consecutive_failures = 0
        link.failing_since = None
        link.broken_since = None
        if result.outcome == Outcome.OK:
            link.state = LinkHealth.State.OK
            link.redirected_to = ""
            link.flagged_at = None
        else:
            if link.state != LinkHealth.State.REDIRECTED or link.redirected_to != result.final_url:
                link.flagged_at = when
            link.state = LinkHealth.State.REDIRECTED
            link.redirected_to = result.final_url
    else:
        link.consecutive_failures += 1
        link.failing_since = link.failing_since or when
        threshold = max(1, settings.LINK_CHECK_FAILURES_BEFORE_BROKEN)
        if was_broken or result.outcome == Outcome.BROKEN or link.consecutive_failures >= threshold:
            if not was_broken:
                link.broken_since = link.failing_since
                link.flagged_at = when
            link.state = LinkHealth.State.BROKEN
            link.redirected_to = ""
        else:
            link.state = LinkHealth.State.FAILING
    return was_broken != (link.broken_since is not None)


@transaction.atomic
def record_check(link: LinkHealth, result: CheckResult, when: dt.datetime) -> LinkCheck:
    """Keep the check and apply it to the link, in one transaction."""
    locked = LinkHealth.objects.select_for_update().get(pk=link.pk)
    public_change = apply_check(locked, result, when)
    locked.save()
    check = LinkCheck.objects.create(
        link=locked,
        checked_at=when,
        method=result.method,
        status_code=result.status_code,
        final_url=result.final_url,
        error=result.error,
        outcome=result.outcome,
    )
    if public_change:
        data_revision.bump()  # public pages show "broken since …; archived copy", or stop
    _copy(locked, link)
    return check


def _copy(source: LinkHealth, target: LinkHealth) -> None:
    for f in LinkHealth._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))


# --- The web archive ------------------------------------------------------------------------


def look_up_archive(link: LinkHealth, client: LinkClient, now: dt.datetime) -> bool:
    """Ask the archive for its closest copy and keep it; True when one was recorded."""
    try:
        found = client.archived_copy(link.url)
    except (requests.RequestException, ValueError) as exc:
        log.warning("archive lookup of %s failed: %s", link.url, exc)
        LinkHealth.objects.filter(pk=link.pk).update(archive_checked_at=now)
        link.archive_checked_at = now
        return False
    with transaction.atomic():
        locked = LinkHealth.objects.select_for_update().get(pk=link.pk)
        locked.archive_checked_at = now
        changed = False
        if found is not None and (locked.archive_url, locked.archive_timestamp) != found:
            locked.archive_url, locked.archive_timestamp = found
            changed = True
        locked.save(update_fields=["archive_checked_at", "archive_url", "archive_timestamp"])
        if changed and locked.broken_since is not None:
            data_revision.bump()  # the public pages offer this copy
        _copy(locked, link)
    return found is not None


def _wants_archive_lookup(link: LinkHealth, now: dt.datetime) -> bool:
    if link.broken_since is None or link.archive_url:
        return False
    every = dt.timedelta(hours=settings.LINK_CHECK_EVERY_HOURS)
    return link.archive_checked_at is None or link.archive_checked_at <= now - every


def request_archive_copy(url: str, client: LinkClient | None = None) -> LinkHealth:
    """Ask the archive to save ``url`` now (a campaigner ticked the box), then
    record the copy's address from the availability API."""
    client = client or LinkClient()
    link, _ = LinkHealth.objects.get_or_create(url=url)
    now = timezone.now()
    try:
        result = client.save_copy(url)
    except requests.RequestException as exc:
        result = f"{type(exc).__name__}: {exc}"
        saved = False
    else:
        saved = True
    LinkHealth.objects.filter(pk=link.pk).update(
        archive_save_requested_at=now, archive_save_result=result[:300]
    )
    link.archive_save_requested_at, link.archive_save_result = now, result[:300]
    if saved:
        look_up_archive(link, client, now)
    return link


def ask_for_archive_copy(url: str) -> None:
    """Queue ``request_archive_copy`` once the caller's transaction commits."""
    from .tasks import request_archive_copy as task

    transaction.on_commit(lambda: task.delay(url))


# --- A run ----------------------------------------------------------------------------------


def run_checks(
    *, client: LinkClient | None = None, limit: int | None = None, now: dt.datetime | None = None
) -> RunSummary:
    """Check the links due (see the module docstring)."""
    client = client or LinkClient()
    limit = settings.LINK_CHECK_MAX_PER_RUN if limit is None else limit
    deadline = time.monotonic() + settings.LINK_CHECK_RUN_SECONDS
    summary = RunSummary()
    sync_links()
    for link in interleaved_by_host(due_links(now or timezone.now(), limit)):
        if time.monotonic() > deadline:
            summary.stopped_early = True
            break
        if not claim(link, timezone.now()):
            continue  # another run has it
        was_broken, was_target = link.broken_since is not None, link.flagged_at
        result = client.check(link.url)
        record_check(link, result, timezone.now())
        summary.checked += 1
        if link.broken_since is not None and not was_broken:
            summary.newly_broken.append(link.url)
        if link.state == LinkHealth.State.REDIRECTED and link.flagged_at != was_target:
            summary.newly_redirected.append(link.url)
        if _wants_archive_lookup(link, timezone.now()):
            summary.archived += look_up_archive(link, client, timezone.now())
    return summary


# --- Reads for the editors' report --------------------------------------------------------


def _last_check(column: str) -> Subquery:
    latest = LinkCheck.objects.filter(link=OuterRef("pk")).order_by("-checked_at", "-pk")
    return Subquery(latest.values(column)[:1])


def report_queryset() -> QuerySet[LinkHealth]:
    """Flagged and failing links, newest flag first, with their last check."""
    return (
        LinkHealth.objects.filter(state__in=[*FLAGGED, LinkHealth.State.FAILING])
        .annotate(
            last_status_code=_last_check("status_code"),
            last_error=_last_check("error"),
            last_method=_last_check("method"),
        )
        .order_by("state", "-flagged_at", "url")
    )


def attach_sources(links: list[LinkHealth]) -> list[LinkHealth]:
    """Each link's ``sources``: the evidence rows citing it (one query)."""
    by_url: dict[str, list[Evidence]] = defaultdict(list)
    for source in Evidence.objects.filter(url__in=[link.url for link in links]).order_by(
        "title", "-version"
    ):
        by_url[source.url].append(source)
    for link in links:
        # A page-only attribute, like site_selectors.attach_supported's.
        link.sources = by_url.get(link.url, [])  # type: ignore[attr-defined]
    return links
