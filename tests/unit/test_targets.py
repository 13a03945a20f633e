"""Which addresses a group robot may be posted to (services/targets.py), without any network."""

from __future__ import annotations

import pytest

from huixiang.services.targets import UrlFault, refusal, url_fault, url_problem
from huixiang.settings import parse_networks


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
        ("fc00::1", "private"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("2002:7f00:1::", "loopback"),  # 6to4 around 127.0.0.1
        ("64:ff9b::a00:1", "private"),  # NAT64 around 10.0.0.1
    ],
)
def test_refusal_names_why_an_address_is_not_public(address: str, kind: str) -> None:
    assert refusal(address) == f"its address {address} is {kind}, not on the public internet"


@pytest.mark.parametrize("address", ["8.8.8.8", "140.207.189.5", "2400:3200::1"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert refusal(address) is None


def test_allowed_networks_let_chosen_inside_addresses_through() -> None:
    allowed = parse_networks("test", "10.8.0.0/16, 127.0.0.1")
    assert refusal("10.8.3.4", allowed) is None
    assert refusal("127.0.0.1", allowed) is None
    assert refusal("10.9.0.1", allowed) is not None


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://robot.example/x", "must be an http:// or https:// address"),
        ("https://", "must be an http:// or https:// address"),
        ("https://u:p@robot.example/x", "must not carry a user name or password"),
        ("https://robot.example:99999/x", "has an invalid port"),
        ("http://LOCALHOST./x", "is refused: its address 127.0.0.1 is loopback, not on the public internet"),
        ("http://0x7f.1/x", "is refused: its address 127.0.0.1 is loopback, not on the public internet"),
        ("http://[::1]:8080/x", "is refused: its address ::1 is loopback, not on the public internet"),
    ],
)
def test_url_problem_before_any_dns(url: str, problem: str) -> None:
    assert url_problem(url) == problem


def test_url_problem_leaves_names_to_the_send_time_check() -> None:
    assert url_problem("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K") is None


@pytest.mark.parametrize(
    ("url", "code", "address", "kind"),
    [
        ("ftp://robot.example/x", "scheme", "", ""),
        ("https://u:p@robot.example/x", "credentials", "", ""),
        ("https://robot.example:99999/x", "port", "", ""),
        ("http://10.1.2.3/x", "address", "10.1.2.3", "private"),
        ("http://localhost/x", "address", "127.0.0.1", "loopback"),
    ],
)
def test_url_fault_names_the_cause_for_the_pages(url: str, code: str, address: str, kind: str) -> None:
    fault = url_fault(url)
    assert fault == UrlFault(code, address, kind)
    assert url_problem(url) == fault.words
