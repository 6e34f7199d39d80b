"""supervisord with select() instead of poll(). MariaDB closes the standard input supervisord gives it; with
poll(), supervisor 4.3 then gets POLLERR on that pipe forever, handles it as neither readable nor writable,
and spins (half a core, all the time, seen with `strace -c`). select() reports the error as readable, the
dispatcher reads end-of-file and closes the pipe. The stack has a few dozen descriptors: select's limit of
1024 is far away."""

from __future__ import annotations

import sys

from supervisor import poller


def main() -> None:
    poller.Poller = poller.SelectPoller  # read by supervisor's options when the daemon starts
    from supervisor.supervisord import main as supervisord

    supervisord(sys.argv[1:])


if __name__ == "__main__":
    main()
