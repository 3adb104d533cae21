"""The sampling options of ``compare`` and ``detect-compare``: ``--methods``, ``--exponent``, ``--unbiased``, ...

Every listed method gets the same options; one that cannot take one (``--uniform-mix`` with ``nis``) is refused early.
"""

from __future__ import annotations

import argparse  # noqa: F401 - the examples use it
import dataclasses

from is_keras.cli.options import ListingHelpFormatter, UsageError, name_list, option_type
from is_keras.cli.tensorflow_logs import import_tensorflow


def add_sampler_options(parser, *, methods_default: str, methods_note: str = "") -> None:
    """Add ``--methods`` (the registered methods listed in the epilog) and a flag (type, range, help) per
    :data:`~is_keras.sampling.options.SAMPLER_OPTIONS` entry; imports TensorFlow.

    Args: parser: an ``argparse`` parser; methods_default, methods_note: default of ``--methods``, more of its help.
    Example:
        >>> parser = argparse.ArgumentParser()
        >>> add_sampler_options(parser, methods_default="nis")
        >>> parser.parse_args(["--exponent", "0.5"]).exponent, parser.epilog.splitlines()[1].split()[0]
        (0.5, 'nis')
    """
    import_tensorflow()  # the sampling package loads it
    from is_keras.sampling.config import SamplerConfig
    from is_keras.sampling.methods import METHOD_SPECS, methods_with, reweightable_methods
    from is_keras.sampling.options import SAMPLER_OPTIONS

    parser.add_argument("--methods", default=methods_default, help="comma-separated sampling methods, listed below "
                        f"(default: {methods_default}){'; ' + methods_note if methods_note else ''}")
    width = max(map(len, METHOD_SPECS))
    listing = [f"  {name:<{width}}  {spec.description}" for name, spec in METHOD_SPECS.items()]
    parser.epilog = "\n\n".join(filter(None, [parser.epilog, "\n".join(["sampling methods (--methods):"] + listing)]))
    parser.formatter_class = ListingHelpFormatter
    defaults = {field.name: field.default for field in dataclasses.fields(SamplerConfig)}
    for name, option in SAMPLER_OPTIONS.items():
        if name == "method":
            continue
        readers = reweightable_methods() if name == "unbiased" else methods_with(name)
        read_by = f"read by: {', '.join(readers) or '-'}"
        if option.kind is bool:
            parser.add_argument(flag_of(name), action="store_true", help=f"{option.help}; {read_by}")
            continue
        default = defaults[name]  # None: what it means is in the option's help
        shown = "" if default is None else f" (default {default:g})"
        rule = {"low": option.low, "high": option.high, "closed": option.closed, "choices": option.choices}
        parser.add_argument(flag_of(name), type=option_type(option.kind, name, **rule), default=default,
                            choices=option.choices or None,
                            help=f"{option.help}; {dataclasses.replace(option, none_ok=False).rule}; {read_by}{shown}")


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
    Returns: The listed entries, in order.
    Raises: UsageError: ``--methods`` is empty, names an unknown method, an unknown score, or an entry twice.
    Example:
        >>> method_names(argparse.Namespace(methods="nis,is-probabilistic"))
        ['nis', 'is-probabilistic']
        >>> method_names(argparse.Namespace(methods="nis,nis+gradient-norm"), table_scores=["loss", "gradient-norm"])
        ['nis', 'nis+gradient-norm']
    """
    from is_keras.sampling.methods import METHODS

    entries = name_list(args.methods, "--methods")
    unknown = [entry for entry in entries if (method_of(entry) if table_scores is not None else entry) not in METHODS]
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

    Args: args, method: parsed arguments (see :func:`add_sampler_options`); a registered method name.
    Returns: The validated config.
    Raises: UsageError: the config refuses an option; the message names its flag.
    Example:
        >>> args = argparse.Namespace(exponent=0.5, subset_fraction=0.1, subset_size=9, uniform_mix=0.0, unbiased=False)
        >>> sampler_config(args, "is-probabilistic").exponent
        0.5
    """
    from is_keras.sampling.config import SamplerConfig

    fields = [field.name for field in dataclasses.fields(SamplerConfig) if field.name != "method"]
    values = {name: getattr(args, name) for name in fields if hasattr(args, name)}
    try:
        return SamplerConfig(method=method, **values)
    except (ValueError, TypeError) as error:
        raise UsageError(flag_of(getattr(error, "option", "method")), f"{error} (with --methods {method})") from None


def flag_of(option: str) -> str:
    """The flag of a :class:`~is_keras.sampling.config.SamplerConfig` field (``method``: ``--methods``).

    Example:
        >>> flag_of("uniform_mix"), flag_of("method")
        ('--uniform-mix', '--methods')
    """
    return "--methods" if option == "method" else "--" + option.replace("_", "-")
