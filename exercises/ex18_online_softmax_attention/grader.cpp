// Autograder of ex18_online_softmax_attention. The reference is knob's attention softmax (the
// fused, stable kernel of nn::MultiHeadAttention) on the full matrix of scores, times V.
#include "exercises/common/grader.h"

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "exercises/ex18_online_softmax_attention/blocked_attention.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex18_online_softmax_attention";

Tensor reference_attention(const Tensor& q, const Tensor& k, const Tensor& v, bool causal) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(1)));
  return matmul(attention_softmax(matmul_nt(q, k), scale, causal), v);
}

void check_blocks(std::int64_t queries, std::int64_t keys, std::int64_t width,
                  std::int64_t value_width, bool causal, const std::vector<std::int64_t>& blocks,
                  double query_scale, const char* hint, std::uint64_t seed,
                  DType dtype = DType::f64) {
  Generator gen(seed);
  const Tensor q = mul_scalar(randn({queries, width}, gen, dtype), query_scale);
  const Tensor k = randn({keys, width}, gen, dtype);
  const Tensor v = randn({keys, value_width}, gen, dtype);
  const Tensor expected = reference_attention(q, k, v, causal);
  const Tolerance tolerance = dtype == DType::f64 ? Tolerance{1e-12, 1e-10} : Tolerance{1e-6, 1e-5};
  for (const std::int64_t block : blocks) {
    Tensor got;
    ASSERT_TRUE(runs_without_error(kId, [&] { got = blocked_attention(q, k, v, causal, block); }));
    EXPECT_TRUE(tensors_match("blocked_attention(q " + shape_str(q.shape()) + ", k " +
                                  shape_str(k.shape()) + ", v " + shape_str(v.shape()) +
                                  (causal ? ", causal" : "") + ", block " + std::to_string(block) +
                                  ")",
                              got, expected, hint, tolerance));
  }
}

TEST(BlockedAttention, OneBlockHoldingEveryKey) {
  check_blocks(4, 7, 3, 2, false, {7, 8, 100}, 1.0,
               "with one block this is plain attention: each output row is the average of the "
               "value rows weighted by the softmax of that query's scores (scaled by "
               "1/sqrt(d_k))",
               1);
}
TEST(BlockedAttention, ManyBlocksGiveTheSameResult) {
  check_blocks(4, 7, 3, 2, false, {1, 2, 3, 6}, 1.0,
               "when a block brings a larger maximum, everything accumulated so far was "
               "computed relative to the old maximum and must be brought to the new one, the "
               "normaliser AND the weighted sum; and the last block may be shorter than the "
               "others",
               2);
}
TEST(BlockedAttention, CausalSquare) {
  check_blocks(6, 6, 4, 3, true, {1, 2, 4, 5, 6, 7}, 1.0,
               "query i may look at keys 0..i, itself included", 3);
}
TEST(BlockedAttention, OneQueryOneKey) {
  check_blocks(1, 1, 2, 3, true, {1, 2}, 1.0, "a single key gets weight 1: the output is its value",
               4);
  check_blocks(1, 5, 2, 1, false, {2, 5}, 1.0, "one query over five keys", 5);
}
TEST(BlockedAttention, ScoresInTheThousandsStayFinite) {
  check_blocks(3, 9, 4, 2, false, {1, 4, 9}, 1000.0,
               "e^s overflows for s above about 709: every exponential must be of a score MINUS "
               "the largest score seen so far, which keeps it at most 1",
               6);
  check_blocks(5, 5, 4, 2, true, {2, 3}, 1000.0,
               "e^s overflows for s above about 709: exponentiate differences to the running "
               "maximum",
               7);
}
TEST(BlockedAttention, Float32) {
  check_blocks(6, 6, 8, 4, true, {1, 4, 6}, 1.0, "keep q's dtype", 8, DType::f32);
}
TEST(BlockedAttention, BadArgumentsAreRefused) {
  const Tensor q = zeros({3, 4}, DType::f64);
  const Tensor k = zeros({5, 4}, DType::f64);
  const Tensor v = zeros({5, 2}, DType::f64);
  EXPECT_TRUE(throws_error<ValueError>(
      "blocked_attention(..., block 0)", [&] { (void)blocked_attention(q, k, v, false, 0); },
      "a block must hold at least one key: throw "
      "knob::ValueError"));
  const Tensor short_v = zeros({4, 2}, DType::f64);
  EXPECT_TRUE(throws_error<ShapeError>(
      "blocked_attention(q [3,4], k [5,4], v [4,2], ...)",
      [&] { (void)blocked_attention(q, k, short_v, false, 2); },
      "k and v must have one row per key: throw "
      "knob::ShapeError naming the shapes"));
}

}  // namespace
}  // namespace knob::exercises
