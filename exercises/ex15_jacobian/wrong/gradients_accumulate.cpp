// WRONG (stale gradient): calls backward into the leaf's .grad() for every row
// without clearing it, so row j holds the sum of rows 0..j.
#include <string>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "exercises/ex15_jacobian/jacobian.h"

namespace knob::exercises {

namespace {

void require_f64(const Tensor& x, const char* function) {
  if (x.dtype() != DType::f64) {
    throw DTypeError(std::string(function) + ": x is " + std::string(dtype_name(x.dtype())) + " " +
                     shape_str(x.shape()) + "; Jacobians are checked in float64");
  }
}

}  // namespace

Tensor jacobian_by_backward(const TensorFunction& f, const Tensor& x) {
  require_f64(x, "jacobian_by_backward");
  const Tensor point = x.detach().clone().requires_grad_();  // a leaf of our own
  const Tensor y = f(point);
  const std::int64_t outputs = y.numel();
  const std::int64_t inputs = x.numel();
  Tensor jacobian = zeros({outputs, inputs}, DType::f64);  // [numel(y), numel(x)]
  double* row = jacobian.data<double>();
  for (std::int64_t j = 0; j < outputs; ++j, row += inputs) {
    Tensor one_hot = zeros(y.shape(), DType::f64);  // g = e_j: row j of J = e_jᵀ J
    one_hot.data<double>()[j] = 1.0;
    backward(y, one_hot, BackwardOptions{.retain_graph = true});
    const Tensor gradient = point.grad();
    const double* values = gradient.data<double>();
    for (std::int64_t e = 0; e < inputs; ++e) row[e] = values[e];
  }
  return jacobian;
}

Tensor jacobian_by_differences(const TensorFunction& f, const Tensor& x, double eps) {
  require_f64(x, "jacobian_by_differences");
  NoGradGuard no_grad;
  const std::int64_t inputs = x.numel();
  const std::int64_t outputs = f(x).numel();
  Tensor jacobian = zeros({outputs, inputs}, DType::f64);  // [numel(y), numel(x)]
  double* point = x.data<double>();
  double* entries = jacobian.data<double>();
  for (std::int64_t e = 0; e < inputs; ++e) {  // column e
    const double saved = point[e];
    point[e] = saved + eps;
    const Tensor y_plus = f(x).clone();
    point[e] = saved - eps;
    const Tensor y_minus = f(x).clone();
    point[e] = saved;
    const double* plus = y_plus.data<double>();
    const double* minus = y_minus.data<double>();
    for (std::int64_t j = 0; j < outputs; ++j) {
      entries[j * inputs + e] = (plus[j] - minus[j]) / (2.0 * eps);
    }
  }
  return jacobian;
}

}  // namespace knob::exercises
