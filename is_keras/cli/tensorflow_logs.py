"""Keep TensorFlow's log lines out of the command line's output.

TensorFlow's C++ core writes log lines straight to file descriptor 2 at import, before ``TF_CPP_MIN_LOG_LEVEL`` applies;
the command line sets that level to 3 unless the user did, and drops the absl info and warning lines of the import.
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
    """Set ``TF_CPP_MIN_LOG_LEVEL`` (unless set) and silence TensorFlow's and absl's loggers; call before importing TF.

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
    """Import TensorFlow, dropping the info/warning log lines it writes to stderr while loading (none at log level < 2).

    Returns: The ``tensorflow`` module.
    Raises: ImportError: TensorFlow is not installed or fails to load.
    Example:
        >>> import_tensorflow().__name__
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
