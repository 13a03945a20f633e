"""Outbound delivery channels: email (SMTP), group-robot webhooks (WeCom, DingTalk, Feishu) and SMS.

Each channel has one coroutine, ``send(target, message)``, which returns when the message was
accepted and raises :class:`DeliveryFailed` otherwise, saying whether a retry may help. The
channels do no bookkeeping: the delivery actor records every attempt and schedules the next one
with :func:`backoff_seconds`. In-app notifications are rows, not a channel, and live elsewhere.

Targets carry secrets (a robot URL holds its key), so no error reason or log line names them;
and a reason never repeats what the remote side said (only status and result codes), because
the admins' delivery log shows it. Robots are posted to public addresses only (targets.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
import httpx

from ..domain.access import mask_phone
from . import targets

# httpx logs every request's URL at INFO, and a robot's URL carries its key.
logging.getLogger("httpx").setLevel(logging.WARNING)

MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600


def backoff_seconds(attempt: int) -> int:
    """Seconds to wait after failed attempt number ``attempt`` (1-based): 30, 60, 120, … ≤ 3600."""
    if attempt < 1:
        raise ValueError(f"attempt must be at least 1, got {attempt}")
    if attempt > 12:  # 30 * 2**11 is already far past the cap; avoid huge integers
        return BACKOFF_CAP_SECONDS
    return min(BACKOFF_BASE_SECONDS << (attempt - 1), BACKOFF_CAP_SECONDS)


@dataclass(frozen=True, slots=True)
class Message:
    """One notification, already worded (in Chinese) by the caller."""

    delivery_id: int
    rule: str
    subject: str
    body: str
    link: str | None = None

    def text(self) -> str:
        """Subject, body and link as one plain text."""
        parts = [self.subject, self.body]
        if self.link:
            parts.append(self.link)
        return "\n".join(parts)


class DeliveryFailed(Exception):
    """The channel did not accept the message. ``retryable`` says whether trying later may help."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable

    def __repr__(self) -> str:
        return f"DeliveryFailed({self.reason!r}, retryable={self.retryable})"


class Channel(Protocol):
    name: str

    async def send(self, target: str, message: Message) -> None: ...


# --- email -----------------------------------------------------------------------------------

_EMAIL_RE = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    hostname: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    use_tls: bool = False
    # True: STARTTLS required; False: never; None: when the server offers it (aiosmtplib's default).
    start_tls: bool | None = None


def parse_smtp_url(url: str) -> SmtpConfig:
    """``smtp://user:pass@host:port?starttls=true&from=noreply@example.cn`` (or ``smtps://``).

    Port defaults to 25 (smtp) or 465 (smtps). ``from`` defaults to the user name when it is an
    address. Raises ValueError, without echoing the password, when the URL is unusable.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"}:
        raise ValueError(f"SMTP URL must start with smtp:// or smtps://, not {parts.scheme or '(none)'}://")
    if not parts.hostname:
        raise ValueError("SMTP URL has no host")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError as exc:
        raise ValueError("SMTP URL has an invalid port") from exc
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(query) - {"starttls", "from"}
    if unknown:
        raise ValueError(f"SMTP URL has unknown parameters: {', '.join(sorted(unknown))}")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    start_tls: bool | None = None
    if "starttls" in query:
        flag = query["starttls"].lower()
        if flag not in _TRUE | _FALSE:
            raise ValueError(f"SMTP URL starttls must be true or false, not {query['starttls']!r}")
        start_tls = flag in _TRUE
    if parts.scheme == "smtps" and start_tls:
        raise ValueError("smtps:// is already TLS; starttls=true does not apply")
    sender = query.get("from") or (username if username and "@" in username else None)
    if not sender or not _EMAIL_RE.match(sender):
        raise ValueError("SMTP URL needs a sender address: add ?from=noreply@example.cn")
    return SmtpConfig(
        hostname=parts.hostname,
        port=port,
        sender=sender,
        username=username,
        password=password,
        use_tls=parts.scheme == "smtps",
        start_tls=False if parts.scheme == "smtps" else start_tls,
    )


def _one_line(value: str) -> str:
    return " ".join(value.split())


class EmailChannel:
    """Plain-text UTF-8 mail through an SMTP relay (aiosmtplib), one connection per message."""

    name = "email"

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        self.config = parse_smtp_url(url)
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"EmailChannel({self.config!r})"

    def build(self, target: str, message: Message) -> EmailMessage:
        """The MIME message for ``target``; raises a non-retryable DeliveryFailed for a bad address."""
        target = target.strip()
        if not _EMAIL_RE.match(target):
            raise DeliveryFailed("invalid email address", retryable=False)
        mail = EmailMessage()
        mail["Subject"] = _one_line(message.subject)
        mail["From"] = self.config.sender
        mail["To"] = target
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = make_msgid(domain=self.config.sender.rpartition("@")[2])
        mail["X-Huixiang-Delivery"] = str(message.delivery_id)
        body = message.body if not message.link else f"{message.body}\n\n{message.link}"
        mail.set_content(body + "\n", charset="utf-8")
        return mail

    async def send(self, target: str, message: Message) -> None:
        mail = self.build(target, message)
        cfg = self.config
        try:
            async with asyncio.timeout(self.timeout * 3):  # per-step timeouts below; this bounds the whole
                await aiosmtplib.send(
                    mail,
                    hostname=cfg.hostname,
                    port=cfg.port,
                    username=cfg.username,
                    password=cfg.password,
                    use_tls=cfg.use_tls,
                    start_tls=cfg.start_tls,
                    timeout=self.timeout,
                )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            retryable = any(400 <= c < 500 for c in codes)
            detail = ", ".join(str(c) for c in codes)
            raise DeliveryFailed(f"SMTP recipient refused: {detail}", retryable=retryable) from exc
        except aiosmtplib.SMTPResponseException as exc:
            # Includes sender refused, data refused, auth failed, a 4xx/5xx greeting.
            retryable = 400 <= exc.code < 500
            raise DeliveryFailed(f"SMTP {type(exc).__name__}: {exc.code}", retryable=retryable) from exc
        except aiosmtplib.SMTPNotSupported as exc:  # e.g. STARTTLS or AUTH required but not offered
            raise DeliveryFailed(f"SMTP not supported: {type(exc).__name__}", retryable=False) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # Timeouts, refused or dropped connections, TLS failures: the relay may be back later.
            raise DeliveryFailed(f"SMTP unreachable: {type(exc).__name__}", retryable=True) from exc


# --- group-robot webhooks --------------------------------------------------------------------

WEBHOOK_KINDS = ("wecom", "dingtalk", "feishu")

# Largest text each robot accepts, in UTF-8 bytes (WeCom: 2048; DingTalk: 20000; Feishu: a 20 KB body).
_WEBHOOK_TEXT_LIMIT = {"wecom": 2048, "dingtalk": 18000, "feishu": 18000}

# Business codes that mean "too fast" or "busy": try again later.
_WEBHOOK_RETRYABLE_CODES = {
    "wecom": {-1, 45009},  # system busy; API frequency out of limit
    "dingtalk": {-1, 130101, 90030},  # system busy; send too fast; webhook over limit
    "feishu": {11232, 230020},  # frequency limited (tenant, chat)
}


def _fit_text(message: Message, limit: int) -> str:
    """Subject, body and link in at most ``limit`` UTF-8 bytes, shortening the body, keeping the link."""
    text = message.text()
    if len(text.encode()) <= limit:
        return text
    tail = f"…\n{message.link}" if message.link else "…"
    head = f"{message.subject}\n{message.body}"
    budget = limit - len(tail.encode())
    head = head.encode()[: max(budget, 0)].decode("utf-8", errors="ignore")
    return head + tail


class WebhookChannel:
    """A group robot's incoming webhook. The target is the robot URL (it carries the robot key).

    Only robots secured by keyword or IP allow-list are supported; signed robots (DingTalk 加签,
    Feishu 签名校验) need a secret per robot, which a target URL alone cannot carry.
    """

    def __init__(
        self,
        kind: str,
        *,
        timeout: float = 5.0,
        allowed: targets.Networks = (),
        resolve: targets.Resolver = targets.system_resolver,
    ) -> None:
        if kind not in WEBHOOK_KINDS:
            raise ValueError(f"unknown webhook kind {kind!r}; expected one of {', '.join(WEBHOOK_KINDS)}")
        self.kind = kind
        self.name = kind
        self.timeout = timeout
        self.allowed = allowed  # networks let through though not public (tests, an inside robot)
        self.resolve = resolve
        self._http: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return f"WebhookChannel({self.kind!r})"

    def _client(self) -> httpx.AsyncClient:
        """One pooled client per event loop (keep-alive; an SSL context costs ms to build)."""
        loop = asyncio.get_running_loop()
        if self._http is None or self._loop is not loop:
            self._http = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)
            self._loop = loop
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def payload(self, message: Message) -> dict[str, Any]:
        text = _fit_text(message, _WEBHOOK_TEXT_LIMIT[self.kind])
        if self.kind == "feishu":
            return {"msg_type": "text", "content": {"text": text}}
        return {"msgtype": "text", "text": {"content": text}}  # WeCom and DingTalk share the shape

    def _result_code(self, data: Any) -> int | None:
        """The robot's business code (0 is success), or None when the answer has none."""
        if not isinstance(data, dict):
            return None
        keys = ("code", "StatusCode") if self.kind == "feishu" else ("errcode",)
        for key in keys:
            value = data.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        return None

    async def _request(self, target: str) -> tuple[str, dict[str, str], dict[str, Any]]:
        """The URL on the checked address, the Host header, and the TLS name: the connection goes
        to the address just resolved and checked, never to a second answer of the DNS."""
        if (problem := targets.url_problem(target, self.allowed)) is not None:
            raise DeliveryFailed(f"{self.kind} robot URL {problem}", retryable=False)
        parts = urlsplit(target.strip())
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            address = await targets.public_address(host, port, self.allowed, self.resolve)
        except targets.TargetRefused as refused:
            raise DeliveryFailed(f"{self.kind} robot refused: {refused}", retryable=False) from None
        except OSError as exc:  # the name does not resolve (now)
            raise DeliveryFailed(
                f"{self.kind} robot host unresolved: {type(exc).__name__}", retryable=True
            ) from None
        shown = f"[{address}]" if ":" in address else address
        url = parts._replace(netloc=f"{shown}:{port}").geturl()
        extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
        return url, {"Host": parts.netloc}, extensions

    async def send(self, target: str, message: Message) -> None:
        url, headers, extensions = await self._request(target)
        try:
            response = await self._client().post(
                url, json=self.payload(message), headers=headers, extensions=extensions
            )
        except httpx.TimeoutException as exc:
            raise DeliveryFailed(
                f"{self.kind} robot timed out ({type(exc).__name__})", retryable=True
            ) from exc
        except httpx.HTTPError as exc:
            # Connection refused or reset, DNS failure, protocol error. httpx messages name no URL.
            raise DeliveryFailed(
                f"{self.kind} robot unreachable: {type(exc).__name__}", retryable=True
            ) from exc

        try:
            data: Any = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            data = None
        code = self._result_code(data)
        detail = f"HTTP {response.status_code}" + (f", code {code}" if code is not None else "")
        status = response.status_code
        if code is not None and code != 0 and code in _WEBHOOK_RETRYABLE_CODES[self.kind]:
            raise DeliveryFailed(f"{self.kind} robot is rate limited: {detail}", retryable=True)
        if status == 429 or status >= 500:
            raise DeliveryFailed(f"{self.kind} robot failed: {detail}", retryable=True)
        if not 200 <= status < 300:
            raise DeliveryFailed(f"{self.kind} robot refused: {detail}", retryable=False)
        if code is None:
            raise DeliveryFailed(f"{self.kind} robot gave no result code: {detail}", retryable=False)
        if code != 0:
            raise DeliveryFailed(f"{self.kind} robot refused: {detail}", retryable=False)


# --- SMS -------------------------------------------------------------------------------------

SMS_MAX_CHARS = 300
_PHONE_RE = re.compile(r"^\+?\d{5,15}$")


class SmsProvider(Protocol):
    async def send_sms(self, phone: str, text: str) -> None: ...


@dataclass(frozen=True, slots=True)
class SentSms:
    phone: str
    text: str


class LoggingSmsProvider:
    """The console twin of an SMS gateway: logs each message and keeps the last ``keep``."""

    def __init__(self, keep: int = 100) -> None:
        self.sent: deque[SentSms] = deque(maxlen=keep)
        self.log = logging.getLogger("huixiang.sms")

    async def send_sms(self, phone: str, text: str) -> None:
        self.sent.append(SentSms(phone, text))
        self.log.info("SMS to %s: %s", mask_phone(phone), text)


class SmsChannel:
    """Text messages through an :class:`SmsProvider`. The target is a phone number."""

    name = "sms"

    def __init__(self, provider: SmsProvider, *, max_chars: int = SMS_MAX_CHARS) -> None:
        self.provider = provider
        self.max_chars = max_chars

    def __repr__(self) -> str:
        return f"SmsChannel({type(self.provider).__name__})"

    def text(self, message: Message) -> str:
        text = message.text()
        if len(text) <= self.max_chars:
            return text
        return text[: self.max_chars - 1] + "…"

    async def send(self, target: str, message: Message) -> None:
        phone = re.sub(r"[\s-]", "", target)
        if not _PHONE_RE.match(phone):
            raise DeliveryFailed("invalid phone number", retryable=False)
        try:
            await self.provider.send_sms(phone, self.text(message))
        except DeliveryFailed:
            raise
        except Exception as exc:  # an adapter's own failure: assume the gateway may recover
            raise DeliveryFailed(f"SMS provider error: {type(exc).__name__}", retryable=True) from exc


# --- wiring ----------------------------------------------------------------------------------

SMS_PROVIDERS = ("log",)


def channels_from_env(env: Mapping[str, str]) -> dict[str, Channel]:
    """The channels this process can use, by name. Email only with ``HUIXIANG_SMTP_URL``.

    Raises ValueError for a malformed SMTP URL, an unknown ``HUIXIANG_SMS_PROVIDER`` or a malformed
    ``HUIXIANG_WEBHOOK_ALLOWED_NETWORKS``, so a bad
    configuration stops the worker at start rather than failing every delivery.
    """
    channels: dict[str, Channel] = {}
    if smtp_url := env.get("HUIXIANG_SMTP_URL", "").strip():
        channels["email"] = EmailChannel(smtp_url)
    variable = "HUIXIANG_WEBHOOK_ALLOWED_NETWORKS"
    allowed = targets.parse_networks(variable, env.get(variable, ""))
    for kind in WEBHOOK_KINDS:
        channels[kind] = WebhookChannel(kind, allowed=allowed)
    provider = env.get("HUIXIANG_SMS_PROVIDER", "").strip() or "log"
    if provider == "log":
        channels["sms"] = SmsChannel(LoggingSmsProvider())
    else:
        raise ValueError(
            f"unknown HUIXIANG_SMS_PROVIDER {provider!r}; expected one of {', '.join(SMS_PROVIDERS)}"
        )
    return channels
