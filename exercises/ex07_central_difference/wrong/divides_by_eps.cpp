// WRONG (factor 2): the central difference divided by eps instead of 2 eps.
#include "autograd/error.h"
#include "exercises/ex07_central_difference/central_difference.h"

namespace knob::exercises {

Tensor central_difference_gradient(const ScalarFunction& f, const Tensor& x, double eps) {
  if (x.dtype() != DType::f64) {
    throw DTypeError("central_difference_gradient: x is " + std::string(dtype_name(x.dtype())) +
                     " " + shape_str(x.shape()) +
                     "; finite differences need float64 (convert with .to(DType::f64))");
  }
  Tensor gradient = zeros(x.shape(), DType::f64);  // same shape as x
  double* point = x.data<double>();
  double* slope = gradient.data<double>();
  for (std::int64_t e = 0; e < x.numel(); ++e) {
    const double saved = point[e];
    point[e] = saved + eps;
    const double f_plus = f(x);
    point[e] = saved - eps;
    const double f_minus = f(x);
    point[e] = saved;  // the exact original, not (saved - eps) + eps
    slope[e] = (f_plus - f_minus) / eps;
  }
  return gradient;
}

}  // namespace knob::exercises
