"""Evidence links that never rot: the link checker against a local HTTP server
(200, 301, 404, 410, a timeout, a refused HEAD, a fake web archive), what a run
of checks means, pacing per host, the editors' report and the public pages'
archived copy.  Every address is synthetic; nothing leaves 127.0.0.1."""

from __future__ import annotations

import socket
from collections import defaultdict

import pytest
from django.test import Client
from django.utils import timezone

from evidence import linkhealth
from evidence.linkclient import HostPacer, LinkClient
from evidence.models import Evidence, LinkCheck, LinkHealth
from tests.factories import EvidenceFactory, StatusUpdateFactory
from tests.watch_support import ARCHIVE_TIMESTAMP, Answer, WatchServer

pytestmark = pytest.mark.django_db

CONTACT = "https://tracker.example.org/methodology/"
ARCHIVE = "GET /archive/available"  # a link found broken: the archive is asked for a copy


@pytest.fixture
def server(settings):
    running = WatchServer().start()
    settings.EVIDENCE_ARCHIVE_API_URL = running.archive_api
    settings.EVIDENCE_ARCHIVE_SAVE_URL = running.archive_save
    settings.LINK_CHECK_ALLOW_PRIVATE = True  # the server is on 127.0.0.1
    settings.LINK_CHECK_TIMEOUT = 0.5
    settings.LINK_CHECK_HOST_INTERVAL = 0
    settings.LINK_CHECK_EVERY_HOURS = 0  # every link is due at every run
    settings.LINK_CHECK_FAILURES_BEFORE_BROKEN = 3
    settings.LINK_CHECK_CONTACT_URL = CONTACT
    yield running
    running.stop()


def cite(url: str, n: int, **fields) -> Evidence:
    """A public source at ``url`` (published, so its page is public)."""
    return EvidenceFactory.create(url=url, n=n, is_published=True, **fields)


def health(url: str) -> LinkHealth:
    return LinkHealth.objects.get(url=url)


def page(path: str) -> str:
    response = Client().get(path)
    assert response.status_code == 200, path
    return response.content.decode()


# --- Each outcome, recorded ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "outcome", "method", "status", "final_path", "requests"),
    [
        ("/ok", "ok", "HEAD", 200, "/ok", ["HEAD /ok"]),
        ("/moved", "redirected", "HEAD", 200, "/moved-here", ["HEAD /moved", "HEAD /moved-here"]),
        (
            "/gone-404",
            "broken",
            "GET",
            404,
            "/gone-404",
            ["HEAD /gone-404", "GET /gone-404", ARCHIVE],
        ),
        (
            "/gone-410",
            "broken",
            "GET",
            410,
            "/gone-410",
            ["HEAD /gone-410", "GET /gone-410", ARCHIVE],
        ),
        ("/no-head", "ok", "GET", 200, "/no-head", ["HEAD /no-head", "GET /no-head"]),
        ("/server-error", "error", "GET", 503, "/server-error", None),
        ("/slow", "error", "", None, "", ["HEAD /slow"]),
    ],
)
def test_each_answer_is_recorded_as_its_outcome(
    server, path, outcome, method, status, final_path, requests
):
    url = server.url(path)
    cite(url, 1)
    summary = linkhealth.run_checks()
    assert summary.checked == 1
    check = LinkCheck.objects.get(link__url=url)
    assert (check.outcome, check.method, check.status_code) == (outcome, method, status)
    assert check.final_url == (server.url(final_path) if final_path else "")
    if outcome == "error" and status is None:
        assert check.error.startswith("timed out")
    if requests is not None:
        assert [f"{hit.method} {hit.path}" for hit in server.hits] == requests
    assert check.checked_at == health(url).last_checked_at


def test_the_checker_says_who_it_is(server):
    cite(server.url("/ok"), 1)
    linkhealth.run_checks()
    agents = {hit.user_agent for hit in server.hits}
    assert len(agents) == 1
    (agent,) = agents
    assert agent.startswith("crime-policy-tracker-linkcheck/") and CONTACT in agent


# --- A dead link: flagged once, archived copy on the public pages --------------------------


def test_a_dead_link_is_flagged_once_and_its_archived_copy_shown(server, users):
    url = server.url("/gone-404")
    snapshot = server.archive(url)
    source = cite(url, 1)
    update = StatusUpdateFactory.create(reference="118-2d", evidence=[source])
    assert "Original link broken" not in page(f"/evidence/{source.pk}/")

    first = linkhealth.run_checks()
    link = health(url)
    assert first.newly_broken == [url] and first.archived == 1
    assert link.state == "broken" and link.broken_since == link.flagged_at
    flagged_at = link.flagged_at
    second = linkhealth.run_checks()
    link.refresh_from_db()
    assert second.checked == 1 and second.newly_broken == []
    assert LinkCheck.objects.filter(link=link).count() == 2
    assert (link.broken_since, link.flagged_at) == (flagged_at, flagged_at)
    # The archive was asked once: the copy it named is kept.
    assert len(server.requests_to("/archive/available")) == 1
    assert link.archive_timestamp is not None
    assert (link.archive_url, f"{link.archive_timestamp:%Y%m%d%H%M%S}") == (
        snapshot,
        ARCHIVE_TIMESTAMP,
    )

    since = f"{flagged_at:%-d %B %Y}"
    for path in (f"/evidence/{source.pk}/", f"/updates/{update.pk}/", "/proposals/118-2d/"):
        html = page(path)
        assert f'Original link broken since <time datetime="{flagged_at:%Y-%m-%d}">{since}' in html
        assert f'<a href="{snapshot}" rel="external noopener">archived copy' in html
        assert '(<time datetime="2024-01-05">5 January 2024</time>)' in html

    client = Client()
    client.force_login(users["editor"])
    report = client.get("/editorial/link-reports/").content.decode()
    assert report.count(f">{url}</a>") == 1
    assert source.title in report


def test_showing_the_archived_copy_costs_no_query(server, django_assert_num_queries):
    url = server.url("/gone-410")
    server.archive(url)
    update = StatusUpdateFactory.create(reference="118-1a", evidence=[cite(url, 1)])
    linkhealth.run_checks()
    with django_assert_num_queries(4):  # as pinned in test_pages_site: no query added
        html = Client().get(f"/updates/{update.pk}/").content.decode()
    assert "Original link broken since" in html


def test_failures_flag_a_link_only_after_k_checks_in_a_row(server):
    url = server.url("/server-error")
    source = cite(url, 1)
    linkhealth.run_checks()
    first_check = LinkCheck.objects.get(link__url=url).checked_at
    linkhealth.run_checks()
    link = health(url)
    assert (link.state, link.consecutive_failures, link.broken_since) == ("failing", 2, None)
    assert "Original link broken" not in page(f"/evidence/{source.pk}/")
    summary = linkhealth.run_checks()
    link.refresh_from_db()
    assert summary.newly_broken == [url]
    assert link.state == "broken" and link.broken_since == first_check
    assert "Original link broken since" in page(f"/evidence/{source.pk}/")
    assert "no archived copy found yet" in page(f"/evidence/{source.pk}/")


def test_a_link_that_answers_again_is_no_longer_flagged(server):
    url = server.url("/comes-back")
    source = cite(url, 1)
    linkhealth.run_checks()  # not routed yet: 404
    assert health(url).state == "broken"
    server.routes["/comes-back"] = lambda method: Answer(200)
    linkhealth.run_checks()
    link = health(url)
    assert (link.state, link.broken_since, link.consecutive_failures) == ("ok", None, 0)
    assert "Original link broken" not in page(f"/evidence/{source.pk}/")


def test_a_redirect_is_flagged_once_per_new_target(server):
    url = server.url("/moved")
    cite(url, 1)
    first = linkhealth.run_checks()
    flagged_at = health(url).flagged_at
    second = linkhealth.run_checks()
    link = health(url)
    assert first.newly_redirected == [url] and second.newly_redirected == []
    assert link.flagged_at == flagged_at and link.redirected_to == server.url("/moved-here")


# --- Pacing, batch size, claims, refusals ----------------------------------------------------


def test_requests_are_paced_per_host(server, settings):
    settings.LINK_CHECK_HOST_INTERVAL = 0.4
    for n in range(3):
        cite(server.url(f"/ok?copy={n}"), n + 1)
        cite(server.url(f"/ok?copy={n}", host="localhost"), n + 11)
    assert linkhealth.run_checks().checked == 6
    times: dict[str, list[float]] = defaultdict(list)
    for hit in server.hits:
        times[hit.host].append(hit.at)
    assert {host: len(at) for host, at in times.items()} == {"127.0.0.1": 3, "localhost": 3}
    for at in times.values():
        gaps = [later - earlier for earlier, later in zip(at, at[1:], strict=False)]
        # Timed where the server receives them: allow for a little scheduling jitter
        # (unpaced, these requests follow each other within milliseconds).
        assert min(gaps) >= 0.35, gaps
    # Interleaved by host: the two hosts' requests alternate rather than queue.
    assert [hit.host for hit in server.hits[:2]] in (
        ["127.0.0.1", "localhost"],
        ["localhost", "127.0.0.1"],
    )


def test_the_pacer_waits_only_for_the_same_host():
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = HostPacer(5, clock=lambda: now[0], sleep=sleep)
    pacer.wait("a.example")
    pacer.wait("b.example")
    pacer.wait("a.example")
    assert slept == [5.0]


def test_a_run_checks_at_most_the_batch_and_the_oldest_first(server, settings):
    settings.LINK_CHECK_MAX_PER_RUN = 2
    urls = [server.url(f"/ok?n={n}") for n in range(3)]
    for n, url in enumerate(urls):
        cite(url, n + 1)
    assert linkhealth.run_checks().checked == 2
    unchecked = set(LinkHealth.objects.filter(last_checked_at=None).values_list("url", flat=True))
    assert len(unchecked) == 1
    linkhealth.run_checks()
    assert LinkCheck.objects.filter(link__url__in=unchecked).count() == 1


def test_a_link_checked_recently_is_not_due(server, settings):
    settings.LINK_CHECK_EVERY_HOURS = 24
    cite(server.url("/ok"), 1)
    assert linkhealth.run_checks().checked == 1
    assert linkhealth.run_checks().checked == 0


def test_a_link_is_claimed_by_one_run_only(server):
    cite(server.url("/ok"), 1)
    linkhealth.sync_links()
    mine, theirs = LinkHealth.objects.get(), LinkHealth.objects.get()
    assert linkhealth.claim(mine, timezone.now()) is True
    assert linkhealth.claim(theirs, timezone.now()) is False


def test_private_addresses_are_not_fetched_unless_allowed(server, settings):
    settings.LINK_CHECK_ALLOW_PRIVATE = False
    url = server.url("/ok")
    cite(url, 1)
    linkhealth.run_checks()
    check = LinkCheck.objects.get()
    assert check.outcome == "error" and check.error.startswith("not checked:")
    assert server.hits == []
    link = health(url)
    assert (link.state, link.consecutive_failures) == ("unchecked", 0)


def _failing_resolver(code: int):
    def resolve(*args, **kwargs):
        raise socket.gaierror(code, "synthetic resolver failure")

    return resolve


def test_a_name_that_does_not_exist_is_broken_and_a_resolver_hiccup_is_not():
    gone = LinkClient(resolver=_failing_resolver(socket.EAI_NONAME), allow_private=False)
    result = gone.check("https://no-such-host.invalid/page")
    assert (result.outcome, result.status_code) == ("broken", None)
    assert result.error.startswith("host name not found")
    hiccup = LinkClient(resolver=_failing_resolver(socket.EAI_AGAIN), allow_private=False)
    assert hiccup.check("https://no-such-host.invalid/page").outcome == "error"


# --- Asking the archive for a copy when a source is added ------------------------------------


def test_a_campaigner_can_ask_for_an_archive_copy(
    server, users, papers, django_capture_on_commit_callbacks
):
    url = "https://example.org/synthetic-archive-me"
    client = Client()
    client.force_login(users["campaigner"])
    form = {
        "status": "in_progress",
        "effective_date": "2021-05-01",
        "date_precision": "day",
        "rationale": "Synthetic rationale.",
        "new-TOTAL_FORMS": "1",
        "new-INITIAL_FORMS": "0",
        "new-0-url": url,
        "new-0-title": "Synthetic test source (archive)",
        "new-0-publisher": "Synthetic Publisher",
        "new-0-kind": "other",
        "new-0-published_date": "2020-02-02",
        "new-0-archive_copy": "on",
    }
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post("/editorial/proposals/118-1a/new-update/", form)
    assert response.status_code == 302
    assert len(queued) == 1
    assert [hit.path for hit in server.hits] == [f"/archive/save/{url}", "/archive/available"]
    link = health(url)
    assert link.archive_save_result == "HTTP 200"
    assert link.archive_url == server.archived[url]


def test_no_archive_request_unless_asked(server, users, papers, django_capture_on_commit_callbacks):
    client = Client()
    client.force_login(users["campaigner"])
    with django_capture_on_commit_callbacks(execute=True) as queued:
        client.post(
            "/editorial/proposals/118-1a/new-update/",
            {
                "status": "in_progress",
                "effective_date": "2021-05-01",
                "date_precision": "day",
                "rationale": "Synthetic rationale.",
                "new-TOTAL_FORMS": "1",
                "new-INITIAL_FORMS": "0",
                "new-0-url": "https://example.org/synthetic-not-archived",
                "new-0-title": "Synthetic test source (no archive)",
                "new-0-publisher": "Synthetic Publisher",
                "new-0-kind": "other",
                "new-0-published_date": "2020-02-02",
            },
        )
    assert queued == [] and server.hits == []


# --- The schedule ------------------------------------------------------------------------


def test_beat_runs_the_link_check_on_its_schedule():
    from tracker.celery import app

    entry = app.conf.beat_schedule["check-evidence-links"]
    assert entry["task"] == "evidence.tasks.check_evidence_links"
    assert entry["schedule"]._orig_minute == "23"
