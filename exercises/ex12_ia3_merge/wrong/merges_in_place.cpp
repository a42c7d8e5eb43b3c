// WRONG (overwrites the originals): scales W and b in place and returns them, so
// the base model is lost and cannot be unmerged exactly.
#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/ex12_ia3_merge/ia3_merge.h"

namespace knob::exercises {

namespace {

void check_linear(const Tensor& weight, const Tensor& bias, const Tensor& l,
                  std::int64_t scaled_extent, const char* function, const char* side) {
  if (weight.dim() != 2 || bias.shape() != Shape{weight.size(0)} ||
      l.shape() != Shape{scaled_extent}) {
    throw ShapeError(std::string(function) + ": weight " + shape_str(weight.shape()) +
                     " needs bias [out] and l [" + side + "], got bias " + shape_str(bias.shape()) +
                     " and l " + shape_str(l.shape()));
  }
}

}  // namespace

MergedLinear merge_output_scale(const Tensor& weight, const Tensor& bias, const Tensor& l) {
  check_linear(weight, bias, l, weight.dim() == 2 ? weight.size(0) : -1, "merge_output_scale",
               "out");
  // weight: [out, in], l: [out] → [out, 1] scales each row.
  Tensor w = weight;
  Tensor b = bias;
  w.set_data(mul(weight, reshape(l, {-1, 1})));
  b.set_data(mul(bias, l));
  return MergedLinear{w, b};
}

MergedLinear merge_input_scale(const Tensor& weight, const Tensor& bias, const Tensor& l) {
  check_linear(weight, bias, l, weight.dim() == 2 ? weight.size(1) : -1, "merge_input_scale", "in");
  // weight: [out, in], l: [in] → [1, in] scales each column; the bias is added after W x.
  return MergedLinear{mul(weight, reshape(l, {1, -1})), bias.clone()};
}

}  // namespace knob::exercises
