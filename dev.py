#!/usr/bin/env python3
"""Set up a virtual environment and run cchc: the two commands of the README.

    python3 dev.py run     # install, migrate, load the Quảng Trị 2022 demo, serve on :8000
    python3 dev.py test    # install, run the whole test suite (SQLite, then PostgreSQL)
    python3 dev.py lint    # ruff check, ruff format --check and mypy

`python3 dev.py --help` and `python3 dev.py <command> --help` describe every option (in
Vietnamese) and install nothing. Only the standard library is used here, because this runs
before anything is installed.

Every program started here (pip, migrate, the server, the worker, pytest) runs in a process
group of its own, and a SIGINT, SIGTERM or SIGHUP that reaches dev.py is passed on to each
group and waited for: `kill <pid of dev.py>` stops the server and the worker too, and
nothing is left listening on the port.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import venv
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import NoReturn
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VAR = ROOT / "var"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/test"
DEFAULT_PORT = 8000
POSIX = os.name == "posix"
# How long a child has to stop after the signal before it is killed.
STOP_TIMEOUT = 10.0


def say(message: str) -> None:
    print(f"[cchc] {message}", flush=True)


# --- Child processes that end with dev.py --------------------------------------------------


class Children:
    """The programs dev.py started, stopped with it.

    Each child leads a process group of its own, so that a signal reaches what it starts
    in turn (runserver's autoreloader child, pytest's workers and their browsers). A
    terminal's Ctrl+C reaches only dev.py then, and is passed on like any other signal.
    """

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.received: int | None = None

    def install(self) -> None:
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            signum = getattr(signal, name, None)
            if signum is not None:
                signal.signal(signum, self.forward)

    def forward(self, signum: int, frame: FrameType | None = None) -> None:
        self.received = signum
        for proc in self.procs:
            self._send(proc, signum)

    @staticmethod
    def _send(proc: subprocess.Popen[bytes], signum: int) -> None:
        if proc.poll() is not None:
            return
        try:
            if POSIX:
                os.killpg(proc.pid, signum)
            elif signum == getattr(signal, "SIGKILL", None):
                proc.kill()
            else:
                proc.terminate()
        except (ProcessLookupError, PermissionError):
            pass

    def start(self, args: Sequence[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(list(args), cwd=ROOT, env=env, start_new_session=POSIX)
        self.procs.append(proc)
        if self.received is not None:
            # The signal came while this one was being started: it stops at once too.
            self._send(proc, self.received)
        return proc

    def run(self, args: Sequence[str], env: dict[str, str]) -> int:
        """Run one program to its end (or until a signal), and return its exit code."""
        proc = self.start(args, env)
        try:
            return proc.wait()
        finally:
            self.stop()

    def stop(self, timeout: float | None = None) -> None:
        """End every child still running: SIGTERM, then SIGKILL after `timeout` seconds
        (STOP_TIMEOUT by default)."""
        timeout = STOP_TIMEOUT if timeout is None else timeout
        for proc in self.procs:
            self._send(proc, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._send(proc, getattr(signal, "SIGKILL", signal.SIGTERM))
                proc.wait()
            # A grandchild that outlived its parent (runserver's autoreloader child, say)
            # goes with the group.
            if POSIX:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
        self.procs = [proc for proc in self.procs if proc.poll() is None]

    def exit_code(self, code: int) -> int:
        """128 + the signal, as a shell reports a program a signal ended; else `code`."""
        return 128 + self.received if self.received is not None else code


CHILDREN = Children()


def run(args: list[str], env: dict[str, str]) -> int:
    return CHILDREN.run(args, env)


def serve(
    children: Children, server: Sequence[str], beside: Sequence[Sequence[str]], env: dict[str, str]
) -> int:
    """Run `server` with the programs `beside` it until it ends or a signal comes; then
    stop them all and wait for them."""
    try:
        for args in beside:
            children.start(args, env)
        code = children.start(server, env).wait()
    finally:
        children.stop()
    return children.exit_code(code)


# --- Steps ---------------------------------------------------------------------------------


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
    say(f"Cài đặt cchc và các thư viện ({target}); lần đầu mất khoảng một phút …")
    # pip's own lines ("Collecting …", "Installing …") and its bars are the progress.
    command = [str(PY), "-m", "pip", "install", "--disable-pip-version-check"]
    code = run([*command, "--progress-bar", "on", "-e", target], dict(os.environ))
    if code != 0:
        raise SystemExit(CHILDREN.exit_code(code))
    stamp.write_text(digest)
    say("Đã cài đặt xong.")


def secret_key() -> str:
    VAR.mkdir(exist_ok=True)
    path = VAR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def cmd_run(options: argparse.Namespace, extra: list[str]) -> int:
    port = options.port
    if not port_is_free(port):
        say(
            f"Cổng {port} đang được chương trình khác dùng. Dừng chương trình đó hoặc chọn "
            f"cổng khác, ví dụ: python3 dev.py run --port {port + 1}"
        )
        return 1
    ensure_venv("")
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    env.setdefault("SECRET_KEY", secret_key())
    env.setdefault("DATABASE_URL", f"sqlite:///{VAR / 'cchc.sqlite3'}")
    env.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
    # Progress lines appear as they are written, even when the output is a pipe.
    env.setdefault("PYTHONUNBUFFERED", "1")
    # The demo is the first half of 2022: run it on a day of that year (see README).
    env.setdefault("CCHC_TODAY", "2022-07-15")
    cchc = str(BIN / "cchc")
    steps = [
        ("Cập nhật cơ sở dữ liệu (migrate) …", ["migrate", "--no-input"]),
        ("Nạp dữ liệu mẫu Quảng Trị 2022 (lần đầu khoảng một phút) …", ["load_demo"]),
    ]
    for message, step in steps:
        say(message)
        code = run([cchc, *step], env)
        if code != 0 or CHILDREN.received is not None:
            return CHILDREN.exit_code(code or 1)
    say(f"Mở http://127.0.0.1:{port}/ trong trình duyệt (Ctrl+C để dừng).")
    # Background jobs (imports, exports, backups) need a worker: one beside the server,
    # stopped with it. Without --no-reload it would fork a child that outlives us.
    worker = [cchc, "worker", "--no-reload", "--interval", "0.5"]
    return serve(CHILDREN, [cchc, "runserver", f"127.0.0.1:{port}"], [worker], env)


def postgres_url() -> str | None:
    url = os.environ.get("CCHC_TEST_DATABASE_URL", DEFAULT_PG_URL)
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5432), 2):
            return url
    except OSError:
        return None


def cmd_test(options: argparse.Namespace, extra: list[str]) -> int:
    ensure_venv("dev")
    ci = os.environ.get("CI", "").lower() == "true"
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env["SECRET_KEY"] = "tests-only-not-secret"
    # Two or more workers (pytest-xdist, each with its own test database) nearly halve the
    # run; more than four gain little and cost memory with a browser in each.
    workers = min(os.cpu_count() or 1, 4)
    parallel = ["-n", str(workers)] if workers > 1 else []
    # The slowest tests are named at the end of each pass, so that a suite growing slower
    # shows where.
    pytest = [str(PY), "-m", "pytest", *parallel, "--durations=15", *extra]

    say("Bộ kiểm thử trên SQLite")
    # Tests of concurrent writers need a server database; they run in the second pass.
    code = run([*pytest, "-m", "not postgres"], env)
    if code != 0 or CHILDREN.received is not None:
        return CHILDREN.exit_code(code)

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
    # Browser flows do not depend on the database engine, nor do the tests that run cchc on
    # an SQLite file of their own: run them once, on SQLite.
    return CHILDREN.exit_code(run([*pytest, "-m", "not browser and not own_sqlite"], env))


def cmd_lint(options: argparse.Namespace, extra: list[str]) -> int:
    ensure_venv("dev")
    env = dict(os.environ, SECRET_KEY="lint-only")
    code = run([str(BIN / "ruff"), "check", "."], env)
    code = run([str(BIN / "ruff"), "format", "--check", "."], env) or code
    return CHILDREN.exit_code(run([str(BIN / "mypy"), "cchc"], env) or code)


# --- Command line --------------------------------------------------------------------------

# argparse's own words, in Vietnamese: it looks them up through gettext at the moment it
# prints them, and the standard library ships no Vietnamese catalogue. A message missing
# here (a newer Python's) stays in English rather than failing.
ARGPARSE_VI = {
    "usage: ": "cách dùng: ",
    "positional arguments": "tham số",
    "options": "tùy chọn",
    "show this help message and exit": "in hướng dẫn này rồi thoát (không cài đặt gì)",
    "unrecognized arguments: %s": "tùy chọn không hợp lệ: %s",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "lệnh không hợp lệ: %(value)r (chọn một trong: %(choices)s)"
    ),
    "argument %(argument_name)s: %(message)s": "%(argument_name)s: %(message)s",
    "expected one argument": "cần một giá trị",
    "expected at most one argument": "chỉ nhận nhiều nhất một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "ambiguous option: %(option)s could match %(matches)s": (
        "tùy chọn không rõ: %(option)s có thể là %(matches)s"
    ),
    "invalid %(type)s value: %(value)r": "giá trị không hợp lệ: %(value)r",
    "ignored explicit argument %r": "tùy chọn này không nhận giá trị: %r",
    "%(prog)s: error: %(message)s\n": "%(prog)s: lỗi: %(message)s\n",
}


def _vi(message: str) -> str:
    return ARGPARSE_VI.get(message, message)


def _vi_plural(singular: str, plural: str, count: int) -> str:
    return _vi(singular if count == 1 else plural)


class Parser(argparse.ArgumentParser):
    """argparse, in Vietnamese, exiting with 2 and a pointer to --help on a bad option."""

    commands: argparse._SubParsersAction[Parser]

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(
            2,
            f"[cchc] Lỗi: {message}\n[cchc] Xem hướng dẫn: python3 {self.prog.strip()} --help\n",
        )


def port_number(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"cổng phải là một số nguyên từ 1 đến 65535, không phải “{text}”"
        )
    return port


def build_parser() -> Parser:
    argparse._ = _vi  # type: ignore[attr-defined]
    argparse.ngettext = _vi_plural  # type: ignore[attr-defined]
    parser = Parser(
        prog="dev.py",
        description=(
            "Cài đặt và chạy cchc chỉ với python3 (3.11 trở lên): tạo môi trường ảo .venv, "
            "cài thư viện, rồi chạy máy chủ thử, bộ kiểm thử hoặc kiểm tra mã nguồn."
        ),
        epilog="Xem hướng dẫn của từng lệnh: python3 dev.py <lệnh> --help",
    )
    commands = parser.add_subparsers(
        dest="command", metavar="<lệnh>", title="lệnh", parser_class=Parser
    )
    parser.commands = commands
    run_parser = commands.add_parser(
        "run",
        help="cài đặt, nạp dữ liệu mẫu Quảng Trị 2022 và chạy máy chủ thử",
        description=(
            "Tạo .venv và cài cchc (lần đầu), cập nhật cơ sở dữ liệu SQLite trong var/, nạp "
            "kế hoạch mẫu Quảng Trị 2022 và các tài khoản mẫu, rồi chạy máy chủ thử cùng một "
            "tiến trình xử lý tác vụ nền. Ctrl+C (hoặc kill) dừng cả hai."
        ),
    )
    run_parser.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        metavar="CỔNG",
        help=f"cổng của máy chủ trên 127.0.0.1 (mặc định {DEFAULT_PORT})",
    )
    commands.add_parser(
        "test",
        help="cài đặt rồi chạy bộ kiểm thử (SQLite, rồi PostgreSQL nếu có)",
        description=(
            "Chạy toàn bộ kiểm thử trên SQLite, rồi trên PostgreSQL nếu máy chủ trả lời ở "
            "127.0.0.1:5432 (hoặc CCHC_TEST_DATABASE_URL). Các tham số khác được chuyển "
            "nguyên cho pytest, ví dụ: python3 dev.py test tests/test_api.py -x"
        ),
    )
    commands.add_parser(
        "lint",
        help="kiểm tra mã nguồn: ruff check, ruff format --check và mypy",
        description="Chạy ruff check, ruff format --check và mypy trên mã nguồn.",
    )
    return parser


HANDLERS = {"run": cmd_run, "test": cmd_test, "lint": cmd_lint}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    options, extra = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    if options.command is None:
        parser.print_help(sys.stderr)
        return 2
    if extra and options.command != "test":
        # The command's own parser, so that the hint names its --help.
        command_parser = parser.commands.choices[options.command]
        command_parser.error(f"tùy chọn không hợp lệ: {' '.join(extra)}")
    CHILDREN.install()
    return HANDLERS[options.command](options, extra)


if __name__ == "__main__":
    sys.exit(main())
