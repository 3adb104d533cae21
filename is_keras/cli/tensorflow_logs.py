"""Keep TensorFlow's log lines out of the command line's output.

TensorFlow's C++ core writes log lines straight to file descriptor 2, at import (before absl logging is set up, so
``TF_CPP_MIN_LOG_LEVEL`` misses them) and at the first device query (``failed call to cuInit`` without a GPU). The
command line sets ``TF_CPP_MIN_LOG_LEVEL=3`` unless the user did, imports TensorFlow only in the subcommand that needs
it, and drops the absl-formatted info and warning lines printed during the import.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile

#: ``TF_CPP_MIN_LOG_LEVEL`` the command line uses unless the environment sets one (3: errors hidden too).
DEFAULT_TF_LOG_LEVEL = "3"

_ABSL_LINE = re.compile(r"^[IW]\d{4} [\d:.]+\s+\d+ \S+:\d+\] ")
_ABSL_PREAMBLE = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"


def quiet_tensorflow_logs() -> None:
    """Set ``TF_CPP_MIN_LOG_LEVEL`` (unless set) and silence TensorFlow's and absl's Python loggers.

    Call before TensorFlow is imported; imports nothing heavy.

    Example:
        >>> quiet_tensorflow_logs()
        >>> os.environ["TF_CPP_MIN_LOG_LEVEL"] in {"0", "1", "2", "3"}
        True
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", DEFAULT_TF_LOG_LEVEL)
    if _quiet():
        logging.getLogger("tensorflow").setLevel(logging.ERROR)
        logging.getLogger("absl").setLevel(logging.ERROR)


def import_tensorflow():
    """Import TensorFlow, dropping the info/warning lines it writes to stderr while it loads.

    Lines that are not TensorFlow's info or warning log lines (errors, a crash's message) are written back to stderr.
    With ``TF_CPP_MIN_LOG_LEVEL`` below 2 nothing is dropped.

    Returns: The ``tensorflow`` module.
    Raises: ImportError: TensorFlow is not installed or fails to load.
    Example:
        >>> tf = import_tensorflow()
        >>> tf.__name__
        'tensorflow'
    """
    if "tensorflow" in sys.modules or not _quiet():
        import tensorflow

        return tensorflow
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            import tensorflow
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = [line for line in capture.read().decode(errors="replace").splitlines(keepends=True)
                    if not (_ABSL_LINE.match(line) or line.startswith(_ABSL_PREAMBLE))]
            sys.stderr.write("".join(kept))
    return tensorflow


def _quiet() -> bool:
    level = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0")
    return level.isdigit() and int(level) >= 2
