// WRONG (incomplete validation): refuses l_i = 0 only; NaN, infinities and subnormal values
// pass, and their quotients are meaningless.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/ex25_ia3_unmerge/ia3_unmerge.h"

namespace knob::exercises {

namespace {

void check_shapes(const Tensor& weight, const Tensor& bias, const Tensor& l,
                  std::int64_t scaled_extent, const char* function, const char* side) {
  if (weight.dim() != 2 || bias.shape() != Shape{weight.size(0)} ||
      l.shape() != Shape{scaled_extent}) {
    throw ShapeError(std::string(function) + ": merged weight " + shape_str(weight.shape()) +
                     " needs bias [out] and l [" + side + "], got bias " + shape_str(bias.shape()) +
                     " and l " + shape_str(l.shape()));
  }
}

// Every l_i must be a finite normal number: dividing by 0 or a non-finite value gives no W, and
// below the smallest normal number the merged values kept too few of W's digits.
void check_divisible(const Tensor& l, const char* function) {
  const std::vector<double> values = l.to_vector();
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] == 0.0) {
      throw ValueError(fmt::format("{}: l[{}] = {} cannot be divided by", function, i, values[i]));
    }
  }
}

}  // namespace

LinearWeights unmerge_output_scale(const Tensor& merged_weight, const Tensor& merged_bias,
                                   const Tensor& l) {
  check_shapes(merged_weight, merged_bias, l, merged_weight.dim() == 2 ? merged_weight.size(0) : -1,
               "unmerge_output_scale", "out");
  check_divisible(l, "unmerge_output_scale");
  // merged_weight: [out, in], l: [out] → [out, 1]: row i was scaled by l_i, and so was b_i.
  return LinearWeights{div(merged_weight, reshape(l, {-1, 1})), div(merged_bias, l)};
}

LinearWeights unmerge_input_scale(const Tensor& merged_weight, const Tensor& merged_bias,
                                  const Tensor& l) {
  check_shapes(merged_weight, merged_bias, l, merged_weight.dim() == 2 ? merged_weight.size(1) : -1,
               "unmerge_input_scale", "in");
  check_divisible(l, "unmerge_input_scale");
  // merged_weight: [out, in], l: [in] → [1, in]: column j was scaled by l_j; the bias was not.
  return LinearWeights{div(merged_weight, reshape(l, {1, -1})), merged_bias.clone()};
}

}  // namespace knob::exercises
