"""The client's address (tracker/clientip.py), the one every limit uses:
``X-Forwarded-For`` counts only as far as ``TRUSTED_PROXY_COUNT`` proxies vouch
for it.  Closes the row "anonymous throttle bypassed by a random X-Forwarded-For"."""

from __future__ import annotations

import secrets

import pytest
from django.test import RequestFactory
from rest_framework.settings import api_settings
from rest_framework.test import APIClient
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from tracker.api.throttles import AnonRateThrottle, UserRateThrottle, WriteThrottle
from tracker.clientip import UNKNOWN, client_ip


def request(remote: str | None = "203.0.113.9", forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    made = RequestFactory().get("/", headers=headers)
    if remote is None:
        del made.META["REMOTE_ADDR"]
    else:
        made.META["REMOTE_ADDR"] = remote
    return made


def random_address() -> str:
    return "198.18.{}.{}".format(*secrets.token_bytes(2))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request()) == "203.0.113.9"
    assert client_ip(request(forwarded="192.0.2.1")) == "203.0.113.9"
    assert client_ip(request(forwarded="192.0.2.1, 192.0.2.2")) == "203.0.113.9"


def test_with_one_proxy_the_right_most_entry_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request(forwarded="192.0.2.1")) == "192.0.2.1"
    # Whatever the client wrote on the left is not believed.
    assert client_ip(request(forwarded="10.0.0.1, 192.0.2.1")) == "192.0.2.1"
    assert client_ip(request(forwarded="spoofed, 10.0.0.1 ,192.0.2.1 ")) == "192.0.2.1"
    # No header: the proxy itself (or a request that did not come through it).
    assert client_ip(request()) == "203.0.113.9"


def test_with_two_proxies_the_second_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request(forwarded="10.0.0.1, 192.0.2.1, 198.51.100.2")) == "192.0.2.1"
    # Fewer entries than proxies: the left-most (DRF's rule).
    assert client_ip(request(forwarded="192.0.2.1")) == "192.0.2.1"


def test_what_is_not_an_address_falls_back(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request(forwarded="unknown")) == "203.0.113.9"
    assert client_ip(request(forwarded="192.0.2.1\x00")) == "203.0.113.9"
    assert client_ip(request(remote="", forwarded="junk")) == UNKNOWN
    assert client_ip(request(remote=None)) == UNKNOWN
    assert client_ip(request(forwarded="2001:DB8:0:0::1")) == "2001:db8::1"


@pytest.mark.parametrize("proxies", [0, 1, 2])
@pytest.mark.parametrize(
    "forwarded", [None, "192.0.2.1", "10.0.0.1, 192.0.2.1", "10.0.0.1, 192.0.2.1, 198.51.100.2"]
)
def test_it_agrees_with_drf_num_proxies(settings, proxies, forwarded):
    """The throttles call client_ip; DRF's own ``NUM_PROXIES`` is set from the same
    setting, so anything that uses DRF's rule gets the same answer."""
    settings.TRUSTED_PROXY_COUNT = proxies
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {"NUM_PROXIES": proxies}
    made = request(forwarded=forwarded)
    assert proxies == api_settings.NUM_PROXIES
    assert client_ip(made) == BaseThrottle().get_ident(made)
    for throttle in (AnonRateThrottle, UserRateThrottle, WriteThrottle):
        assert throttle().get_ident(made) == client_ip(made)


def test_settings_wire_it_everywhere(settings):
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] == [
        "tracker.api.throttles.AnonRateThrottle",
        "tracker.api.throttles.UserRateThrottle",
    ]
    assert settings.RATELIMIT_IP_META_KEY == "tracker.clientip.client_ip"


@pytest.fixture
def anon_rate_3(monkeypatch):
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "anon": "3/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


def test_a_random_forwarded_for_does_not_bypass_the_anonymous_throttle(
    papers, settings, anon_rate_3
):
    settings.TRUSTED_PROXY_COUNT = 0
    client = APIClient()
    statuses = [
        client.get("/api/v1/themes/", HTTP_X_FORWARDED_FOR=random_address()).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    # Another address is another client.
    assert client.get("/api/v1/themes/", REMOTE_ADDR="192.0.2.77").status_code == 200


def test_behind_one_proxy_clients_are_told_apart_by_the_right_most_entry(
    papers, settings, anon_rate_3
):
    settings.TRUSTED_PROXY_COUNT = 1
    client = APIClient(REMOTE_ADDR="10.0.0.2")  # the proxy
    first = [
        client.get(
            "/api/v1/themes/", HTTP_X_FORWARDED_FOR=f"{random_address()}, 192.0.2.10"
        ).status_code
        for _ in range(4)
    ]
    assert first == [200, 200, 200, 429]  # a new left part is not a new client
    other = client.get("/api/v1/themes/", HTTP_X_FORWARDED_FOR="192.0.2.11")
    assert other.status_code == 200
