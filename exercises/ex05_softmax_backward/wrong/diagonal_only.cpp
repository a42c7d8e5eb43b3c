// WRONG (dropped term): keeps only the diagonal of the Jacobian, y (1 - y), and
// forgets that every y_j depends on x_i.
#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/ex05_softmax_backward/softmax_backward.h"

namespace knob::exercises {

Tensor softmax_backward(const Tensor& y, const Tensor& g) {
  if (y.shape() != g.shape()) {
    throw ShapeError("softmax_backward: y " + shape_str(y.shape()) + " and g " +
                     shape_str(g.shape()) + " must have the same shape");
  }
  // y, g: [..., C]
  const Tensor row_dot = sum(mul(g, y), {-1}, /*keepdim=*/true);  // [..., 1]
  return mul(mul(y, add_scalar(neg(y), 1.0)), g);                 // [..., C]
}

}  // namespace knob::exercises
