// ex25_ia3_unmerge — YOUR VERSION.
#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/common/todo.h"
#include "exercises/ex25_ia3_unmerge/ia3_unmerge.h"

namespace knob::exercises {

LinearWeights unmerge_output_scale(const Tensor& merged_weight, const Tensor& merged_bias,
                                   const Tensor& l) {
  (void)merged_weight;
  (void)merged_bias;
  (void)l;
  todo("ex25_ia3_unmerge", "unmerge_output_scale: W and b from W', b' and the output scale l");
}

LinearWeights unmerge_input_scale(const Tensor& merged_weight, const Tensor& merged_bias,
                                  const Tensor& l) {
  (void)merged_weight;
  (void)merged_bias;
  (void)l;
  todo("ex25_ia3_unmerge", "unmerge_input_scale: W and b from W', b' and the input scale l");
}

}  // namespace knob::exercises
