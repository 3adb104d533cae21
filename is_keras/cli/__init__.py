"""The ``is-keras`` command line: one module per subcommand and :func:`~is_keras.cli.main.main` (see its module)."""
