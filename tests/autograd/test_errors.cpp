// Bad input gets a knob::Error that names the op and the shapes — never undefined behaviour.
#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "common/error_message.h"

namespace knob {
namespace {

using test::message_of;  // tests/common/error_message.h

TEST(Errors, MatmulNamesBothShapes) {
  const std::string m = message_of<ShapeError>([] { matmul(zeros({2, 3}), zeros({4, 5})); });
  EXPECT_EQ(m, "matmul: [2,3] @ [4,5]: inner dimensions 3 and 4 differ");
  EXPECT_NE(message_of<ShapeError>([] {
              matmul(zeros({3}), zeros({3, 2}));
            }).find("at least 2"),
            std::string::npos);
  EXPECT_NE(message_of<ShapeError>([] {
              matmul(zeros({2, 2, 3}), zeros({3, 3, 4}));
            }).find("batch dimensions [2] and [3]"),
            std::string::npos);
}

TEST(Errors, BroadcastFailureNamesShapes) {
  const std::string m = message_of<ShapeError>([] { add(zeros({2, 3}), zeros({4})); });
  EXPECT_NE(m.find("add: cannot broadcast [2,3] with [4]"), std::string::npos) << m;
}

TEST(Errors, MixedDtypesAreRejected) {
  const std::string m =
      message_of<DTypeError>([] { mul(zeros({2}, DType::f32), zeros({2}, DType::f64)); });
  EXPECT_NE(m.find("mul: mixed dtypes f32 [2] and f64 [2]"), std::string::npos) << m;
  EXPECT_THROW(exp(int_tensor({1}, {1})), DTypeError);
}

TEST(Errors, AxesAndRanges) {
  EXPECT_NE(message_of<ValueError>([] {
              sum(zeros({2, 3}), {2});
            }).find("axis 2 is out of range"),
            std::string::npos);
  EXPECT_THROW(sum(zeros({2, 3}), {1, -1}), ValueError);  // the same axis twice
  EXPECT_THROW(slice(zeros({2, 3}), 1, 2, 2), ValueError);
  EXPECT_THROW(permute(zeros({2, 3}), {0, 0}), ValueError);
  EXPECT_THROW(concat({zeros({2, 3}), zeros({3, 3})}, 1), ShapeError);
  EXPECT_THROW(max(zeros({0, 3}), {0}), ValueError);
  EXPECT_THROW(masked_fill(zeros({2, 3}), zeros({4}), 0.0), ShapeError);
  EXPECT_THROW(expand(zeros({2, 3}), {3, 3}), ShapeError);
  EXPECT_THROW(sum_to(zeros({2, 3}), {4}), ShapeError);
}

TEST(Errors, EmbeddingIdsMustBeInTheTable) {
  const std::string m = message_of<ValueError>([] {
    embedding(zeros({4, 2}), int_tensor({1, 4}, {2}));
  });
  EXPECT_NE(m.find("id 4"), std::string::npos) << m;
  EXPECT_NE(m.find("4 rows"), std::string::npos) << m;
  EXPECT_THROW(embedding(zeros({4, 2}), zeros({2})), DTypeError);
}

TEST(Errors, CrossEntropyChecksTargets) {
  EXPECT_NE(message_of<ValueError>([] {
              cross_entropy(zeros({2, 3}), int_tensor({1, 3}, {2}));
            }).find("targets[1] = 3 is outside [0, 3)"),
            std::string::npos);
  EXPECT_THROW(cross_entropy(zeros({2, 3}), int_tensor({1}, {1})), ShapeError);
  EXPECT_THROW(cross_entropy(zeros({2, 3}), zeros({2})), DTypeError);
  EXPECT_THROW(mse(zeros({2}), zeros({3})), ShapeError);
}

TEST(Errors, UndefinedTensorsAreCaught) {
  EXPECT_THROW(add(Tensor(), zeros({1})), ValueError);
  EXPECT_THROW(reshape(Tensor(), {1}), ValueError);
}

}  // namespace
}  // namespace knob
