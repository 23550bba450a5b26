"""factory-boy factories: rows written straight to the database.

What lives where in ``tests/``:

* ``factories.py`` (here): ``UserFactory``, ``EvidenceFactory`` and
  ``StatusUpdateFactory``, plus the ``publish`` / ``correct`` shortcuts.  They
  write rows directly and check no editorial rule: use them to set the scene
  for reads (API, pages, feeds, exports).  Call a factory as
  ``EvidenceFactory.create(...)``: that is typed as the model (``Evidence``),
  where ``EvidenceFactory(...)`` would type-check as the factory class.
* ``support.py``: helpers that go through ``policies.services`` (drafting,
  submitting, publishing, sources), so the rules apply.  Use them where the
  scene must be one the application itself could have made.
* ``conftest.py``: every shared fixture (``papers``, ``users``, ``api_client``,
  ``indicators``, ``payloads``) and the one autouse cache clear.

Everything made up here is obviously synthetic: default usernames start
``synthetic-`` with addresses on example.org, sources are titled "Synthetic
test source N" at example.org URLs, and rationales say "Synthetic".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import factory
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.utils import timezone

from evidence.models import Area, Evidence, Indicator, Observation, SourceRelease
from policies import search
from policies.models import ActingBody, Proposal, Status, StatusUpdate
from policies.services.updates import refresh_current_status

PASSWORD = "synthetic-Passw0rd-for-tests"  # every factory-made user's

# Explicit ``n`` in the tests are small numbers ("Synthetic test source 1"); the
# default sequence starts far above them, so the two never make the same URL.
DEFAULT_SOURCE_NUMBERS = 100_000


class UserFactory(factory.django.DjangoModelFactory[User]):
    """A user with the known ``PASSWORD``.  ``role="editor"`` (or a list of roles)
    puts them in the Django group of that name: "campaigner", "editor", "admin"."""

    class Meta:
        model = settings.AUTH_USER_MODEL
        skip_postgeneration_save = True

    username = factory.Sequence(lambda i: f"synthetic-user-{i}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password(PASSWORD)
    # Sign-in: an account that has signed in before.  ``last_login=None`` makes one
    # as ``create_user`` does, whose password works once and must then be replaced
    # (policies/editorial/signin.py).
    last_login = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def role(
        user: User, create: bool, extracted: str | Iterable[str] | None, **kwargs: Any
    ) -> None:
        if not extracted:
            return
        for name in [extracted] if isinstance(extracted, str) else extracted:
            # get_or_create: a flushed database has lost the migration's groups.
            user.groups.add(Group.objects.get_or_create(name=name)[0])


class EvidenceFactory(factory.django.DjangoModelFactory[Evidence]):
    """A source numbered ``n``: "Synthetic test source n" at
    https://example.org/synthetic/n (one current source per URL, so give each
    source in a test its own ``n``)."""

    class Meta:
        model = Evidence

    class Params:
        n = factory.Sequence(lambda i: DEFAULT_SOURCE_NUMBERS + i)

    kind = Evidence.Kind.OTHER
    title = factory.LazyAttribute(lambda source: f"Synthetic test source {source.n}")
    publisher = "Synthetic publisher"
    url = factory.LazyAttribute(lambda source: f"https://example.org/synthetic/{source.n}")
    published_date = dt.date(2020, 1, 1)
    accessed_date = dt.date(2024, 1, 1)


class StatusUpdateFactory(factory.django.DjangoModelFactory[StatusUpdate]):
    """A status update on the proposal ``reference`` (default 118-2d), published
    now unless ``draft=True``; ``evidence`` and ``acting_bodies`` take lists."""

    class Meta:
        model = StatusUpdate
        skip_postgeneration_save = True

    class Params:
        reference = "118-2d"
        draft = factory.Trait(state=StatusUpdate.State.DRAFT, published_at=None)

    proposal = factory.LazyAttribute(
        lambda update: Proposal.objects.get(reference=update.reference)
    )
    status = Status.IN_PROGRESS
    effective_date = dt.date(2021, 1, 1)
    rationale = "Synthetic test rationale, long enough for the drafting rules"
    state = StatusUpdate.State.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def acting_bodies(
        update: StatusUpdate,
        create: bool,
        extracted: Iterable[ActingBody] | None,
        **kwargs: Any,
    ) -> None:
        if extracted:
            update.acting_bodies.set(extracted)

    @factory.post_generation
    def evidence(
        update: StatusUpdate, create: bool, extracted: Iterable[Evidence] | None, **kwargs: Any
    ) -> None:
        if extracted:
            update.evidence.set(extracted)

    @factory.post_generation
    def stored_status(update: StatusUpdate, create: bool, extracted: object, **kwargs: Any) -> None:
        """The proposal's stored status and search data follow, as the publishing
        service keeps them."""
        if create:
            refresh_current_status(update.proposal_id)
            search.refresh([update.proposal_id])


def publish(
    reference: str,
    status: Status,
    day: dt.date,
    *,
    published: dt.datetime | None = None,
    bodies: Iterable[ActingBody] = (),
    evidence: Iterable[Evidence] = (),
    corrects: StatusUpdate | None = None,
) -> StatusUpdate:
    """A published update of the proposal ``reference``, effective ``day``."""
    return StatusUpdateFactory.create(
        reference=reference,
        status=status,
        effective_date=day,
        published_at=published or timezone.now(),
        acting_bodies=list(bodies),
        evidence=list(evidence),
        corrects=corrects,
    )


def correct(
    original: StatusUpdate,
    status: Status,
    day: dt.date | None = None,
    *,
    published: dt.datetime | None = None,
    evidence: Iterable[Evidence] = (),
) -> StatusUpdate:
    """Publish a correction of ``original`` and mark the original corrected, as
    the publishing service does in one transaction."""
    correction = publish(
        original.proposal.reference,
        status,
        day or original.effective_date,
        published=published,
        evidence=evidence,
        corrects=original,
    )
    original.state = StatusUpdate.State.CORRECTED
    original.save()
    refresh_current_status(original.proposal_id)
    return correction


class SourceReleaseFactory(factory.django.DjangoModelFactory[SourceRelease]):
    """A synthetic edition of an indicator's source (``indicator`` required: the
    indicators themselves are the real definitions ``load_indicators`` loads)."""

    class Meta:
        model = SourceRelease

    key = factory.Sequence(lambda n: f"synthetic-release-{n}")
    title = factory.LazyAttribute(lambda release: f"Synthetic test release {release.key}")
    url = factory.LazyAttribute(lambda release: f"https://example.org/{release.key}.ods")
    retrieved_at = factory.LazyFunction(timezone.now)


class ObservationFactory(factory.django.DjangoModelFactory[Observation]):
    """A synthetic monthly figure of ``indicator`` for England and Wales (or
    ``area``), in a synthetic release of its own unless ``release`` is given."""

    class Meta:
        model = Observation

    class Params:
        month = factory.Sequence(lambda n: n)

    area = factory.LazyFunction(lambda: Area.objects.get(code="E92+W92"))
    period_start = factory.LazyAttribute(
        lambda o: dt.date(2020 + o.month // 12, o.month % 12 + 1, 1)
    )
    period_end = factory.LazyAttribute(
        lambda o: (
            (o.period_start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            - dt.timedelta(days=1)
        )
    )
    period_label = factory.LazyAttribute(lambda o: o.period_start.strftime("%Y-%m"))
    value = factory.Sequence(lambda n: 100 + n)
    release = factory.LazyAttribute(lambda o: SourceReleaseFactory.create(indicator=o.indicator))
    retrieved_at = factory.LazyFunction(timezone.now)


def monthly_series(indicator: Indicator, months: int) -> list[Observation]:
    """``months`` synthetic monthly figures of ``indicator`` in one release."""
    release = SourceReleaseFactory.create(indicator=indicator)
    return [
        ObservationFactory.create(indicator=indicator, release=release, month=month)
        for month in range(months)
    ]
