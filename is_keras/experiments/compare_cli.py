"""``is-keras compare``: importance sampling against uniform sampling on one dataset."""

from __future__ import annotations

import time
from pathlib import Path

from is_keras.sampling.registry import METHODS

DEFAULT_METHODS = "nis,is-probabilistic,is-randomsubset"


def add_compare_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="compare sampling methods (curves CSV, plot PNG, table)",
        description="Train one model per method and seed, then plot 1-AUC against samples seen and "
        "training seconds, and print how soon each method reaches uniform sampling's best 1-AUC.",
    )
    parser.add_argument("--dataset", default="digits", help="dataset name (default: digits)")
    parser.add_argument("--data-root", default=None, help="folder of a local dataset (gtsrb, mapillary, ...)")
    parser.add_argument("--model", default="crapnet", help="crapnet or resnet18 (default: crapnet)")
    parser.add_argument("--width", type=int, default=None, help="model width (default: the model's own)")
    parser.add_argument("--params", type=int, default=None, help="target trainable-parameter count")
    parser.add_argument("--methods", default=DEFAULT_METHODS, help=f"comma-separated, from: {', '.join(METHODS)}")
    parser.add_argument("--exponent", type=float, default=1.0, help="loss exponent (default 1.0)")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3, help="seeds per method (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="first seed")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="default: 256, or less when the data has under 20 batches of 256")
    parser.add_argument("--eval-every", type=int, default=None, help="batches between evaluations")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--unbiased", action="store_true",
                        help="reweight losses by 1/(N p_i) (nis, is-probabilistic; default: biased like the thesis)")
    parser.add_argument("--uniform-mix", type=float, default=0.0,
                        help="share of uniform draws mixed into is-probabilistic (bounds unbiased weights)")
    parser.add_argument("--out", default="results/compare", help="output folder (default results/compare)")
    parser.set_defaults(handler=run_compare)


def run_compare(args) -> int:
    from is_keras.data.registry import load_dataset
    from is_keras.experiments.compare import compare_methods, summarize
    from is_keras.experiments.run import default_batch_size

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise SystemExit(f"unknown method(s) {', '.join(unknown)}; valid methods are: {', '.join(METHODS)}")
    if args.unbiased:  # refuse before any training rather than at the first subset method
        from is_keras.sampling.reweighting import check_reweightable

        for method in methods:
            try:
                check_reweightable(method)
            except ValueError as error:
                raise SystemExit(f"--unbiased: {error}") from None
    data_kwargs = {"root": args.data_root} if args.data_root else {}
    train, val = load_dataset(args.dataset, seed=args.seed, **data_kwargs)
    batch_size = args.batch_size or default_batch_size(len(train[0]))
    steps_per_epoch = -(-len(train[0]) // batch_size)
    eval_every = args.eval_every or max(1, steps_per_epoch // 2)
    model_kwargs = {k: v for k, v in (("width", args.width), ("params", args.params)) if v is not None}
    title = (f"{args.dataset}, {args.model}{', unbiased' if args.unbiased else ''}, batch {batch_size}, "
             f"{args.epochs} epochs, "
             f"{args.runs} runs per method (mean ± 1 std)")
    print(f"is-keras compare: {title}; {len(train[0])} training / {len(val[0])} validation samples")
    start = time.perf_counter()
    results = compare_methods(
        train, val, methods, runs=args.runs, seed=args.seed, model=args.model, model_kwargs=model_kwargs,
        exponent=args.exponent, epochs=args.epochs, batch_size=batch_size, eval_every=eval_every,
        learning_rate=args.learning_rate, unbiased=args.unbiased,
        uniform_mix=args.uniform_mix,
    )
    table = summarize(results, args.out, title=title)
    out = Path(args.out)
    print()
    print(table or "(no 'nis' run: no time-to-uniform table)")
    print(f"\nwrote {out / 'curves.csv'}, {out / 'compare.png'}, {out / 'summary.json'} "
          f"({time.perf_counter() - start:.0f} s in all)")
    return 0
