// ex17_sgd_momentum — YOUR VERSION.
#include <algorithm>

#include "autograd/error.h"
#include "exercises/common/todo.h"
#include "exercises/ex17_sgd_momentum/sgd_step.h"

namespace knob::exercises {

void sgd_step(const nn::NamedTensors& params, std::vector<SgdState>& states,
              const SgdOptions& options) {
  (void)params;
  (void)states;
  (void)options;
  todo("ex17_sgd_momentum", "one SGD step (momentum, dampening, Nesterov, weight decay)");
}

}  // namespace knob::exercises
