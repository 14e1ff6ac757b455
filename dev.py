#!/usr/bin/env python3
"""Set up a virtual environment and run cchc: the two commands of the README.

    python3 dev.py run     # install, migrate, load the Quảng Trị 2022 demo, serve on :8000
    python3 dev.py test    # install, run the whole test suite (SQLite, then PostgreSQL)
    python3 dev.py lint    # ruff check, ruff format --check and mypy

Only the standard library is used here, because this runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
import subprocess
import sys
import venv
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VAR = ROOT / "var"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/test"


def say(message: str) -> None:
    print(f"[cchc] {message}", flush=True)


def ensure_venv(extras: str) -> None:
    """Create .venv and install the package; skip the install when nothing changed."""
    if not PY.exists():
        say(f"Tạo môi trường ảo {VENV} …")
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    stamp = VENV / f".installed-{extras or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    target = f".[{extras}]" if extras else "."
    say(f"Cài đặt cchc và các thư viện ({target}) …")
    subprocess.run(
        [str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", target],
        cwd=ROOT,
        check=True,
    )
    stamp.write_text(digest)


def secret_key() -> str:
    VAR.mkdir(exist_ok=True)
    path = VAR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def run(args: list[str], env: dict[str, str]) -> int:
    return subprocess.run(args, cwd=ROOT, env=env).returncode


def cmd_run(argv: list[str]) -> int:
    ensure_venv("")
    port = argv[0] if argv else "8000"
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    env.setdefault("SECRET_KEY", secret_key())
    env.setdefault("DATABASE_URL", f"sqlite:///{VAR / 'cchc.sqlite3'}")
    env.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    # The demo is the first half of 2022: run it on a day of that year (see README).
    env.setdefault("CCHC_TODAY", "2022-07-15")
    cchc = str(BIN / "cchc")
    for step in (["migrate", "--no-input"], ["load_demo"]):
        if run([cchc, *step], env) != 0:
            return 1
    say(f"Mở http://127.0.0.1:{port}/ trong trình duyệt (Ctrl+C để dừng).")
    # Background jobs (imports, exports, backups) need a worker: one beside the server,
    # stopped with it. Without --no-reload it would fork a child that outlives us.
    worker = subprocess.Popen(
        [cchc, "worker", "--no-reload", "--interval", "0.5"], cwd=ROOT, env=env
    )
    try:
        return run([cchc, "runserver", f"127.0.0.1:{port}"], env)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()


def postgres_url() -> str | None:
    url = os.environ.get("CCHC_TEST_DATABASE_URL", DEFAULT_PG_URL)
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5432), 2):
            return url
    except OSError:
        return None


def cmd_test(argv: list[str]) -> int:
    ensure_venv("dev")
    ci = os.environ.get("CI", "").lower() == "true"
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env["SECRET_KEY"] = "tests-only-not-secret"
    # Two or more workers (pytest-xdist, each with its own test database) nearly halve the
    # run; more than four gain little and cost memory with a browser in each.
    workers = min(os.cpu_count() or 1, 4)
    parallel = ["-n", str(workers)] if workers > 1 else []
    pytest = [str(PY), "-m", "pytest", *parallel, *argv]

    say("Bộ kiểm thử trên SQLite")
    # Tests of concurrent writers need a server database; they run in the second pass.
    code = run([*pytest, "-m", "not postgres"], env)
    if code != 0:
        return code

    url = postgres_url()
    if url is None:
        message = "PostgreSQL không chạy trên 127.0.0.1:5432: bỏ qua lượt kiểm thử PostgreSQL."
        if ci:
            say(message + " CI=true nên đây là lỗi.")
            return 1
        say(message)
        return 0
    say(f"Bộ kiểm thử trên PostgreSQL ({url})")
    env["DATABASE_URL"] = url
    # Browser flows do not depend on the database engine; run them once, on SQLite.
    return run([*pytest, "-m", "not browser"], env)


def cmd_lint(argv: list[str]) -> int:
    ensure_venv("dev")
    env = dict(os.environ, SECRET_KEY="lint-only")
    code = run([str(BIN / "ruff"), "check", "."], env)
    code = run([str(BIN / "ruff"), "format", "--check", "."], env) or code
    return run([str(BIN / "mypy"), "cchc"], env) or code


COMMANDS = {"run": cmd_run, "test": cmd_test, "lint": cmd_lint}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
