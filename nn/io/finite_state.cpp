/// @file
/// @brief Counting non-finite values of tensors.
#include "nn/io/finite_state.h"

#include <cmath>

#include <fmt/format.h>

namespace knob::nn {

namespace {

template <class T>
std::int64_t count_in(const T* values, std::int64_t n) {
  std::int64_t count = 0;
  for (std::int64_t i = 0; i < n; ++i) count += std::isfinite(values[i]) ? 0 : 1;
  return count;
}

}  // namespace

std::int64_t count_non_finite(const Tensor& tensor) {
  if (!tensor.defined()) return 0;
  switch (tensor.dtype()) {
    case DType::f32:
      return count_in(tensor.data<float>(), tensor.numel());
    case DType::f64:
      return count_in(tensor.data<double>(), tensor.numel());
    case DType::i64:
      return 0;  // integers are always finite
  }
  return 0;
}

std::vector<std::string> non_finite_tensors(const NamedTensors& tensors,
                                            const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& [name, tensor] : tensors) {
    const std::int64_t bad = count_non_finite(tensor);
    if (bad > 0) {
      out.push_back(fmt::format("'{}{}' holds {} NaN or infinite value{} (of {})", prefix, name,
                                bad, bad == 1 ? "" : "s", tensor.numel()));
    }
  }
  return out;
}

}  // namespace knob::nn
