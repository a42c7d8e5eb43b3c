/// @file
/// @brief Small helpers every op file uses: argument checks and "apply a kernel to each element".
/// Internal to the ops; not part of the public API.
#pragma once

#include <string_view>

#include "autograd/kernels/kernels.h"
#include "autograd/tensor.h"

namespace knob::detail {

/// @brief Throw DTypeError unless x is f32 or f64.
void check_floating(const Tensor& x, std::string_view op);

/// @brief Throw DTypeError unless a and b are floating and of the same dtype.
void check_same_dtype(const Tensor& a, const Tensor& b, std::string_view op);

/// @brief Throw ValueError when x is undefined.
void check_defined(const Tensor& x, std::string_view op);

/// @brief The checks of a loss over token ids: logits [..., V] floating, targets [...] of the
/// logits' shape without the last axis, then check_class_targets() (i64, each in [0, V) or
/// ignore_index). Throws ShapeError / DTypeError / ValueError naming `op`.
/// @return how many targets are scored.
std::int64_t check_token_targets(const Tensor& logits, const Tensor& targets,
                                 std::int64_t ignore_index, std::string_view op);

/// @brief y = f(x) elementwise with a kernel picked from the active table.
///
/// `pick` receives the `KernelTable<T>` and returns the kernel, so one call serves both dtypes:
/// \code
/// Tensor y = map_unary(x, "exp", [](const auto& k) { return k.exp; });
/// \endcode
template <class Pick>
Tensor map_unary(const Tensor& x, std::string_view op, Pick pick) {
  check_floating(x, op);
  Tensor y = empty(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), op, [&]<class T>() {
    pick(kernels::active<T>())(x.data<T>(), y.data<T>(), static_cast<std::size_t>(x.numel()));
  });
  return y;
}

/// @brief y = f(x, s) elementwise for a kernel taking a scalar, e.g. `k.mul_scalar`.
template <class Pick>
Tensor map_scalar(const Tensor& x, double s, std::string_view op, Pick pick) {
  check_floating(x, op);
  Tensor y = empty(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), op, [&]<class T>() {
    pick(kernels::active<T>())(x.data<T>(), static_cast<T>(s), y.data<T>(),
                               static_cast<std::size_t>(x.numel()));
  });
  return y;
}

}  // namespace knob::detail
