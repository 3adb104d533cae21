"""The sampling options of ``compare`` and ``detect-compare``: ``--methods``, ``--exponent``, ``--unbiased``, ...

Flags are :class:`~is_keras.sampling.config.SamplerConfig` fields with dashes.
Every listed method gets the same options; a method that cannot take one (for
example ``--uniform-mix`` with ``nis``) is refused before anything trains.
"""

from __future__ import annotations

import re

from is_keras.cli.options import UsageError, name_list, non_negative_float, share


def method_help(default: str) -> str:
    """The ``--methods`` help text: the registered methods, each with its one-line description.

    Imports the method registry (:data:`~is_keras.sampling.methods.METHOD_SPECS`).

    Args:
        default: the option's default, e.g. ``"nis,is-probabilistic"``.

    Returns:
        The help text.

    Example:
        >>> "is-probabilistic (" in method_help("nis")
        True
    """
    from is_keras.cli.tensorflow_logs import import_tensorflow

    import_tensorflow()  # the sampling package loads it
    from is_keras.sampling.methods import METHOD_SPECS

    listed = "; ".join(f"{name} ({spec.description})" for name, spec in METHOD_SPECS.items())
    return f"comma-separated methods, from: {listed} (default: {default})"


#: What the sampling flags mean (the methods that read each are listed from the registry); types of the checked ones.
OPTION_HELP = {
    "exponent": "loss exponent w: p_i ∝ loss_i ** w",
    "subset_fraction": "subset size as a fraction of the training set",
    "subset_size": "subset size",
    "uniform_mix": "share of uniform draws, in [0, 1] (bounds unbiased weights)",
    "unbiased": "reweight losses by 1/(N p_i) (default: biased like the thesis)",
    "candidate_factor": "candidates forwarded per step over the batch size, C = ceil(factor * B), >= 1",
    "selectivity": "exponent β on the fresh loss percentile of a candidate, >= 0",
    "vr_threshold": "variance reduction τ above which vr-switch samples candidates by score",
    "score_smoothing": "vr-switch draws ∝ score + score_smoothing * mean score (bounds the weights), >= 0",
}
OPTION_TYPES = {"exponent": non_negative_float, "uniform_mix": share, "selectivity": non_negative_float,
                "vr_threshold": non_negative_float, "score_smoothing": non_negative_float}
#: Defaults shown in words (``None`` fields).
DEFAULT_HELP = {"vr_threshold": "the paper's (C + 3B) / (3B)"}


def add_sampler_options(parser, *, methods_default: str, methods_help: str | None = None) -> None:
    """Add ``--methods`` and a flag for every :class:`~is_keras.sampling.config.SamplerConfig` option.

    The flags are the config's fields with dashes (``--exponent``, ``--subset-fraction``,
    ``--subset-size``, ``--uniform-mix``, ``--unbiased``, and those of newly registered
    methods, e.g. ``--switch-fraction``); each help names the methods that read it, from
    the registry, so a new method needs no change here.

    Args:
        parser: an ``argparse`` parser.
        methods_default: default of ``--methods``.
        methods_help: help of ``--methods`` (default: :func:`method_help`).

    Example:
        >>> import argparse
        >>> parser = argparse.ArgumentParser()
        >>> add_sampler_options(parser, methods_default="nis")
        >>> parser.parse_args(["--exponent", "0.5"]).exponent
        0.5
    """
    import dataclasses

    from is_keras.sampling.config import SamplerConfig
    from is_keras.sampling.methods import methods_with, reweightable_methods

    parser.add_argument("--methods", default=methods_default, help=methods_help or method_help(methods_default))
    for field in dataclasses.fields(SamplerConfig):
        if field.name == "method":
            continue
        flag = "--" + field.name.replace("_", "-")
        readers = reweightable_methods() if field.name == "unbiased" else methods_with(field.name)
        help_text = "; ".join(filter(None, [OPTION_HELP.get(field.name), f"read by: {', '.join(readers) or '-'}"]))
        if isinstance(field.default, bool):
            parser.add_argument(flag, action="store_true", help=help_text)
        elif field.default is None:
            parser.add_argument(flag, type=OPTION_TYPES.get(field.name, float), default=None,
                                help=f"{help_text} (default: {DEFAULT_HELP.get(field.name, 'none')})")
        else:
            kind = OPTION_TYPES.get(field.name, int if isinstance(field.default, int) else float)
            parser.add_argument(flag, type=kind, default=field.default, help=f"{help_text} (default {field.default:g})")


def method_of(entry: str) -> str:
    """The method name of a ``--methods`` entry ``"method"`` or ``"method+score"``.

    Example:
        >>> method_of("is-annealed+gradient-norm"), method_of("nis")
        ('is-annealed', 'nis')
    """
    return entry.partition("+")[0].strip()


def method_names(args, *, table_scores=None) -> list[str]:
    """The entries of ``--methods``, each checked against the registry (and the table scores).

    Args:
        args: parsed arguments with ``methods``.
        table_scores: the scores an entry may name as ``"method+score"`` (``None``: plain method names only).

    Returns:
        The listed entries, in order.

    Raises:
        UsageError: ``--methods`` is empty, names an unknown method, an unknown score, or an entry twice.

    Example:
        >>> import argparse
        >>> method_names(argparse.Namespace(methods="nis,is-probabilistic"))
        ['nis', 'is-probabilistic']
        >>> method_names(argparse.Namespace(methods="nis,nis+gradient-norm"), table_scores=["loss", "gradient-norm"])
        ['nis', 'nis+gradient-norm']
    """
    from is_keras.sampling.methods import METHODS

    entries = name_list(args.methods, "--methods")
    split = method_of if table_scores is not None else (lambda entry: entry)
    unknown = [entry for entry in entries if split(entry) not in METHODS]
    if unknown:
        raise UsageError("--methods", f"unknown method(s) {', '.join(unknown)}; valid methods are: "
                         f"{', '.join(METHODS)}")
    for entry in entries if table_scores is not None else ():
        score = entry.partition("+")[2].strip() or "loss"
        if score not in table_scores:
            raise UsageError("--methods", f"unknown table score {score!r} in {entry!r}; "
                             f"choose one of {', '.join(table_scores)}")
    twice = sorted({entry for entry in entries if entries.count(entry) > 1})
    if twice:
        raise UsageError("--methods", f"lists {', '.join(twice)} more than once")
    return entries


def sampler_config(args, method: str):
    """The :class:`~is_keras.sampling.config.SamplerConfig` of ``method`` with the command's sampling options.

    Args:
        args: parsed arguments (see :func:`add_sampler_options`).
        method: a registered method name.

    Returns:
        The validated config.

    Raises:
        UsageError: the config refuses an option; the message names its flag.

    Example:
        >>> import argparse
        >>> args = argparse.Namespace(exponent=0.5, subset_fraction=0.1, subset_size=1000, uniform_mix=0.0,
        ...                           unbiased=False)
        >>> sampler_config(args, "is-probabilistic").exponent
        0.5
    """
    import dataclasses

    from is_keras.sampling.config import SamplerConfig

    fields = [field.name for field in dataclasses.fields(SamplerConfig) if field.name != "method"]
    values = {name: getattr(args, name) for name in fields if hasattr(args, name)}
    try:
        return SamplerConfig(method=method, **values)
    except (ValueError, TypeError) as error:
        raise UsageError(option_of(str(error), fields), f"{error} (with --methods {method})") from None


def option_of(message: str, fields) -> str:
    """The flag of the first field named in ``message`` (``uniform_mix`` -> ``--uniform-mix``).

    Args:
        message: an error message of a config class.
        fields: the config's field names.

    Returns:
        ``--field-name``, or ``"--methods"`` when no field is named.

    Example:
        >>> option_of("uniform_mix applies to 'is-probabilistic' only", ["exponent", "uniform_mix"])
        '--uniform-mix'
    """
    found = [(match.start(), name) for name in fields
             for match in [re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", message)] if match]
    return "--" + min(found)[1].replace("_", "-") if found else "--methods"
