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
                            "grad_a = G B^T: G is [M,N], B^T is [N,K], so the result is [M,K] "
                            "like A; a shared A is summed over the batch",
                            tolerance));
  EXPECT_TRUE(tensors_match("grad_b" + where, got.grad_b, b.grad(),
                            "grad_b = A^T G: A^T is [K,M], G is [M,N], so the result is [K,N] "
                            "like B; a shared B is summed over the batch",
                            tolerance));
}

TEST(MatmulBackward, SquareMatrices) { check_matmul({3, 3}, {3, 3}, 1); }
TEST(MatmulBackward, RectangularMatrices) { check_matmul({2, 5}, {5, 3}, 2); }
TEST(MatmulBackward, MatrixTimesColumn) { check_matmul({4, 3}, {3, 1}, 3); }
TEST(MatmulBackward, BatchedWithTheSameBatch) { check_matmul({2, 3, 4}, {2, 4, 5}, 4); }
TEST(MatmulBackward, ASharedWeightIsSummedOverTheBatch) { check_matmul({3, 2, 4}, {4, 5}, 5); }
TEST(MatmulBackward, Float32) { check_matmul({6, 7}, {7, 3}, 6, DType::f32); }

}  // namespace
}  // namespace knob::exercises
