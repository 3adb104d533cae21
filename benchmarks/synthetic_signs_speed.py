"""CPU time to draw synthetic signs (moved here from a wall-clock assertion in tests/test_synthetic_signs.py).

Usage: .venv/bin/python benchmarks/synthetic_signs_speed.py [--num-per-class 50] [--image-size 32]
"""

from __future__ import annotations

import argparse
import tempfile
import time

from is_keras.data.synthetic_signs import write_synthetic_signs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--num-per-class", type=int, default=50)
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--difficulty", type=float, default=0.5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as root:
        start = time.process_time()
        write_synthetic_signs(root, num_per_class=args.num_per_class, image_size=args.image_size,
                              difficulty=args.difficulty)
        seconds = time.process_time() - start
    total = 43 * args.num_per_class
    size = f"{args.image_size}x{args.image_size}"
    print(f"{total} signs at {size}: {seconds:.2f} CPU s ({1e3 * seconds / total:.2f} ms each)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
