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
from litestar.exceptions import HTTPException
from litestar.response import Template

from ..db.models import Org
from ..domain.enums import Kind, OrgKind, Rating
from ..domain.errors import Conflict, DomainError, Invalid, NotFound, TooManyRequests
from ..domain.files import MAX_FILE_BYTES, MAX_FILES
from ..edge.uploads import parse_form
from ..services import schemas as s
from ..services import tickets
from ..services.accounts import hit_throttle, throttle_exceeded
from ..services.context import Ctx
from ..services.intake import intake
from ..services.reference import OrgInfo, categories, clock_for, org_info, parent_info
from . import forms
from .i18n import translate as t

CtxDep = NamedDependency[Ctx]
CSRF_COOKIE = "hx_csrf"
SMALL_FORM = 16 * 1024
SUBMIT_LIMIT, SUBMIT_WINDOW = 20, timedelta(hours=1)
TRACK_LIMIT, TRACK_WINDOW = 20, timedelta(minutes=10)
UPLOAD_BODY = 4 * MAX_FILES * MAX_FILE_BYTES


def _address(request: Request[Any, Any, State]) -> str:
    return request.client.host if request.client else "unknown"


def _csrf(request: Request[Any, Any, State], ctx: Ctx) -> tuple[str, str, bool]:
    """The browser's CSRF cookie (made if missing), the form's matching token, and whether the
    cookie is new (double submit: a third-party page can send neither the cookie nor its MAC)."""
    cookie = request.cookies.get(CSRF_COOKIE)
    fresh = not cookie or len(cookie) > 64
    if fresh:
        cookie = secrets.token_urlsafe(24)
    token = hmac.new(ctx.settings.secret_key, b"csrf\0" + cookie.encode(), hashlib.sha256).hexdigest()
    return cookie, token, fresh


def _check_csrf(request: Request[Any, Any, State], ctx: Ctx, sent: str) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie:
        return False
    expected = hmac.new(ctx.settings.secret_key, b"csrf\0" + cookie.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, sent or "")


def _page(
    name: str, request: Request[Any, Any, State], ctx: Ctx, status: int = 200, **context: Any
) -> Template:
    cookie, token, fresh = _csrf(request, ctx)
    response = Template(template_name=name, context={"csrf": token, **context}, status_code=status)
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


async def _profile(ctx: Ctx, school: OrgInfo) -> dict[str, Any]:
    """What the landing page publishes: who answers, the hotline and its hours, reception days."""
    org = await ctx.session.get(Org, school.id)
    return dict(org.profile or {}) if org else {}


async def _small_form(request: Request[Any, Any, State]) -> dict[str, str]:
    body = await request.body()
    if len(body) > SMALL_FORM:
        raise Invalid(t("error.generic"))
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


def _error_page(request: Request[Any, Any, State], exc: Exception) -> Template:
    """Pages answer errors with a page, in Chinese, never with JSON."""
    status = getattr(exc, "status_code", None) or (404 if isinstance(exc, NotFound) else 400)
    if isinstance(exc, TooManyRequests):
        status = 429
    key = {404: "error.page_not_found", 413: "error.files_size", 429: "error.too_many"}.get(
        status, "error.generic"
    )
    return Template(template_name="error.html", context={"message": t(key)}, status_code=status)


class ParentSite(Controller):
    path = "/"
    include_in_schema = False
    exception_handlers = {DomainError: _error_page, HTTPException: _error_page}

    @get("/")
    async def home(self, request: Request[Any, Any, State], ctx: CtxDep) -> Template:
        return _page("home.html", request, ctx)

    @get("/s/{school_code:str}")
    async def landing(self, request: Request[Any, Any, State], ctx: CtxDep, school_code: str) -> Template:
        school, district = await _school(ctx, school_code)
        clock = await clock_for(ctx, school.path)
        return _page(
            "landing.html",
            request,
            ctx,
            school=school,
            district=district,
            profile=await _profile(ctx, school),
            days=clock.policy.respond_days,
        )

    @get("/s/{school_code:str}/new")
    async def new(self, request: Request[Any, Any, State], ctx: CtxDep, school_code: str) -> Template:
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
        return _page(
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
        )

    @post("/s/{school_code:str}/new", request_max_body_size=UPLOAD_BODY)
    async def submit(self, request: Request[Any, Any, State], ctx: CtxDep, school_code: str) -> Template:
        school, district = await _school(ctx, school_code)
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            raw = await parse_form(
                content_type,
                request.stream(),
                file_field="files",
                max_files=4 * MAX_FILES,
                max_file_bytes=MAX_FILE_BYTES,
                drop_oversized=True,
            )
            fields, files = raw.fields, raw.files
        else:
            fields, files, raw = await _small_form(request), [], None
        form = forms.read(school_code, fields, files, await categories(ctx, school.root_id))
        if raw and raw.oversized:
            form.errors["files"] = t("error.files_size")
        if not _check_csrf(request, ctx, fields.get("csrf", "")):
            return await self._form(request, ctx, school_code, form, 400, t("error.csrf"))
        if form.errors or form.data is None:
            return await self._form(request, ctx, school_code, form, 400, t("form.errors"))
        if await hit_throttle(ctx, f"web-submit:{_address(request)}", SUBMIT_WINDOW) > SUBMIT_LIMIT:
            await ctx.session.commit()
            return await self._form(request, ctx, school_code, form, 429, t("error.too_many"))
        key = _submission_key(request, ctx, school_code, form)
        try:
            receipt = await intake(ctx, form.data, idempotency_key=f"web:{key}", uploads=form.uploads)
        except DomainError:
            return await self._form(request, ctx, school_code, form, 400, t("error.generic"))
        return _page(
            "receipt.html",
            request,
            ctx,
            receipt=receipt,
            school=school,
            to_bureau=district.name if district and form.data.to_bureau else None,
            due=receipt.respond_due_at.astimezone(ctx.settings.timezone),
        )

    @get("/track")
    async def track_form(self, request: Request[Any, Any, State], ctx: CtxDep, number: str = "") -> Template:
        return _page("track.html", request, ctx, number=number[:32])

    @post("/track")
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
        key = f"track:{_address(request)}"
        if await throttle_exceeded(ctx, key, TRACK_LIMIT, TRACK_WINDOW):
            return _page(
                "track.html", request, ctx, status=429, number=number, message=t("error.track_too_many")
            )
        try:
            view = await tickets.public_view(ctx, number, code)
        except NotFound:
            await hit_throttle(ctx, key, TRACK_WINDOW)  # only misses count: guesses, not parents
            await ctx.session.commit()
            return _page("track.html", request, ctx, status=404, number=number, message=t("error.not_found"))
        return _page(
            "ticket.html",
            request,
            ctx,
            view=view,
            code=code,
            notice=notice,
            tz=ctx.settings.timezone,
            ratings=[(r.value, t(f"rate.{r.value}")) for r in Rating],
        )

    @post("/t/{number:str}/rate")
    async def rate(self, request: Request[Any, Any, State], ctx: CtxDep, number: str) -> Template:
        fields = await _small_form(request)
        code = fields.get("code", "")
        if not _check_csrf(request, ctx, fields.get("csrf", "")):
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
        self, request: Request[Any, Any, State], ctx: CtxDep, school_code: str
    ) -> Response[bytes]:
        await _school(ctx, school_code)
        buffer = io.BytesIO()
        segno.make(_landing_url(request, school_code), error="m").save(buffer, kind="png", scale=12, border=2)
        return _download(buffer.getvalue(), "image/png", f"{school_code}-qr.png")

    @get("/s/{school_code:str}/qr.svg")
    async def qr_svg(
        self, request: Request[Any, Any, State], ctx: CtxDep, school_code: str
    ) -> Response[bytes]:
        await _school(ctx, school_code)
        return _download(_svg(_landing_url(request, school_code)), "image/svg+xml", f"{school_code}-qr.svg")

    @get("/s/{school_code:str}/poster")
    async def poster(self, request: Request[Any, Any, State], ctx: CtxDep, school_code: str) -> Template:
        school, _ = await _school(ctx, school_code)
        url = _landing_url(request, school_code)
        svg = _svg(url, scale=8, sized=False).decode()
        return _page("poster.html", request, ctx, school=school, url=url, svg=svg)


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


def _landing_url(request: Request[Any, Any, State], school_code: str) -> str:
    """What the QR code opens: the public address when configured (posters are printed and
    outlive any one request's Host header), else the address this request came to."""
    base = request.app.state.settings.public_url or str(request.base_url)
    return base.rstrip("/") + f"/s/{school_code}"


def _svg(url: str, scale: int = 10, sized: bool = True) -> bytes:
    """`sized=False`: a viewBox instead of width and height, so CSS can scale it (the poster)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True, omitsize=not sized
    )
    return buffer.getvalue()


def _download(content: bytes, media_type: str, filename: str) -> Response[bytes]:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "public, max-age=3600",
        },
    )
