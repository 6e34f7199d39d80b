import socket

import pytest


@pytest.fixture
def free_port() -> int:
    """A loopback port nothing listens on (the kernel just handed it out and it was closed again)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
