"""The client address: the peer, unless the peer is a trusted proxy; then the rightmost address
of the proxy header that no trusted proxy stands for."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from satupintu.core.client_address import client_ip, parse_address


def _request(peer: str, **headers: str):
    return RequestFactory().get("/", REMOTE_ADDR=peer, headers=headers)


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_headers(settings) -> None:
    settings.FORWARDED_ALLOW_IPS = []
    request = _request("127.0.0.1", **{"X-Forwarded-For": "1.2.3.4", "Forwarded": "for=5.6.7.8"})
    assert client_ip(request) == "127.0.0.1"


def test_a_peer_that_is_not_a_trusted_proxy_cannot_name_another_client(settings) -> None:
    settings.FORWARDED_ALLOW_IPS = ["10.0.0.5"]
    assert client_ip(_request("203.0.113.9", **{"X-Forwarded-For": "1.2.3.4"})) == "203.0.113.9"


def test_behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client(settings) -> None:
    settings.FORWARDED_ALLOW_IPS = ["10.0.0.0/24"]
    # The client wrote "6.6.6.6" itself; the edge proxy appended the real peer, 198.51.100.7;
    # an inner proxy (10.0.0.4, trusted) appended the edge proxy.
    header = "6.6.6.6, 198.51.100.7, 10.0.0.4"
    assert client_ip(_request("10.0.0.5", **{"X-Forwarded-For": header})) == "198.51.100.7"


def test_behind_a_trusted_proxy_without_a_header_the_proxy_is_the_client(settings) -> None:
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    assert client_ip(_request("127.0.0.1")) == "127.0.0.1"


def test_a_hop_that_is_not_an_address_stops_the_walk_at_the_last_trusted_proxy(settings) -> None:
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    request = _request("127.0.0.1", **{"X-Forwarded-For": "1.2.3.4, unknown"})
    assert client_ip(request) == "127.0.0.1"


def test_the_standard_forwarded_header_when_configured(settings) -> None:
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    settings.FORWARDED_FOR_HEADER = "forwarded"
    header = 'for=6.6.6.6, for="[2001:db8::7]:4711";proto=https;by=127.0.0.1'
    request = _request("127.0.0.1", Forwarded=header, **{"X-Forwarded-For": "9.9.9.9"})
    assert client_ip(request) == "2001:db8::7"


def test_the_header_not_configured_is_ignored(settings) -> None:
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    settings.FORWARDED_FOR_HEADER = "x-forwarded-for"
    assert client_ip(_request("127.0.0.1", Forwarded="for=6.6.6.6")) == "127.0.0.1"


def test_a_missing_or_broken_peer_counts_as_one_unknown_client(settings) -> None:
    settings.FORWARDED_ALLOW_IPS = []
    assert client_ip(_request("")) == "0.0.0.0"
    assert client_ip(_request("not-an-address")) == "0.0.0.0"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("192.0.2.1", "192.0.2.1"),
        (" 192.0.2.1:8080 ", "192.0.2.1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ('"[::1]"', "::1"),
        ("unknown", None),
        ("_hidden", None),
        ("", None),
    ],
)
def test_addresses_are_read_with_or_without_a_port(raw: str, expected: str | None) -> None:
    parsed = parse_address(raw)
    assert (str(parsed) if parsed is not None else None) == expected
