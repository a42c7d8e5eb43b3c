// Autograder of ex06_matmul_backward. The reference is knob's own matmul run through the tape.
#include "exercises/common/grader.h"

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "exercises/ex06_matmul_backward/matmul_backward.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex06_matmul_backward";

void check_matmul(const Shape& shape_a, const Shape& shape_b, std::uint64_t seed,
                  DType dtype = DType::f64) {
  Generator gen(seed);
  Tensor a = randn(shape_a, gen, dtype).requires_grad_();
  Tensor b = randn(shape_b, gen, dtype).requires_grad_();
  Tensor y = matmul(a, b);
  const Tensor g = randn(y.shape(), gen, dtype);
  backward(y, g);
  MatmulGrads got;
  ASSERT_TRUE(runs_without_error(kId, [&] { got = matmul_backward(g, a.detach(), b.detach()); }));
  const std::string where = " for A " + shape_str(shape_a) + " @ B " + shape_str(shape_b);
  const Tolerance tolerance = dtype == DType::f64 ? Tolerance{1e-12, 1e-10} : Tolerance{1e-5, 1e-4};
  EXPECT_TRUE(tensors_match("grad_a" + where, got.grad_a, a.grad(),
                            "grad_a must have A's shape [M,K]: which product of G [M,N] and B "
                            "(or its transpose) has that shape? A shared A gathers the "
                            "gradient of every batch entry",
                            tolerance));
  EXPECT_TRUE(tensors_match("grad_b" + where, got.grad_b, b.grad(),
                            "grad_b must have B's shape [K,N]: which product of A (or its "
                            "transpose) and G [M,N] has that shape? A shared B gathers the "
                            "gradient of every batch entry",
                            tolerance));
}

TEST(MatmulBackward, SquareMatrices) { check_matmul({3, 3}, {3, 3}, 1); }
TEST(MatmulBackward, RectangularMatrices) { check_matmul({2, 5}, {5, 3}, 2); }
TEST(MatmulBackward, MatrixTimesColumn) { check_matmul({4, 3}, {3, 1}, 3); }
TEST(MatmulBackward, BatchedWithTheSameBatch) { check_matmul({2, 3, 4}, {2, 4, 5}, 4); }
TEST(MatmulBackward, ASharedWeightIsSummedOverTheBatch) { check_matmul({3, 2, 4}, {4, 5}, 5); }
TEST(MatmulBackward, Float32) { check_matmul({6, 7}, {7, 3}, 6, DType::f32); }
TEST(MatmulBackward, OneRowAndOneColumn) {
  check_matmul({1, 4}, {4, 4}, 7);
  check_matmul({4, 1}, {1, 4}, 8);
  check_matmul({2, 3, 3}, {3, 3}, 9);
}

}  // namespace
}  // namespace knob::exercises
