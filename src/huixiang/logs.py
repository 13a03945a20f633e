"""Log levels for every huixiang process: deliveries are logged quietly, and never a secret.

httpx logs each request's URL at INFO, and a group robot's URL carries its key; the development
SMS provider logs every message at INFO (hundreds in a first sweep over the demo data). Both are
raised to WARNING; the sweep prints one summary line instead.
"""

from __future__ import annotations

import logging

QUIET = {
    "httpx": logging.WARNING,  # request lines name the URL: a robot's key
    "httpcore": logging.WARNING,
    "huixiang.sms": logging.WARNING,  # one line per SMS from the development provider
}


def quiet_chatty_loggers() -> None:
    for name, level in QUIET.items():
        logging.getLogger(name).setLevel(level)
