"""``python -m is_keras`` runs the ``is-keras`` command line (:func:`is_keras.cli.main.main`)."""

import sys

from is_keras.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
