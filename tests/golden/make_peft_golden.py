#!/usr/bin/env python3
"""Golden files for knob's PEFT import, computed with PyTorch in float64.

Run with Debian's PyTorch, from the repository root:

    /usr/bin/python3 tests/golden/make_peft_golden.py

It takes the tiny golden model (tests/golden/tiny: config.json, model.safetensors,
batch.safetensors), makes random IA3 adapters in PEFT's on-disk format and applies them with
PEFT's semantics, written out here (the `peft` package is not needed):

    a target module that is not a feedforward module scales its output:  y = l * (x W^T + b)
    a feedforward module scales its input:                               y = (l * x) W^T + b

The vectors are stored as PEFT stores them: `base_model.model.<module path>.ia3_l`, shape
[out, 1] for an output-scaled module and [1, in] for a feedforward one. For each case a
directory tests/golden/peft/<case>/ gets adapter_config.json, adapter_model.safetensors and
expected.safetensors (the logits of the tiny batch). CI does not need PyTorch: the files are
committed.
"""
import json
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_goldens  # noqa: E402  (reuses its safetensors writer and activation)

torch.set_default_dtype(torch.float64)


def load_safetensors(path):
    """Read a safetensors file (F32, F64, I64) into a dict of tensors."""
    dtypes = {"F64": torch.float64, "F32": torch.float32, "I64": torch.int64}
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtypes[entry["dtype"]])
        out[name] = t.reshape(entry["shape"]).clone()
    return out


def selected(path, selector):
    """PEFT's matching: a string is a full-match regex; a list matches exact names or suffixes."""
    import re
    if selector is None:
        return False
    if isinstance(selector, str):
        return re.fullmatch(selector, path) is not None
    return any(path == name or path.endswith("." + name) for name in selector)


class PeftIA3:
    """The adapter: module path -> (vector, is_feedforward), applied by `linear` below."""

    def __init__(self, config, tensors):
        self.vectors = {}
        for key, t in tensors.items():
            module = key[len("base_model.model."):-len(".ia3_l")]
            self.vectors[module] = (t, selected(module, config["feedforward_modules"]))

    def linear(self, path, x, W, b):
        if path not in self.vectors:
            return x @ W.T + b
        l, feedforward = self.vectors[path]
        if feedforward:
            return (x * l.reshape(-1)) @ W.T + b  # l: [1, in]
        return (x @ W.T + b) * l.reshape(-1)      # l: [out, 1]


def forward(cfg, p, idx, adapter):
    """docs/spec.md section 1, every Linear going through the adapter."""
    B, T = idx.shape
    C, H, eps = cfg["d_model"], cfg["n_heads"], cfg["layer_norm_eps"]
    D = C // H
    lin = lambda path, x: adapter.linear(path, x, p[path + ".weight"], p[path + ".bias"])
    x = p["tok_emb.weight"][idx] + p["pos_emb.weight"][:T]
    causal = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    for i in range(cfg["n_layers"]):
        b = f"blocks.{i}."
        h = F.layer_norm(x, (C,), p[b + "ln1.weight"], p[b + "ln1.bias"], eps)
        q, k, v = (lin(b + f"attn.{n}_proj", h).view(B, T, H, D).transpose(1, 2) for n in "qkv")
        scores = (q @ k.transpose(-2, -1) / math.sqrt(D)).masked_fill(causal, float("-inf"))
        a = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(B, T, C)
        x = x + lin(b + "attn.out_proj", a)
        h = F.layer_norm(x, (C,), p[b + "ln2.weight"], p[b + "ln2.bias"], eps)
        x = x + lin(b + "ffn.down", make_goldens.activation(cfg, lin(b + "ffn.up", h)))
    x = F.layer_norm(x, (C,), p["ln_f.weight"], p["ln_f.bias"], eps)
    return lin("head", x)


def write_case(name, target_modules, feedforward_modules, seed):
    torch.manual_seed(seed)
    tiny = os.path.join(HERE, "tiny")
    with open(os.path.join(tiny, "config.json")) as f:
        cfg = json.load(f)
    params = load_safetensors(os.path.join(tiny, "model.safetensors"))
    batch = load_safetensors(os.path.join(tiny, "batch.safetensors"))
    config = {"peft_type": "IA3", "task_type": "CAUSAL_LM", "target_modules": target_modules,
              "feedforward_modules": feedforward_modules, "init_ia3_weights": True,
              "fan_in_fan_out": False, "modules_to_save": None,
              "base_model_name_or_path": None, "revision": None, "inference_mode": True}
    tensors = {}
    for path in sorted({n[:-len(".weight")] for n in params if n.endswith(".weight")}):
        if "ln" in path.split(".")[-1] or "emb" in path or not selected(path, target_modules):
            continue
        out_features, in_features = params[path + ".weight"].shape
        shape = (1, in_features) if selected(path, feedforward_modules) else (out_features, 1)
        tensors["base_model.model." + path + ".ia3_l"] = 1.0 + 0.5 * torch.randn(shape)
    adapter = PeftIA3(config, tensors)
    logits = forward(cfg, params, batch["input_ids"], adapter)
    no_adapter = forward(cfg, params, batch["input_ids"], PeftIA3(config, {}))
    assert (logits - no_adapter).abs().max() > 1e-3, "the adapter must change the logits"
    out = os.path.join(HERE, "peft", name)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "adapter_config.json"), "w") as f:
        json.dump(config, f, indent=2)
    make_goldens.save_safetensors(os.path.join(out, "adapter_model.safetensors"), tensors,
                                  {"format": "pt"})
    make_goldens.save_safetensors(os.path.join(out, "expected.safetensors"),
                                  {"logits": logits.detach()})
    print(f"peft/{name}: {len(tensors)} vectors, logits {tuple(logits.shape)}")


if __name__ == "__main__":
    # docs/spec.md's default: keys and values scaled, the FFN's down projection scaled on its input.
    write_case("spec_default", ["k_proj", "v_proj", "ffn.down"], ["ffn.down"], seed=1)
    # More modules than knob's built-in vectors cover (q_proj, ffn.up, head), and a regex.
    write_case("extended", r".*\.(q_proj|k_proj|v_proj|up|down)|head", r".*\.down", seed=2)
