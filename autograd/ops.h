/// @file
/// @brief Every differentiable op of knob, with its forward and backward formulas.
///
/// Each op is defined in autograd/ops/ with its backward rule written right under its forward
/// computation. Binary ops broadcast like NumPy; the gradient flowing back to a broadcast input is
/// summed over the broadcast axes (`sum_to`). All inputs of one op must share a dtype.
/// Notation: \f$ g = \partial L / \partial y \f$ is the gradient arriving at the output y.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "autograd/tape.h"
#include "autograd/tensor.h"

namespace knob {

// ---------------------------------------------------------------- elementwise, two tensors ----

/// @brief \f$ y = a + b \f$ (broadcast). Backward: \f$ \bar a = \mathrm{sum\_to}(g), \bar b =
/// \mathrm{sum\_to}(g) \f$.
/// @param a the left operand (f32 or f64). @param b the right operand, same dtype; the two
/// shapes broadcast.
/// @return a new tensor of the broadcast shape.
Tensor add(const Tensor& a, const Tensor& b);
/// @brief \f$ y = a - b \f$ (broadcast). Backward: \f$ \bar a = g, \bar b = -g \f$ (summed to
/// shape).
/// @param a the left operand (f32 or f64). @param b the right operand, same dtype; the two
/// shapes broadcast.
/// @return a new tensor of the broadcast shape.
Tensor sub(const Tensor& a, const Tensor& b);
/// @brief \f$ y = a \odot b \f$ (broadcast). Backward: \f$ \bar a = g \odot b, \bar b = g \odot a
/// \f$.
/// @param a the left operand (f32 or f64). @param b the right operand, same dtype; the two
/// shapes broadcast.
/// @return a new tensor of the broadcast shape.
Tensor mul(const Tensor& a, const Tensor& b);
/// @brief \f$ y = a / b \f$ (broadcast). Backward: \f$ \bar a = g / b, \bar b = -g\,a / b^2 \f$.
/// @param a the left operand (f32 or f64). @param b the right operand, same dtype; the two
/// shapes broadcast.
/// @return a new tensor of the broadcast shape.
Tensor div(const Tensor& a, const Tensor& b);

// ---------------------------------------------------------------- with a scalar ----

/// @brief \f$ y = x + s \f$. Backward: \f$ \bar x = g \f$.
/// @param x the input (f32 or f64). @param s the constant. @return y, same shape and dtype.
Tensor add_scalar(const Tensor& x, double s);
/// @brief \f$ y = s\,x \f$. Backward: \f$ \bar x = s\,g \f$.
/// @param x the input (f32 or f64). @param s the constant. @return y, same shape and dtype.
Tensor mul_scalar(const Tensor& x, double s);
/// @brief \f$ y = x^p \f$ for a constant p. Backward: \f$ \bar x = g\,p\,x^{p-1} \f$.
/// @param x the input (f32 or f64). @param p the exponent (not differentiated).
/// @return y, same shape and dtype.
Tensor pow(const Tensor& x, double p);

// ---------------------------------------------------------------- elementwise, one tensor ----

/// @brief \f$ y = -x \f$. Backward: \f$ \bar x = -g \f$.
/// @param x the input (f32 or f64). @return y, same shape and dtype.
Tensor neg(const Tensor& x);
/// @brief \f$ y = e^x \f$. Backward: \f$ \bar x = g\,y \f$.
/// @param x the input (f32 or f64). @return y, same shape and dtype.
Tensor exp(const Tensor& x);
/// @brief \f$ y = \ln x \f$. Backward: \f$ \bar x = g / x \f$.
/// @param x the input (f32 or f64). @return y, same shape and dtype.
Tensor log(const Tensor& x);
/// @brief \f$ y = \sqrt x \f$. Backward: \f$ \bar x = g / (2y) \f$.
/// @param x the input (f32 or f64). @return y, same shape and dtype.
Tensor sqrt(const Tensor& x);
/// @brief \f$ y = \tanh x \f$. Backward: \f$ \bar x = g\,(1 - y^2) \f$.
/// @param x the input (f32 or f64). @return y, same shape and dtype.
Tensor tanh(const Tensor& x);
/// @brief \f$ y = \sigma(x) = 1/(1+e^{-x}) \f$. Backward: \f$ \bar x = g\,y\,(1-y) \f$.
/// @param x the input (f32 or f64). @return y, same shape and dtype.
Tensor sigmoid(const Tensor& x);
/// @brief \f$ y = \max(x, 0) \f$. Backward: \f$ \bar x = g\,[x > 0] \f$ (0 at the kink).
/// @param x the input (f32 or f64). @return y, same shape and dtype.
Tensor relu(const Tensor& x);
/// @brief \f$ y = \mathrm{erf}(x) \f$. Backward: \f$ \bar x = g\,\tfrac{2}{\sqrt\pi} e^{-x^2} \f$.
/// @param x the input (f32 or f64). @return y, same shape and dtype.
Tensor erf(const Tensor& x);
/// @brief Exact GELU, \f$ y = x\,\Phi(x) = \tfrac12 x (1 + \mathrm{erf}(x/\sqrt2)) \f$.
/// Backward: \f$ \bar x = g\,(\Phi(x) + x\,\varphi(x)) \f$, \f$ \varphi(x) = e^{-x^2/2}/\sqrt{2\pi}
/// \f$.
/// @param x the input (f32 or f64). @return y, same shape and dtype.
Tensor gelu(const Tensor& x);
/// @brief Tanh-approximated GELU, \f$ y = \tfrac12 x (1 + \tanh u) \f$,
/// \f$ u = \sqrt{2/\pi}(x + 0.044715 x^3) \f$.
/// Backward: \f$ \bar x = g\,[\tfrac12(1+\tanh u) + \tfrac12 x (1-\tanh^2 u)\sqrt{2/\pi}(1 + 3\cdot
/// 0.044715 x^2)] \f$.
/// @param x the input (f32 or f64). @return y, same shape and dtype.
Tensor gelu_tanh(const Tensor& x);

// ---------------------------------------------------------------- reductions ----

/// @brief Sum over `axes` (all axes when empty); reduced axes are kept with extent 1 if `keepdim`.
/// Backward: \f$ \bar x = \mathrm{expand}(g) \f$ (every summed element gets g).
/// @param x the input (f32 or f64). @param axes axes to reduce, negative counting from the end.
/// @param keepdim keep each reduced axis with extent 1.
/// @return the sums.
/// @throws ValueError for an axis out of range or listed twice.
Tensor sum(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
/// @brief Mean over `axes` (all when empty). Backward: \f$ \bar x = \mathrm{expand}(g) / n \f$,
/// n the number of elements averaged.
/// @param x the input (f32 or f64). @param axes axes to reduce, negative counting from the end.
/// @param keepdim keep each reduced axis with extent 1.
/// @return the means.
/// @throws ValueError for an axis out of range or listed twice.
Tensor mean(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
/// @brief Maximum over `axes` (all when empty). Backward: g goes to the first maximal element of
/// each reduced group (as torch.max(dim)), 0 elsewhere.
/// @param x the input (f32 or f64). @param axes axes to reduce, negative counting from the end.
/// @param keepdim keep each reduced axis with extent 1.
/// @return the maxima.
/// @throws ValueError for an axis out of range or listed twice, or one of extent 0.
Tensor max(const Tensor& x, const Axes& axes = {}, bool keepdim = false);
/// @brief Sum `x` down to `shape` (the inverse of broadcasting: sum the broadcast axes).
/// Backward: \f$ \bar x = \mathrm{expand}(g, x.\mathrm{shape}) \f$.
/// @param x the input. @param shape the target; it must broadcast to x's shape.
/// @return a tensor of `shape`.
/// @throws ShapeError when `shape` does not broadcast to x's shape.
Tensor sum_to(const Tensor& x, const Shape& shape);
/// @brief Broadcast `x` to `shape` (copying). Backward: \f$ \bar x = \mathrm{sum\_to}(g,
/// x.\mathrm{shape}) \f$.
/// @param x the input. @param shape the target; x's shape must broadcast to it.
/// @return a new tensor of `shape`.
/// @throws ShapeError when x cannot be broadcast to `shape`.
Tensor expand(const Tensor& x, const Shape& shape);

// ---------------------------------------------------------------- linear algebra ----

/// @brief Matrix product over the last two axes; leading (batch) axes broadcast.
///
/// a: [..., M, K], b: [..., K, N] → [..., M, N].
/// Backward: \f$ \bar a = g\, b^\top \f$, \f$ \bar b = a^\top g \f$, each summed over broadcast
/// batch axes. @throws ShapeError, e.g. `matmul: [2,3] @ [4,5]: inner dimensions 3 and 4 differ`.
/// @param a [..., M, K]. @param b [..., K, N], same dtype.
/// @return [..., M, N], the batch axes broadcast.
Tensor matmul(const Tensor& a, const Tensor& b);

/// @brief \f$ y = a\,b^\top \f$ without copying a transpose: a [..., M, K], b [..., N, K] →
/// [..., M, N] (a Linear layer's `x Wᵀ`, attention's `q kᵀ`).
/// Backward: \f$ \bar a = g\,b \f$, \f$ \bar b = g^\top a \f$.
/// @param a [..., M, K]. @param b [..., N, K], same dtype.
/// @return [..., M, N], the batch axes broadcast.
/// @throws ShapeError when the K axes differ or the batch axes do not broadcast.
Tensor matmul_nt(const Tensor& a, const Tensor& b);
/// @brief \f$ y = a^\top b \f$ without copying a transpose: a [..., K, M], b [..., K, N] →
/// [..., M, N] (a weight gradient, \f$ g^\top x \f$).
/// Backward: \f$ \bar a = b\,g^\top \f$, \f$ \bar b = a\,g \f$.
/// @param a [..., K, M]. @param b [..., K, N], same dtype.
/// @return [..., M, N], the batch axes broadcast.
/// @throws ShapeError when the K axes differ or the batch axes do not broadcast.
Tensor matmul_tn(const Tensor& a, const Tensor& b);

// ---------------------------------------------------------------- shape ops ----

/// @brief Same data, new shape (one extent may be -1); never copies.
/// Backward: \f$ \bar x = \mathrm{reshape}(g, x.\mathrm{shape}) \f$.
/// @param x the input. @param shape the new extents (at most one -1, inferred).
/// @return a tensor over the same Storage.
/// @throws ShapeError when the element counts differ; ValueError for two -1 or a negative extent.
Tensor reshape(const Tensor& x, const Shape& shape);
/// @brief Reorder axes: y.shape[i] = x.shape[perm[i]]. Backward: permute g by the inverse perm.
/// @param x the input. @param perm a permutation of the axes 0..dim-1.
/// @return a new (copied) tensor.
/// @throws ValueError when `perm` is not a permutation of x's axes.
Tensor permute(const Tensor& x, const Axes& perm);
/// @brief Swap two axes (a permute). Backward: swap them back.
/// @param x the input. @param axis0 one axis.
/// @param axis1 the other (negative axes count from the end).
/// @return a new (copied) tensor.
Tensor transpose(const Tensor& x, std::int64_t axis0, std::int64_t axis1);
/// @brief Elements [start, start+length) along `axis` (torch.narrow).
/// Backward: g placed into zeros of x's shape at the same range (`slice_backward`).
/// @param x the input. @param axis the axis to cut. @param start the first index kept.
/// @param length how many indices are kept.
/// @return a new (copied) tensor with extent `length` along `axis`.
/// @throws ValueError when the range does not fit in the axis.
Tensor slice(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t length);
/// @brief Zeros of extent `full_length` along `axis` with `g` written at [start, start+len).
/// The adjoint of slice. Backward: \f$ \bar g = \mathrm{slice}(\bar y, axis, start, len) \f$.
/// @param g the slice's gradient. @param axis the sliced axis. @param start where it starts.
/// @param full_length the extent of the result along `axis`.
/// @return a new tensor, zero outside the range.
/// @throws ValueError when the range does not fit in `full_length`.
Tensor slice_backward(const Tensor& g, std::int64_t axis, std::int64_t start,
                      std::int64_t full_length);
/// @brief Join tensors along `axis` (other extents must match).
/// Backward: each input gets its slice of g.
/// @param xs the tensors (at least one), all of one dtype. @param axis the axis to join along.
/// @return a new tensor whose extent along `axis` is the sum of the inputs'.
/// @throws ValueError for an empty list; ShapeError when the other extents differ.
Tensor concat(const TensorList& xs, std::int64_t axis);
/// @brief \f$ y = \mathrm{mask} \ne 0\ ?\ value : x \f$; mask broadcasts to x, any dtype.
/// Backward: \f$ \bar x = \mathrm{masked\_fill}(g, \mathrm{mask}, 0) \f$; mask gets none.
/// @param x the input (f32 or f64). @param mask where to write (nonzero = write); any dtype.
/// @param value the value written (may be -inf).
/// @return a new tensor of x's shape.
/// @throws ShapeError when the mask does not broadcast to x.
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);

// ---------------------------------------------------------------- neural-network ops ----

/// @brief Numerically stable softmax along `axis`:
/// \f$ y_j = e^{x_j - m} / \sum_k e^{x_k - m} \f$, \f$ m = \max_k x_k \f$.
/// Backward: \f$ \bar x = y \odot (g - \textstyle\sum_k g_k y_k) \f$.
/// @param x the input (f32 or f64, at least one axis). @param axis the axis to normalise.
/// @return y, same shape and dtype.
Tensor softmax(const Tensor& x, std::int64_t axis = -1);
/// @brief \f$ y_j = x_j - m - \ln \sum_k e^{x_k - m} \f$ along `axis`.
/// Backward: \f$ \bar x = g - e^{y} \textstyle\sum_k g_k \f$.
/// @param x the input (f32 or f64, at least one axis). @param axis the axis to normalise.
/// @return y, same shape and dtype.
Tensor log_softmax(const Tensor& x, std::int64_t axis = -1);
/// @brief Gather rows of `weight` [V, C] by integer `ids` (i64, any shape S) → [S..., C].
/// Backward: \f$ \bar W = \mathrm{embedding\_backward}(g, ids, V) \f$ (rows scatter-added).
/// @throws ValueError naming the first id outside [0, V).
/// @param weight [V, C] (f32 or f64). @param ids i64 of any shape S.
/// @return [S..., C].
Tensor embedding(const Tensor& weight, const Tensor& ids);
/// @brief The adjoint of embedding: \f$ \bar W_{v} = \sum_{s: ids_s = v} g_s \f$, shape [V, C].
/// Backward: \f$ \bar g = \mathrm{embedding}(\bar W', ids) \f$.
/// @param g [S..., C], the gradient of an embedding's output. @param ids the i64 ids [S...].
/// @param num_rows V, the number of rows of the result.
/// @return [V, C].
/// @throws ShapeError when g does not match ids; ValueError for an id outside [0, V).
Tensor embedding_backward(const Tensor& g, const Tensor& ids, std::int64_t num_rows);

// ---------------------------------------------------------------- fused ops ----
//
// Each fused op computes what a short composition of the ops above computes, in one pass over
// memory instead of several, and records one tape node instead of several. Forward and backward
// work row by row on the active kernel table, so a row stays in L1 while every step touches it.
// The backward rules run those row kernels on a normal backward pass; under create_graph they
// are written with differentiable ops instead (the same formulas), so second derivatives work.
// tests/autograd/test_fused_ops.cpp checks each one against its unfused composition.

/// @brief knob's non-linearities, the one list for every place that chooses one: the plain ops
/// relu(), gelu() and gelu_tanh() (apply_activation() picks one), the epilogue of
/// bias_activation() (a Linear layer's fused forward), and a FeedForward's config (nn, where
/// identity is not allowed: parse_activation() reads the config's names).
enum class Activation {
  identity,   ///< \f$ f(z) = z \f$
  relu,       ///< \f$ f(z) = \max(z, 0) \f$ (relu())
  gelu,       ///< \f$ f(z) = z\,\Phi(z) \f$ (gelu())
  gelu_tanh,  ///< the tanh approximation of GELU (gelu_tanh())
};

/// @brief f(x) by the plain elementwise op: x itself, relu(), gelu() or gelu_tanh(). This is
/// the unfused form of what bias_activation() applies.
/// @param activation f. @param x any floating tensor.
/// @return f(x), x's shape (x itself for identity).
Tensor apply_activation(Activation activation, const Tensor& x);

/// @brief The epilogue of a linear layer: \f$ y = f(x + b) \odot s \f$ over the last axis.
///
/// Replaces `mul(act(add(x, bias)), scale)`: the bias of Linear, its activation in a
/// feed-forward layer and IA³'s scaling vector (l_k, l_v or l_ff) in one pass.
/// Backward, with \f$ z = x + b \f$: \f$ \bar z = (g \odot s) \odot f'(z) \f$,
/// \f$ \bar x = \bar z \f$, \f$ \bar b = \sum_{rows} \bar z \f$,
/// \f$ \bar s = \sum_{rows} g \odot f(z) \f$.
/// @param x the input [..., N] (f32 or f64), typically a matrix product.
/// @param bias [N] of x's dtype, or an undefined Tensor for none.
/// @param activation f.
/// @param scale [N] of x's dtype, or [B, 1, ..., 1, N] for an input [B, ..., N] (one vector per
///        batch row: several IA³ adapters in one batch), or an undefined Tensor for none.
/// @return y, x's shape and dtype.
/// @throws ShapeError when bias is not [N] or scale has neither layout; DTypeError for mixed
///         dtypes.
Tensor bias_activation(const Tensor& x, const Tensor& bias, Activation activation,
                       const Tensor& scale = Tensor());

/// @brief Layer normalisation over the last axis:
/// \f$ y = \hat x \odot w + b \f$, \f$ \hat x = (x - \mu)\,r \f$, \f$ \mu = \tfrac1C \sum_j
/// x_j \f$, \f$ r = 1/\sqrt{\tfrac1C \sum_j (x_j - \mu)^2 + \varepsilon} \f$ (biased variance).
///
/// Replaces the composition in nn::LayerNorm's documentation (mean, sub, mul, mean, add_scalar,
/// pow, mul, mul, add). Backward, with \f$ \hat g = g \odot w \f$:
/// \f$ \bar x = r\,(\hat g - \overline{\hat g} - \hat x\,\overline{\hat g \odot \hat x}) \f$
/// (bars over a product: its mean over the row), \f$ \bar w = \sum_{rows} g \odot \hat x \f$,
/// \f$ \bar b = \sum_{rows} g \f$.
/// @param x the input [..., C] (f32 or f64). @param weight [C]. @param bias [C].
/// @param eps \f$ \varepsilon > 0 \f$.
/// @return y, x's shape and dtype.
/// @throws ShapeError when weight or bias is not [C]; ValueError for eps <= 0.
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps);

/// @brief Attention's probabilities from raw scores [..., T, S]:
/// \f$ y = \mathrm{softmax}(\alpha x + M) \f$ over the last axis, where M is \f$ -\infty \f$
/// above the diagonal (key s > query t) when `causal` and 0 elsewhere.
///
/// Replaces `softmax(masked_fill(mul_scalar(x, alpha), causal_mask, -inf))`; masked entries are
/// never exponentiated and come out exactly 0. Backward:
/// \f$ \bar x = \alpha\, y \odot (g - \textstyle\sum_k g_k y_k) \f$ (0 where masked).
/// @param scores [..., T, S] (f32 or f64, at least two axes). @param scale \f$ \alpha \f$.
/// @param causal apply the causal mask (needs T == S).
/// @return y, the scores' shape and dtype.
/// @throws ShapeError for fewer than two axes, or T != S with causal.
Tensor attention_softmax(const Tensor& scores, double scale, bool causal);

// ---------------------------------------------------------------- losses ----

/// @brief The one check of class-id targets every loss over token ids makes (cross_entropy, the
/// T-Few losses, Transformer::loss before its forward pass): i64, and every entry either
/// `ignore_index` or in [0, num_classes).
/// @param targets the targets (any shape). @param num_classes V.
/// @param ignore_index the value that is not scored. @param op the caller, for the message.
/// @return how many targets are scored (not ignore_index).
/// @throws ValueError when targets are undefined or an entry is out of range (naming its
///         position, `targets[1,0] = 70`, and V); DTypeError when they are not i64.
std::int64_t check_class_targets(const Tensor& targets, std::int64_t num_classes,
                                 std::int64_t ignore_index, std::string_view op);

/// @brief Cross-entropy from logits [..., V] and integer targets [...] (i64).
///
/// \f$ L = \frac{1}{|P|} \sum_{p \in P} -\log \mathrm{softmax}(z_p)_{t_p} \f$ over the positions P
/// whose target is not `ignore_index` (fused log-softmax + NLL; NaN when P is empty, as PyTorch).
/// Backward: \f$ \bar z_p = g\,(\mathrm{softmax}(z_p) - \mathrm{onehot}(t_p)) / |P| \f$ for p in P,
/// 0 for ignored positions.
/// @param logits [..., V] (f32 or f64). @param targets [...] (i64), class ids in [0, V) or
///        `ignore_index`. @param ignore_index the target value that is not scored.
/// @return the mean loss, a scalar of the logits' dtype.
/// @throws DTypeError for targets that are not i64; ShapeError for mismatched shapes;
///         ValueError for a target outside [0, V).
Tensor cross_entropy(const Tensor& logits, const Tensor& targets, std::int64_t ignore_index = -100);
/// @brief Mean squared error \f$ L = \frac1n \sum_i (a_i - b_i)^2 \f$ (same shapes).
/// Backward: \f$ \bar a = 2g(a-b)/n, \bar b = -\bar a \f$.
/// @param a the prediction (f32 or f64). @param b the target, same shape and dtype.
/// @return the mean, a scalar.
/// @throws ShapeError when the shapes differ.
Tensor mse(const Tensor& a, const Tensor& b);

// ---------------------------------------------------------------- T-Few losses ----
// The losses of T-Few (Liu et al. 2022, "Few-Shot Parameter-Efficient Fine-Tuning is Better
// and Cheaper than In-Context Learning"). A multiple-choice example with C answer choices is
// scored by running the model once per choice: logits [..., C, T, V] predict each choice's
// answer tokens, targets [..., C, T] hold those tokens (ignore_index pads shorter answers).

/// @brief Unlikelihood loss: push down the probability of tokens that must not be produced.
///
/// \f$ L = -\frac{1}{|P|} \sum_{p \in P} \log(1 - \mathrm{softmax}(z_p)_{y_p}) \f$ over the
/// positions P whose target is not `ignore_index`. No clamp: when \f$ p_y > 1/2 \f$ a term is
/// \f$ \log(1 - p_y) = \mathrm{lse}_{j \ne y}(z_j) - \mathrm{lse}_j(z_j) \f$ (lse = log-sum-exp),
/// which never forms \f$ 1 - p_y \f$ and stays finite however close \f$ p_y \f$ gets to 1;
/// otherwise it is \f$ \mathrm{log1p}(-p_y) \f$, accurate for tiny \f$ p_y \f$.
/// Backward: \f$ \bar z_p = g\,(\mathrm{softmax}(z_p) - r_p) / |P| \f$, where
/// \f$ r_p = \mathrm{softmax}(z_p \text{ with } z_{p y_p} = -\infty) \f$ is the distribution
/// over the other tokens; 0 for ignored positions.
/// @param logits [..., V] (f32 or f64, V ≥ 2).
/// @param wrong_targets [...] (i64): tokens of incorrect answers, ids in [0, V) or
///        `ignore_index`. @param ignore_index the target value that is not scored.
/// @return the mean loss, a scalar of the logits' dtype.
/// @throws DTypeError when the targets are not i64; ShapeError when their shape is not
///         logits' shape without the last axis; ValueError for V < 2, a target outside [0, V),
///         or when every position is ignored.
Tensor unlikelihood_loss(const Tensor& logits, const Tensor& wrong_targets,
                         std::int64_t ignore_index = -100);

/// @brief Length-normalised log-likelihood of each answer,
/// \f$ s = \frac{1}{|y|} \sum_{t: y_t \ne \mathrm{ignore}} \log \mathrm{softmax}(z_t)_{y_t} \f$
/// (|y| = the answer's counted tokens).
/// Composed of log_softmax, mul and sum, so its backward is theirs:
/// \f$ \bar z_t = \frac{g}{|y|}\,(\mathrm{onehot}(y_t) - \mathrm{softmax}(z_t)) \f$ on counted
/// tokens, 0 on ignored ones.
/// @param logits [..., T, V] (f32 or f64). @param targets [..., T] (i64), answer token ids in
///        [0, V) or `ignore_index` (padding). @param ignore_index the padding value.
/// @return scores [...], of the logits' dtype (e.g. [C] for logits [C, T, V]).
/// @throws DTypeError when the targets are not i64; ShapeError for mismatched shapes or
///         targets without a token axis; ValueError for a target outside [0, V) or an answer
///         whose tokens are all ignored.
Tensor choice_scores(const Tensor& logits, const Tensor& targets, std::int64_t ignore_index = -100);

/// @brief T-Few's length-normalised loss: softmax cross-entropy over the answers' scores,
/// \f$ L_{LN} = -\log \frac{e^{s_{c^*}}}{\sum_c e^{s_c}} \f$ with \f$ s \f$ = choice_scores,
/// averaged over the leading (example) axes.
/// Composed as `cross_entropy(choice_scores(...), correct)`:
/// \f$ \bar s_c = g\,(\mathrm{softmax}(s)_c - [c = c^*]) \f$, then through choice_scores.
/// @param logits [..., C, T, V] (f32 or f64). @param targets [..., C, T] (i64).
/// @param correct [...] (i64): the correct choice of each example, in [0, C).
/// @param ignore_index the padding value of `targets`.
/// @return the mean loss, a scalar of the logits' dtype.
/// @throws DTypeError, ShapeError or ValueError as choice_scores, and for `correct` not of
///         shape [...] or outside [0, C).
Tensor length_normalized_loss(const Tensor& logits, const Tensor& targets, const Tensor& correct,
                              std::int64_t ignore_index = -100);

/// @brief Rank classification: the index of the highest score along the last axis (ties go to
/// the first). Not differentiable.
/// @param scores [..., C] (f32 or f64), e.g. from choice_scores.
/// @return i64 [...], the chosen answer of each example.
/// @throws ShapeError for a scalar; ValueError for an empty choice axis or a NaN score.
Tensor best_choice(const Tensor& scores);

/// @brief The targets of the correct answers only (the \f$ L_{LM} \f$ targets): a copy in which
/// every token of every choice c ≠ correct is `ignore_index`. Not differentiable.
/// @param targets [..., C, T] (i64). @param correct [...] (i64 in [0, C)).
/// @param ignore_index the value written over the other choices.
/// @return i64 [..., C, T].
/// @throws DTypeError for non-i64 inputs; ShapeError when correct is not [...];
///         ValueError for a correct index outside [0, C).
Tensor correct_choice_targets(const Tensor& targets, const Tensor& correct,
                              std::int64_t ignore_index = -100);
/// @brief The targets of the wrong answers only (the \f$ L_{UL} \f$ targets): a copy in which
/// the tokens of the correct choice are `ignore_index`. Not differentiable.
/// @param targets [..., C, T] (i64). @param correct [...] (i64 in [0, C)).
/// @param ignore_index the value written over the correct choice.
/// @return i64 [..., C, T].
/// @throws DTypeError for non-i64 inputs; ShapeError when correct is not [...];
///         ValueError for a correct index outside [0, C).
Tensor wrong_choice_targets(const Tensor& targets, const Tensor& correct,
                            std::int64_t ignore_index = -100);

/// @brief The full T-Few objective \f$ L = L_{LM} + L_{UL} + L_{LN} \f$:
/// \f$ L_{LM} \f$ = cross_entropy on the correct answers' tokens, \f$ L_{UL} \f$ =
/// unlikelihood_loss on the wrong answers' tokens, \f$ L_{LN} \f$ = length_normalized_loss.
/// @param logits [..., C, T, V] (f32 or f64). @param targets [..., C, T] (i64), C ≥ 2.
/// @param correct [...] (i64 in [0, C)). @param ignore_index the padding value of `targets`.
/// @return the summed loss, a scalar of the logits' dtype.
/// @throws as the three parts; ValueError when C < 2 (no wrong answer to push down).
Tensor tfew_loss(const Tensor& logits, const Tensor& targets, const Tensor& correct,
                 std::int64_t ignore_index = -100);

// ---------------------------------------------------------------- operators ----

/// @brief a + b (see add()).
/// @param a left operand. @param b right operand. @return add(a, b).
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
/// @brief a - b (see sub()).
/// @param a left operand. @param b right operand. @return sub(a, b).
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
/// @brief a * b elementwise (see mul()).
/// @param a left operand. @param b right operand. @return mul(a, b).
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
/// @brief a / b elementwise (see div()).
/// @param a left operand. @param b right operand. @return div(a, b).
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
/// @brief -x (see neg()).
/// @param x the operand. @return neg(x).
inline Tensor operator-(const Tensor& x) { return neg(x); }
/// @brief x + s.
/// @param x the tensor. @param s the constant. @return add_scalar(x, s).
inline Tensor operator+(const Tensor& x, double s) { return add_scalar(x, s); }
/// @brief s + x.
/// @param s the constant. @param x the tensor. @return add_scalar(x, s).
inline Tensor operator+(double s, const Tensor& x) { return add_scalar(x, s); }
/// @brief x - s.
/// @param x the tensor. @param s the constant. @return add_scalar(x, -s).
inline Tensor operator-(const Tensor& x, double s) { return add_scalar(x, -s); }
/// @brief s - x.
/// @param s the constant. @param x the tensor. @return add_scalar(neg(x), s).
inline Tensor operator-(double s, const Tensor& x) { return add_scalar(neg(x), s); }
/// @brief x * s.
/// @param x the tensor. @param s the constant. @return mul_scalar(x, s).
inline Tensor operator*(const Tensor& x, double s) { return mul_scalar(x, s); }
/// @brief s * x.
/// @param s the constant. @param x the tensor. @return mul_scalar(x, s).
inline Tensor operator*(double s, const Tensor& x) { return mul_scalar(x, s); }
/// @brief x / s.
/// @param x the tensor. @param s the constant. @return mul_scalar(x, 1 / s).
inline Tensor operator/(const Tensor& x, double s) { return mul_scalar(x, 1.0 / s); }

}  // namespace knob
