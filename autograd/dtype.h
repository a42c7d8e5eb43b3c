/// @file
/// @brief Element types of a tensor, chosen at run time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "autograd/error.h"

namespace knob {

/// @brief The element type of a tensor.
///
/// Arithmetic and autograd work on the floating types f32 and f64; i64 holds integer data such as
/// token ids and targets, which ops read but never differentiate.
enum class DType { f32, f64, i64 };

/// @brief The short name of a dtype, as printed and as written in files.
/// @param dtype the element type.
/// @return "f32", "f64" or "i64".
std::string_view dtype_name(DType dtype);

/// @brief Bytes per element.
/// @param dtype the element type.
/// @return 4 for f32, 8 for f64 and i64.
std::size_t dtype_size(DType dtype);

/// @brief Whether a dtype is a floating type (one that arithmetic and autograd work on).
/// @param dtype the element type.
/// @return true for f32 and f64, false for i64.
inline bool is_floating(DType dtype) { return dtype != DType::i64; }

/// @brief The DType of a C++ element type: float → f32, double → f64, int64_t → i64.
/// @tparam T float, double or std::int64_t (anything else does not compile).
/// @return the matching DType.
template <class T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, float>) {
    return DType::f32;
  } else if constexpr (std::is_same_v<T, double>) {
    return DType::f64;
  } else {
    static_assert(std::is_same_v<T, std::int64_t>, "knob tensors hold float, double or int64_t");
    return DType::i64;
  }
}

/// @brief Call `fn.template operator()<T>()` with T = float or double matching `dtype`.
///
/// This is how one templated kernel serves both floating dtypes chosen at run time:
/// \code
/// dispatch_floating(x.dtype(), "exp", [&]<class T>() { kernels::active<T>().exp(...); });
/// \endcode
/// @tparam Fn a callable with a template call operator over the element type T.
/// @param dtype the run-time element type that picks T.
/// @param op the op's name, for the error message.
/// @param fn the callable, invoked once.
/// @return whatever `fn` returns.
/// @throws DTypeError naming `op` when dtype is not floating.
template <class Fn>
decltype(auto) dispatch_floating(DType dtype, std::string_view op, Fn&& fn) {
  switch (dtype) {
    case DType::f32:
      return fn.template operator()<float>();
    case DType::f64:
      return fn.template operator()<double>();
    default:
      throw DTypeError(std::string(op) + ": expected a floating tensor (f32 or f64), got " +
                       std::string(dtype_name(dtype)));
  }
}

}  // namespace knob
