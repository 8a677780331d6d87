"""Running the real command line in a child process: file-size limits, closed or broken
stdout, signals sent to its process group."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time

from conftest import DATA


def env_for(url: str, **extra: str) -> dict:
    env = {**os.environ, "SCALETRACK_DB": url, "SCALETRACK_CATALOG": str(DATA)}
    env.pop("SCALETRACK_INITIATIVE", None)
    env.update(extra)
    return env


def file_size_limit(limit: int):
    """For preexec_fn: files may not grow past ``limit`` bytes (a full disk, in effect)."""
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def scaletrack(url: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
    if "stdout" not in kwargs and "stderr" not in kwargs:
        kwargs.setdefault("capture_output", True)
    return subprocess.run([sys.executable, "-m", "tracker", *args], env=env_for(url),
                          **kwargs)


def group_members(pgid: int) -> list[int]:
    """Processes still alive in a process group (zombies are not counted)."""
    alive = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state != "Z":
            alive.append(int(entry))
    return alive


def interrupt(url: str, args: list[str], after: float, sig=signal.SIGINT, to_group=True,
              twice: bool = False, cwd=None, when_forked: bool = True):
    """Start the CLI in its own process group and signal it ``after`` seconds after it has
    forked its workers (so the signal lands mid-work however slow the machine); return
    (exit status, stderr, seconds from the signal to the exit, processes left)."""
    p = subprocess.Popen([sys.executable, "-m", "tracker", *args], env=env_for(url),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True, cwd=cwd)
    deadline = time.monotonic() + 60
    while when_forked and len(group_members(p.pid)) < 2 and p.poll() is None:
        assert time.monotonic() < deadline, f"{args} never started a worker"
        time.sleep(0.01)
    time.sleep(after)
    sent = time.monotonic()
    for _ in range(2 if twice else 1):
        try:
            os.killpg(p.pid, sig) if to_group else p.send_signal(sig)
        except ProcessLookupError:
            pass
        time.sleep(0.05)
    try:
        _out, err = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        raise AssertionError(f"{args} still running 20 s after the signal")
    took = time.monotonic() - sent
    time.sleep(0.1)
    return p.returncode, err.decode(), took, group_members(p.pid)
