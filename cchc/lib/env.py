"""Small typed readers of environment variables, for settings.py.

A secret may also come from a file: `SECRET_KEY_FILE=/run/secrets/key` is read when
`SECRET_KEY` itself is not set, as container orchestrators hand secrets over that way.
"""

import os
from pathlib import Path


def env_str(name: str, default: str = "") -> str:
    value = os.environ.get(name)
    if value is not None:
        return value
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return default


def env_bool(name: str, default: bool = False) -> bool:
    value = env_str(name)
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    return int(value) if value.strip() else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]
