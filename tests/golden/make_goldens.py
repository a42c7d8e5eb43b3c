#!/usr/bin/env python3
"""Golden files for knob's parity tests, computed with PyTorch in float64.

Run with Debian's PyTorch (apt-get install python3-torch), from the repository root:

    /usr/bin/python3 tests/golden/make_goldens.py

It builds docs/spec.md's decoder-only transformer directly from torch operations (no torch.nn
modules, so every step of docs/spec.md §1 is visible here), fills it with random weights, and writes
for each model size a directory with:

    config.json              the model config (docs/spec.md §1)
    model.safetensors        the weights, float64, docs/spec.md §2 names
    adapter.safetensors      random IA³ vectors (l_k, l_v, l_ff), float64
    batch.safetensors        input_ids [B,T] and targets [B,T] (int64, some -100)
    expected_full.safetensors  loss, logits, grad.<every parameter>
    expected_ia3.safetensors   loss, logits, grad.<every IA³ vector> (with the adapter applied)

plus `adamw_steps.safetensors` (20 AdamW steps on the tiny model: the loss before each step),
`layers.safetensors` (attention with masks, layer norm and FFN, one layer at a time) and
`conventions.safetensors` (the cases where a convention decides the gradient: max with ties,
relu at exactly 0, cross_entropy with ignore_index 0, concat/slice on every axis, softmax on a
non-last axis, bias_activation with one scale per batch row; rows of 37 so float32 SIMD code
runs its vector bodies). `make_goldens.py conventions` rewrites only that last file.
CI does not need PyTorch: the files are committed.
"""
import json
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)


# ----------------------------------------------------------------------------- safetensors ----
def save_safetensors(path, tensors, metadata=None):
    """Write a safetensors file: 8-byte little-endian header size, JSON header, raw data."""
    header = {}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous()
        dtype = {torch.float64: "F64", torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        data = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


# ----------------------------------------------------------------------------- the model ----
def param_shapes(cfg):
    V, C, F_, L, S = cfg["vocab_size"], cfg["d_model"], cfg["d_ff"], cfg["n_layers"], cfg["max_seq_len"]
    shapes = {"tok_emb.weight": (V, C), "pos_emb.weight": (S, C)}
    for i in range(L):
        b = f"blocks.{i}."
        shapes[b + "ln1.weight"] = (C,)
        shapes[b + "ln1.bias"] = (C,)
        for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
            shapes[b + f"attn.{proj}.weight"] = (C, C)
            shapes[b + f"attn.{proj}.bias"] = (C,)
        shapes[b + "ln2.weight"] = (C,)
        shapes[b + "ln2.bias"] = (C,)
        shapes[b + "ffn.up.weight"] = (F_, C)
        shapes[b + "ffn.up.bias"] = (F_,)
        shapes[b + "ffn.down.weight"] = (C, F_)
        shapes[b + "ffn.down.bias"] = (C,)
    shapes["ln_f.weight"] = (C,)
    shapes["ln_f.bias"] = (C,)
    shapes["head.weight"] = (V, C)
    shapes["head.bias"] = (V,)
    return shapes


def random_params(cfg):
    params = {}
    for name, shape in param_shapes(cfg).items():
        if name.endswith("ln1.weight") or name.endswith("ln2.weight") or name == "ln_f.weight":
            t = 1.0 + 0.2 * torch.randn(shape)
        elif len(shape) == 2 and "emb" not in name:
            t = torch.randn(shape) / math.sqrt(shape[1])  # keeps activations O(1)
        else:
            t = 0.5 * torch.randn(shape)
        params[name] = t.requires_grad_()
    return params


def random_adapter(cfg):
    C, F_ = cfg["d_model"], cfg["d_ff"]
    adapter = {}
    for i in range(cfg["n_layers"]):
        adapter[f"blocks.{i}.attn.l_k"] = (1.0 + 0.3 * torch.randn(C)).requires_grad_()
        adapter[f"blocks.{i}.attn.l_v"] = (1.0 + 0.3 * torch.randn(C)).requires_grad_()
        adapter[f"blocks.{i}.ffn.l_ff"] = (1.0 + 0.3 * torch.randn(F_)).requires_grad_()
    return adapter


def activation(cfg, x):
    kind = cfg["activation"]
    if kind == "gelu":
        return F.gelu(x)
    if kind == "gelu_tanh":
        return F.gelu(x, approximate="tanh")
    return F.relu(x)


def attention(x, p, prefix, n_heads, l_k=None, l_v=None, key_padding=None):
    """Causal multi-head attention of docs/spec.md §1 on x [B,T,C]."""
    B, T, C = x.shape
    D = C // n_heads
    q = x @ p[prefix + "q_proj.weight"].T + p[prefix + "q_proj.bias"]
    k = x @ p[prefix + "k_proj.weight"].T + p[prefix + "k_proj.bias"]
    v = x @ p[prefix + "v_proj.weight"].T + p[prefix + "v_proj.bias"]
    if l_k is not None:
        k = k * l_k
    if l_v is not None:
        v = v * l_v
    q, k, v = (t.view(B, T, n_heads, D).transpose(1, 2) for t in (q, k, v))  # [B,H,T,D]
    scores = q @ k.transpose(-2, -1) / math.sqrt(D)                          # [B,H,T,T]
    causal = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    scores = scores.masked_fill(causal, float("-inf"))
    if key_padding is not None:
        scores = scores.masked_fill(key_padding[:, None, None, :], float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    y = (weights @ v).transpose(1, 2).reshape(B, T, C)
    return y @ p[prefix + "out_proj.weight"].T + p[prefix + "out_proj.bias"]


def feed_forward(cfg, x, p, prefix, l_ff=None):
    a = activation(cfg, x @ p[prefix + "up.weight"].T + p[prefix + "up.bias"])
    if l_ff is not None:
        a = a * l_ff
    return a @ p[prefix + "down.weight"].T + p[prefix + "down.bias"]


def forward(cfg, p, idx, adapter=None):
    B, T = idx.shape
    C, eps = cfg["d_model"], cfg["layer_norm_eps"]
    x = p["tok_emb.weight"][idx] + p["pos_emb.weight"][:T]
    for i in range(cfg["n_layers"]):
        b = f"blocks.{i}."
        ia3 = (lambda n: adapter[b + n]) if adapter else (lambda n: None)
        h = F.layer_norm(x, (C,), p[b + "ln1.weight"], p[b + "ln1.bias"], eps)
        x = x + attention(h, p, b + "attn.", cfg["n_heads"], ia3("attn.l_k"), ia3("attn.l_v"))
        h = F.layer_norm(x, (C,), p[b + "ln2.weight"], p[b + "ln2.bias"], eps)
        x = x + feed_forward(cfg, h, p, b + "ffn.", ia3("ffn.l_ff"))
    x = F.layer_norm(x, (C,), p["ln_f.weight"], p["ln_f.bias"], eps)
    return x @ p["head.weight"].T + p["head.bias"]


def loss_of(logits, targets):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                           ignore_index=-100)


def random_batch(cfg, B, T):
    idx = torch.randint(0, cfg["vocab_size"], (B, T))
    targets = torch.randint(0, cfg["vocab_size"], (B, T))
    ignored = torch.rand(B, T) < 0.3
    ignored[0, 0] = False  # at least one counted position
    targets[ignored] = -100
    return idx, targets


# ----------------------------------------------------------------------------- files ----
def write_model_case(name, cfg, B, T):
    out = os.path.join(HERE, name)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    params = random_params(cfg)
    adapter = random_adapter(cfg)
    idx, targets = random_batch(cfg, B, T)
    save_safetensors(os.path.join(out, "model.safetensors"), params,
                     {"note": "random weights for parity tests"})
    save_safetensors(os.path.join(out, "adapter.safetensors"), adapter,
                     {"base_config": json.dumps(cfg)})
    save_safetensors(os.path.join(out, "batch.safetensors"),
                     {"input_ids": idx, "targets": targets})

    logits = forward(cfg, params, idx)
    loss = loss_of(logits, targets)
    grads = torch.autograd.grad(loss, list(params.values()))
    expected = {"loss": loss.detach(), "logits": logits.detach()}
    expected.update({"grad." + n: g for n, g in zip(params, grads)})
    save_safetensors(os.path.join(out, "expected_full.safetensors"), expected)

    logits = forward(cfg, params, idx, adapter)
    loss = loss_of(logits, targets)
    grads = torch.autograd.grad(loss, list(adapter.values()))
    expected = {"loss": loss.detach(), "logits": logits.detach()}
    expected.update({"grad." + n: g for n, g in zip(adapter, grads)})
    save_safetensors(os.path.join(out, "expected_ia3.safetensors"), expected)
    print(f"{name}: loss {loss.item():.6f}, {sum(t.numel() for t in params.values())} parameters")


def write_adamw_steps(cfg, B, T, steps=20, lr=1e-2, betas=(0.9, 0.999), eps=1e-8, wd=0.01):
    out = os.path.join(HERE, "tiny")
    params = {n: t.detach().clone().requires_grad_() for n, t in random_params(cfg).items()}
    save_safetensors(os.path.join(out, "adamw_start.safetensors"), params)
    idx, targets = random_batch(cfg, B, T)
    opt = torch.optim.AdamW(list(params.values()), lr=lr, betas=betas, eps=eps, weight_decay=wd)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_of(forward(cfg, params, idx), targets)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    meta = {"lr": str(lr), "beta1": str(betas[0]), "beta2": str(betas[1]), "eps": str(eps),
            "weight_decay": str(wd), "steps": str(steps)}
    save_safetensors(os.path.join(out, "adamw_steps.safetensors"),
                     {"input_ids": idx, "targets": targets, "losses": torch.tensor(losses)}, meta)
    print(f"adamw: loss {losses[0]:.6f} -> {losses[-1]:.6f}")


def write_layer_goldens():
    """One layer at a time, so a failing model test can be traced to the layer."""
    B, T, C, H, F_ = 2, 5, 12, 3, 20
    cfg = {"activation": "gelu"}
    p = {}
    for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
        p[f"attn.{proj}.weight"] = (torch.randn(C, C) / math.sqrt(C)).requires_grad_()
        p[f"attn.{proj}.bias"] = (0.1 * torch.randn(C)).requires_grad_()
    p["ln.weight"] = (1 + 0.2 * torch.randn(C)).requires_grad_()
    p["ln.bias"] = (0.2 * torch.randn(C)).requires_grad_()
    p["ffn.up.weight"] = (torch.randn(F_, C) / math.sqrt(C)).requires_grad_()
    p["ffn.up.bias"] = (0.1 * torch.randn(F_)).requires_grad_()
    p["ffn.down.weight"] = (torch.randn(C, F_) / math.sqrt(F_)).requires_grad_()
    p["ffn.down.bias"] = (0.1 * torch.randn(C)).requires_grad_()
    x = torch.randn(B, T, C).requires_grad_()
    padding = torch.zeros(B, T, dtype=torch.bool)
    padding[1, 3:] = True  # the second sequence has two padded keys at the end
    upstream = torch.randn(B, T, C)

    files = {"x": x.detach(), "key_padding_mask": padding.to(torch.int64), "upstream": upstream}
    files.update({"param." + n: t.detach() for n, t in p.items()})

    def record(tag, y, inputs):
        grads = torch.autograd.grad(y, [x] + [p[n] for n in inputs], upstream)
        files[tag + ".out"] = y.detach()
        files[tag + ".grad.x"] = grads[0]
        for n, g in zip(inputs, grads[1:]):
            files[tag + ".grad." + n] = g

    attn_names = [n for n in p if n.startswith("attn.")]
    record("attention", attention(x, p, "attn.", H, key_padding=padding), attn_names)
    record("layernorm", F.layer_norm(x, (C,), p["ln.weight"], p["ln.bias"], 1e-5),
           ["ln.weight", "ln.bias"])
    record("ffn", feed_forward(cfg, x, p, "ffn."), [n for n in p if n.startswith("ffn.")])
    save_safetensors(os.path.join(HERE, "layers.safetensors"), files,
                     {"B": str(B), "T": str(T), "C": str(C), "n_heads": str(H), "d_ff": str(F_),
                      "activation": "gelu", "layer_norm_eps": "1e-5"})
    print("layers: attention, layernorm, ffn")


def write_convention_goldens():
    """Where PyTorch's conventions decide the gradient. For each case: its inputs, an upstream
    gradient, PyTorch's output (`.out`) and the gradient of every input (`.grad.<input>`)."""
    torch.manual_seed(4321)  # independent of the other files
    N = 37  # a row of 37: two float32 AVX-512 registers (16 lanes) and a tail
    files = {}

    def record(tag, fn, inputs, upstream=None):
        xs = {n: t.detach().clone().requires_grad_() for n, t in inputs.items()}
        out = fn(**xs)
        if upstream is None:
            upstream = torch.randn(out.shape)
        grads = torch.autograd.grad(out, list(xs.values()), upstream)
        files[tag + ".out"] = out.detach()
        files[tag + ".upstream"] = upstream
        for (n, t), g in zip(xs.items(), grads):
            files[tag + "." + n] = t.detach()
            files[tag + ".grad." + n] = g

    # max with ties: small integers, so every group has tied maxima. PyTorch's max(dim) sends
    # the gradient to the first maximal index; several axes are flattened into one, in order.
    ties = torch.randint(0, 3, (2, 3, N)).double()
    record("max_all", lambda x: x.reshape(-1).max(0).values, {"x": ties})
    for axis in range(3):
        record(f"max_axis{axis}", lambda x, a=axis: x.max(a).values, {"x": ties})
    record("max_axes02", lambda x: x.permute(1, 0, 2).reshape(3, -1).max(1).values, {"x": ties})

    # relu at exactly 0 (PyTorch: slope 0), alone and fused after a bias (half-integers, so
    # x + b is exactly 0 at about a fifth of the positions).
    x = torch.randint(-2, 3, (2, 3, N)).double() * 0.5
    record("relu_zero", lambda x: F.relu(x), {"x": x})
    bias = 0.5 * torch.randint(-2, 3, (N,)).double()
    record("bias_relu_zero", lambda x, b: F.relu(x + b), {"x": x, "b": bias})

    # cross_entropy with a padding id as ignore_index (class 0 is never scored).
    logits = torch.randn(2, 5, N)
    targets = torch.randint(0, N, (2, 5))
    targets[0, :2] = 0
    targets[1, 4] = 0
    files["ce_ignore0.targets"] = targets
    record("ce_ignore0",
           lambda z: F.cross_entropy(z.reshape(-1, N), targets.reshape(-1), ignore_index=0),
           {"z": logits}, torch.tensor(0.7))

    # concat and slice on every axis of [2,3,N].
    shape = (2, 3, N)
    for axis in range(3):
        other = list(shape)
        other[axis] = 2
        record(f"concat_axis{axis}", lambda a, b, ax=axis: torch.cat([a, b], ax),
               {"a": torch.randn(shape), "b": torch.randn(other)})
        record(f"slice_axis{axis}", lambda x, ax=axis: x.narrow(ax, 1, shape[ax] - 1),
               {"x": torch.randn(shape)})

    # softmax / log_softmax along each axis, the normalised axis 37 long.
    for axis in range(3):
        s = [2, 3, 2]
        s[axis] = N
        record(f"softmax_axis{axis}", lambda x, ax=axis: torch.softmax(x, ax),
               {"x": torch.randn(s)})
        record(f"log_softmax_axis{axis}", lambda x, ax=axis: torch.log_softmax(x, ax),
               {"x": torch.randn(s)})

    # bias_activation with one scale vector per batch row: f(x + b) * s, s [B,1,N].
    acts = {"identity": lambda z: z, "relu": F.relu, "gelu": F.gelu,
            "gelu_tanh": lambda z: F.gelu(z, approximate="tanh")}
    for name, f in acts.items():
        record(f"bias_act_{name}", lambda x, b, s, f=f: f(x + b) * s,
               {"x": torch.randn(2, 3, N), "b": torch.randn(N), "s": torch.randn(2, 1, N)})

    # The other fused ops on rows of 37.
    record("layer_norm", lambda x, w, b: F.layer_norm(x, (N,), w, b, 1e-5),
           {"x": torch.randn(2, 3, N), "w": 1 + 0.2 * torch.randn(N), "b": torch.randn(N)})
    causal = torch.triu(torch.ones(N, N, dtype=torch.bool), diagonal=1)
    record("attention_softmax",
           lambda x: torch.softmax((0.3 * x).masked_fill(causal, float("-inf")), -1),
           {"x": torch.randn(1, N, N)})

    save_safetensors(os.path.join(HERE, "conventions.safetensors"), files,
                     {"row": str(N), "layer_norm_eps": "1e-5", "attention_scale": "0.3",
                      "torch": torch.__version__})
    print(f"conventions: {len(files)} tensors")


def config(vocab, d, heads, layers, ff, seq, act):
    return {"vocab_size": vocab, "d_model": d, "n_heads": heads, "n_layers": layers, "d_ff": ff,
            "max_seq_len": seq, "activation": act, "layer_norm_eps": 1e-5}


if __name__ == "__main__":
    if sys.argv[1:] == ["conventions"]:
        write_convention_goldens()
        sys.exit(0)
    tiny = config(11, 8, 2, 2, 16, 8, "gelu")
    write_model_case("tiny", tiny, B=2, T=6)
    write_model_case("odd", config(13, 36, 3, 1, 20, 4, "relu"), B=3, T=1)
    write_model_case("tanh", config(17, 24, 4, 2, 40, 12, "gelu_tanh"), B=2, T=9)
    write_model_case("spec", config(32, 64, 4, 2, 256, 32, "gelu"), B=2, T=16)
    write_adamw_steps(tiny, B=4, T=6)
    write_layer_goldens()
    write_convention_goldens()
