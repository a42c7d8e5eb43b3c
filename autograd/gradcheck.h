/// @file
/// @brief Checking gradients against finite differences, in float64, with tolerances that come
/// from an estimate of the finite differences' own error.
///
/// The numeric derivative along a direction d is Richardson's extrapolation of two central
/// differences, \f$ D(h) = (f(x + h d) - f(x - h d)) / 2h \f$ at steps h and h/2:
/// \f$ N = (4 D(h/2) - D(h)) / 3 \f$. Since \f$ D(h) = f' + c h^2 + O(h^4) \f$, N cancels the
/// \f$ h^2 \f$ term. Its error has two parts, both estimated per element:
/// - truncation: \f$ |D(h) - D(h/2)| / 3 \f$ is the \f$ c h^2 / 4 \f$ left in D(h/2), an upper
///   estimate of what is left in N;
/// - rounding: f is computed to within \f$ \kappa u F \f$ (u the unit roundoff, F the largest
///   |f| seen, \f$ \kappa \f$ a growth factor for the operations inside f), which puts at most
///   \f$ 3 \kappa u F / h \f$ into N, plus \f$ \kappa u |a| \f$ of rounding in the analytic value
///   a.
///
/// An element passes when \f$ |a - N| \le \mathrm{safety} \cdot \mathrm{truncation} +
/// \mathrm{rounding} \f$. A check fails as undecidable when on some element the two steps
/// disagree by more than rounding explains and safety × truncation exceeds `max_uncertainty`
/// times the Jacobian's largest entry (a kink or a jump within the step), so the truncation
/// part of a passing check's tolerance never hides errors of that relative size; `resolution`
/// reports the whole tolerance's. docs/gradients.md derives the choice of h, safety and
/// \f$ \kappa \f$.
/// \code
/// Tensor x = randn({3, 4}, gen, DType::f64).requires_grad_();
/// GradcheckResult r = gradcheck([](const TensorList& in) { return tanh(in[0]); }, {x});
/// if (!r.passed) std::cerr << r.message << "\n";
/// \endcode
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "autograd/tape.h"

namespace knob {

/// @brief Settings of a gradient check.
struct GradcheckOptions {
  /// The step h (Richardson also uses h/2). A power of two, so x ± h is exact for |x| < 2^41.
  double eps = 0x1p-10;
  /// The tolerance is `safety` times the truncation estimate, plus the rounding bound.
  double safety = 4.0;
  /// \f$ \kappa \f$: f and the analytic gradient are taken to be accurate to κ units in the
  /// last place of their largest entry.
  double rounding_growth = 256.0;
  /// A check fails as undecidable when an element's truncation part of the tolerance exceeds
  /// this fraction of the Jacobian's largest entry (and rounding does not explain it).
  double max_uncertainty = 1e-4;
  /// gradgradcheck: the create_graph gradient must equal the plain backward pass's to within
  /// this fraction of the gradient's largest entry (both are analytic: only rounding differs).
  double path_tolerance = 1e-12;
  bool fast_mode = false;  ///< compare vᵀJu for random u, v instead of the full Jacobian
  std::uint64_t seed = 0;  ///< seeds u and v in fast mode (and v in gradgradcheck)
};

/// @brief Outcome of a gradient check.
struct GradcheckResult {
  bool passed = true;          ///< every compared element within tolerance, and decidable
  double max_abs_error = 0.0;  ///< max |analytic - numeric|
  /// max |a - n| / max(|a|, |n|) over elements larger than their tolerance (smaller ones are
  /// judged by the absolute error alone)
  double max_rel_error = 0.0;
  /// max |a - n| / tolerance over the compared elements: below 1 passes. Its inverse is the
  /// margin: how many times over the worst error would fit in its tolerance.
  double worst_ratio = 0.0;
  /// max tolerance / scale: the smallest error, relative to the largest Jacobian entry, that
  /// this check is sure to catch.
  double resolution = 0.0;
  double scale = 0.0;  ///< the largest |numeric| entry compared (the Jacobian's scale)
  /// gradgradcheck only: max |create_graph - plain| / max |plain| of the first derivative
  /// (0 when not checked).
  double path_difference = 0.0;
  std::int64_t compared = 0;  ///< number of Jacobian entries (or projections) compared
  std::string message;        ///< on failure: input, element, analytic vs numeric, tolerances
};

/// @brief A function of tensors to check: inputs → one output tensor (any shape).
using GradcheckFn = std::function<Tensor(const TensorList&)>;

/// @brief Check the gradients of `fn` with respect to every input that requires grad.
///
/// All inputs must be f64 (other inputs such as i64 ids are passed through untouched). Inputs
/// are perturbed in place during the check and restored afterwards.
/// @param fn the function; it must return an f64 tensor.
/// @param inputs its arguments; the ones with requires_grad() set are checked.
/// @param options step, tolerance model, and whether to compare random projections (fast mode).
/// @return whether every compared entry passed, the worst errors and margins, a message on
///         failure.
/// @throws DTypeError if a floating input, or the output, is not f64.
GradcheckResult gradcheck(const GradcheckFn& fn, const TensorList& inputs,
                          const GradcheckOptions& options = {});

/// @brief Check second derivatives of `fn`, in two steps, for a fixed random v:
/// 1. the values: \f$ \nabla_x (v \cdot f(x)) \f$ computed with create_graph (the backward
///    rules written with differentiable ops) must equal the plain backward pass's (for fused
///    ops, a different code path) to within `path_tolerance`;
/// 2. the derivative: gradcheck of \f$ x \mapsto \nabla_x (v \cdot f(x)) \f$ (create_graph).
/// @param fn the function; it must return an f64 tensor.
/// @param inputs its arguments; second derivatives are checked for those that require grad.
/// @param options as for gradcheck(); `seed` also seeds v.
/// @return the gradcheck() result of the first-derivative function, failed with a message if
///         step 1 failed; path_difference holds step 1's worst difference.
/// @throws DTypeError if a floating input, or the output, is not f64.
GradcheckResult gradgradcheck(const GradcheckFn& fn, const TensorList& inputs,
                              const GradcheckOptions& options = {});

}  // namespace knob
