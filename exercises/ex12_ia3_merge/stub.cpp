// ex12_ia3_merge — YOUR VERSION.
#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/common/todo.h"
#include "exercises/ex12_ia3_merge/ia3_merge.h"

namespace knob::exercises {

MergedLinear merge_output_scale(const Tensor& weight, const Tensor& bias, const Tensor& l) {
  // 1. weight is [out, in]; bias and l must both be [out] (ShapeError otherwise).
  // 2. W' = diag(l) W: row i times l_i, e.g. mul(weight, reshape(l, {-1, 1}))  ([out, 1])
  //    b' = l ⊙ b
  // Return new tensors; do not write into weight or bias.
  (void)weight;
  (void)bias;
  (void)l;
  todo("ex12_ia3_merge", "merge_output_scale: W' = diag(l) W, b' = l * b");
}

MergedLinear merge_input_scale(const Tensor& weight, const Tensor& bias, const Tensor& l) {
  // 1. weight is [out, in]; bias must be [out] and l [in] (ShapeError otherwise).
  // 2. W' = W diag(l): column j times l_j, e.g. mul(weight, reshape(l, {1, -1}))  ([1, in])
  //    b' = b (a copy: the bias is added after the product, so l never touches it)
  (void)weight;
  (void)bias;
  (void)l;
  todo("ex12_ia3_merge", "merge_input_scale: W' = W diag(l), b' = b");
}

}  // namespace knob::exercises
