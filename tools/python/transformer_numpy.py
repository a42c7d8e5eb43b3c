"""knob's reference transformer in NumPy, forward and backward by hand, written out as a
`knob grads --trace` file: a worked example of checking your own implementation layer by layer.

    python3 tools/python/transformer_numpy.py --model tests/golden/tiny \\
        --batch tests/golden/tiny/batch.safetensors --out mine.safetensors
    knob grads --trace --model tests/golden/tiny --batch tests/golden/tiny/batch.safetensors \\
        --out knob.safetensors
    knob compare --first mine.safetensors knob.safetensors

`--broken forward` (layer norm ln2 divides the variance by C - 1) or `--broken backward` (the
softmax backward forgets its `- sum(g * p)` term) plants a bug; `knob compare --first` then
names the first tensor the bug touches: `blocks.0.ln2.out`, or the gradient of the last
block's `attn.scores` (gradients are checked in the order the backward pass makes them).

Everything is float64. Shapes: B batch, T tokens, C = d_model, H heads, D = C / H, F = d_ff,
V vocabulary. Names follow docs/gradient_trace.md.
"""
import argparse
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import knob_safetensors  # noqa: E402  (next to this file)

_erf = np.vectorize(math.erf)


# ---------------------------------------------------------------------------------- layers ----
def linear(x, w, b):
    """y = x Wᵀ + b: [..., in] -> [..., out]."""
    return x @ w.T + b


def linear_backward(g, x, w):
    """Gradients of y = x Wᵀ + b: (dx, dW, db)."""
    g2, x2 = g.reshape(-1, g.shape[-1]), x.reshape(-1, x.shape[-1])
    return g @ w, g2.T @ x2, g2.sum(0)


def layer_norm(x, w, b, eps, broken=False):
    """y = (x - mean) / sqrt(var + eps) * w + b over the last axis (biased variance)."""
    mu = x.mean(-1, keepdims=True)
    centered = x - mu
    n = x.shape[-1] - (1 if broken else 0)  # the planted bug: an unbiased variance
    r = 1.0 / np.sqrt((centered * centered).sum(-1, keepdims=True) / n + eps)
    x_hat = centered * r
    return x_hat * w + b, (x_hat, r, w)


def layer_norm_backward(g, cache):
    """dx = r (ĝ - mean ĝ - x̂ mean(ĝ x̂)) with ĝ = g w; dw = Σ g x̂; db = Σ g."""
    x_hat, r, w = cache
    g_hat = g * w
    dx = r * (g_hat - g_hat.mean(-1, keepdims=True)
              - x_hat * (g_hat * x_hat).mean(-1, keepdims=True))
    rows = g.reshape(-1, g.shape[-1])
    return dx, (rows * x_hat.reshape(rows.shape)).sum(0), rows.sum(0)


def activation(kind, z):
    if kind == "relu":
        return np.maximum(z, 0.0)
    if kind == "gelu":
        return 0.5 * z * (1.0 + _erf(z / math.sqrt(2.0)))
    c, a = math.sqrt(2.0 / math.pi), 0.044715  # gelu_tanh
    return 0.5 * z * (1.0 + np.tanh(c * (z + a * z ** 3)))


def activation_slope(kind, z):
    if kind == "relu":
        return (z > 0).astype(z.dtype)  # 0 at exactly 0, as PyTorch
    if kind == "gelu":
        return 0.5 * (1.0 + _erf(z / math.sqrt(2.0))) + z * np.exp(-0.5 * z * z) / math.sqrt(
            2.0 * math.pi)
    c, a = math.sqrt(2.0 / math.pi), 0.044715
    t = np.tanh(c * (z + a * z ** 3))
    return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * c * (1.0 + 3.0 * a * z * z)


def split_heads(x, H):
    B, T, C = x.shape
    return x.reshape(B, T, H, C // H).transpose(0, 2, 1, 3)  # [B,H,T,D]


def merge_heads(x):
    B, H, T, D = x.shape
    return x.transpose(0, 2, 1, 3).reshape(B, T, H * D)  # [B,T,C]


# ---------------------------------------------------------------------- one block, forward ----
def block_forward(x, p, prefix, cfg, trace, broken):
    """One pre-LayerNorm block. Records its activations in `trace`; returns (y, cache)."""
    H, eps = cfg["n_heads"], cfg["layer_norm_eps"]
    P = lambda n: p[prefix + n]  # noqa: E731
    h, ln1 = layer_norm(x, P("ln1.weight"), P("ln1.bias"), eps)
    q = linear(h, P("attn.q_proj.weight"), P("attn.q_proj.bias"))
    k_lin = linear(h, P("attn.k_proj.weight"), P("attn.k_proj.bias"))
    v_lin = linear(h, P("attn.v_proj.weight"), P("attn.v_proj.bias"))
    l_k, l_v = p.get(prefix + "attn.l_k"), p.get(prefix + "attn.l_v")
    k = k_lin * l_k if l_k is not None else k_lin
    v = v_lin * l_v if l_v is not None else v_lin
    qh, kh, vh = split_heads(q, H), split_heads(k, H), split_heads(v, H)
    scores = qh @ kh.transpose(0, 1, 3, 2)  # [B,H,T,T], before scale and mask
    T = x.shape[1]
    scale = 1.0 / math.sqrt(q.shape[-1] // H)
    z = np.where(np.triu(np.ones((T, T), bool), 1), -np.inf, scale * scores)
    z = z - z.max(-1, keepdims=True)
    probs = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    context = merge_heads(probs @ vh)  # [B,T,C]
    attn_out = linear(context, P("attn.out_proj.weight"), P("attn.out_proj.bias"))
    resid_mid = x + attn_out
    h2, ln2 = layer_norm(resid_mid, P("ln2.weight"), P("ln2.bias"), eps, broken == "forward")
    up = linear(h2, P("ffn.up.weight"), P("ffn.up.bias"))
    l_ff = p.get(prefix + "ffn.l_ff")
    act = activation(cfg["activation"], up)
    hidden = act * l_ff if l_ff is not None else act
    ffn_out = linear(hidden, P("ffn.down.weight"), P("ffn.down.bias"))
    y = resid_mid + ffn_out
    for name, t in [("ln1.out", h), ("attn.q", q), ("attn.k", k), ("attn.v", v),
                    ("attn.scores", scores), ("attn.probs", probs), ("attn.context", context),
                    ("attn.out", attn_out), ("resid_mid", resid_mid), ("ln2.out", h2),
                    ("ffn.hidden", hidden), ("ffn.out", ffn_out), ("out", y)]:
        trace[prefix + name] = t
    cache = dict(x=x, h=h, ln1=ln1, k_lin=k_lin, v_lin=v_lin, qh=qh, kh=kh, vh=vh, probs=probs,
                 scale=scale, context=context, h2=h2, ln2=ln2, up=up, act=act, hidden=hidden)
    return y, cache


# --------------------------------------------------------------------- one block, backward ----
def attention_backward(d_context, c, p, prefix, grads, broken):
    """From ∂L/∂context to ∂L/∂h (the ln1 output), through softmax and the projections."""
    P = lambda n: p[prefix + n]  # noqa: E731
    H = c["qh"].shape[1]
    d_ctx = split_heads(d_context, H)  # [B,H,T,D]
    d_probs = d_ctx @ c["vh"].transpose(0, 1, 3, 2)
    d_vh = c["probs"].transpose(0, 1, 3, 2) @ d_ctx
    probs = c["probs"]
    if broken == "backward":  # the planted bug: the softmax Jacobian without its -p pᵀ part
        d_z = probs * d_probs
    else:
        d_z = probs * (d_probs - (d_probs * probs).sum(-1, keepdims=True))
    d_scores = c["scale"] * d_z  # masked entries have p = 0, so they get 0
    d_qh = d_scores @ c["kh"]
    d_kh = d_scores.transpose(0, 1, 3, 2) @ c["qh"]
    d_q, d_k, d_v = merge_heads(d_qh), merge_heads(d_kh), merge_heads(d_vh)
    grads.update({prefix + "attn.scores": d_scores, prefix + "attn.probs": d_probs,
                  prefix + "attn.q": d_q, prefix + "attn.k": d_k, prefix + "attn.v": d_v})
    d_h = np.zeros_like(c["h"])
    for proj, d_out, lin in (("q", d_q, None), ("k", d_k, c["k_lin"]), ("v", d_v, c["v_lin"])):
        vec = p.get(prefix + f"attn.l_{proj}")
        if vec is not None:
            grads[prefix + f"attn.l_{proj}"] = (d_out * lin).reshape(-1, d_out.shape[-1]).sum(0)
            d_out = d_out * vec
        dx, dw, db = linear_backward(d_out, c["h"], P(f"attn.{proj}_proj.weight"))
        d_h += dx
        grads[prefix + f"attn.{proj}_proj.weight"] = dw
        grads[prefix + f"attn.{proj}_proj.bias"] = db
    return d_h


def block_backward(dy, c, p, prefix, cfg, grads, broken):
    """From ∂L/∂(block output) to ∂L/∂(block input); parameter gradients go into `grads`."""
    P = lambda n: p[prefix + n]  # noqa: E731
    grads[prefix + "out"] = dy
    grads[prefix + "ffn.out"] = dy
    d_hidden, grads[prefix + "ffn.down.weight"], grads[prefix + "ffn.down.bias"] = \
        linear_backward(dy, c["hidden"], P("ffn.down.weight"))
    grads[prefix + "ffn.hidden"] = d_hidden
    l_ff = p.get(prefix + "ffn.l_ff")
    if l_ff is not None:
        grads[prefix + "ffn.l_ff"] = (d_hidden * c["act"]).reshape(-1, l_ff.size).sum(0)
        d_hidden = d_hidden * l_ff
    d_up = d_hidden * activation_slope(cfg["activation"], c["up"])
    d_h2, grads[prefix + "ffn.up.weight"], grads[prefix + "ffn.up.bias"] = \
        linear_backward(d_up, c["h2"], P("ffn.up.weight"))
    grads[prefix + "ln2.out"] = d_h2
    d_mid, grads[prefix + "ln2.weight"], grads[prefix + "ln2.bias"] = \
        layer_norm_backward(d_h2, c["ln2"])
    d_mid = d_mid + dy  # the residual branch
    grads[prefix + "resid_mid"] = d_mid
    grads[prefix + "attn.out"] = d_mid
    d_context, grads[prefix + "attn.out_proj.weight"], grads[prefix + "attn.out_proj.bias"] = \
        linear_backward(d_mid, c["context"], P("attn.out_proj.weight"))
    grads[prefix + "attn.context"] = d_context
    d_h = attention_backward(d_context, c, p, prefix, grads, broken)
    grads[prefix + "ln1.out"] = d_h
    d_x, grads[prefix + "ln1.weight"], grads[prefix + "ln1.bias"] = \
        layer_norm_backward(d_h, c["ln1"])
    return d_x + d_mid  # the residual branch


# --------------------------------------------------------------------------- the model ----
def model_trace(cfg, p, ids, targets, broken=None):
    """Forward and backward of the whole model; returns ({name: tensor}, forward order)."""
    B, T = ids.shape
    trace, grads, caches = {}, {}, []
    trace["tok_emb.out"] = p["tok_emb.weight"][ids]
    trace["pos_emb.out"] = p["pos_emb.weight"][:T]
    x = trace["embeddings"] = trace["tok_emb.out"] + trace["pos_emb.out"]
    for i in range(cfg["n_layers"]):
        x, cache = block_forward(x, p, f"blocks.{i}.", cfg, trace, broken)
        caches.append(cache)
    normed, ln_f = layer_norm(x, p["ln_f.weight"], p["ln_f.bias"], cfg["layer_norm_eps"])
    trace["ln_f.out"] = normed
    logits = trace["logits"] = linear(normed, p["head.weight"], p["head.bias"])
    # cross-entropy, mean over the positions whose target is not -100
    z = logits - logits.max(-1, keepdims=True)
    log_probs = z - np.log(np.exp(z).sum(-1, keepdims=True))
    counted = targets != -100
    picked = np.take_along_axis(log_probs, np.where(counted, targets, 0)[..., None], -1)[..., 0]
    trace["loss"] = np.array(-(picked * counted).sum() / counted.sum())

    grads["loss"] = np.array(1.0)
    d_logits = np.exp(log_probs)
    np.put_along_axis(d_logits, np.where(counted, targets, 0)[..., None],
                      np.take_along_axis(d_logits, np.where(counted, targets, 0)[..., None], -1)
                      - 1.0, -1)
    d_logits = d_logits * counted[..., None] / counted.sum()
    grads["logits"] = d_logits
    d_normed, grads["head.weight"], grads["head.bias"] = \
        linear_backward(d_logits, normed, p["head.weight"])
    grads["ln_f.out"] = d_normed
    dx, grads["ln_f.weight"], grads["ln_f.bias"] = layer_norm_backward(d_normed, ln_f)
    for i in reversed(range(cfg["n_layers"])):
        dx = block_backward(dx, caches[i], p, f"blocks.{i}.", cfg, grads, broken)
    grads["embeddings"] = grads["tok_emb.out"] = dx
    grads["pos_emb.out"] = dx.sum(0)
    d_tok = np.zeros_like(p["tok_emb.weight"])
    np.add.at(d_tok, ids, dx)
    d_pos = np.zeros_like(p["pos_emb.weight"])
    d_pos[:T] = dx.sum(0)
    grads["tok_emb.weight"], grads["pos_emb.weight"] = d_tok, d_pos

    out = dict(trace)
    out.update({"grad." + n: g for n, g in grads.items()})
    return out, list(trace)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="model directory (config.json, "
                        "model.safetensors), as for `knob grads`")
    parser.add_argument("--batch", required=True, help="safetensors with input_ids, targets")
    parser.add_argument("--out", required=True, help="where to write the trace")
    parser.add_argument("--broken", choices=["forward", "backward"],
                        help="plant a bug (see the description)")
    args = parser.parse_args()
    with open(os.path.join(args.model, "config.json")) as f:
        cfg = json.load(f)
    params, _ = knob_safetensors.read(os.path.join(args.model, "model.safetensors"))
    params = {n: t.astype(np.float64) for n, t in params.items()}
    batch, _ = knob_safetensors.read(args.batch)
    tensors, order = model_trace(cfg, params, batch["input_ids"], batch["targets"], args.broken)
    knob_safetensors.write(args.out, tensors, {"trace_order": ",".join(order),
                                               "parameter_order": ",".join(params)})
    print(f"loss {float(tensors['loss']):.10g}; wrote {len(tensors)} tensors to {args.out}")


if __name__ == "__main__":
    main()
