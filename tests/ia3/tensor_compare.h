// Comparisons the IA³ tests share: exact (bit for bit) and largest absolute difference.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>

#include "autograd/tensor.h"

namespace knob::ia3 {

/// Same shape, same dtype and the same bits in every element.
inline bool bit_identical(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  const auto va = a.to_vector();
  const auto vb = b.to_vector();
  return std::memcmp(va.data(), vb.data(), va.size() * sizeof(double)) == 0;
}

/// max |a - b| over the elements; 1e300 when the element counts differ (so any tolerance fails).
inline double max_abs_diff(const Tensor& a, const Tensor& b) {
  const auto va = a.to_vector();
  const auto vb = b.to_vector();
  double m = va.size() == vb.size() ? 0.0 : 1e300;
  for (std::size_t i = 0; i < std::min(va.size(), vb.size()); ++i) {
    m = std::max(m, std::abs(va[i] - vb[i]));
  }
  return m;
}

}  // namespace knob::ia3
