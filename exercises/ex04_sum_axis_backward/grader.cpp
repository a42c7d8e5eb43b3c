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
                            "every element of x that went into one sum receives that sum's "
                            "gradient; check which element of g each position of x reads "
                            "(the extents before the axis, the axis, the extents after it)"));
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
TEST(SumAxisBackward, SquareOneRowAndOneColumn) {
  check_sum({3, 3}, 0, false, 10);
  check_sum({3, 3}, 1, true, 11);
  check_sum({1, 5}, 0, false, 12);
  check_sum({4, 1}, 1, false, 13);
  check_sum({2, 3, 3, 2}, 2, false, 14);
}
TEST(SumAxisBackward, OneDimensionalAndFloat32) {
  check_sum({7}, 0, false, 8);
  check_sum({3, 5}, 1, false, 9, DType::f32);
}
TEST(SumAxisBackward, AxisOutOfRangeIsAValueError) {
  const Tensor g = zeros({3}, DType::f64);
  for (std::int64_t axis : {2, -3}) {
    EXPECT_TRUE(throws_error<ValueError>(
        "sum_axis_backward(g, [3,4], axis " + std::to_string(axis) + ")",
        [&] {
          (void)sum_axis_backward(g, {3, 4}, axis, false);
        },
        "a rank-2 shape has axes -2 .. 1 only: throw knob::ValueError naming the axis and the "
        "shape"));
  }
}

}  // namespace
}  // namespace knob::exercises
