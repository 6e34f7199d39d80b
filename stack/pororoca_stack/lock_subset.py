"""The entries of a hashed pip lock (uv pip compile output) that some packages need: them and everything they
pull in, by the lock's own `# via` notes. The Superset image gets its database drivers this way, at the versions
and hashes the local stack runs (stdlib only: the image build runs this file as a script)."""

from __future__ import annotations

import re
import sys

ENTRY = re.compile(r"^([A-Za-z0-9_.\-]+)==\S+")


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def entries(lock: str) -> dict[str, tuple[str, set[str]]]:
    """name -> (the entry's text with its hashes, the packages it is there for)."""
    found: dict[str, tuple[list[str], set[str]]] = {}
    current = None
    for line in lock.splitlines():
        match = ENTRY.match(line)
        if match:
            current = _name(match.group(1))
            found[current] = ([line], set())
        elif current and line.startswith("    --hash="):
            found[current][0].append(line)
        elif current and line.strip().startswith("#"):
            note = line.strip().lstrip("#").strip().removeprefix("via").strip()
            if note and not note.startswith("-r "):
                found[current][1].add(_name(note))
    return {name: ("\n".join(text), via) for name, (text, via) in found.items()}


def subset(lock: str, roots: list[str]) -> str:
    """The lock's entries for `roots` and every package they need, in the lock's order."""
    table = entries(lock)
    missing = [r for r in roots if _name(r) not in table]
    if missing:
        raise KeyError(f"not in the lock: {', '.join(missing)}")
    wanted = {_name(r) for r in roots}
    grew = True
    while grew:
        needed = {name for name, (_, via) in table.items() if via & wanted}
        grew = not needed <= wanted
        wanted |= needed
    return "\n".join(text for name, (text, _) in table.items() if name in wanted) + "\n"


if __name__ == "__main__":
    with open(sys.argv[1]) as lock_file:
        sys.stdout.write(subset(lock_file.read(), sys.argv[2:]))
