"""How a tap-ghl or target-ghl CLI run ends: one line per known error, a summary always.

singer-sdk logs an uncaught exception with its traceback (40-100 lines under a one-line
cause) and exits 0 on SIGTERM. Here a known error (``GHLError``, which includes
``ConfigError`` and connection failures, or singer-sdk's ``ConfigValidationError``) is
one ERROR line and its exit code; the traceback is added only when the plugin logs at
DEBUG (``TAP_GHL_LOGLEVEL=DEBUG`` / ``TARGET_GHL_LOGLEVEL=DEBUG``). An unknown error keeps
its traceback: it is a bug to report. Whatever the ending (success, budget stop, error,
SIGTERM), the run summary registered with ``RUN_END`` is logged exactly once.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any, NoReturn

from singer_sdk.exceptions import ConfigValidationError

from ghl_api.errors import EXIT_FAILED, GHLError

#: Exit code after SIGTERM (128 + 15, the shell convention): the run is incomplete; the
#: last STATE written covers everything emitted before it, so a rerun resumes there.
EXIT_TERMINATED = 143


class RunEnd:
    """The summary of the one run in this process, logged once however the run ends."""

    def __init__(self) -> None:
        self._summary: Callable[[], None] | None = None
        self._logged = False

    def register(self, summary: Callable[[], None], logger: logging.Logger) -> None:
        """Called by the plugin once it is built; also takes over SIGTERM (see module doc).

        singer-sdk installs its own handler (exit 0, no summary) while the plugin
        initialises, so this must run after ``super().__init__``.
        """
        self._summary = summary
        self._logged = False
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda signum, frame: self._terminated(logger, frame))

    def log_summary(self, summary: Callable[[], None] | None = None) -> None:
        """Log the registered summary once; ``summary`` (a plugin's own) runs instead when
        another plugin built later in this process took the registration (tests do that)."""
        if summary is not None and summary != self._summary:
            summary()
            return
        if self._summary is not None and not self._logged:
            self._logged = True
            self._summary()

    def _terminated(self, logger: logging.Logger, frame: FrameType | None) -> NoReturn:
        self.log_summary()
        logger.error(
            "Terminated (SIGTERM): the run is incomplete; the next run resumes from the last "
            "STATE written (exit %d)",
            EXIT_TERMINATED,
        )
        sys.exit(EXIT_TERMINATED)


RUN_END = RunEnd()


def fail(logger: logging.Logger, message: str, code: int, exc: BaseException) -> NoReturn:
    """Log the run summary, then ``message`` as one ERROR line (with the traceback only at
    DEBUG), and exit. The cause comes last: it is the line a user (or Meltano's log tail)
    reads first."""
    RUN_END.log_summary()
    logger.error("%s", message, exc_info=exc if logger.isEnabledFor(logging.DEBUG) else None)
    sys.exit(code)


def invoke_with_one_line_errors(invoke: Callable[[], Any], logger: logging.Logger) -> None:
    """Run a plugin's CLI ``invoke``; end known errors with one line and their exit code."""
    try:
        invoke()
    except ConfigValidationError as exc:
        fail(logger, "Config validation failed: " + "; ".join(exc.errors), EXIT_FAILED, exc)
    except GHLError as exc:
        fail(logger, str(exc), exc.exit_code, exc)
    except Exception:
        RUN_END.log_summary()
        raise
