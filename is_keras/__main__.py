"""``python -m is_keras`` runs the ``is-keras`` command line."""

import sys

from is_keras.experiments.cli import main

sys.exit(main())
