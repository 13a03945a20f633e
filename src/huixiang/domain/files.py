"""What an uploaded file really is, judged by its first bytes, never by the name it came with."""

from __future__ import annotations

MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024

ALLOWED = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "application/pdf")


def sniff(head: bytes) -> str | None:
    """The content type of a file from its first bytes, if it is one we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heif"):
        return "image/heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def safe_filename(name: str | None, content_type: str) -> str:
    """A display name without paths or control characters, with an extension that matches."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')[:120].strip()
    ext = {
        "image/jpeg": ".jpg",
        "image/png": ".png",
        "image/gif": ".gif",
        "image/webp": ".webp",
        "image/heic": ".heic",
        "application/pdf": ".pdf",
    }[content_type]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return (stem or "file") + ext
