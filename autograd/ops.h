/// @file
/// @brief Every differentiable op of knob, with its forward and backward formulas.
///
/// Each op is defined in autograd/ops/ with its backward rule written right under its forward
/// computation. Binary ops broadcast like NumPy; the gradient flowing back to a broadcast input is
/// summed over the broadcast axes (`sum_to`). All inputs of one op must share a dtype.
/// Notation: \f$ g = \partial L / \partial y \f$ is the gradient arriving at the output y.
#pragma once

#include <cstdint>
#include <vector>

#include "autograd/tape.h"
#include "autograd/tensor.h"

namespace knob {

// ---------------------------------------------------------------- elementwise, two tensors ----

/// @brief \f$ y = a + b \f$ (broadcast). Backward: \f$ \bar a = \mathrm{sum\_to}(g), \bar b =
/// \mathrm{sum\_to}(g) \f$.
Tensor add(const Tensor& a, const Tensor& b);
/// @brief \f$ y = a - b \f$ (broadcast). Backward: \f$ \bar a = g, \bar b = -g \f$ (summed to shape).
Tensor sub(const Tensor& a, const Tensor& b);
/// @brief \f$ y = a \odot b \f$ (broadcast). Backward: \f$ \bar a = g \odot b, \bar b = g \odot a \f$.
Tensor mul(const Tensor& a, const Tensor& b);
/// @brief \f$ y = a / b \f$ (broadcast). Backward: \f$ \bar a = g / b, \bar b = -g\,a / b^2 \f$.
Tensor div(const Tensor& a, const Tensor& b);

// ---------------------------------------------------------------- with a scalar ----

/// @brief \f$ y = x + s \f$. Backward: \f$ \bar x = g \f$.
Tensor add_scalar(const Tensor& x, double s);
/// @brief \f$ y = s\,x \f$. Backward: \f$ \bar x = s\,g \f$.
Tensor mul_scalar(const Tensor& x, double s);
/// @brief \f$ y = x^p \f$ for a constant p. Backward: \f$ \bar x = g\,p\,x^{p-1} \f$.
Tensor pow(const Tensor& x, double p);

// ---------------------------------------------------------------- elementwise, one tensor ----

/// @brief \f$ y = -x \f$. Backward: \f$ \bar x = -g \f$.
Tensor neg(const Tensor& x);
/// @brief \f$ y = e^x \f$. Backward: \f$ \bar x = g\,y \f$.
Tensor exp(const Tensor& x);
/// @brief \f$ y = \ln x \f$. Backward: \f$ \bar x = g / x \f$.
Tensor log(const Tensor& x);
/// @brief \f$ y = \sqrt x \f$. Backward: \f$ \bar x = g / (2y) \f$.
Tensor sqrt(const Tensor& x);
/// @brief \f$ y = \tanh x \f$. Backward: \f$ \bar x = g\,(1 - y^2) \f$.
Tensor tanh(const Tensor& x);
/// @brief \f$ y = \sigma(x) = 1/(1+e^{-x}) \f$. Backward: \f$ \bar x = g\,y\,(1-y) \f$.
Tensor sigmoid(const Tensor& x);
/// @brief \f$ y = \max(x, 0) \f$. Backward: \f$ \bar x = g\,[x > 0] \f$ (0 at the kink).
Tensor relu(const Tensor& x);
/// @brief \f$ y = \mathrm{erf}(x) \f$. Backward: \f$ \bar x = g\,\tfrac{2}{\sqrt\pi} e^{-x^2} \f$.
Tensor erf(const Tensor& x);
/// @brief Exact GELU, \f$ y = x\,\Phi(x) = \tfrac12 x (1 + \mathrm{erf}(x/\sqrt2)) \f$.
/// Backward: \f$ \bar x = g\,(\Phi(x) + x\,\varphi(x)) \f$, \f$ \varphi(x) = e^{-x^2/2}/\sqrt{2\pi} \f$.
Tensor gelu(const Tensor& x);
/// @brief Tanh-approximated GELU, \f$ y = \tfrac12 x (1 + \tanh u) \f$,
/// \f$ u = \sqrt{2/\pi}(x + 0.044715 x^3) \f$.
/// Backward: \f$ \bar x = g\,[\tfrac12(1+\tanh u) + \tfrac12 x (1-\tanh^2 u)\sqrt{2/\pi}(1 + 3\cdot
/// 0.044715 x^2)] \f$.
Tensor gelu_tanh(const Tensor& x);

// ---------------------------------------------------------------- reductions ----

/// @brief Sum over `axes` (all axes when empty); reduced axes are kept with extent 1 if `keepdim`.
/// Backward: \f$ \bar x = \mathrm{expand}(g) \f$ (every summed element gets g).
Tensor sum(const Tensor& x, const std::vector<std::int64_t>& axes = {}, bool keepdim = false);
/// @brief Mean over `axes` (all when empty). Backward: \f$ \bar x = \mathrm{expand}(g) / n \f$,
/// n the number of elements averaged.
Tensor mean(const Tensor& x, const std::vector<std::int64_t>& axes = {}, bool keepdim = false);
/// @brief Maximum over `axes` (all when empty). Backward: g goes to the first maximal element of
/// each reduced group (as torch.max(dim)), 0 elsewhere.
Tensor max(const Tensor& x, const std::vector<std::int64_t>& axes = {}, bool keepdim = false);
/// @brief Sum `x` down to `shape` (the inverse of broadcasting: sum the broadcast axes).
/// Backward: \f$ \bar x = \mathrm{expand}(g, x.\mathrm{shape}) \f$.
Tensor sum_to(const Tensor& x, const Shape& shape);
/// @brief Broadcast `x` to `shape` (copying). Backward: \f$ \bar x = \mathrm{sum\_to}(g, x.\mathrm{shape}) \f$.
Tensor expand(const Tensor& x, const Shape& shape);

// ---------------------------------------------------------------- linear algebra ----

/// @brief Matrix product over the last two axes; leading (batch) axes broadcast.
///
/// a: [..., M, K], b: [..., K, N] → [..., M, N].
/// Backward: \f$ \bar a = g\, b^\top \f$, \f$ \bar b = a^\top g \f$, each summed over broadcast
/// batch axes. @throws ShapeError, e.g. `matmul: [2,3] @ [4,5]: inner dimensions 3 and 4 differ`.
Tensor matmul(const Tensor& a, const Tensor& b);

/// @brief \f$ y = a\,b^\top \f$ without copying a transpose: a [..., M, K], b [..., N, K] →
/// [..., M, N] (a Linear layer's `x Wᵀ`, attention's `q kᵀ`).
/// Backward: \f$ \bar a = g\,b \f$, \f$ \bar b = g^\top a \f$.
Tensor matmul_nt(const Tensor& a, const Tensor& b);
/// @brief \f$ y = a^\top b \f$ without copying a transpose: a [..., K, M], b [..., K, N] →
/// [..., M, N] (a weight gradient, \f$ g^\top x \f$).
/// Backward: \f$ \bar a = b\,g^\top \f$, \f$ \bar b = a\,g \f$.
Tensor matmul_tn(const Tensor& a, const Tensor& b);

// ---------------------------------------------------------------- shape ops ----

/// @brief Same data, new shape (one extent may be -1); never copies.
/// Backward: \f$ \bar x = \mathrm{reshape}(g, x.\mathrm{shape}) \f$.
Tensor reshape(const Tensor& x, const Shape& shape);
/// @brief Reorder axes: y.shape[i] = x.shape[perm[i]]. Backward: permute g by the inverse perm.
Tensor permute(const Tensor& x, const std::vector<std::int64_t>& perm);
/// @brief Swap two axes (a permute). Backward: swap them back.
Tensor transpose(const Tensor& x, std::int64_t axis0, std::int64_t axis1);
/// @brief Elements [start, start+length) along `axis` (torch.narrow).
/// Backward: g placed into zeros of x's shape at the same range (`slice_backward`).
Tensor slice(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t length);
/// @brief Zeros of extent `full_length` along `axis` with `g` written at [start, start+len).
/// The adjoint of slice. Backward: \f$ \bar g = \mathrm{slice}(\bar y, axis, start, len) \f$.
Tensor slice_backward(const Tensor& g, std::int64_t axis, std::int64_t start,
                      std::int64_t full_length);
/// @brief Join tensors along `axis` (other extents must match).
/// Backward: each input gets its slice of g.
Tensor concat(const TensorList& xs, std::int64_t axis);
/// @brief \f$ y = \mathrm{mask} \ne 0\ ?\ value : x \f$; mask broadcasts to x, any dtype.
/// Backward: \f$ \bar x = \mathrm{masked\_fill}(g, \mathrm{mask}, 0) \f$; mask gets none.
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);

// ---------------------------------------------------------------- neural-network ops ----

/// @brief Numerically stable softmax along `axis`:
/// \f$ y_j = e^{x_j - m} / \sum_k e^{x_k - m} \f$, \f$ m = \max_k x_k \f$.
/// Backward: \f$ \bar x = y \odot (g - \textstyle\sum_k g_k y_k) \f$.
Tensor softmax(const Tensor& x, std::int64_t axis = -1);
/// @brief \f$ y_j = x_j - m - \ln \sum_k e^{x_k - m} \f$ along `axis`.
/// Backward: \f$ \bar x = g - e^{y} \textstyle\sum_k g_k \f$.
Tensor log_softmax(const Tensor& x, std::int64_t axis = -1);
/// @brief Gather rows of `weight` [V, C] by integer `ids` (i64, any shape S) → [S..., C].
/// Backward: \f$ \bar W = \mathrm{embedding\_backward}(g, ids, V) \f$ (rows scatter-added).
/// @throws ValueError naming the first id outside [0, V).
Tensor embedding(const Tensor& weight, const Tensor& ids);
/// @brief The adjoint of embedding: \f$ \bar W_{v} = \sum_{s: ids_s = v} g_s \f$, shape [V, C].
/// Backward: \f$ \bar g = \mathrm{embedding}(\bar W', ids) \f$.
Tensor embedding_backward(const Tensor& g, const Tensor& ids, std::int64_t num_rows);

// ---------------------------------------------------------------- losses ----

/// @brief Cross-entropy from logits [..., V] and integer targets [...] (i64).
///
/// \f$ L = \frac{1}{|P|} \sum_{p \in P} -\log \mathrm{softmax}(z_p)_{t_p} \f$ over the positions P
/// whose target is not `ignore_index` (fused log-softmax + NLL; NaN when P is empty, as PyTorch).
/// Backward: \f$ \bar z_p = g\,(\mathrm{softmax}(z_p) - \mathrm{onehot}(t_p)) / |P| \f$ for p in P,
/// 0 for ignored positions.
Tensor cross_entropy(const Tensor& logits, const Tensor& targets,
                     std::int64_t ignore_index = -100);
/// @brief Mean squared error \f$ L = \frac1n \sum_i (a_i - b_i)^2 \f$ (same shapes).
/// Backward: \f$ \bar a = 2g(a-b)/n, \bar b = -\bar a \f$.
Tensor mse(const Tensor& a, const Tensor& b);

// ---------------------------------------------------------------- operators ----

/// @brief a + b (see add()).
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
/// @brief a - b (see sub()).
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
/// @brief a * b elementwise (see mul()).
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
/// @brief a / b elementwise (see div()).
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
/// @brief -x (see neg()).
inline Tensor operator-(const Tensor& x) { return neg(x); }
/// @brief x + s.
inline Tensor operator+(const Tensor& x, double s) { return add_scalar(x, s); }
/// @brief s + x.
inline Tensor operator+(double s, const Tensor& x) { return add_scalar(x, s); }
/// @brief x - s.
inline Tensor operator-(const Tensor& x, double s) { return add_scalar(x, -s); }
/// @brief s - x.
inline Tensor operator-(double s, const Tensor& x) { return add_scalar(neg(x), s); }
/// @brief x * s.
inline Tensor operator*(const Tensor& x, double s) { return mul_scalar(x, s); }
/// @brief s * x.
inline Tensor operator*(double s, const Tensor& x) { return mul_scalar(x, s); }
/// @brief x / s.
inline Tensor operator/(const Tensor& x, double s) { return mul_scalar(x, 1.0 / s); }

}  // namespace knob
