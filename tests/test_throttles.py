"""The API throttles' sliding-window counting (``tracker.api.throttles``): the rate
holds across a window's edge, anonymous requests are counted once, and on Redis a
request's count is one round trip that fails open (issue 10: the read path's
cache misses pay it)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from tests.services import redis_url
from tracker.api.throttles import AnonRateThrottle, UserRateThrottle

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def rate_3(monkeypatch):
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "anon": "3/min", "user": "5/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()
    yield
    cache.clear()


def anonymous(address: str = "192.0.2.20") -> Request:
    from django.contrib.auth.models import AnonymousUser

    request = Request(RequestFactory().get("/api/v1/themes/", REMOTE_ADDR=address))
    request.user = AnonymousUser()
    return request


def allowed(throttle_class, clock: Clock, request: Request) -> bool:
    throttle = throttle_class()
    throttle.timer = clock
    return throttle.allow_request(request, APIView())


def test_the_rate_holds_across_a_windows_edge(rate_3):
    clock = Clock(600 * 60 + 59.5)  # half a second before a minute's window ends
    assert [allowed(AnonRateThrottle, clock, anonymous()) for _ in range(4)] == [
        True,
        True,
        True,
        False,
    ]
    # A fixed window would start again from zero here; the previous window's hits
    # still count for the part of the last minute they cover.
    clock.now += 1.0
    assert not allowed(AnonRateThrottle, clock, anonymous())
    # Once most of the previous window has left the last minute, requests pass again.
    clock.now += 50
    assert allowed(AnonRateThrottle, clock, anonymous())
    # Another address is another client throughout.
    assert allowed(AnonRateThrottle, Clock(600 * 60 + 60.5), anonymous("192.0.2.21"))


def test_retry_after_is_the_rest_of_the_window(rate_3):
    clock = Clock(600 * 60 + 20)
    throttle = AnonRateThrottle()
    throttle.timer = clock
    for _ in range(4):
        throttle.allow_request(anonymous(), APIView())
    assert throttle.wait() == pytest.approx(40)


def test_anonymous_requests_are_not_counted_by_the_user_throttle(rate_3):
    throttle = UserRateThrottle()
    assert throttle.get_cache_key(anonymous(), APIView()) is None
    assert all(allowed(UserRateThrottle, Clock(0), anonymous()) for _ in range(20))


def test_signed_in_users_are_counted_per_user(rate_3, users):
    request = Request(RequestFactory().get("/api/v1/themes/"))
    request.user = users["editor"]
    clock = Clock(600 * 60)
    assert [allowed(UserRateThrottle, clock, request) for _ in range(6)] == [True] * 5 + [False]


def test_over_http_the_anonymous_rate_answers_429_with_retry_after(rate_3, client, papers):
    statuses = [client.get("/api/v1/themes/") for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    assert 0 < int(statuses[-1]["Retry-After"]) <= 60


def test_on_redis_a_hit_is_one_round_trip_and_fails_open(monkeypatch):
    from redis.client import Pipeline

    from tracker.cachebackends import FailOpenRedisCache

    backend = FailOpenRedisCache(redis_url(), {"OPTIONS": {"socket_connect_timeout": 1}})
    backend.delete_many(["synthetic-throttle:w1", "synthetic-throttle:w0"])
    backend.set("synthetic-throttle:w0", 4)
    sent: list[list[str]] = []
    execute = Pipeline.execute

    def counted(self: Pipeline, *args: object, **kwargs: object) -> list[object]:
        sent.append([str(command[0][0]) for command in self.command_stack])
        return execute(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Pipeline, "execute", counted)
    assert backend.window_hit("synthetic-throttle:w1", "synthetic-throttle:w0", 120) == (1, 4)
    assert backend.window_hit("synthetic-throttle:w1", "synthetic-throttle:w0", 120) == (2, 4)
    monkeypatch.undo()
    # One pipeline (one round trip) each: INCR (redis-py sends INCRBY), EXPIRE NX, GET.
    assert sent == [["INCRBY", "EXPIRE", "GET"]] * 2
    client = backend._cache.get_client("synthetic-throttle:w1", write=True)
    assert 0 < client.ttl(backend.make_and_validate_key("synthetic-throttle:w1")) <= 120
    backend.delete_many(["synthetic-throttle:w1", "synthetic-throttle:w0"])
    # Unreachable: (0, 0), so the throttle lets the request through.
    dead = FailOpenRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})
    assert dead.window_hit("a", "b", 60) == (0, 0)
