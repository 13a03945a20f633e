"""Passwords, tokens and access codes.

Passwords are argon2id (argon2-cffi). Tokens and access codes are long random secrets, so a fast
keyed hash is enough and keeps the hot paths fast: HMAC-SHA256 under the app's secret key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

# No 0/O, 1/I/L: read aloud over the phone and copied by hand.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verified against when the username is unknown, so both cases take the same time.
DUMMY_PASSWORD_HASH = hash_password("not a real password")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def new_access_code() -> str:
    # One read of the system's randomness, not one per character (on intake's hot path).
    return _code_from(secrets.token_bytes(32))


def derived_access_code(key: bytes, idempotency_key: str, request_hash: bytes) -> str:
    """The access code of an idempotent intake: the same key and body give the same code back,
    which is what lets a retry answer the first 201 although only the code's hash is stored."""
    digest = hmac.new(key, b"code\0" + idempotency_key.encode() + b"\0" + request_hash, "sha256")
    return _code_from(digest.digest())


def _code_from(random: bytes) -> str:
    """CODE_LENGTH characters of the alphabet from 256 random bits (the bias of taking 8 digits
    base 31 of a 256-bit number is below 2^-200)."""
    raw = int.from_bytes(random, "big")
    chars = []
    for _ in range(CODE_LENGTH):
        raw, index = divmod(raw, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[index])
    return "".join(chars)


def normalize_code(code: str) -> str:
    return code.strip().upper().replace("-", "").replace(" ", "")


def access_code_hash(key: bytes, code: str) -> bytes:
    return hmac.new(key, b"access\0" + normalize_code(code).encode(), "sha256").digest()


def code_matches(key: bytes, code: str, stored: bytes) -> bool:
    return hmac.compare_digest(access_code_hash(key, code), stored)
