"""The parents' pages: a school's landing page, the form, the receipt, tracking and rating, and
the school's QR code and poster. Same services and rules as the API."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import segno
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie, State
from litestar.di import NamedDependency
from litestar.enums import MediaType
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from ..domain.enums import Kind, OrgKind, Rating
from ..domain.errors import Conflict, DomainError, NotFound
from ..edge.body import read_limited
from ..edge.errors import classify, status_of
from ..edge.uploads import MAX_UPLOAD_BODY, Form, parse_form
from ..services import schemas as s
from ..services import throttle, tickets
from ..services.context import Ctx
from ..services.intake import intake
from ..services.reference import OrgInfo, categories, clock_for, org_info, parent_info, profile_of
from ..services.trust import staff_choices
from . import forms
from .i18n import translate as t

CtxDep = NamedDependency[Ctx]
CSRF_COOKIE = "hx_csrf"
SMALL_FORM = 16 * 1024
# Per address: tickets sent from the form, and wrong guesses at tracking (a parent's right
# number and code never count). Counted in Redis, expiring with their window.
SUBMIT_LIMIT, SUBMIT_WINDOW = 20, timedelta(hours=1)
TRACK_LIMIT, TRACK_WINDOW = 20, timedelta(minutes=10)
# A page's sentence for each status of the error table (edge/errors.py).
MESSAGES = {
    403: "error.forbidden",
    404: "error.page_not_found",
    405: "error.page_not_found",
    409: "error.conflict",
    413: "error.too_large",
    415: "error.not_a_form",
    429: "error.too_many",
    500: "error.unexpected",
    503: "error.unavailable",
}


def _address(request: Request[Any, Any, State]) -> str:
    return request.client.host if request.client else "unknown"


def _counter(request: Request[Any, Any, State], ctx: Ctx, name: str) -> str:
    return throttle.key(ctx.settings.secret_key, name, _address(request))


def anonymous_csrf(request: Request[Any, Any, State], ctx: Ctx) -> tuple[str, str, bool]:
    """The browser's CSRF cookie (made if missing), the form's matching token, and whether the
    cookie is new (double submit: a third-party page can send neither the cookie nor its MAC)."""
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    fresh = not cookie or len(cookie) > 64
    if fresh:
        cookie = secrets.token_urlsafe(24)
    token = hmac.new(ctx.settings.secret_key, b"csrf\0" + cookie.encode(), hashlib.sha256).hexdigest()
    return cookie, token, fresh


def check_anonymous_csrf(request: Request[Any, Any, State], ctx: Ctx, sent: str) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie:
        return False
    expected = hmac.new(ctx.settings.secret_key, b"csrf\0" + cookie.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, sent or "")


def anonymous_page(
    name: str, request: Request[Any, Any, State], ctx: Ctx, status: int = 200, **context: Any
) -> Template:
    cookie, token, fresh = anonymous_csrf(request, ctx)
    response = Template(
        template_name=name, context={"csrf": token, **context}, status_code=status, media_type=MediaType.HTML
    )
    if fresh:
        secure = ctx.settings.secure_cookies or request.url.scheme == "https"
        response.cookies.append(
            Cookie(key=CSRF_COOKIE, value=cookie, httponly=True, samesite="strict", secure=secure, path="/")
        )
    response.headers["Cache-Control"] = "no-store"
    return response


async def _school(ctx: Ctx, code: str) -> tuple[OrgInfo, OrgInfo | None]:
    school = await org_info(ctx, code)
    if school is None or school.kind != OrgKind.SCHOOL:
        raise NotFound(t("error.page_not_found"))
    return school, await parent_info(ctx, school)


async def _small_form(request: Request[Any, Any, State]) -> dict[str, str]:
    body = await read_limited(request.stream(), SMALL_FORM)
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


def _message(status: int) -> str:
    return t(MESSAGES.get(status, "error.generic"))


def _error_page(request: Request[Any, Any, State], exc: Exception) -> Template:
    """Pages answer errors with a page in Chinese, never with JSON; the status is the one error
    table's (edge/errors.py), as the API's."""
    status, _ = classify(request, exc)
    response = Template(template_name="error.html", context={"message": _message(status)}, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


class ParentSite(Controller):
    path = "/"
    include_in_schema = False
    exception_handlers = {Exception: _error_page}

    @get("/")
    async def home(self, request: Request[Any, Any, State], ctx: CtxDep) -> Template:
        return anonymous_page("home.html", request, ctx)

    @get("/s/{school_code:str}")
    async def landing(
        self, request: Request[Any, Any, State], ctx: CtxDep, school_code: FromPath[str]
    ) -> Template:
        school, district = await _school(ctx, school_code)
        clock = await clock_for(ctx, school.path)
        return anonymous_page(
            "landing.html",
            request,
            ctx,
            school=school,
            district=district,
            profile=await profile_of(ctx, school),
            days=clock.policy.respond_days,
        )

    @get("/s/{school_code:str}/new")
    async def new(
        self, request: Request[Any, Any, State], ctx: CtxDep, school_code: FromPath[str]
    ) -> Template:
        return await self._form(request, ctx, school_code, forms.Submission())

    async def _form(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        school_code: str,
        form: forms.Submission,
        status: int = 200,
        message: str | None = None,
    ) -> Template:
        school, district = await _school(ctx, school_code)
        return anonymous_page(
            "form.html",
            request,
            ctx,
            status=status,
            school=school,
            district=district,
            form=form,
            kinds=[(k.value, t(f"kind.{k.value}")) for k in Kind],
            categories=await categories(ctx, school.root_id),
            max_content=forms.MAX_CONTENT,
            message=message,
            staff=await staff_choices(ctx, school_code),
        )

    @post("/s/{school_code:str}/new", request_max_body_size=MAX_UPLOAD_BODY)
    async def submit(
        self, request: Request[Any, Any, State], ctx: CtxDep, school_code: FromPath[str]
    ) -> Template:
        school, district = await _school(ctx, school_code)
        counter = _counter(request, ctx, "web-submit")
        if await throttle.hits(ctx.redis, counter) >= SUBMIT_LIMIT:  # refused before reading the body
            return await self._form(request, ctx, school_code, forms.Submission(), 429, t("error.too_many"))
        raw = await _read_submission(request, ctx)
        form = forms.read(school_code, raw.fields, raw.files, await categories(ctx, school.root_id))
        if raw.oversized:
            form.errors["files"] = t("error.files_size")
        if raw.too_many_files:
            form.errors["files"] = t("error.files_count")
        if raw.refused:
            return await self._form(request, ctx, school_code, form, 400, t("error.csrf"))
        if form.errors or form.data is None:
            return await self._form(request, ctx, school_code, form, 400, t("form.errors"))
        if await throttle.hit(ctx.redis, counter, SUBMIT_WINDOW) > SUBMIT_LIMIT:
            return await self._form(request, ctx, school_code, form, 429, t("error.too_many"))
        key = _submission_key(request, ctx, school_code, form)
        try:
            receipt = await intake(ctx, form.data, idempotency_key=f"web:{key}", uploads=form.uploads)
        except DomainError as exc:  # the input kept, the status the error table gives
            status = status_of(exc)
            return await self._form(request, ctx, school_code, form, status, _message(status))
        return anonymous_page(
            "receipt.html",
            request,
            ctx,
            receipt=receipt,
            school=school,
            to_bureau=district.name if district and form.data.to_bureau else None,
            escrow=form.data.escrow,
            due=receipt.respond_due_at.astimezone(ctx.settings.timezone),
        )

    @get("/track")
    async def track_form(
        self, request: Request[Any, Any, State], ctx: CtxDep, number: FromQuery[str] = ""
    ) -> Template:
        return anonymous_page("track.html", request, ctx, number=number[:32])

    @post("/track", request_max_body_size=SMALL_FORM)
    async def track(self, request: Request[Any, Any, State], ctx: CtxDep) -> Template:
        fields = await _small_form(request)
        return await self._ticket(request, ctx, fields.get("number", "").strip(), fields.get("code", ""))

    async def _ticket(
        self,
        request: Request[Any, Any, State],
        ctx: CtxDep,
        number: str,
        code: str,
        notice: str | None = None,
    ) -> Template:
        counter = _counter(request, ctx, "web-track")
        if await throttle.hits(ctx.redis, counter) >= TRACK_LIMIT:
            return anonymous_page(
                "track.html", request, ctx, status=429, number=number, message=t("error.track_too_many")
            )
        try:
            view = await tickets.public_view(ctx, number, code)
        except NotFound:
            await throttle.hit(ctx.redis, counter, TRACK_WINDOW)  # only misses count: guesses, not parents
            return anonymous_page(
                "track.html", request, ctx, status=404, number=number, message=t("error.not_found")
            )
        return anonymous_page(
            "ticket.html",
            request,
            ctx,
            view=view,
            code=code,
            notice=notice,
            tz=ctx.settings.timezone,
            ratings=[(r.value, t(f"rate.{r.value}")) for r in Rating],
        )

    @post("/t/{number:str}/rate", request_max_body_size=SMALL_FORM)
    async def rate(self, request: Request[Any, Any, State], ctx: CtxDep, number: FromPath[str]) -> Template:
        fields = await _small_form(request)
        code = fields.get("code", "")
        if not check_anonymous_csrf(request, ctx, fields.get("csrf", "")):
            return await self._ticket(request, ctx, number, code, t("error.csrf"))
        try:
            value = Rating(fields.get("value", ""))
        except ValueError:
            return await self._ticket(request, ctx, number, code, t("error.required"))
        comment = fields.get("comment", "").strip()[:500] or None
        try:
            await tickets.rate(ctx, number, s.RatingRequest(code=code, value=value, comment=comment))
        except NotFound:
            return await self._ticket(request, ctx, number, code)
        except Conflict:  # this answer was rated already, or the ticket is not answered (yet)
            # A double tap sends the same rating twice; the browser shows the second answer.
            rated = (await tickets.public_view(ctx, number, code)).rating
            again = rated is not None and (rated.value, rated.comment) == (value.value, comment)
            notice = t("rate.thanks" if again else "rate.not_now")
            return await self._ticket(request, ctx, number, code, notice)
        return await self._ticket(request, ctx, number, code, t("rate.thanks"))

    @get("/s/{school_code:str}/qr.png")
    async def qr_png(
        self, request: Request[Any, Any, State], ctx: CtxDep, school_code: FromPath[str]
    ) -> Response[bytes]:
        await _school(ctx, school_code)
        url, configured = _landing_url(request, school_code)
        buffer = io.BytesIO()
        segno.make(url, error="m").save(buffer, kind="png", scale=12, border=2)
        return _download(buffer.getvalue(), "image/png", f"{school_code}-qr.png", configured)

    @get("/s/{school_code:str}/qr.svg")
    async def qr_svg(
        self, request: Request[Any, Any, State], ctx: CtxDep, school_code: FromPath[str]
    ) -> Response[bytes]:
        await _school(ctx, school_code)
        url, configured = _landing_url(request, school_code)
        return _download(_svg(url), "image/svg+xml", f"{school_code}-qr.svg", configured)

    @get("/s/{school_code:str}/poster")
    async def poster(
        self, request: Request[Any, Any, State], ctx: CtxDep, school_code: FromPath[str]
    ) -> Template:
        school, _ = await _school(ctx, school_code)
        url, _ = _landing_url(request, school_code)
        svg = _svg(url, scale=8, sized=False).decode()
        return anonymous_page("poster.html", request, ctx, school=school, url=url, svg=svg)


def _submission_key(
    request: Request[Any, Any, State], ctx: Ctx, school_code: str, form: forms.Submission
) -> str:
    """The same submission from the same browser is one ticket: a double tap, a reload of the
    receipt, or going back and sending the restored form again (the form page is never cached, so
    a key written into it would be new each time) all answer the first receipt."""
    digest = hmac.new(ctx.settings.secret_key, b"web-submit\0", hashlib.sha256)
    digest.update(request.cookies.get(CSRF_COOKIE, "").encode() + b"\0" + school_code.encode() + b"\0")
    digest.update(json.dumps(form.values, sort_keys=True, ensure_ascii=False).encode())
    for upload in form.uploads:
        digest.update(b"\0" + hashlib.sha256(upload.data).digest())
    return digest.hexdigest()[:40]


def _landing_url(request: Request[Any, Any, State], school_code: str) -> tuple[str, bool]:
    """What the QR code opens, and whether it is the configured public address. Posters are
    printed and outlive any request, and the Host header is the client's to set: without
    HUIXIANG_PUBLIC_URL, a Host from HUIXIANG_ALLOWED_HOSTS, else the address the server
    listens at, never a stranger's Host."""
    settings = request.app.state.settings
    if settings.public_url:
        return settings.public_url.rstrip("/") + f"/s/{school_code}", True
    host = request.headers.get("host", "").strip().lower()
    if not (host and (host in settings.allowed_hosts or host.rsplit(":", 1)[0] in settings.allowed_hosts)):
        name, port = request.scope.get("server") or ("127.0.0.1", 80)
        name = f"[{name}]" if ":" in name else name
        default = {"http": 80, "https": 443}.get(request.url.scheme)
        host = name if port in (None, default) else f"{name}:{port}"
    return f"{request.url.scheme}://{host}/s/{school_code}", False


def _svg(url: str, scale: int = 10, sized: bool = True) -> bytes:
    """`sized=False`: a viewBox instead of width and height, so CSS can scale it (the poster)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True, omitsize=not sized
    )
    return buffer.getvalue()


def _download(content: bytes, media_type: str, filename: str, shared: bool) -> Response[bytes]:
    """`shared`: the content is the same for every client, so caches may keep it."""
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "public, max-age=3600" if shared else "no-store",
        },
    )


async def _read_submission(request: Request[Any, Any, State], ctx: Ctx) -> Form:
    """The form's fields and files, leniently (errors shown beside the kept input). The CSRF
    token is checked when the first file part begins: a forged form's files are never read."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        return await parse_form(
            content_type,
            request.stream(),
            lenient=True,
            admit=lambda fields: check_anonymous_csrf(request, ctx, fields.get("csrf", "")),
        )
    fields = await _small_form(request)
    return Form(fields=fields, refused=not check_anonymous_csrf(request, ctx, fields.get("csrf", "")))
