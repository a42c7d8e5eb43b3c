// WRONG (dropped factor): the row sum is taken over y alone (which is 1), not
// over g times y.
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
  const Tensor row_dot = sum(y, {-1}, /*keepdim=*/true);  // [..., 1]
  return mul(y, sub(g, row_dot));                         // [..., C]
}

}  // namespace knob::exercises
