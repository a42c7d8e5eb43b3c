/// @file
/// @brief Checking gradients against finite differences, in float64.
///
/// The analytic Jacobian (from backward passes) is compared with the numeric one from central
/// differences, \f$ \partial f / \partial x_e \approx (f(x + \epsilon e) - f(x - \epsilon e)) /
/// 2\epsilon \f$. An element passes when \f$ |a - n| \le atol + rtol\,|n| \f$.
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

/// @brief Settings of a gradient check (PyTorch's defaults for float64).
struct GradcheckOptions {
  double eps = 1e-6;       ///< finite-difference step
  double atol = 1e-5;      ///< absolute tolerance
  double rtol = 1e-3;      ///< relative tolerance
  bool fast_mode = false;  ///< compare vᵀJu for random u, v instead of the full Jacobian
  std::uint64_t seed = 0;  ///< seeds u and v in fast mode (and v in gradgradcheck)
};

/// @brief Outcome of a gradient check.
struct GradcheckResult {
  bool passed = true;          ///< every compared element within tolerance
  double max_abs_error = 0.0;  ///< max |analytic - numeric|
  /// max |a - n| / max(|a|, |n|) over elements where max(|a|, |n|) > atol (smaller ones are
  /// judged by the absolute error alone)
  double max_rel_error = 0.0;
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
/// @param options step, tolerances, and whether to compare random projections (fast mode).
/// @return whether every compared entry passed, the worst errors, and a message on failure.
/// @throws DTypeError if a floating input, or the output, is not f64.
GradcheckResult gradcheck(const GradcheckFn& fn, const TensorList& inputs,
                          const GradcheckOptions& options = {});

/// @brief Check second derivatives: gradcheck of \f$ x \mapsto \nabla_x (v \cdot f(x)) \f$
/// for a fixed random v, computed with create_graph.
/// @param fn the function; it must return an f64 tensor.
/// @param inputs its arguments; second derivatives are checked for those that require grad.
/// @param options as for gradcheck(); `seed` also seeds v.
/// @return the gradcheck() result of the first-derivative function.
/// @throws DTypeError if a floating input, or the output, is not f64.
GradcheckResult gradgradcheck(const GradcheckFn& fn, const TensorList& inputs,
                              const GradcheckOptions& options = {});

}  // namespace knob
