"""One error model for every package: what went wrong, told so that a person can act, with an exit code.

`main()` prints the message of a `PororocaError` (no traceback unless `--debug`) and exits with its code:
1 a job or check failed, 2 the command was used wrongly, 3 the stack (or a service of it) is not healthy."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    USAGE = 2
    UNHEALTHY = 3


class PororocaError(Exception):
    """Base of every error this project raises on purpose."""

    exit_code: ExitCode = ExitCode.FAILED


class UsageError(PororocaError, ValueError):
    """The command or its input is wrong: fix the call, nothing was changed."""

    exit_code = ExitCode.USAGE


class UnhealthyError(PororocaError, RuntimeError):
    """The stack, or a service of it, is not there or not healthy."""

    exit_code = ExitCode.UNHEALTHY


class ServiceUnreachable(UnhealthyError):
    """A service of the stack did not answer at its address."""

    def __init__(self, service: str, address: str, cause: str = "") -> None:
        self.service, self.address = service, address
        why = f" ({cause})" if cause else ""
        super().__init__(f"cannot reach {service} at {address}{why}: is the stack up? run `pororoca up`")


class ConfigError(PororocaError, ValueError):
    """A file that declares the stack (services, silver tables, KPIs, classification...) is invalid."""


class OperationFailed(PororocaError, RuntimeError):
    """A step of the stack or a job failed; the message says where to look."""


class NotReady(PororocaError, RuntimeError):
    """Something this command needs is not there yet (credentials, an install, loaded data): the message
    names the command that creates it."""


class JdkMissing(NotReady):
    """No installed JDK satisfies a component's requirement."""
