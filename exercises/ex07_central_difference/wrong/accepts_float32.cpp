// WRONG (missing check): converts a float32 x to float64 instead of refusing it, which
// hides that the caller differentiates a float32 function.
#include "autograd/error.h"
#include "exercises/ex07_central_difference/central_difference.h"

namespace knob::exercises {

Tensor central_difference_gradient(const ScalarFunction& f, const Tensor& x, double eps) {
  // Convert instead of refusing: float32 input is silently accepted.
  const Tensor work = x.dtype() == DType::f64 ? x : x.to(DType::f64);
  Tensor gradient = zeros(x.shape(), DType::f64);  // same shape as x
  double* point = work.data<double>();
  double* slope = gradient.data<double>();
  for (std::int64_t e = 0; e < work.numel(); ++e) {
    const double saved = point[e];
    point[e] = saved + eps;
    const double f_plus = f(work);
    point[e] = saved - eps;
    const double f_minus = f(work);
    point[e] = saved;  // the exact original, not (saved - eps) + eps
    slope[e] = (f_plus - f_minus) / (2.0 * eps);
  }
  return gradient;
}

}  // namespace knob::exercises
