#include "nn/layers/dropout.h"

#include <fmt/format.h>

#include "autograd/ops.h"

namespace knob::nn {

Dropout::Dropout(double p, std::uint64_t seed) : p_(p), gen_(seed) {
  if (!(p >= 0.0 && p < 1.0)) {
    throw ValueError(fmt::format("Dropout: p must be in [0, 1), got {}", p));
  }
}

std::string Dropout::extra_repr() const { return fmt::format("p={}", p_); }

Tensor Dropout::forward(const Tensor& x) const {
  if (!is_training() || p_ == 0.0) return x;  // identity: [...]
  const double keep_scale = 1.0 / (1.0 - p_);
  Tensor mask = rand(x.shape(), gen_, x.dtype());  // u ~ U[0,1): [...]
  dispatch_floating(x.dtype(), "Dropout", [&]<class T>() {
    T* m = mask.data<T>();
    for (std::int64_t i = 0; i < mask.numel(); ++i) {
      // keep with probability 1 - p, scaled so that E[m] = 1
      m[i] = m[i] >= static_cast<T>(p_) ? static_cast<T>(keep_scale) : T(0);
    }
  });
  return mul(x, mask);  // x ⊙ m: [...]
}

}  // namespace knob::nn
