#!/usr/bin/env python3
"""One training step of docs/spec.md's transformer in knob and in PyTorch, timed side by side.

For each repetition the script runs `knob bench --config ... --json` (a child process) and then
the same number of PyTorch steps in this process, and alternates, so that both see the same
machine load. It prints the median over repetitions of each one's median step time and the
ratio PyTorch / knob (> 1: knob is faster).

The PyTorch side is the model a PyTorch user would write (torch.nn.Linear, LayerNorm, Embedding,
eager mode), with the same config, batch, sequence length, random tokens, cross-entropy and the
same optimizer as `knob bench`: AdamW(lr 1e-3, betas (0.9, 0.999), eps 1e-8), weight decay 0.01
on matrices and 0 on vectors; with --trainable ia3 only the IA³ vectors l_k, l_v, l_ff train
(weight decay 0). Both run on one thread.

    /usr/bin/python3 bench/compare_pytorch.py --knob build/tools/knob/knob --model tiny
    /usr/bin/python3 bench/compare_pytorch.py --knob build/tools/knob/knob --model medium \
        --trainable full --steps 5 --repeats 3 --roof

--roof also times `knob bench --matmul 1024,1024,1024` (one thread) and reports the step's matrix
product FLOPs per second as a fraction of it. --json prints one machine-readable line at the end.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

# One thread everywhere, before torch (and its BLAS) start.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

MODELS = {
    # docs/spec.md's tiny reference config, batch 32 x 32 tokens
    "tiny": ({"vocab_size": 32, "d_model": 64, "n_heads": 4, "n_layers": 2, "d_ff": 256,
              "max_seq_len": 32, "activation": "gelu", "layer_norm_eps": 1e-5}, 32, 32),
    # a medium one: d 256, 4 layers, 8 heads, F 1024, batch 16 x 128 tokens
    "medium": ({"vocab_size": 32, "d_model": 256, "n_heads": 8, "n_layers": 4, "d_ff": 1024,
                "max_seq_len": 128, "activation": "gelu", "layer_norm_eps": 1e-5}, 16, 128),
}


# --------------------------------------------------------------------------- the PyTorch model ----
class Block(nn.Module):
    """One pre-LayerNorm block of docs/spec.md §1, with optional IA³ vectors."""

    def __init__(self, cfg):
        super().__init__()
        C, F_ = cfg["d_model"], cfg["d_ff"]
        eps = cfg["layer_norm_eps"]
        self.n_heads = cfg["n_heads"]
        self.activation = cfg["activation"]
        self.ln1 = nn.LayerNorm(C, eps=eps)
        self.q_proj, self.k_proj = nn.Linear(C, C), nn.Linear(C, C)
        self.v_proj, self.out_proj = nn.Linear(C, C), nn.Linear(C, C)
        self.ln2 = nn.LayerNorm(C, eps=eps)
        self.up, self.down = nn.Linear(C, F_), nn.Linear(F_, C)
        self.l_k = self.l_v = self.l_ff = None

    def enable_ia3(self):
        C, F_ = self.q_proj.in_features, self.up.out_features
        self.l_k, self.l_v = nn.Parameter(torch.ones(C)), nn.Parameter(torch.ones(C))
        self.l_ff = nn.Parameter(torch.ones(F_))

    def act(self, x):
        if self.activation == "gelu":
            return F.gelu(x)
        if self.activation == "gelu_tanh":
            return F.gelu(x, approximate="tanh")
        return F.relu(x)

    def forward(self, x, causal):
        B, T, C = x.shape
        H = self.n_heads
        D = C // H
        h = self.ln1(x)
        q, k, v = self.q_proj(h), self.k_proj(h), self.v_proj(h)
        if self.l_k is not None:
            k, v = k * self.l_k, v * self.l_v
        q, k, v = (t.view(B, T, H, D).transpose(1, 2) for t in (q, k, v))  # [B,H,T,D]
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(D)
        weights = torch.softmax(scores.masked_fill(causal[:T, :T], float("-inf")), dim=-1)
        x = x + self.out_proj((weights @ v).transpose(1, 2).reshape(B, T, C))
        hidden = self.act(self.up(self.ln2(x)))
        if self.l_ff is not None:
            hidden = hidden * self.l_ff
        return x + self.down(hidden)


class Transformer(nn.Module):
    """docs/spec.md §1's decoder-only transformer."""

    def __init__(self, cfg):
        super().__init__()
        V, C, S = cfg["vocab_size"], cfg["d_model"], cfg["max_seq_len"]
        self.tok_emb, self.pos_emb = nn.Embedding(V, C), nn.Embedding(S, C)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg["n_layers"]))
        self.ln_f = nn.LayerNorm(C, eps=cfg["layer_norm_eps"])
        self.head = nn.Linear(C, V)
        self.register_buffer("causal", torch.triu(torch.ones(S, S, dtype=torch.bool), 1))

    def loss(self, ids, targets):
        T = ids.shape[1]
        x = self.tok_emb(ids) + self.pos_emb.weight[:T]
        for block in self.blocks:
            x = block(x, self.causal)
        logits = self.head(self.ln_f(x))
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def torch_trainer(cfg, batch, seq, trainable, seed=0):
    """A function that runs one training step (zero_grad, forward, loss, backward, AdamW)."""
    torch.manual_seed(seed)
    model = Transformer(cfg)
    if trainable == "ia3":
        for p in model.parameters():
            p.requires_grad_(False)
        for block in model.blocks:
            block.enable_ia3()
        groups = [{"params": [p for n, p in model.named_parameters() if n.split(".")[-1]
                              in ("l_k", "l_v", "l_ff")], "weight_decay": 0.0}]
    else:
        named = list(model.named_parameters())
        groups = [{"params": [p for _, p in named if p.dim() >= 2], "weight_decay": 0.01},
                  {"params": [p for _, p in named if p.dim() < 2], "weight_decay": 0.0}]
    optimizer = torch.optim.AdamW(groups, lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    model.train()
    V = cfg["vocab_size"]
    ids = torch.randint(0, V, (batch, seq))
    targets = torch.randint(0, V, (batch, seq))

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = model.loss(ids, targets)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def time_torch(step, steps, warmup):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def torch_blas():
    """The library whose sgemm_ this PyTorch process calls. Debian's torch links libblas.so.3,
    which the system's alternatives point to OpenBLAS when libopenblas is installed, else to the
    slow reference BLAS."""
    import ctypes
    try:
        # the libblas.so.3 torch linked against, already loaded: dlopen hands back the same one
        address = ctypes.cast(ctypes.CDLL("libblas.so.3").sgemm_, ctypes.c_void_p).value
    except (OSError, AttributeError):
        return "unknown"
    with open("/proc/self/maps") as f:
        for line in f:
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            if start <= address < end and len(fields) >= 6:
                return fields[5]
    return "unknown"


# ------------------------------------------------------------------------------------ knob ----
def run_knob(knob, args_list):
    env = dict(os.environ, KNOB_THREADS="1")
    out = subprocess.run([knob, *args_list, "--json"], check=True, capture_output=True, text=True,
                         env=env)
    return json.loads(out.stdout)


def matmul_flops(cfg, batch, seq, trainable):
    """FLOPs of the step's matrix products: forward, and the backward's products."""
    C, F_, L, V, H = cfg["d_model"], cfg["d_ff"], cfg["n_layers"], cfg["vocab_size"], cfg["n_heads"]
    rows = batch * seq
    linear = L * (4 * 2 * rows * C * C + 2 * 2 * rows * C * F_) + 2 * rows * C * V
    attention = L * 2 * (2 * batch * seq * seq * C)  # q kᵀ and weights·v, all heads
    if trainable == "full":  # backward: gradients of both operands of every product
        return 3 * (linear + attention)
    # IA³: no weight gradients, but the activations' gradients still flow through every layer
    return 2 * linear + 3 * attention


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--knob", required=True, help="path of the knob program")
    parser.add_argument("--model", default="tiny", choices=sorted(MODELS))
    parser.add_argument("--trainable", default="full", choices=["full", "ia3"])
    parser.add_argument("--steps", type=int, default=20, help="timed steps per repetition")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5, help="alternating repetitions")
    parser.add_argument("--roof", action="store_true",
                        help="also report the share of knob's single-thread sgemm speed")
    parser.add_argument("--json", action="store_true")
    a = parser.parse_args()

    torch.set_num_threads(1)
    cfg, batch, seq = MODELS[a.model]
    with tempfile.TemporaryDirectory() as tmp:
        config_path = os.path.join(tmp, "config.json")
        with open(config_path, "w") as f:
            json.dump(cfg, f)
        knob_args = ["bench", "--config", config_path, "--batch", str(batch), "--seq", str(seq),
                     "--trainable", a.trainable, "--steps", str(a.steps), "--warmup",
                     str(a.warmup)]
        step = torch_trainer(cfg, batch, seq, a.trainable)
        knob_ms, torch_ms, ratios, knob_last = [], [], [], None
        for _ in range(a.repeats):
            knob_last = run_knob(a.knob, knob_args)
            knob_ms.append(knob_last["ms_per_step"])
            torch_ms.append(time_torch(step, a.steps, a.warmup))
            ratios.append(torch_ms[-1] / knob_ms[-1])
        roof = None
        if a.roof:
            roof = run_knob(a.knob, ["bench", "--matmul", "1024,1024,1024"])["gflops"]

    result = {
        "model": a.model, "trainable": a.trainable, "batch": batch, "seq": seq,
        "knob_ms_per_step": statistics.median(knob_ms),
        "torch_ms_per_step": statistics.median(torch_ms),
        "speedup": statistics.median(ratios),
        "knob_tokens_per_s": batch * seq / statistics.median(knob_ms) * 1e3,
        "knob_allocs_per_step": knob_last["allocs_per_step"],
        "knob_peak_rss_mb": knob_last["peak_rss_mb"],
        "repeats": a.repeats, "steps": a.steps, "torch_version": torch.__version__,
        "torch_blas": torch_blas(),
    }
    flops = matmul_flops(cfg, batch, seq, a.trainable)
    result["knob_matmul_gflops"] = flops / (result["knob_ms_per_step"] * 1e-3) * 1e-9
    if roof is not None:
        result["sgemm_roof_gflops"] = roof
        result["share_of_roof"] = result["knob_matmul_gflops"] / roof
    print(f"{a.model} ({cfg['d_model']}d, {cfg['n_layers']} layers, {cfg['n_heads']} heads, "
          f"F {cfg['d_ff']}), batch {batch} x {seq}, {a.trainable}, 1 thread, "
          f"{a.repeats} x {a.steps} steps:")
    print(f"  knob    {result['knob_ms_per_step']:9.3f} ms/step   "
          f"(repetitions: {', '.join(f'{x:.3f}' for x in knob_ms)})")
    print(f"  PyTorch {result['torch_ms_per_step']:9.3f} ms/step   "
          f"(repetitions: {', '.join(f'{x:.3f}' for x in torch_ms)}; torch {torch.__version__})")
    print(f"  PyTorch / knob = {result['speedup']:.2f}x (median of the per-repetition ratios)")
    print(f"  PyTorch's BLAS: {result['torch_blas']}")
    line = f"  knob matrix products: {result['knob_matmul_gflops']:.1f} GFLOP/s"
    if roof is not None:
        line += (f" = {100 * result['share_of_roof']:.0f}% of knob's 1024^3 sgemm "
                 f"({roof:.1f} GFLOP/s)")
    print(line)
    if a.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
