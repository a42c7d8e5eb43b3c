// ex09_cross_entropy_backward — YOUR VERSION.
#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/common/todo.h"
#include "exercises/ex09_cross_entropy_backward/cross_entropy_backward.h"

namespace knob::exercises {

Tensor cross_entropy_backward(const Tensor& logits, const Tensor& targets,
                              std::int64_t ignore_index) {
  // 1. targets.shape() must be logits.shape() without its last axis (ShapeError otherwise).
  // 2. Count the positions P whose target is not ignore_index; a counted target outside
  //    [0, V) is a ValueError (say which position and which value).
  // 3. grad = softmax(logits, -1).clone()  (stable, and a copy you may write into), then for
  //    every position p (row p of grad, V = logits.size(-1) values):
  //      ignored:  the whole row becomes 0
  //      counted:  row[t_p] -= 1, then the row is multiplied by 1 / |P|
  //    If |P| = 0 every row is ignored, so the result is all zeros (no division by zero).
  // Common slip: dividing by the number of positions instead of the number of counted ones.
  (void)logits;
  (void)targets;
  (void)ignore_index;
  todo("ex09_cross_entropy_backward",
       "(softmax(z) - onehot(t)) / count for counted rows, 0 for ignored rows");
}

}  // namespace knob::exercises
