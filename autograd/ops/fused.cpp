/// @file
/// @brief Fused ops: bias_activation, layer_norm, attention_softmax. Each does in one pass, row
/// by row, what a composition of simpler ops does in several; the formulas are in ops.h.
///
/// Every op has two backward paths with the same formulas:
/// - a normal backward pass (grad mode off inside the rule) runs row kernels: one pass over g,
///   every intermediate in a few scratch rows that stay in L1;
/// - under create_graph (grad mode on inside the rule) the formulas are written with
///   differentiable ops, so the gradient can itself be differentiated.
/// gradcheck exercises the first path and gradgradcheck the second.

#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "autograd/ops.h"
#include "autograd/ops/checks.h"
#include "autograd/ops/derivatives.h"

namespace knob {

namespace {

// A [rows, cols] view of a tensor whose last axis has `cols` elements.
struct Rows {
  std::size_t rows;
  std::size_t cols;
};

Rows rows_of(const Tensor& x) {
  const std::int64_t cols = x.size(-1);
  return {static_cast<std::size_t>(cols == 0 ? 0 : x.numel() / cols),
          static_cast<std::size_t>(cols)};
}

// A per-feature vector (bias, scale, LayerNorm weight) must be [C] of x's dtype.
void check_feature_vector(const Tensor& v, const Tensor& x, std::string_view op,
                          std::string_view what) {
  detail::check_same_dtype(x, v, op);
  if (v.shape() != Shape{x.size(-1)}) {
    throw ShapeError(fmt::format("{}: {} {} must be [{}] for the input {}", op, what,
                                 shape_str(v.shape()), x.size(-1), shape_str(x.shape())));
  }
}

// bias_activation's scale: [N] (one vector for every row), or [B, 1, ..., 1, N] for an input
// [B, ..., N] (one vector per batch row: several adapters in one batch). Returns how many vectors.
std::size_t scale_vectors(const Tensor& scale, const Tensor& x) {
  detail::check_same_dtype(x, scale, "bias_activation");
  if (scale.shape() == Shape{x.size(-1)}) return 1;
  bool batched = scale.dim() == x.dim() && x.dim() >= 2 && scale.size(0) == x.size(0) &&
                 scale.size(-1) == x.size(-1);
  for (std::int64_t axis = 1; batched && axis + 1 < x.dim(); ++axis) {
    batched = scale.size(axis) == 1;
  }
  if (!batched) {
    Shape per_row(static_cast<std::size_t>(x.dim()), 1);
    per_row.front() = x.size(0);
    per_row.back() = x.size(-1);
    throw ShapeError(fmt::format(
        "bias_activation: scale {} must be [{}] or one vector per batch row {} for the input {}",
        shape_str(scale.shape()), x.size(-1), shape_str(per_row), shape_str(x.shape())));
  }
  return static_cast<std::size_t>(x.size(0));
}

bool wants_grad(const Tensor& t) { return t.defined() && t.requires_grad(); }

// ------------------------------------------------------------------ activation row kernels ----

// out = f(z) over one row (out may be z).
template <class T>
void activate_row(const kernels::KernelTable<T>& k, Activation f, const T* z, T* out,
                  std::size_t n) {
  switch (f) {
    case Activation::identity:
      if (out != z) std::copy(z, z + n, out);
      return;
    case Activation::relu:
      return k.relu(z, out, n);
    case Activation::gelu:
      return k.gelu_erf(z, out, n);
    case Activation::gelu_tanh:
      return k.gelu_tanh(z, out, n);
  }
}

// out = f'(z) over one row, using `tmp` (n elements) as scratch. The same formulas as
// detail::*_derivative, made of the table's vector kernels.
template <class T>
void activation_slope_row(const kernels::KernelTable<T>& k, Activation f, const T* z, T* out,
                          T* tmp, std::size_t n) {
  switch (f) {
    case Activation::identity:
      std::fill(out, out + n, T(1));
      return;
    case Activation::relu:
      for (std::size_t j = 0; j < n; ++j) out[j] = z[j] > T(0) ? T(1) : T(0);
      return;
    case Activation::gelu: {
      // f'(z) = Φ(z) + z φ(z) = ½(1 + erf(z/√2)) + z e^{-z²/2}/√(2π)
      k.mul_scalar(z, static_cast<T>(1.0 / std::numbers::sqrt2), out, n);
      k.erf(out, out, n);
      k.mul_scalar(out, T(0.5), out, n);
      k.add_scalar(out, T(0.5), out, n);  // out = Φ(z)
      k.mul(z, z, tmp, n);
      k.mul_scalar(tmp, T(-0.5), tmp, n);
      k.exp(tmp, tmp, n);
      k.mul(tmp, z, tmp, n);
      k.mul_scalar(tmp, static_cast<T>(1.0 / std::sqrt(2.0 * std::numbers::pi)), tmp, n);
      k.add(out, tmp, out, n);  // out = Φ(z) + z φ(z)
      return;
    }
    case Activation::gelu_tanh: {
      // f'(z) = ½(1 + tanh u) + ½ z (1 - tanh² u) c (1 + 3a z²), u = c (z + a z³)
      const T c = static_cast<T>(std::sqrt(2.0 / std::numbers::pi));
      const T a = T(0.044715);
      k.mul(z, z, tmp, n);                                                          // tmp = z²
      for (std::size_t j = 0; j < n; ++j) out[j] = c * (z[j] + a * tmp[j] * z[j]);  // u
      k.tanh(out, out, n);                                                          // tanh u
      for (std::size_t j = 0; j < n; ++j) {
        const T t = out[j];
        const T du_dz = c * (T(1) + T(3) * a * tmp[j]);
        out[j] = T(0.5) * (T(1) + t) + T(0.5) * z[j] * (T(1) - t * t) * du_dz;
      }
      return;
    }
  }
}

// The differentiable form of f' (used under create_graph).
Tensor activation_slope(Activation f, const Tensor& z) {
  switch (f) {
    case Activation::identity:
      return ones(z.shape(), z.dtype());
    case Activation::relu:
      return detail::relu_derivative(z);
    case Activation::gelu:
      return detail::gelu_derivative(z);
    case Activation::gelu_tanh:
      return detail::gelu_tanh_derivative(z);
  }
  return z;
}

// ------------------------------------------------------------------ bias_activation kernels ----

// y = f(x + b) ⊙ s, row by row. x, y: [rows, cols]; b: [cols] or null; s: null, or one [cols]
// vector for each group of rows_per_scale consecutive rows.
template <class T>
void bias_activation_forward(const T* x, const T* b, Activation f, const T* s,
                             std::size_t rows_per_scale, T* y, Rows shape) {
  const kernels::KernelTable<T>& k = kernels::active<T>();
  for (std::size_t r = 0; r < shape.rows; ++r) {
    const T* x_row = x + r * shape.cols;
    T* y_row = y + r * shape.cols;
    if (b != nullptr) {
      k.add(x_row, b, y_row, shape.cols);  // z = x + b
    } else {
      std::copy(x_row, x_row + shape.cols, y_row);
    }
    activate_row(k, f, y_row, y_row, shape.cols);  // f(z)
    if (s != nullptr) {
      k.mul(y_row, s + r / rows_per_scale * shape.cols, y_row, shape.cols);  // ⊙ s
    }
  }
}

// The gradients of y = f(x + b) ⊙ s for those of dx, db, ds that are non-null. db and ds are
// laid out as b and s and must start at zero (they accumulate over rows).
template <class T>
void bias_activation_backward(const T* g, const T* x, const T* b, Activation f, const T* s,
                              std::size_t rows_per_scale, T* dx, T* db, T* ds, Rows shape) {
  const kernels::KernelTable<T>& k = kernels::active<T>();
  const std::size_t n = shape.cols;
  Tensor scratch = empty({static_cast<std::int64_t>(4 * n)}, dtype_of<T>());  // pooled, no malloc
  T* z = scratch.data<T>();                                                   // x + b
  T* slope = z + n;                                                           // f'(z)
  T* z_bar_scratch = slope + n;  // (g ⊙ s) ⊙ f'(z) when x̄ is not wanted
  T* tmp = z_bar_scratch + n;    // scratch for the slope, then f(z)
  for (std::size_t r = 0; r < shape.rows; ++r) {
    T* z_bar = dx != nullptr ? dx + r * n : z_bar_scratch;  // x̄ = z̄, written in place
    const T* g_row = g + r * n;
    const T* x_row = x + r * n;
    const std::size_t scale_offset = s != nullptr ? r / rows_per_scale * n : 0;
    if (b != nullptr) {
      k.add(x_row, b, z, n);
    } else {
      std::copy(x_row, x_row + n, z);
    }
    if (ds != nullptr) {  // s̄ += g ⊙ f(z)
      activate_row(k, f, z, tmp, n);
      k.mul(g_row, tmp, tmp, n);
      k.add(ds + scale_offset, tmp, ds + scale_offset, n);
    }
    if (dx == nullptr && db == nullptr) continue;
    if (s != nullptr) {
      k.mul(g_row, s + scale_offset, z_bar, n);
    } else {
      std::copy(g_row, g_row + n, z_bar);
    }
    if (f != Activation::identity) {
      activation_slope_row(k, f, z, slope, tmp, n);
      k.mul(z_bar, slope, z_bar, n);
    }
    if (db != nullptr) k.add(db, z_bar, db, n);
  }
}

}  // namespace

// ============================================================================ bias_activation ====

Tensor apply_activation(Activation activation, const Tensor& x) {
  switch (activation) {
    case Activation::identity:
      return x;
    case Activation::relu:
      return relu(x);
    case Activation::gelu:
      return gelu(x);
    case Activation::gelu_tanh:
      return gelu_tanh(x);
  }
  return x;
}

Tensor bias_activation(const Tensor& x, const Tensor& bias, Activation activation,
                       const Tensor& scale) {
  constexpr std::string_view op = "bias_activation";
  detail::check_floating(x, op);
  if (x.dim() == 0) throw ShapeError("bias_activation: needs at least one axis, got a scalar");
  if (bias.defined()) check_feature_vector(bias, x, op, "bias");
  const Rows shape = rows_of(x);
  const std::size_t rows_per_scale = scale.defined() ? shape.rows / scale_vectors(scale, x) : 1;

  // Forward: y = f(x + b) ⊙ s, one pass.
  Tensor y = empty(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), op, [&]<class T>() {
    bias_activation_forward<T>(x.data<T>(), bias.defined() ? bias.data<T>() : nullptr, activation,
                               scale.defined() ? scale.data<T>() : nullptr,
                               std::max<std::size_t>(rows_per_scale, 1), y.data<T>(), shape);
  });

  return record(
      op.data(), y, {x, bias, scale},
      [x, bias, scale, activation, rows_per_scale, shape](const Tensor& g) {
        if (grad_enabled()) {  // create_graph: the same formulas, differentiable
          Tensor z = bias.defined() ? add(x, bias) : x;
          Tensor g_scaled = scale.defined() ? mul(g, scale) : g;
          Tensor z_bar = activation == Activation::identity
                             ? g_scaled
                             : mul(g_scaled, activation_slope(activation, z));
          return TensorList{z_bar, bias.defined() ? sum_to(z_bar, bias.shape()) : Tensor(),
                            scale.defined()
                                ? sum_to(mul(g, apply_activation(activation, z)), scale.shape())
                                : Tensor()};
        }
        // Nothing to compute for x̄ in the plainest case: x̄ = g.
        const bool plain = !scale.defined() && activation == Activation::identity;
        Tensor dx = wants_grad(x) && !plain ? empty(x.shape(), x.dtype()) : Tensor();
        Tensor db = wants_grad(bias) ? zeros(bias.shape(), bias.dtype()) : Tensor();
        Tensor ds = wants_grad(scale) ? zeros(scale.shape(), scale.dtype()) : Tensor();
        dispatch_floating(x.dtype(), "bias_activation", [&]<class T>() {
          auto ptr = [](const Tensor& t) { return t.defined() ? t.data<T>() : nullptr; };
          auto mut = [](Tensor& t) { return t.defined() ? t.data<T>() : nullptr; };
          bias_activation_backward<T>(g.data<T>(), x.data<T>(), ptr(bias), activation, ptr(scale),
                                      std::max<std::size_t>(rows_per_scale, 1), mut(dx), mut(db),
                                      mut(ds), shape);
        });
        if (plain && wants_grad(x)) dx = g;
        return TensorList{dx, db, ds};
      });
}

// ================================================================================= layer_norm ====

namespace {

// y = (x - μ) r ⊙ w + b row by row; mean[r] = μ, inv_std[r] = r = 1/√(σ² + ε).
template <class T>
void layer_norm_forward(const T* x, const T* w, const T* b, double eps, T* y, T* mean, T* inv_std,
                        Rows shape) {
  const kernels::KernelTable<T>& k = kernels::active<T>();
  const std::size_t n = shape.cols;
  const T inv_n = static_cast<T>(1.0 / static_cast<double>(n));
  for (std::size_t r = 0; r < shape.rows; ++r) {
    const T* x_row = x + r * n;
    T* y_row = y + r * n;
    const T mu = k.sum(x_row, n) * inv_n;          // μ
    k.add_scalar(x_row, -mu, y_row, n);            // x - μ
    const T var = k.dot(y_row, y_row, n) * inv_n;  // σ² (two passes: no cancellation)
    const T rstd = static_cast<T>(1.0 / std::sqrt(static_cast<double>(var) + eps));
    k.mul_scalar(y_row, rstd, y_row, n);  // x̂
    k.mul(y_row, w, y_row, n);            // x̂ ⊙ w
    k.add(y_row, b, y_row, n);            // + b
    mean[r] = mu;
    inv_std[r] = rstd;
  }
}

// x̄ = r (ĝ - mean(ĝ) - x̂ mean(ĝ ⊙ x̂)) with ĝ = g ⊙ w; w̄ += g ⊙ x̂; b̄ += g (non-null ones).
template <class T>
void layer_norm_backward(const T* g, const T* x, const T* w, const T* mean, const T* inv_std, T* dx,
                         T* dw, T* db, Rows shape) {
  const kernels::KernelTable<T>& k = kernels::active<T>();
  const std::size_t n = shape.cols;
  const T inv_n = static_cast<T>(1.0 / static_cast<double>(n));
  Tensor scratch = empty({static_cast<std::int64_t>(3 * n)}, dtype_of<T>());  // pooled, no malloc
  T* x_hat = scratch.data<T>();
  T* g_hat = x_hat + n;
  T* tmp = g_hat + n;
  for (std::size_t r = 0; r < shape.rows; ++r) {
    const T* g_row = g + r * n;
    k.add_scalar(x + r * n, -mean[r], x_hat, n);
    k.mul_scalar(x_hat, inv_std[r], x_hat, n);  // x̂
    if (dw != nullptr) {
      k.mul(g_row, x_hat, tmp, n);
      k.add(dw, tmp, dw, n);
    }
    if (db != nullptr) k.add(db, g_row, db, n);
    if (dx == nullptr) continue;
    k.mul(g_row, w, g_hat, n);                         // ĝ
    const T mean_g = k.sum(g_hat, n) * inv_n;          // mean(ĝ)
    const T mean_gx = k.dot(g_hat, x_hat, n) * inv_n;  // mean(ĝ ⊙ x̂)
    T* dx_row = dx + r * n;
    k.mul_scalar(x_hat, -mean_gx, dx_row, n);     // -x̂ mean(ĝ ⊙ x̂)
    k.add(dx_row, g_hat, dx_row, n);              // + ĝ
    k.add_scalar(dx_row, -mean_g, dx_row, n);     // - mean(ĝ)
    k.mul_scalar(dx_row, inv_std[r], dx_row, n);  // · r
  }
}

}  // namespace

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps) {
  constexpr std::string_view op = "layer_norm";
  detail::check_floating(x, op);
  if (x.dim() == 0) throw ShapeError("layer_norm: needs at least one axis, got a scalar");
  check_feature_vector(weight, x, op, "weight");
  check_feature_vector(bias, x, op, "bias");
  if (!(eps > 0.0) || !std::isfinite(eps)) {
    throw ValueError(fmt::format("layer_norm: eps must be a positive number, got {}", eps));
  }
  const Rows shape = rows_of(x);
  const std::int64_t rows = static_cast<std::int64_t>(shape.rows);

  // Forward, one pass per row; μ and r are kept for the backward pass ([rows] each).
  Tensor y = empty(x.shape(), x.dtype());
  Tensor mean = empty({rows}, x.dtype());
  Tensor inv_std = empty({rows}, x.dtype());
  dispatch_floating(x.dtype(), op, [&]<class T>() {
    layer_norm_forward<T>(x.data<T>(), weight.data<T>(), bias.data<T>(), eps, y.data<T>(),
                          mean.data<T>(), inv_std.data<T>(), shape);
  });

  return record(
      op.data(), y, {x, weight, bias},
      [x, weight, bias, eps, mean, inv_std, shape](const Tensor& g) {
        if (grad_enabled()) {  // create_graph: the same formulas, differentiable
          Tensor centered = sub(x, knob::mean(x, {-1}, true));
          Tensor var = knob::mean(mul(centered, centered), {-1}, true);
          Tensor r = pow(add_scalar(var, eps), -0.5);
          Tensor x_hat = mul(centered, r);
          Tensor g_hat = mul(g, weight);
          Tensor dx = mul(r, sub(sub(g_hat, knob::mean(g_hat, {-1}, true)),
                                 mul(x_hat, knob::mean(mul(g_hat, x_hat), {-1}, true))));
          return TensorList{dx, sum_to(mul(g, x_hat), weight.shape()), sum_to(g, bias.shape())};
        }
        Tensor dx = wants_grad(x) ? empty(x.shape(), x.dtype()) : Tensor();
        Tensor dw = wants_grad(weight) ? zeros(weight.shape(), x.dtype()) : Tensor();
        Tensor db = wants_grad(bias) ? zeros(bias.shape(), x.dtype()) : Tensor();
        dispatch_floating(x.dtype(), "layer_norm", [&]<class T>() {
          auto mut = [](Tensor& t) { return t.defined() ? t.data<T>() : nullptr; };
          layer_norm_backward<T>(g.data<T>(), x.data<T>(), weight.data<T>(), mean.data<T>(),
                                 inv_std.data<T>(), mut(dx), mut(dw), mut(db), shape);
        });
        return TensorList{dx, dw, db};
      });
}

// ========================================================================== attention_softmax ====

namespace {

// y = softmax(α x (+ causal mask)) row by row; query t of row r is r mod T. Masked entries are
// written as 0 and never exponentiated.
template <class T>
void attention_softmax_forward(const T* x, T alpha, bool causal, std::size_t queries, T* y,
                               Rows shape) {
  const kernels::KernelTable<T>& k = kernels::active<T>();
  const std::size_t n = shape.cols;
  for (std::size_t r = 0; r < shape.rows; ++r) {
    const std::size_t visible = causal ? r % queries + 1 : n;  // keys s <= t
    T* y_row = y + r * n;
    k.mul_scalar(x + r * n, alpha, y_row, visible);
    k.softmax_rows(y_row, y_row, 1, visible);
    std::fill(y_row + visible, y_row + n, T(0));
  }
}

// x̄ = α y ⊙ (g - Σ_k g_k y_k), row by row (0 where y is 0, i.e. masked).
template <class T>
void attention_softmax_backward(const T* g, const T* y, T alpha, T* dx, Rows shape) {
  const kernels::KernelTable<T>& k = kernels::active<T>();
  const std::size_t n = shape.cols;
  for (std::size_t r = 0; r < shape.rows; ++r) {
    const T* g_row = g + r * n;
    const T* y_row = y + r * n;
    T* dx_row = dx + r * n;
    const T g_dot_y = k.dot(g_row, y_row, n);
    k.add_scalar(g_row, -g_dot_y, dx_row, n);  // g - Σ g y
    k.mul(dx_row, y_row, dx_row, n);           // ⊙ y
    k.mul_scalar(dx_row, alpha, dx_row, n);    // · α
  }
}

}  // namespace

Tensor attention_softmax(const Tensor& scores, double scale, bool causal) {
  constexpr std::string_view op = "attention_softmax";
  detail::check_floating(scores, op);
  if (scores.dim() < 2) {
    throw ShapeError(fmt::format("attention_softmax: scores {} need at least two axes [..., T, S]",
                                 shape_str(scores.shape())));
  }
  if (causal && scores.size(-1) != scores.size(-2)) {
    throw ShapeError(
        fmt::format("attention_softmax: the causal mask needs square scores [..., T, T], got {}",
                    shape_str(scores.shape())));
  }
  const Rows shape = rows_of(scores);
  const auto queries = static_cast<std::size_t>(scores.size(-2));

  Tensor y = empty(scores.shape(), scores.dtype());
  dispatch_floating(scores.dtype(), op, [&]<class T>() {
    attention_softmax_forward<T>(scores.data<T>(), static_cast<T>(scale), causal, queries,
                                 y.data<T>(), shape);
  });

  return record(
      op.data(), y, {scores}, [ys = SavedTensor::output(y), scale, shape](const Tensor& g) {
        Tensor y = ys.get();
        if (grad_enabled()) {  // create_graph: the same formula, differentiable
          return TensorList{mul_scalar(mul(y, sub(g, sum(mul(g, y), {-1}, true))), scale)};
        }
        Tensor dx = empty(y.shape(), y.dtype());
        dispatch_floating(y.dtype(), "attention_softmax", [&]<class T>() {
          attention_softmax_backward<T>(g.data<T>(), y.data<T>(), static_cast<T>(scale),
                                        dx.data<T>(), shape);
        });
        return TensorList{dx};
      });
}

}  // namespace knob
