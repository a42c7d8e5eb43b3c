/// @file
/// @brief Printing tensors: `fmt::format("{}", t)` and `std::cout << t`, NumPy style.
///
/// \code
/// fmt::print("{}\n", arange(0, 6).reshape({2, 3}));
/// // tensor([[0, 1, 2],
/// //         [3, 4, 5]], shape=[2,3], dtype=f32)
/// \endcode
/// Tensors with more than 1000 elements are summarised: 3 entries at each end of every axis,
/// with "..." between.
#pragma once

#include <ostream>
#include <string>

#include <fmt/format.h>

#include "autograd/tensor.h"

namespace knob {

/// @brief The NumPy-like text of a tensor (what the formatter prints).
/// @param t the tensor (an undefined tensor prints as such).
/// @return its values, shape and dtype, e.g. `tensor([1, 2], shape=[2], dtype=f32)`.
std::string to_string(const Tensor& t);

/// @brief Stream a tensor's to_string().
/// @param os the stream.
/// @param t the tensor.
/// @return `os`.
inline std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << to_string(t); }

}  // namespace knob

// The documentation site leaves this specialisation of the fmt library's template out (Doxygen
// does not see the fmt namespace); the @file comment above shows how it is used.
/// @cond
/// @brief fmt support: `fmt::format("{}", tensor)`.
template <>
struct fmt::formatter<knob::Tensor> : fmt::formatter<std::string> {
  /// @brief Format as knob::to_string.
  template <class Context>
  auto format(const knob::Tensor& t, Context& ctx) const {
    return fmt::formatter<std::string>::format(knob::to_string(t), ctx);
  }
};
/// @endcond
