// Autograder of ex03_mul_broadcast_backward. The reference is knob's own mul run through the
// tape (and knob::sum_to for reduce_to_shape).
#include "exercises/common/grader.h"

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "exercises/ex03_mul_broadcast_backward/mul_broadcast_backward.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex03_mul_broadcast_backward";

void check_reduce(const Shape& from, const Shape& to, std::uint64_t seed) {
  Generator gen(seed);
  const Tensor g = randn(from, gen, DType::f64);
  const Tensor expected = sum_to(g, to);
  Tensor got;
  ASSERT_TRUE(runs_without_error(kId, [&] { got = reduce_to_shape(g, to); }));
  EXPECT_TRUE(tensors_match("reduce_to_shape(g " + shape_str(from) + " → " + shape_str(to) + ")",
                            got, expected,
                            "every element of the small shape was copied to all the positions "
                            "that broadcasting stretched it over; its gradient gathers all of "
                            "them (lesson 01, section 3)"));
}

// y = a ⊙ b through knob's tape; compare the student's backward with a.grad() and b.grad().
void check_mul(const Shape& shape_a, const Shape& shape_b, std::uint64_t seed,
               DType dtype = DType::f64) {
  Generator gen(seed);
  Tensor a = randn(shape_a, gen, dtype).requires_grad_();
  Tensor b = randn(shape_b, gen, dtype).requires_grad_();
  Tensor y = mul(a, b);
  const Tensor g = randn(y.shape(), gen, dtype);
  backward(y, g);
  MulGrads got;
  ASSERT_TRUE(
      runs_without_error(kId, [&] { got = mul_broadcast_backward(g, a.detach(), b.detach()); }));
  const std::string where = " for a " + shape_str(shape_a) + " * b " + shape_str(shape_b);
  const Tolerance tolerance = dtype == DType::f64 ? Tolerance{} : Tolerance{1e-5, 1e-5};
  EXPECT_TRUE(tensors_match("grad_a" + where, got.grad_a, a.grad(),
                            "what does y change by when one element of a moves, and through "
                            "how many elements of y? The answer must end with a's shape",
                            tolerance));
  EXPECT_TRUE(tensors_match("grad_b" + where, got.grad_b, b.grad(),
                            "b's gradient is the mirror image of a's: check which factor "
                            "multiplies g, and that it ends with b's shape",
                            tolerance));
}

TEST(ReduceToShape, SameShapeIsUnchanged) { check_reduce({2, 3}, {2, 3}, 1); }
TEST(ReduceToShape, LeadingAxesAreSummedAway) {
  check_reduce({2, 3}, {3}, 2);
  check_reduce({4, 2, 3}, {3}, 3);
}
TEST(ReduceToShape, ExtentOneAxesAreSummedButKept) {
  check_reduce({3, 4}, {3, 1}, 4);
  check_reduce({3, 4}, {1, 4}, 5);
  check_reduce({2, 3, 4}, {3, 1}, 6);
}
TEST(ReduceToShape, EverythingToAScalar) { check_reduce({2, 3}, {}, 7); }
TEST(ReduceToShape, SquareAndOneRow) {
  check_reduce({3, 3}, {3}, 8);
  check_reduce({3, 3}, {3, 1}, 9);
  check_reduce({1, 4}, {4}, 10);
}

TEST(MulBroadcastBackward, SameShapes) { check_mul({2, 3}, {2, 3}, 11); }
TEST(MulBroadcastBackward, RowVectorBroadcastOverRows) {
  check_mul({4, 3}, {3}, 12);
  check_mul({3}, {4, 3}, 13);
}
TEST(MulBroadcastBackward, ColumnTimesRowMakesAnOuterProduct) { check_mul({3, 1}, {1, 4}, 14); }
TEST(MulBroadcastBackward, BothSidesBroadcastInThreeDimensions) {
  check_mul({2, 1, 3}, {4, 1}, 15);
}
TEST(MulBroadcastBackward, ScalarTimesMatrix) { check_mul({}, {2, 3}, 16); }
TEST(MulBroadcastBackward, SquareMatrixTimesRowAndColumn) {
  check_mul({3, 3}, {3}, 18);
  check_mul({3, 3}, {3, 1}, 19);
  check_mul({1, 3}, {3, 3}, 20);
}
TEST(MulBroadcastBackward, Float32KeepsItsDtype) { check_mul({5, 2}, {2}, 17, DType::f32); }

}  // namespace
}  // namespace knob::exercises
