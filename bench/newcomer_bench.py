"""What a newcomer waits for: `make demo` on a fresh clone, again after `make down`, and `make test`.

Runs in a throw-away clone with its own state directory and ports (+3000), so it never touches your stack;
`--fresh-cache` also gives it an empty install cache (every jar, the MinIO build and the virtual
environments are fetched again). Machine-wide prerequisites (Debian packages, uv) are whatever this machine
has: the first `make prereqs` on a bare machine is timed only if it has not run yet (see `prereqs_first_s`).
Writes bench/results/newcomer.json.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import write

from pororoca_core import services
from pororoca_core.manifest import REPO_ROOT

PORT_OFFSET = 3000


def make(clone: Path, target: str, env: dict[str, str], log: Path) -> tuple[float, int]:
    t = time.monotonic()
    with log.open("a") as out:
        out.write(f"\n===== make {target} =====\n")
        out.flush()
        rc = subprocess.run(["make", target], cwd=clone, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    seconds = round(time.monotonic() - t, 1)
    print(f"newcomer: make {target}: {seconds}s (exit {rc})", flush=True)
    return seconds, rc


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--fresh-cache", action="store_true", help="an empty install cache too (slow: downloads all)")
    ap.add_argument("--with-test", action="store_true", help="also run `make test` in the clone (~40 min)")
    ap.add_argument("--keep", action="store_true", help="keep the clone and its state for inspection")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="pororoca-newcomer-"))
    work.chmod(0o711)  # as root, PostgreSQL and MariaDB run as their own users and must reach the state below
    clone = work / "main"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO_ROOT), str(clone)], check=True)
    env = os.environ | services.isolated_env(services.load(), work / "state", PORT_OFFSET)
    env.pop("VIRTUAL_ENV", None)
    env["POROROCA_PLAIN_PROGRESS"] = "1"
    if args.fresh_cache:
        env["POROROCA_CACHE_DIR"] = str(work / "cache")
    log = work / "newcomer.log"
    print(f"newcomer: clone {clone}, log {log}", flush=True)

    result: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "fresh_cache": args.fresh_cache},
        "clone": str(clone),
    }
    try:
        result["prereqs_present_s"], _ = make(clone, "prereqs", env, log)
        result["demo_first_s"], rc = make(clone, "demo", env, log)
        result["demo_first_ok"] = rc == 0
        make(clone, "down", env, log)
        result["demo_again_s"], rc = make(clone, "demo", env, log)
        result["demo_again_ok"] = rc == 0
        make(clone, "down", env, log)
        if args.with_test:
            result["test_s"], rc = make(clone, "test", env, log)
            result["test_ok"] = rc == 0
    finally:
        subprocess.run(["make", "reset", "CONFIRM=yes"], cwd=clone, env=env, stdout=subprocess.DEVNULL)
        if not args.keep:
            kept = Path(tempfile.gettempdir()) / "pororoca-newcomer.log"
            shutil.copy2(log, kept)
            print(f"newcomer: log kept at {kept}")
            shutil.rmtree(work, ignore_errors=True)
    write("newcomer", result)
    return 0 if result.get("demo_first_ok") and result.get("demo_again_ok") else 1


if __name__ == "__main__":
    sys.exit(main())
