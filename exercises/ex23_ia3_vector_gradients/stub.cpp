// ex23_ia3_vector_gradients — YOUR VERSION.
#include <cmath>
#include <limits>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/common/todo.h"
#include "exercises/ex23_ia3_vector_gradients/ia3_vector_gradients.h"

namespace knob::exercises {

VectorGradients ia3_vector_gradients(const Tensor& q, const Tensor& k, const Tensor& v,
                                     const Tensor& l_k, const Tensor& l_v, bool causal,
                                     const Tensor& g) {
  (void)q;
  (void)k;
  (void)v;
  (void)l_k;
  (void)l_v;
  (void)causal;
  (void)g;
  todo("ex23_ia3_vector_gradients", "dL/dl_k and dL/dl_v through one IA3 attention head");
}

}  // namespace knob::exercises
