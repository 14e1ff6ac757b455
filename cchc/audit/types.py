"""Types shared by the audit trail and its callers, free of Django models."""

from typing import Literal

Source = Literal["web", "api", "cli", "system", "job"]
SOURCES: tuple[Source, ...] = ("web", "api", "cli", "system", "job")
