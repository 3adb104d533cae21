"""The ``is-keras`` command line: one module per subcommand, and :func:`~is_keras.cli.main.main`.

Subcommands ``compare``, ``detect-compare``, ``sweep`` and ``plot``, one module each (see :mod:`is_keras.cli.main`
for the module interface, exit statuses and how to add one). TensorFlow is imported only when a subcommand runs.

Example:
    >>> from is_keras.cli.main import main
    >>> main(["plot", "/nonexistent-sweep-folder"])   # one line on stderr, nothing run
    2
"""
