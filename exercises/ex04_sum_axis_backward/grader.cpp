// Autograder of ex04_sum_axis_backward. The reference is knob's own sum run through the tape.
#include "exercises/common/grader.h"

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "exercises/ex04_sum_axis_backward/sum_axis_backward.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex04_sum_axis_backward";

void check_sum(const Shape& shape, std::int64_t axis, bool keepdim, std::uint64_t seed,
               DType dtype = DType::f64) {
  Generator gen(seed);
  Tensor x = randn(shape, gen, dtype).requires_grad_();
  Tensor y = sum(x, {axis}, keepdim);
  const Tensor g = randn(y.shape(), gen, dtype);
  backward(y, g);
  Tensor got;
  ASSERT_TRUE(runs_without_error(kId, [&] { got = sum_axis_backward(g, shape, axis, keepdim); }));
  EXPECT_TRUE(tensors_match("dL/dx for y = sum(x " + shape_str(shape) + ", axis " +
                                std::to_string(axis) + (keepdim ? ", keepdim" : "") + ")",
                            got, x.grad(),
                            "dx[o, k, i] = g[o, i] for every k along the axis: check outer "
                            "(extents before the axis) and inner (extents after it)"));
}

TEST(SumAxisBackward, LastAxis) { check_sum({3, 4}, 1, false, 1); }
TEST(SumAxisBackward, FirstAxis) { check_sum({3, 4}, 0, false, 2); }
TEST(SumAxisBackward, MiddleAxisOfThree) { check_sum({2, 3, 4}, 1, false, 3); }
TEST(SumAxisBackward, NegativeAxisCountsFromTheEnd) {
  check_sum({2, 3, 4}, -1, false, 4);
  check_sum({2, 3, 4}, -3, false, 5);
}
TEST(SumAxisBackward, KeepdimGivesTheSameValues) {
  check_sum({2, 3, 4}, 1, true, 6);
  check_sum({5, 2}, 0, true, 7);
}
TEST(SumAxisBackward, OneDimensionalAndFloat32) {
  check_sum({7}, 0, false, 8);
  check_sum({3, 5}, 1, false, 9, DType::f32);
}
TEST(SumAxisBackward, AxisOutOfRangeIsAValueError) {
  const Tensor g = zeros({3}, DType::f64);
  try {
    (void)sum_axis_backward(g, {3, 4}, 2, false);
    ADD_FAILURE() << "sum_axis_backward(g, [3,4], axis 2) returned, but a rank-2 shape has no "
                     "axis 2.\n  Hint: valid axes are -rank .. rank-1; throw knob::ValueError.";
  } catch (const ValueError& e) {
    SUCCEED() << e.what();
  } catch (const Error& e) {
    ADD_FAILURE() << "sum_axis_backward(g, [3,4], axis 2) threw \"" << e.what()
                  << "\", which is not a ValueError.\n  Hint: throw knob::ValueError.";
  }
}

}  // namespace
}  // namespace knob::exercises
