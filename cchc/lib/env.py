"""Small typed readers of environment variables, for settings.py.

A secret may also come from a file: `SECRET_KEY_FILE=/run/secrets/key` is read when
`SECRET_KEY` itself is not set, as container orchestrators hand secrets over that way.
"""

import os
from datetime import date
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str = "") -> str:
    value = os.environ.get(name)
    if value is not None:
        return value
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return default


TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def env_bool(name: str, default: bool = False) -> bool:
    """A yes/no switch. A value that is neither is refused: `SECURE_SSL=ture` read as
    off would quietly serve a production site without HTTPS."""
    value = env_str(name).strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    allowed = ", ".join(sorted(TRUE_WORDS | FALSE_WORDS))
    raise ImproperlyConfigured(f"{name}={value!r} is not a yes/no value; use one of: {allowed}.")


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    return int(value) if value.strip() else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_date(name: str, *, earliest: date, latest: date) -> date | None:
    """An ISO date (YYYY-MM-DD), or None when unset. Anything else stops the start with a
    message naming the variable: a mistyped demo date must not silently become today."""
    value = env_str(name).strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a date; write it as YYYY-MM-DD, for example 2022-07-15."
        ) from None
    if not earliest <= day <= latest:
        raise ImproperlyConfigured(
            f"{name}={value!r} is outside {earliest.isoformat()}..{latest.isoformat()}."
        )
    return day
