#!/usr/bin/env python3
"""knob's training step with the fused ops against the same step built from the compositions
they replace (`knob bench --unfused`), timed side by side.

For each model and each repetition the script runs `knob bench --config ... --json` once fused
and once unfused, alternating, so both see the same machine load. It prints the median step
time of each, the ratio unfused / fused (> 1: fusion is faster), and per step the recorded ops,
the heap allocations and the peak resident memory (those three are exact counts, not timings).

    python3 bench/compare_fusion.py --knob build/tools/knob/knob [--repeats 5]
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile

# (config, batch, seq, trainable, timed steps): docs/spec.md's tiny model and the medium one of
# bench/compare_pytorch.py.
TINY = {"vocab_size": 32, "d_model": 64, "n_heads": 4, "n_layers": 2, "d_ff": 256,
        "max_seq_len": 32, "activation": "gelu", "layer_norm_eps": 1e-5}
MEDIUM = {"vocab_size": 32, "d_model": 256, "n_heads": 8, "n_layers": 4, "d_ff": 1024,
          "max_seq_len": 128, "activation": "gelu", "layer_norm_eps": 1e-5}
CASES = [("tiny, full", TINY, 32, 32, "full", 20), ("tiny, IA3", TINY, 32, 32, "ia3", 20),
         ("medium, full", MEDIUM, 16, 128, "full", 5)]


def bench(knob, config_path, batch, seq, trainable, steps, unfused):
    args = [knob, "bench", "--config", config_path, "--batch", str(batch), "--seq", str(seq),
            "--trainable", trainable, "--steps", str(steps), "--warmup", "3", "--json"]
    if unfused:
        args.append("--unfused")
    env = dict(os.environ, KNOB_THREADS="1")
    out = subprocess.run(args, check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--knob", required=True, help="path of the knob program")
    parser.add_argument("--repeats", type=int, default=5, help="alternating repetitions (5)")
    args = parser.parse_args()
    print(f"{'step':<14} {'fused ms':>9} {'unfused ms':>11} {'ratio':>6}   "
          f"{'ops':>9} {'allocs':>13} {'RSS MiB':>13}")
    with tempfile.TemporaryDirectory() as work:
        for name, config, batch, seq, trainable, steps in CASES:
            path = os.path.join(work, "config.json")
            with open(path, "w") as f:
                json.dump(config, f)
            runs = {False: [], True: []}
            for _ in range(args.repeats):
                for unfused in (False, True):
                    runs[unfused].append(bench(args.knob, path, batch, seq, trainable, steps,
                                               unfused))
            ms = {u: statistics.median(r["ms_per_step"] for r in runs[u]) for u in runs}
            ratios = [b["ms_per_step"] / a["ms_per_step"] for a, b in zip(runs[False], runs[True])]
            last = {u: runs[u][-1] for u in runs}

            def pair(key, fmt):
                values = [last[False][key], last[True][key]]
                return "/".join("-" if v is None else fmt.format(v) for v in values)

            print(f"{name:<14} {ms[False]:>9.2f} {ms[True]:>11.2f} "
                  f"{statistics.median(ratios):>5.2f}x   "
                  f"{pair('recorded_ops_per_step', '{:d}'):>9} "
                  f"{pair('allocs_per_step', '{:.0f}'):>13} "
                  f"{pair('peak_rss_mb', '{:.0f}'):>13}")
    print("(ops, allocs and RSS as fused/unfused; ratio = unfused / fused, median of the "
          "per-repetition ratios)")


if __name__ == "__main__":
    main()
