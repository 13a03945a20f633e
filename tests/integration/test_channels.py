"""Outbound channels against real local servers: an aiosmtpd SMTP server and a small HTTP receiver,
both on 127.0.0.1 free ports in the test's event loop. No database."""

from __future__ import annotations

import asyncio
import contextlib
import email
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from huixiang.services.channels import (
    DeliveryFailed,
    EmailChannel,
    LoggingSmsProvider,
    Message,
    SmsChannel,
    WebhookChannel,
    channels_from_env,
    parse_smtp_url,
)
from huixiang.settings import parse_networks

from ..net import free_port

# The receivers listen on 127.0.0.1, which robots may not use in production (services/targets.py).
LOCAL = parse_networks("test", "127.0.0.1")

MESSAGE = Message(
    delivery_id=4711,
    rule="overdue",
    subject="【回响】工单 HX-2024-0042 已超期",
    body="家长意见“午餐分量不足”已超过答复期限，请尽快处理。",
    link="https://huixiang.example.cn/staff/tickets/42",
)


# --- SMTP ------------------------------------------------------------------------------------


class Handler:
    """Records accepted mail; answers RCPT and DATA with the configured replies."""

    def __init__(self, rcpt_reply: str | None = None, data_reply: str | None = None) -> None:
        self.rcpt_reply = rcpt_reply
        self.data_reply = data_reply
        self.received: list[Envelope] = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply:
            return self.data_reply
        self.received.append(envelope)
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append((data.login, data.password))
        ok = data.password == "p@ss:word/密".encode()
        # handled=False: aiosmtpd sends the 235/535 reply itself.
        return AuthResult(success=ok, handled=False)


@pytest.fixture
async def smtp_server() -> AsyncIterator[Callable[..., Any]]:
    """Start aiosmtpd servers on free ports; returns (port, handler) for the given replies."""
    servers: list[asyncio.Server] = []

    async def start(**replies: str) -> tuple[int, Handler]:
        handler = Handler(**replies)
        server = await asyncio.get_running_loop().create_server(
            lambda: SMTP(
                handler, hostname="localhost", authenticator=handler.authenticate, auth_require_tls=False
            ),
            "127.0.0.1",
            0,
        )
        servers.append(server)
        return server.sockets[0].getsockname()[1], handler

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


def _parsed(envelope: Envelope) -> EmailMessage:
    assert isinstance(envelope.content, bytes)
    parsed = email.message_from_bytes(envelope.content, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


async def test_send_email_chinese_message_arrives_decoded(smtp_server: Callable[..., Any]) -> None:
    port, handler = await smtp_server()
    channel = EmailChannel(f"smtp://127.0.0.1:{port}?from=noreply@huixiang.example.cn")

    await channel.send("zhang.laoshi@school.example.cn", MESSAGE)

    [envelope] = handler.received
    assert envelope.mail_from == "noreply@huixiang.example.cn"
    assert envelope.rcpt_tos == ["zhang.laoshi@school.example.cn"]
    mail = _parsed(envelope)
    assert mail["Subject"] == MESSAGE.subject
    assert mail["From"] == "noreply@huixiang.example.cn"
    assert mail["To"] == "zhang.laoshi@school.example.cn"
    assert mail["X-Huixiang-Delivery"] == "4711"
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content_charset() == "utf-8"
    content = mail.get_content()
    assert MESSAGE.body in content
    assert content.rstrip().endswith(MESSAGE.link or "")
    assert not handler.logins


async def test_send_email_with_credentials_logs_in_with_decoded_password(
    smtp_server: Callable[..., Any],
) -> None:
    port, handler = await smtp_server()
    url = f"smtp://robot%40example.cn:p%40ss%3Aword%2F%E5%AF%86@127.0.0.1:{port}?starttls=false"
    channel = EmailChannel(url)

    await channel.send("parent@example.cn", MESSAGE)

    assert handler.logins == [(b"robot@example.cn", "p@ss:word/密".encode())]
    [envelope] = handler.received
    assert envelope.mail_from == "robot@example.cn"  # the user name is the sender when no from=
    assert "p@ss" not in repr(channel)


async def test_send_email_wrong_password_is_not_retryable(smtp_server: Callable[..., Any]) -> None:
    port, handler = await smtp_server()
    channel = EmailChannel(f"smtp://robot%40example.cn:wrong@127.0.0.1:{port}")

    with pytest.raises(DeliveryFailed) as failed:
        await channel.send("parent@example.cn", MESSAGE)

    assert failed.value.retryable is False
    assert "535" in failed.value.reason
    assert "wrong" not in failed.value.reason
    assert not handler.received


@pytest.mark.parametrize(
    ("replies", "retryable", "code"),
    [
        ({"rcpt_reply": "550 5.1.1 No such user"}, False, "550"),
        ({"rcpt_reply": "450 4.2.1 Mailbox busy, try later"}, True, "450"),
        ({"data_reply": "554 5.7.1 Message rejected as spam"}, False, "554"),
        ({"data_reply": "451 4.3.0 Local error in processing"}, True, "451"),
    ],
)
async def test_send_email_server_refusal_classified_by_reply_code(
    smtp_server: Callable[..., Any], replies: dict[str, str], retryable: bool, code: str
) -> None:
    port, handler = await smtp_server(**replies)
    channel = EmailChannel(f"smtp://127.0.0.1:{port}?from=noreply@example.cn")

    with pytest.raises(DeliveryFailed) as failed:
        await channel.send("parent@example.cn", MESSAGE)

    assert failed.value.retryable is retryable
    assert code in failed.value.reason
    assert not handler.received


async def test_send_email_connection_refused_is_retryable() -> None:
    channel = EmailChannel(f"smtp://127.0.0.1:{free_port()}?from=noreply@example.cn", timeout=2)

    with pytest.raises(DeliveryFailed) as failed:
        await channel.send("parent@example.cn", MESSAGE)

    assert failed.value.retryable is True


async def test_send_email_silent_server_times_out_retryable() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # never greet; returns when the client gives up
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        channel = EmailChannel(f"smtp://127.0.0.1:{port}?from=noreply@example.cn", timeout=0.2)
        with pytest.raises(DeliveryFailed) as failed:
            await channel.send("parent@example.cn", MESSAGE)
        assert failed.value.retryable is True
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("target", ["", "not-an-address", "a@b.cn\r\nBcc: all@example.cn", "a@b.cn, c@d.cn"])
async def test_send_email_invalid_address_is_not_retryable(target: str) -> None:
    channel = EmailChannel(f"smtp://127.0.0.1:{free_port()}?from=noreply@example.cn")

    with pytest.raises(DeliveryFailed) as failed:
        await channel.send(target, MESSAGE)

    assert failed.value.retryable is False


def test_parse_smtp_url_defaults_and_implicit_tls() -> None:
    plain = parse_smtp_url("smtp://mail.example.cn?from=noreply@example.cn&starttls=true")
    assert (plain.hostname, plain.port, plain.use_tls, plain.start_tls) == (
        "mail.example.cn",
        25,
        False,
        True,
    )
    assert parse_smtp_url("smtp://mail.example.cn?from=a@example.cn").start_tls is None  # opportunistic
    tls = parse_smtp_url("smtps://u%40example.cn:secret@mail.example.cn")
    assert (tls.port, tls.use_tls, tls.start_tls, tls.sender) == (465, True, False, "u@example.cn")
    assert "secret" not in repr(tls)


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example.cn?from=a@example.cn",
        "smtp://?from=a@example.cn",
        "smtp://mail.example.cn",  # no sender
        "smtp://mail.example.cn?from=a@example.cn&starttls=maybe",
        "smtp://mail.example.cn?from=a@example.cn&tls=1",
        "smtps://mail.example.cn?from=a@example.cn&starttls=true",
    ],
)
def test_parse_smtp_url_unusable_raises(url: str) -> None:
    with pytest.raises(ValueError):
        parse_smtp_url(url)


# --- webhooks --------------------------------------------------------------------------------


@dataclass
class Receiver:
    """A tiny HTTP/1.1 server: records each request, answers with ``status`` and ``answer``."""

    status: int = 200
    answer: Any = None  # a JSON value, or bytes sent as is
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def url(self, path: str = "/robot/send?key=SECRET-ROBOT-KEY") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            headers = {
                k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines if h)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            method, target, _ = request_line.split(" ", 2)
            self.requests.append(
                {"method": method, "target": target, "headers": headers, "json": json.loads(body)}
            )
            if self.delay:
                await asyncio.sleep(self.delay)
            payload = self.answer if isinstance(self.answer, bytes) else json.dumps(self.answer).encode()
            writer.write(
                f"HTTP/1.1 {self.status} X\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
                + payload
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            self.tasks.discard(task)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    server = await asyncio.start_server(rec.handle, "127.0.0.1", 0)
    rec.port = server.sockets[0].getsockname()[1]
    yield rec
    for task in list(rec.tasks):
        task.cancel()
    await asyncio.gather(*rec.tasks, return_exceptions=True)
    server.close()
    await server.wait_closed()


SUCCESS = {
    "wecom": {"errcode": 0, "errmsg": "ok"},
    "dingtalk": {"errcode": 0, "errmsg": "ok"},
    "feishu": {"code": 0, "msg": "success", "data": {}},
}


def _sent_text(kind: str, body: dict[str, Any]) -> str:
    if kind == "feishu":
        assert body["msg_type"] == "text"
        return str(body["content"]["text"])
    assert body["msgtype"] == "text"
    return str(body["text"]["content"])


@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "feishu"])
async def test_webhook_posts_the_robot_format(receiver: Receiver, kind: str) -> None:
    receiver.answer = SUCCESS[kind]

    await WebhookChannel(kind, allowed=LOCAL).send(receiver.url(), MESSAGE)

    [request] = receiver.requests
    assert request["method"] == "POST"
    assert request["target"] == "/robot/send?key=SECRET-ROBOT-KEY"
    assert request["headers"]["content-type"] == "application/json"
    assert set(request["json"]) == ({"msg_type", "content"} if kind == "feishu" else {"msgtype", "text"})
    assert _sent_text(kind, request["json"]) == f"{MESSAGE.subject}\n{MESSAGE.body}\n{MESSAGE.link}"


async def test_webhook_feishu_accepts_the_legacy_status_code(receiver: Receiver) -> None:
    receiver.answer = {"Extra": None, "StatusCode": 0, "StatusMessage": "success"}

    await WebhookChannel("feishu", allowed=LOCAL).send(receiver.url(), MESSAGE)

    assert len(receiver.requests) == 1


async def test_webhook_message_without_link_sends_subject_and_body(receiver: Receiver) -> None:
    receiver.answer = SUCCESS["dingtalk"]
    message = Message(delivery_id=1, rule="due_soon", subject="即将到期", body="请在今天内答复。")

    await WebhookChannel("dingtalk", allowed=LOCAL).send(receiver.url(), message)

    assert _sent_text("dingtalk", receiver.requests[0]["json"]) == "即将到期\n请在今天内答复。"


async def test_webhook_wecom_long_text_is_cut_to_2048_bytes_keeping_link(receiver: Receiver) -> None:
    receiver.answer = SUCCESS["wecom"]
    message = Message(
        delivery_id=2, rule="daily_digest", subject="每日汇总", body="超期工单。" * 600, link="https://x.cn/d"
    )

    await WebhookChannel("wecom", allowed=LOCAL).send(receiver.url(), message)

    text = _sent_text("wecom", receiver.requests[0]["json"])
    assert len(text.encode()) <= 2048
    assert text.startswith("每日汇总\n超期工单。")
    assert text.endswith("…\nhttps://x.cn/d")


@pytest.mark.parametrize(
    ("kind", "status", "answer", "retryable"),
    [
        ("wecom", 500, {"errcode": -1}, True),
        ("dingtalk", 502, b"<html>Bad Gateway</html>", True),
        ("feishu", 429, {"code": 99991400, "msg": "request trigger frequency limit"}, True),
        ("wecom", 400, {"errcode": 40001}, False),
        ("dingtalk", 404, b"not found", False),
        ("wecom", 200, {"errcode": 93000, "errmsg": "invalid webhook url"}, False),
        ("dingtalk", 200, {"errcode": 310000, "errmsg": "keywords not in content"}, False),
        ("feishu", 200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}, False),
        ("wecom", 200, {"errcode": 45009, "errmsg": "api freq out of limit"}, True),
        ("dingtalk", 200, {"errcode": 130101, "errmsg": "send too fast"}, True),
        ("feishu", 400, {"code": 11232, "msg": "frequency limited"}, True),
        ("wecom", 200, b"<html>portal</html>", False),
        ("feishu", 200, {"ok": True}, False),
        ("wecom", 302, b"", False),
    ],
)
async def test_webhook_failure_is_classified(
    receiver: Receiver, kind: str, status: int, answer: Any, retryable: bool
) -> None:
    receiver.status, receiver.answer = status, answer

    with pytest.raises(DeliveryFailed) as failed:
        await WebhookChannel(kind, allowed=LOCAL).send(receiver.url(), MESSAGE)

    assert failed.value.retryable is retryable
    assert str(status) in failed.value.reason
    assert "SECRET-ROBOT-KEY" not in failed.value.reason
    assert len(receiver.requests) == 1


async def test_webhook_slow_receiver_times_out_retryable(receiver: Receiver) -> None:
    receiver.answer, receiver.delay = SUCCESS["wecom"], 5.0
    loop = asyncio.get_running_loop()
    started = loop.time()

    with pytest.raises(DeliveryFailed) as failed:
        await WebhookChannel("wecom", timeout=0.2, allowed=LOCAL).send(receiver.url(), MESSAGE)

    assert failed.value.retryable is True
    assert "timed out" in failed.value.reason
    assert loop.time() - started < 2


async def test_webhook_connection_refused_is_retryable() -> None:
    url = f"http://127.0.0.1:{free_port()}/cgi-bin/webhook/send?key=SECRET-ROBOT-KEY"

    with pytest.raises(DeliveryFailed) as failed:
        await WebhookChannel("wecom", timeout=2, allowed=LOCAL).send(url, MESSAGE)

    assert failed.value.retryable is True
    assert "SECRET-ROBOT-KEY" not in failed.value.reason


@pytest.mark.parametrize(
    "target", ["ftp://127.0.0.1/robot", "file:///etc/passwd", "oapi.dingtalk.com/robot", "", "http://"]
)
async def test_webhook_non_http_target_is_not_retryable(receiver: Receiver, target: str) -> None:
    with pytest.raises(DeliveryFailed) as failed:
        await WebhookChannel("dingtalk").send(target, MESSAGE)

    assert failed.value.retryable is False
    assert not receiver.requests


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/robot?key=SECRET-ROBOT-KEY",
        "http://localhost:{port}/robot?key=SECRET-ROBOT-KEY",
        "http://[::1]:{port}/robot?key=SECRET-ROBOT-KEY",
        "http://[::ffff:127.0.0.1]:{port}/robot?key=SECRET-ROBOT-KEY",
        "http://2130706433:{port}/robot?key=SECRET-ROBOT-KEY",
        "http://0.0.0.0:{port}/robot?key=SECRET-ROBOT-KEY",
        "http://10.1.2.3/robot?key=SECRET-ROBOT-KEY",
        "http://192.168.1.1/robot?key=SECRET-ROBOT-KEY",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/robot",
        "http://224.0.0.1/robot",
    ],
)
async def test_webhook_to_inside_address_is_refused_before_connecting(
    receiver: Receiver, target: str
) -> None:
    with pytest.raises(DeliveryFailed) as failed:
        await WebhookChannel("wecom", timeout=1).send(target.format(port=receiver.port), MESSAGE)

    assert failed.value.retryable is False
    assert "not on the public internet" in failed.value.reason
    assert "SECRET-ROBOT-KEY" not in failed.value.reason
    assert not receiver.requests


def _resolver(answers: list[str], calls: list[str]) -> Any:
    async def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return answers

    return resolve


@pytest.mark.parametrize("answers", [["127.0.0.1"], ["8.8.8.8", "127.0.0.1"], ["10.0.0.5"], ["::1"]])
async def test_webhook_name_resolving_inside_is_refused_before_connecting(
    receiver: Receiver, answers: list[str]
) -> None:
    calls: list[str] = []
    channel = WebhookChannel("dingtalk", resolve=_resolver(answers, calls))

    with pytest.raises(DeliveryFailed) as failed:
        await channel.send(f"http://robot.example:{receiver.port}/send?access_token=SECRET", MESSAGE)

    assert failed.value.retryable is False
    assert "not on the public internet" in failed.value.reason
    assert calls == ["robot.example"]
    assert not receiver.requests


async def test_webhook_connects_to_the_address_it_checked(receiver: Receiver) -> None:
    """One resolution, then the connection goes to that address (no second lookup to rebind),
    with the robot's own name in the Host header."""
    receiver.answer = SUCCESS["wecom"]
    calls: list[str] = []
    channel = WebhookChannel("wecom", allowed=LOCAL, resolve=_resolver(["127.0.0.1"], calls))

    await channel.send(f"http://robot.example:{receiver.port}/cgi-bin/webhook/send?key=K", MESSAGE)

    assert calls == ["robot.example"]
    [request] = receiver.requests
    assert request["headers"]["host"] == f"robot.example:{receiver.port}"
    assert request["target"] == "/cgi-bin/webhook/send?key=K"


async def test_webhook_failure_keeps_codes_not_the_remote_words(receiver: Receiver) -> None:
    receiver.answer = {"errcode": 93000, "errmsg": "internal: db password is hunter2"}

    with pytest.raises(DeliveryFailed) as failed:
        await WebhookChannel("wecom", allowed=LOCAL).send(receiver.url(), MESSAGE)

    assert failed.value.reason == "wecom robot refused: HTTP 200, code 93000"


async def test_webhook_send_logs_no_robot_key(receiver: Receiver, caplog: pytest.LogCaptureFixture) -> None:
    receiver.answer = SUCCESS["wecom"]

    with caplog.at_level(logging.DEBUG):
        await WebhookChannel("wecom", allowed=LOCAL).send(receiver.url(), MESSAGE)
        with pytest.raises(DeliveryFailed):
            await WebhookChannel("wecom").send(receiver.url(), MESSAGE)

    assert len(receiver.requests) == 1
    assert not [r for r in caplog.records if "SECRET-ROBOT-KEY" in r.getMessage()]


async def test_send_email_refusal_keeps_codes_not_the_servers_words(smtp_server: Callable[..., Any]) -> None:
    port, _ = await smtp_server(rcpt_reply="550 5.1.1 No such user zhang@school.example.cn")
    channel = EmailChannel(f"smtp://127.0.0.1:{port}?from=noreply@example.cn")

    with pytest.raises(DeliveryFailed) as failed:
        await channel.send("zhang@school.example.cn", MESSAGE)

    assert failed.value.reason == "SMTP recipient refused: 550"


def test_channels_from_env_allowed_networks_reach_the_robots() -> None:
    channels = channels_from_env({"HUIXIANG_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1, 10.8.0.0/16"})

    robot = channels["wecom"]
    assert isinstance(robot, WebhookChannel)
    assert [str(n) for n in robot.allowed] == ["127.0.0.1/32", "10.8.0.0/16"]
    assert channels_from_env({})["wecom"].allowed == ()  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="HUIXIANG_WEBHOOK_ALLOWED_NETWORKS"):
        channels_from_env({"HUIXIANG_WEBHOOK_ALLOWED_NETWORKS": "intranet"})


def test_webhook_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="slack"):
        WebhookChannel("slack")


# --- SMS -------------------------------------------------------------------------------------


async def test_sms_logging_provider_records_and_logs_masked(caplog: pytest.LogCaptureFixture) -> None:
    provider = LoggingSmsProvider()
    channel = SmsChannel(provider)

    with caplog.at_level(logging.INFO, logger="huixiang.sms"):
        await channel.send("138-1234-5678", MESSAGE)

    [sent] = provider.sent
    assert sent.phone == "13812345678"
    assert sent.text == f"{MESSAGE.subject}\n{MESSAGE.body}\n{MESSAGE.link}"
    [record] = caplog.records
    assert record.name == "huixiang.sms"
    assert "138****5678" in record.getMessage()
    assert "13812345678" not in record.getMessage()


async def test_sms_long_text_is_truncated_to_300_characters() -> None:
    provider = LoggingSmsProvider()
    message = Message(delivery_id=3, rule="answered", subject="学校已答复", body="答" * 500)

    await SmsChannel(provider).send("+8613812345678", message)

    [sent] = provider.sent
    assert len(sent.text) == 300
    assert sent.text.startswith("学校已答复\n答")
    assert sent.text.endswith("…")


async def test_sms_logging_provider_keeps_only_the_last_messages() -> None:
    provider = LoggingSmsProvider(keep=2)
    channel = SmsChannel(provider)

    for n in range(3):
        await channel.send(
            "13812345678", Message(delivery_id=n, rule="answered", subject=f"第{n}条", body="正文")
        )

    assert [s.text.split("\n")[0] for s in provider.sent] == ["第1条", "第2条"]


@pytest.mark.parametrize("target", ["", "phone", "12", "1381234567890123456"])
async def test_sms_invalid_phone_is_not_retryable(target: str) -> None:
    provider = LoggingSmsProvider()

    with pytest.raises(DeliveryFailed) as failed:
        await SmsChannel(provider).send(target, MESSAGE)

    assert failed.value.retryable is False
    assert not provider.sent


async def test_sms_provider_crash_is_retryable() -> None:
    class Broken:
        async def send_sms(self, phone: str, text: str) -> None:
            raise RuntimeError("gateway said 503")

    with pytest.raises(DeliveryFailed) as failed:
        await SmsChannel(Broken()).send("13812345678", MESSAGE)

    assert failed.value.retryable is True
    assert failed.value.reason == "SMS provider error: RuntimeError"  # the provider's words stay out


# --- wiring ----------------------------------------------------------------------------------


def test_channels_from_env_without_smtp_has_no_email() -> None:
    channels = channels_from_env({})

    assert set(channels) == {"wecom", "dingtalk", "feishu", "sms"}
    assert all(channel.name == name for name, channel in channels.items())
    assert isinstance(channels["sms"], SmsChannel)
    assert isinstance(channels["sms"].provider, LoggingSmsProvider)


def test_channels_from_env_with_smtp_adds_email() -> None:
    channels = channels_from_env(
        {
            "HUIXIANG_SMTP_URL": "smtps://u:pw@mail.example.cn?from=noreply@example.cn",
            "HUIXIANG_SMS_PROVIDER": "log",
        }
    )

    email_channel = channels["email"]
    assert isinstance(email_channel, EmailChannel)
    assert (email_channel.config.hostname, email_channel.config.use_tls) == ("mail.example.cn", True)


def test_channels_from_env_unknown_sms_provider_is_named() -> None:
    with pytest.raises(ValueError, match="aliyun"):
        channels_from_env({"HUIXIANG_SMS_PROVIDER": "aliyun"})


def test_channels_from_env_bad_smtp_url_fails_at_start() -> None:
    with pytest.raises(ValueError, match="sender"):
        channels_from_env({"HUIXIANG_SMTP_URL": "smtp://mail.example.cn"})
