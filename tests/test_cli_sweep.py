"""`is-keras sweep --smoke` and `is-keras plot` end to end, as a user runs them (a subprocess, no GPU)."""

import json
import os
import re
import subprocess
import sys

import yaml

from is_keras.cli.main import main

CONFIG = {
    "name": "tiny", "kind": "custom", "dataset": "digits", "models": ["crapnet"], "widths": [2, 3],
    "methods": ["nis", "is-probabilistic"], "exponents": [0.5, 1.0], "runs": 4, "epochs": 30, "batch_size": 64,
    "eval_every": 5, "window": 10,
}
LOG_LINE = re.compile(r"^[IWEF]\d{4} |cuInit|absl", re.MULTILINE)


def test_smoke_sweep_runs_every_grid_point_once_in_a_tiny_size_then_plot_redraws(tmp_path, capsys):
    config = tmp_path / "tiny.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    out = tmp_path / "out"
    env = {**{k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}, "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run([sys.executable, "-m", "is_keras", "sweep", str(config), "--smoke", "--out", str(out),
                           "--no-plot"], capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr
    assert not LOG_LINE.search(done.stderr), done.stderr  # no TensorFlow log line, no cuInit error
    results = [json.loads(p.read_text()) for p in sorted((out / "runs").glob("*.json"))]
    # 2 widths × (nis + is-probabilistic at 2 exponents), one seed each instead of 4
    assert len(results) == 2 * (1 + 2)
    assert {r["result"]["config"]["epochs"] for r in results} == {1}
    assert {r["result"]["config"]["seed"] for r in results} == {0}
    assert all(r["result"]["config"]["num_train"] < 200 for r in results)
    assert "ran 6 run(s)" in done.stdout

    assert main(["plot", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "wrote" in printed
    pngs = sorted((out / "figures").glob("*.png"))
    assert pngs and all(p.read_bytes()[:4] == b"\x89PNG" for p in pngs)
