// ex24_unlikelihood_loss — YOUR VERSION.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/common/todo.h"
#include "exercises/ex24_unlikelihood_loss/unlikelihood_loss.h"

namespace knob::exercises {

UnlikelihoodResult unlikelihood_loss_and_grad(const Tensor& logits, const Tensor& wrong_targets,
                                              std::int64_t ignore_index) {
  (void)logits;
  (void)wrong_targets;
  (void)ignore_index;
  todo("ex24_unlikelihood_loss", "the unlikelihood loss and its gradient");
}

}  // namespace knob::exercises
