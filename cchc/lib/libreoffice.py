"""LibreOffice headless (`soffice`): one conversion of one file, bounded in time.

Each conversion runs in a folder and a user profile of its own (conversions running at
once would otherwise share, and lock, one profile) and under coreutils' `timeout` where
it exists: LibreOffice's launcher starts a second process that a killed launcher would
leave running.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path


class OfficeUnavailable(Exception):
    """LibreOffice is not installed here."""


class ConversionFailed(Exception):
    """LibreOffice ran but made no file: the source is damaged, protected or too slow."""


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(
    data: bytes,
    *,
    source: str,
    target: str,
    timeout: int,
    prefix: str,
    env: Mapping[str, str] | None = None,
) -> bytes:
    """`data`, a file of extension `source`, converted to `target` ("docx", "xlsx",
    "pdf:writer_pdf_Export" …); the folder is named `prefix` plus a random part, and
    `env` adds to the program's environment."""
    program = soffice_path()
    if program is None:
        raise OfficeUnavailable
    extension = target.split(":", 1)[0]
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        work = Path(folder)
        source_file = work / f"tep.{source}"
        source_file.write_bytes(data)
        outdir = work / "out"
        bounded = (
            [killer, "--kill-after=5", str(timeout)] if (killer := shutil.which("timeout")) else []
        )
        try:
            subprocess.run(
                [
                    *bounded,
                    program,
                    f"-env:UserInstallation={(work / 'profile').as_uri()}",
                    "--headless",
                    "--norestore",
                    "--convert-to",
                    target,
                    "--outdir",
                    str(outdir),
                    str(source_file),
                ],
                check=False,
                capture_output=True,
                timeout=timeout + 10,
                env={**os.environ, **(env or {}), "HOME": folder},
            )
        except (subprocess.SubprocessError, OSError) as failure:
            raise ConversionFailed from failure
        result = outdir / f"tep.{extension}"
        if not result.exists() or result.stat().st_size == 0:
            raise ConversionFailed
        return result.read_bytes()
