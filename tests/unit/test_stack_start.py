import pytest

from pororoca_stack.stack import start_verdict


@pytest.mark.parametrize(
    ("state", "healthy", "verdict"),
    [
        ("RUNNING", True, "healthy"),
        ("RUNNING", False, "starting"),  # up, not answering yet
        ("STARTING", False, "starting"),
        ("BACKOFF", False, "starting"),  # supervisord retries a crash within startsecs by itself
        ("EXITED", False, "exited"),  # ran and died: `up` starts it once more
        ("STOPPED", False, "exited"),
        ("FATAL", False, "failed"),  # supervisord gave up
    ],
)
def test_a_starting_service_is_waited_for_given_one_more_start_or_failed(state, healthy, verdict):
    assert start_verdict(state, healthy) == verdict
