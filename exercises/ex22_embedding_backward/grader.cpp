// Autograder of ex22_embedding_backward. The reference is knob's embedding run through the tape.
#include "exercises/common/grader.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "exercises/ex22_embedding_backward/embedding_backward.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex22_embedding_backward";

void check_ids(const Tensor& ids, std::int64_t rows, std::int64_t width, const char* hint,
               std::uint64_t seed, DType dtype = DType::f64) {
  Generator gen(seed);
  Tensor table = randn({rows, width}, gen, dtype).requires_grad_();
  const Tensor y = embedding(table, ids);
  const Tensor g = randn(y.shape(), gen, dtype);
  backward(y, g);
  Tensor got;
  ASSERT_TRUE(runs_without_error(kId, [&] { got = embedding_table_gradient(g, ids, rows); }));
  const Tolerance tolerance = dtype == DType::f64 ? Tolerance{1e-13, 1e-12} : Tolerance{1e-6, 1e-6};
  EXPECT_TRUE(tensors_match("dL/dW for ids " + shape_str(ids.shape()) + " into W [" +
                                std::to_string(rows) + "," + std::to_string(width) + "]",
                            got, table.grad(), hint, tolerance));
}

void check_random(const Shape& ids_shape, std::int64_t rows, std::int64_t width, const char* hint,
                  std::uint64_t seed, DType dtype = DType::f64) {
  Generator gen(seed + 1000);
  check_ids(randint(ids_shape, 0, rows, gen), rows, width, hint, seed, dtype);
}

TEST(EmbeddingBackward, DistinctIds) {
  check_ids(int_tensor({3, 0, 5}, {3}), 7, 4,
            "row ids[s] of W went to position s: which rows receive something, and which stay 0?",
            1);
}
TEST(EmbeddingBackward, RepeatedIdsAddUp) {
  check_ids(int_tensor({2, 2, 4, 2, 4}, {5}), 6, 3,
            "a token used three times was copied three times: its row collects all three "
            "gradients, not the last one",
            2);
}
TEST(EmbeddingBackward, ABatchOfSequences) {
  check_random({4, 6}, 9, 5,
               "ids of shape [B,T] give g [B,T,C]: every (b, t) is one position, in row-major "
               "order",
               3);
}
TEST(EmbeddingBackward, SquareTableAndOneRow) {
  check_random({3, 5}, 5, 5, "W is [V, C]: the id picks the row, the feature the column", 4);
  check_ids(int_tensor({0, 0, 0}, {3}), 1, 4, "a table of one row gets every gradient", 5);
}
TEST(EmbeddingBackward, NoIds) {
  check_ids(int_tensor({}, {0}), 4, 3, "no position, no gradient: zeros [V, C]", 6);
}
TEST(EmbeddingBackward, Float32) { check_random({8, 16}, 32, 8, "keep g's dtype", 7, DType::f32); }
TEST(EmbeddingBackward, BadInputsAreRefused) {
  const Tensor g = zeros({3, 2}, DType::f64);
  EXPECT_TRUE(throws_error<ValueError>(
      "embedding_table_gradient(g [3,2], ids [1, 7, 0], V = 5)",
      [&] {
        (void)embedding_table_gradient(g, int_tensor({1, 7, 0}, {3}), 5);
      },
      "id 7 does not exist in a table of 5 rows: throw knob::ValueError naming it"));
  EXPECT_TRUE(throws_error<ValueError>(
      "embedding_table_gradient(g [3,2], ids [1, -1, 0], V = 5)",
      [&] {
        (void)embedding_table_gradient(g, int_tensor({1, -1, 0}, {3}), 5);
      },
      "a negative id does not exist either: throw knob::ValueError"));
  EXPECT_TRUE(throws_error<ShapeError>(
      "embedding_table_gradient(g [3,2], ids [4], V = 5)",
      [&] {
        (void)embedding_table_gradient(g, int_tensor({1, 2, 3, 4}, {4}), 5);
      },
      "g must be [ids..., C]: 3 positions in g, 4 ids: throw knob::ShapeError"));
  EXPECT_TRUE(throws_error<DTypeError>(
      "embedding_table_gradient(g [3,2], ids f64 [3], V = 5)",
      [&] { (void)embedding_table_gradient(g, zeros({3}, DType::f64), 5); },
      "ids must be i64: throw knob::DTypeError"));
}

}  // namespace
}  // namespace knob::exercises
