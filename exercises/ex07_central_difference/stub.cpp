// ex07_central_difference — YOUR VERSION.
#include "autograd/error.h"
#include "exercises/common/todo.h"
#include "exercises/ex07_central_difference/central_difference.h"

namespace knob::exercises {

Tensor central_difference_gradient(const ScalarFunction& f, const Tensor& x, double eps) {
  (void)f;
  (void)x;
  (void)eps;
  todo("ex07_central_difference", "the gradient of f at x by central differences");
}

}  // namespace knob::exercises
