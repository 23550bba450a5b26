"""Imports at the same moment, in threads with their own database connections.

* The same file twice at once (PostgreSQL, where it was seen: 250 rows ×2 gave 499
  drafts): one import writes, the other is refused with a 409 before it reads a
  row, and every update exists once.  (The same claim, sequentially and on both
  databases, is in test_import.py.)
* Two different files at once: on SQLite, one writer at a time, the one that finds
  the database locked is told so (503), never a 500; on PostgreSQL both write.

Both imports are held at a barrier just before writing, so without the claim they
would overlap for certain.
"""

from __future__ import annotations

import contextlib
import csv
import importlib
import io
import threading
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from policies import imports
from policies.models import ImportClaim, Proposal, StatusUpdate
from tests.services import require_postgres

pytestmark = pytest.mark.django_db(transaction=True)

apply_module = importlib.import_module("policies.imports.apply")


def synthetic_csv(count: int, tag: str) -> bytes:
    references = list(Proposal.objects.order_by("pk").values_list("reference", flat=True))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(imports.TEMPLATE_HEADER)
    for n in range(count):
        writer.writerow(
            [
                references[n % len(references)],
                "in_progress",
                "UK Government",
                "2021-05-01",
                "month",
                f"Synthetic concurrency rationale {tag} {n}.",
                f"https://example.org/synthetic-concurrency-{tag}-{n}",
                f"Synthetic test source {tag} {n}",
                "Synthetic Publisher",
                "government_publication",
                "2021-04-01",
                "2024-01-01",
            ]
        )
    return out.getvalue().encode()


def hold_both_before_writing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each import waits (up to 3 s) for the other just before its transaction."""
    barrier = threading.Barrier(2)
    original = apply_module.apply

    def apply_together(*args: Any, **kwargs: Any) -> Any:
        # BrokenBarrierError: the other import never got this far (it was refused).
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=3)
        return original(*args, **kwargs)

    monkeypatch.setattr(apply_module, "apply", apply_together)


def in_threads(*calls: Any) -> list[Any]:
    """Run each call in its own thread (its own connection); their results or exceptions."""
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            outcomes[index] = calls[index]()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_the_same_file_twice_at_once_is_written_once_and_refused_once(
    papers, users, settings, monkeypatch
):
    require_postgres()
    settings.TRACKER_IMPORT_BACKGROUND_ROWS = 1000  # both during the request
    raw = synthetic_csv(250, "same")
    hold_both_before_writing(monkeypatch)

    def post() -> Any:
        client = APIClient()
        client.force_authenticate(users["editor"])
        upload = io.BytesIO(raw)
        upload.name = "synthetic-same.csv"
        return client.post("/api/v1/imports/", {"file": upload}, format="multipart")

    responses = in_threads(post, post)
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 409], [getattr(r, "content", r) for r in responses]
    created = next(r for r in responses if r.status_code == 201).json()
    refused = next(r for r in responses if r.status_code == 409).json()["error"]
    assert created["created"] == 250
    assert refused["code"] == "conflict"
    assert refused["message"].startswith("This file is already being imported")
    assert StatusUpdate.objects.count() == 250
    assert not ImportClaim.objects.exists()


def test_two_files_at_once_never_answer_500(papers, users, settings, monkeypatch):
    """Either both are written (PostgreSQL; SQLite when one waited for the other) or
    the one that met the lock is refused with ImportBusy; nothing else escapes."""
    settings.TRACKER_IMPORT_BACKGROUND_ROWS = 1000
    files = [synthetic_csv(60, "first"), synthetic_csv(60, "second")]
    hold_both_before_writing(monkeypatch)
    outcomes = in_threads(
        *(
            lambda raw=raw: imports.start_or_run(users["editor"], raw=raw, mode="draft")
            for raw in files
        )
    )
    for outcome in outcomes:
        assert isinstance(outcome, imports.ImportResult | imports.ImportBusy), repr(outcome)
    written = sum(o.created for o in outcomes if isinstance(o, imports.ImportResult))
    # SQLite: one may wait for the other (120), one may meet the lock (60), or both may
    # meet it (0): each refused whole, with ImportBusy, never half-written.
    assert written in (0, 60, 120)
    assert StatusUpdate.objects.count() == written
    if connection.vendor == "postgresql":
        assert written == 120
    assert not ImportClaim.objects.exists()
