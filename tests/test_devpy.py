"""`dev.py`, the one script a new user runs: its help installs nothing, a bad option gets a
Vietnamese answer and exit code 2, and stopping it stops everything it started."""

from __future__ import annotations

import importlib.util
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

# dev.py runs in subprocesses with no database of the tests': once, in the SQLite pass.
pytestmark = pytest.mark.own_sqlite

ROOT = Path(__file__).resolve().parent.parent
DEV_PY = ROOT / "dev.py"


def _load_dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dev_under_test", DEV_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def fresh_clone(tmp_path: Path) -> Path:
    """dev.py alone in a directory, as in a clone before anything is installed."""
    shutil.copy(DEV_PY, tmp_path / "dev.py")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    return tmp_path


def _dev(clone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "VIRTUAL_ENV"}}
    return subprocess.run(
        [sys.executable, str(clone / "dev.py"), *args],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _nothing_installed(clone: Path) -> bool:
    return sorted(p.name for p in clone.iterdir()) == ["dev.py", "pyproject.toml"]


def test_run_help_describes_the_port_in_vietnamese_and_installs_nothing(
    fresh_clone: Path,
) -> None:
    result = _dev(fresh_clone, "run", "--help")
    assert result.returncode == 0, result.stderr
    assert "cách dùng: dev.py run" in result.stdout
    assert "--port CỔNG" in result.stdout
    assert "cổng của máy chủ trên 127.0.0.1 (mặc định 8000)" in result.stdout
    assert "usage" not in result.stdout and "show this help" not in result.stdout
    assert _nothing_installed(fresh_clone)


@pytest.mark.parametrize("command", [[], ["test"], ["lint"]])
def test_every_command_has_a_vietnamese_usage_text(fresh_clone: Path, command: list[str]) -> None:
    result = _dev(fresh_clone, *command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("cách dùng: dev.py")
    assert "in hướng dẫn này rồi thoát" in result.stdout
    assert _nothing_installed(fresh_clone)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["run", "--port", "abc"], "cổng phải là một số nguyên từ 1 đến 65535, không phải “abc”"),
        (["run", "--port", "0"], "không phải “0”"),
        (["run", "--port", "70000"], "không phải “70000”"),
        (["run", "--port"], "--port: cần một giá trị"),
        (["run", "--bogus"], "tùy chọn không hợp lệ: --bogus"),
        (["run", "8001"], "tùy chọn không hợp lệ: 8001"),
        (["lint", "--fix"], "tùy chọn không hợp lệ: --fix"),
        (["serve"], "lệnh không hợp lệ: 'serve'"),
    ],
)
def test_a_bad_command_line_gets_a_vietnamese_error_and_exit_code_2(
    fresh_clone: Path, args: list[str], said: str
) -> None:
    result = _dev(fresh_clone, *args)
    assert result.returncode == 2
    assert f"[cchc] Lỗi: {said}" in result.stderr or said in result.stderr
    assert "[cchc] Xem hướng dẫn: python3 dev.py" in result.stderr
    for english in ("error:", "invalid", "usage:", "unrecognized", "expected"):
        assert english not in result.stderr
    assert _nothing_installed(fresh_clone)


def test_no_command_shows_the_usage_and_exits_with_2(fresh_clone: Path) -> None:
    result = _dev(fresh_clone)
    assert result.returncode == 2
    assert "run" in result.stderr and "test" in result.stderr and "lint" in result.stderr
    assert _nothing_installed(fresh_clone)


def test_a_port_in_use_is_said_before_anything_is_installed(fresh_clone: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _dev(fresh_clone, "run", "--port", str(port))
    assert result.returncode == 1
    assert f"Cổng {port} đang được chương trình khác dùng" in result.stdout
    assert f"python3 dev.py run --port {port + 1}" in result.stdout
    assert _nothing_installed(fresh_clone)


def test_test_passes_the_other_arguments_to_pytest() -> None:
    dev = _load_dev()
    options, extra = dev.build_parser().parse_known_args(
        ["test", "tests/test_api.py", "-x", "-k", "not slow"]
    )
    assert options.command == "test"
    assert extra == ["tests/test_api.py", "-x", "-k", "not slow"]
    options, extra = dev.build_parser().parse_known_args(["run", "--port", "8123"])
    assert (options.port, extra) == (8123, [])


# --- Stopping dev.py stops what it started ---------------------------------------------------

# A stand-in for runserver or the worker: it starts a process of its own (as runserver's
# autoreloader does), says both ids, and waits. With "stubborn" it ignores SIGTERM and
# SIGINT, as a worker stuck in a job might.
CHILD = """
import os, signal, subprocess, sys
role = sys.argv[1]
if role.startswith("stubborn"):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
# One write, so that the two children's lines never interleave in the pipe.
os.write(1, f"{role} {os.getpid()} {grandchild.pid}\\n".encode())
while True:
    signal.pause()
"""

DRIVER = """
import importlib.util, os, sys

spec = importlib.util.spec_from_file_location("dev", sys.argv[1])
dev = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dev)
dev.STOP_TIMEOUT = 1.0
children = dev.Children()
children.install()
child = [sys.executable, "-c", sys.argv[2]]
code = dev.serve(children, [*child, "server"], [[*child, sys.argv[3]]], dict(os.environ))
sys.exit(code)
"""


def _read_lines(proc: subprocess.Popen[bytes], count: int) -> list[str]:
    """The first `count` lines the children print, read from the pipe's descriptor (no
    buffer in between, so that select() sees every byte)."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    data = b""
    while data.count(b"\n") < count:
        ready, _, _ = select.select([fd], [], [], 30)
        assert ready, f"the child processes did not start: {data!r}"
        chunk = os.read(fd, 4096)
        assert chunk, f"the driver ended early: {data!r}"
        data += chunk
    return data.decode().splitlines()[:count]


def _has_ended(pid: int) -> bool:
    """Wait (up to 10 s, without polling) for `pid` to end; whether it did."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        ready, _, _ = select.select([handle], [], [], 10)
        return bool(ready)
    finally:
        os.close(handle)


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="needs Linux pidfd_open")
@pytest.mark.parametrize(
    ("signum", "worker"),
    [
        (signal.SIGTERM, "worker"),
        (signal.SIGINT, "worker"),
        (signal.SIGHUP, "worker"),
        (signal.SIGTERM, "stubborn-worker"),
    ],
)
def test_a_signal_to_dev_py_stops_the_server_the_worker_and_their_children(
    signum: int, worker: str
) -> None:
    driver = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(DEV_PY), CHILD, worker],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        lines = _read_lines(driver, 2)
        started = {line.split()[0]: line.split()[1:] for line in lines}
        assert set(started) == {"server", worker}, lines
        pids = [int(pid) for pair in started.values() for pid in pair]
        os.kill(driver.pid, signum)
        assert driver.wait(timeout=30) == 128 + signum
        still_running = [pid for pid in pids if not _has_ended(pid)]
        assert still_running == []
    finally:
        # A failed test leaves nothing running: the driver passes SIGTERM on to its groups.
        if driver.poll() is None:
            driver.terminate()
            try:
                driver.wait(timeout=30)
            except subprocess.TimeoutExpired:
                driver.kill()
