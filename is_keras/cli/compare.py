"""``is-keras compare``: importance sampling against uniform sampling on one classification dataset.

Writes ``curves.csv``, ``compare.png`` and ``summary.json`` into ``--out``; every option is checked first.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from is_keras.cli.dataset_options import load_data
from is_keras.cli.options import UsageError, non_negative_int, output_folder, positive_float, positive_int
from is_keras.cli.sampler_options import add_sampler_options, method_names, method_of, sampler_config
from is_keras.cli.tensorflow_logs import import_tensorflow

NAME = "compare"
HELP = "compare sampling methods on a classification dataset (curves CSV, plot PNG, table)"
DEFAULT_METHODS = "nis,is-probabilistic,is-randomsubset,auto"
#: ``--lr-schedule``'s choices (:data:`is_keras.training.lr_schedules.LR_SCHEDULES`), spelled out to import no Keras.
LR_SCHEDULES = ("constant", "cosine", "step")


@dataclasses.dataclass
class ComparePlan:
    """What ``compare`` or ``detect-compare`` will run, every part checked: the task and its data, one config per
    method, the schedule, the folder, the figure's file name and the lines printed first."""

    task: object
    train: object
    val: object
    methods: list
    sampler_configs: list
    training_config: object
    runs: int
    out: Path
    title: str
    figure: str
    header: str


def add_parser(subparsers) -> None:
    """Register ``compare`` and its options on an ``argparse`` subparsers object.

    Example:
        >>> import argparse
        >>> parser = argparse.ArgumentParser(prog="is-keras")
        >>> add_parser(parser.add_subparsers(dest="command"))
        >>> parser.parse_args(["compare", "--width", "2.5"]).width
        2.5
    """
    parser = subparsers.add_parser(NAME, help=HELP, description="Train one model per method and seed, then plot 1-AUC "
                                   "against samples seen and training seconds, and print how soon each method "
                                   "reaches uniform sampling's best mean 1-AUC.")
    parser.add_argument("--dataset", default="digits", help="digits, synthetic-signs, gtsrb, mapillary, fashion-mnist, "
                        "mnist, tfds:NAME or npz:PATH (an .npz with x_train, y_train, x_val, y_val) (default: digits)")
    parser.add_argument("--data-root", default=None, help="folder of a local dataset (needed by gtsrb, mapillary, "
                        "fashion-mnist and mnist: the folder of the four IDX files; tfds: its data_dir; not for npz:)")
    parser.add_argument("--model", default="crapnet", help="crapnet or resnet18 (default: crapnet)")
    parser.add_argument("--width", type=positive_float, default=None, help="model width (default: the model's own)")
    parser.add_argument("--params", type=positive_int, default=None, help="target trainable-parameter count")
    add_sampler_options(parser, methods_default=DEFAULT_METHODS,
                        methods_note="METHOD+gradient-norm scores the loss table by ‖softmax − one-hot‖")
    parser.add_argument("--epochs", type=positive_int, default=40, help="default 40")
    parser.add_argument("--runs", type=positive_int, default=3, help="seeds per method (default 3)")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="first seed (default 0)")
    parser.add_argument("--batch-size", type=positive_int, default=None,
                        help="default: 256, or less when the data has under 20 batches of 256")
    parser.add_argument("--eval-every", type=positive_int, default=None,
                        help="batches between evaluations (default: twice per epoch)")
    parser.add_argument("--learning-rate", type=positive_float, default=1e-3, help="Adam's (default 1e-3)")
    parser.add_argument("--lr-schedule", choices=LR_SCHEDULES, default="constant",
                        help="the learning rate over each run: constant (default), cosine (decays to 0 at the "
                        "run's end, after --lr-warmup) or step (÷10 at 1/2 of the run, ÷100 at 3/4)")
    parser.add_argument("--lr-warmup", type=float, default=0.0, metavar="FRACTION",
                        help="with --lr-schedule cosine: linear warm-up from 0 over this fraction of the run, "
                        "in [0, 1) (default 0)")
    parser.add_argument("--out", default="results/compare", help="output folder (default results/compare)")
    parser.set_defaults(prepare=prepare, execute=execute)


def prepare(args) -> ComparePlan:
    """Check every option, load the data and create ``--out``; train nothing.

    Args: args: the parsed ``compare`` arguments.
    Returns: The :class:`ComparePlan`.
    Raises: UsageError: naming the option at fault.
    """
    import_tensorflow()
    from is_keras.experiments.classification_task import CLASSIFICATION_TABLE_SCORES, ClassificationTask
    from is_keras.experiments.environment import environment_info, environment_line
    from is_keras.experiments.run import default_batch_size
    from is_keras.experiments.training_config import TrainingConfig
    from is_keras.models.registry import CLASSIFIERS

    methods = method_names(args, table_scores=CLASSIFICATION_TABLE_SCORES)
    configs = [sampler_config(args, method_of(entry)) for entry in methods]
    if args.model not in CLASSIFIERS:
        raise UsageError("--model", f"unknown model {args.model!r}; known models: {', '.join(CLASSIFIERS)}")
    if args.width is not None and args.params is not None:
        raise UsageError("--width", "give --width or --params, not both")
    if not 0 <= args.lr_warmup < 1:
        raise UsageError("--lr-warmup", f"must be a fraction of the run in [0, 1), got {args.lr_warmup:g}")
    if args.lr_warmup and args.lr_schedule != "cosine":
        raise UsageError("--lr-warmup", f"applies to --lr-schedule cosine only, not {args.lr_schedule}")
    train, val = load_data(args.dataset, args.data_root, seed=args.seed)
    batch_size = args.batch_size or default_batch_size(len(train[0]))
    steps_per_epoch = -(-len(train[0]) // batch_size)
    eval_every = args.eval_every or max(1, steps_per_epoch // 2)
    if eval_every > args.epochs * steps_per_epoch:
        raise UsageError("--eval-every", f"{eval_every} batches is more than a run's {args.epochs * steps_per_epoch} "
                         f"({args.epochs} epoch(s) of {steps_per_epoch}): nothing would be evaluated")
    model_kwargs = {k: v for k, v in (("width", args.width), ("params", args.params)) if v is not None}
    training_config = TrainingConfig(model=args.model, model_kwargs=model_kwargs, epochs=args.epochs,
                                     batch_size=batch_size, learning_rate=args.learning_rate,
                                     eval_every=eval_every, seed=args.seed, lr_schedule=args.lr_schedule,
                                     lr_warmup=args.lr_warmup)
    title = (f"{args.dataset}, {args.model}{', unbiased' if args.unbiased else ''}, batch {batch_size}, "
             f"{args.epochs} epochs, {args.runs} runs per method (mean ± 1 std)")
    header = (f"is-keras {NAME}: {title}; {len(train[0])} training / {len(val[0])} validation samples\n"
              f"{environment_line(environment_info())} (also in summary.json)")
    return ComparePlan(task=ClassificationTask(), train=train, val=val, methods=methods, sampler_configs=configs,
                       training_config=training_config, runs=args.runs, out=output_folder(args.out), title=title,
                       figure="compare.png", header=header)


def execute(plan: ComparePlan) -> int:
    """Train every method and seed, write the files, print the table (``compare`` and ``detect-compare``).

    Args: plan: from :func:`prepare`.
    Returns: 0.
    """
    from is_keras.experiments.compare import compare
    from is_keras.experiments.summary import summarize

    print(plan.header)
    start = time.perf_counter()
    results = compare(plan.task, plan.train, plan.val, plan.methods, sampler_config=plan.sampler_configs[0],
                      training_config=plan.training_config, runs=plan.runs)
    table = summarize(results, plan.out, title=plan.title, figure_name=plan.figure)
    print("\n" + (table or "(no 'nis' run: no time-to-uniform table)"))
    print(f"\nwrote {plan.out / 'curves.csv'}, {plan.out / plan.figure}, {plan.out / 'summary.json'} "
          f"({time.perf_counter() - start:.0f} s in all)")
    return 0
