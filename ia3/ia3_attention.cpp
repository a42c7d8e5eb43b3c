#include "ia3/ia3_attention.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "autograd/ops.h"
#include "autograd/tape.h"
#include "ia3/model_map.h"

namespace knob::ia3 {

Tensor broadcastable_scale(const Tensor& l, std::int64_t batch, std::int64_t width,
                           const std::string& what) {
  if (l.defined() && l.dim() == 1 && l.size(0) == width) return l;  // [N]
  if (l.defined() && l.dim() == 2 && l.size(0) == batch && l.size(1) == width) {
    return reshape(l, {batch, 1, width});  // [B, N] → [B, 1, N]
  }
  throw ShapeError(fmt::format("{}: must be [{}] or [{}, {}], got {}", what, width, batch, width,
                               l.defined() ? shape_str(l.shape()) : "(undefined)"));
}

IA3Attention::IA3Attention(std::int64_t d_model, std::int64_t n_heads, Generator& gen, DType dtype)
    : d_model_(d_model), n_heads_(n_heads) {
  if (d_model <= 0 || n_heads <= 0 || d_model % n_heads != 0) {
    throw ValueError(fmt::format(
        "IA3Attention: need d_model > 0 and n_heads > 0 dividing it, got d_model={}, n_heads={}",
        d_model, n_heads));
  }
  q_proj_ = register_module("q_proj", std::make_shared<nn::Linear>(d_model, d_model, gen, dtype));
  k_proj_ = register_module("k_proj", std::make_shared<nn::Linear>(d_model, d_model, gen, dtype));
  v_proj_ = register_module("v_proj", std::make_shared<nn::Linear>(d_model, d_model, gen, dtype));
  out_proj_ =
      register_module("out_proj", std::make_shared<nn::Linear>(d_model, d_model, gen, dtype));
  requires_grad(false);  // W_Q, W_K, W_V, W_O and their biases are frozen ...
  l_k_ = register_parameter("l_k", ones({d_model}, dtype));  // ... only l_k and l_v train
  l_v_ = register_parameter("l_v", ones({d_model}, dtype));
}

std::shared_ptr<IA3Attention> IA3Attention::from_attention(const nn::MultiHeadAttention& base) {
  Generator unused(0);  // the fresh values are overwritten just below
  auto layer = std::make_shared<IA3Attention>(base.d_model(), base.n_heads(), unused,
                                              base.q_proj().weight().dtype());
  NoGradGuard no_grad;
  nn::NamedTensors state = base.named_parameters();
  if (!ia3::has_vectors(base)) {
    state.emplace_back("l_k", ones({base.d_model()}, base.q_proj().weight().dtype()));
    state.emplace_back("l_v", ones({base.d_model()}, base.q_proj().weight().dtype()));
  }
  layer->load_state_dict(state);
  return layer;
}

std::string IA3Attention::extra_repr() const {
  return fmt::format("d_model={}, n_heads={}", d_model_, n_heads_);
}

Tensor IA3Attention::forward(const Tensor& x) const { return forward_with(x, l_k_, l_v_); }

Tensor IA3Attention::forward_with(const Tensor& x, const Tensor& l_k, const Tensor& l_v) const {
  if (!x.defined() || x.dim() != 3 || x.size(2) != d_model_) {
    throw ShapeError(fmt::format("IA3Attention(d_model={}): input must be [B, T, {}], got {}",
                                 d_model_, d_model_,
                                 x.defined() ? shape_str(x.shape()) : "(undefined)"));
  }
  const std::int64_t B = x.size(0), T = x.size(1), C = d_model_, H = n_heads_, D = C / H;
  const Tensor scale_k = broadcastable_scale(l_k, B, C, "IA3Attention: l_k");  // [C] | [B,1,C]
  const Tensor scale_v = broadcastable_scale(l_v, B, C, "IA3Attention: l_v");  // [C] | [B,1,C]

  // Q, K, V: the frozen projections.
  Tensor Q = q_proj_->forward(x);  // Q = X W_Qᵀ + b_Q: [B,T,C]
  Tensor K = k_proj_->forward(x);  // K = X W_Kᵀ + b_K: [B,T,C]
  Tensor V = v_proj_->forward(x);  // V = X W_Vᵀ + b_V: [B,T,C]

  // IA³: rescale keys and values, feature by feature.
  Tensor K_scaled = mul(K, scale_k);  // K ⊙ l_k: [B,T,C]
  Tensor V_scaled = mul(V, scale_v);  // V ⊙ l_v: [B,T,C]

  // Heads: [B,T,C] → [B,T,H,D] → [B,H,T,D].
  Tensor q = permute(reshape(Q, {B, T, H, D}), {0, 2, 1, 3});
  Tensor k = permute(reshape(K_scaled, {B, T, H, D}), {0, 2, 1, 3});
  Tensor v = permute(reshape(V_scaled, {B, T, H, D}), {0, 2, 1, 3});

  // softmax(Q (K ⊙ l_k)ᵀ / √D + M).
  const double inv_sqrt_d = 1.0 / std::sqrt(static_cast<double>(D));
  Tensor scores = mul_scalar(matmul_nt(q, k), inv_sqrt_d);  // q kᵀ / √D: [B,H,T,T]
  scores = masked_fill(scores, causal_mask(T), -std::numeric_limits<double>::infinity());
  Tensor weights = softmax(scores, -1);  // [B,H,T,T]

  // · (V ⊙ l_v), heads merged back, output projection.
  Tensor heads = matmul(weights, v);                                 // [B,H,T,D]
  Tensor merged = reshape(permute(heads, {0, 2, 1, 3}), {B, T, C});  // [B,T,C]
  return out_proj_->forward(merged);                                 // Y = · W_Oᵀ + b_O
}

}  // namespace knob::ia3
