"""The ``is-keras`` command line: one module per subcommand, and :func:`~is_keras.cli.main.main`.

Subcommands: ``compare`` (:mod:`is_keras.cli.compare`), ``detect-compare``
(:mod:`is_keras.cli.detect_compare`), ``sweep`` (:mod:`is_keras.cli.sweep`) and
``plot`` (:mod:`is_keras.cli.plot`). Each checks every option before anything
trains and reports a mistake on one line with exit status 2. To add a command,
write a module with ``NAME``, ``HELP``, ``add_parser``, ``prepare`` and
``execute`` and list it in :data:`is_keras.cli.main.SUBCOMMANDS`.

This package imports neither TensorFlow nor :mod:`is_keras.experiments` until a
subcommand runs, so ``is-keras --help`` is instant.

Example:
    >>> from is_keras.cli.main import main
    >>> main(["plot", "/nonexistent-sweep-folder"])   # one line on stderr, nothing run
    2
"""
