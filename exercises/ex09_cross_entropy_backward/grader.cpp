// Autograder of ex09_cross_entropy_backward. The reference is knob's own cross_entropy run
// through the tape.
#include "exercises/common/grader.h"

#include <vector>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "exercises/ex09_cross_entropy_backward/cross_entropy_backward.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex09_cross_entropy_backward";

constexpr const char* kFormulaHint =
    "differentiate one counted term of the mean with respect to every logit of its row (lesson "
    "04, section 3); the mean is over the counted positions only";

// Random logits [..., V] (times logit_scale) and targets in [0, V); the flat positions in
// `ignored` get ignore_index. The student's gradient is compared with the tape's.
void check_cross_entropy(const Shape& logits_shape, const std::vector<std::int64_t>& ignored,
                         std::int64_t ignore_index, double logit_scale, std::uint64_t seed,
                         const char* hint = kFormulaHint, DType dtype = DType::f64) {
  Generator gen(seed);
  const std::int64_t classes = logits_shape.back();
  const Shape target_shape(logits_shape.begin(), logits_shape.end() - 1);
  const Tensor logits = mul_scalar(randn(logits_shape, gen, dtype), logit_scale);
  std::vector<std::int64_t> target_values = randint(target_shape, 0, classes, gen).to_int_vector();
  for (const std::int64_t p : ignored) target_values[static_cast<std::size_t>(p)] = ignore_index;
  const Tensor targets = int_tensor(target_values, target_shape);

  Tensor logits_leaf = logits.clone().requires_grad_();
  backward(cross_entropy(logits_leaf, targets, ignore_index));

  Tensor got;
  ASSERT_TRUE(runs_without_error(
      kId, [&] { got = cross_entropy_backward(logits, targets, ignore_index); }));
  const Tolerance tolerance = dtype == DType::f64 ? Tolerance{1e-12, 1e-9} : Tolerance{1e-6, 1e-5};
  EXPECT_TRUE(
      tensors_match("dL/dlogits for the mean cross-entropy of logits " + shape_str(logits_shape) +
                        " with " + std::to_string(ignored.size()) +
                        " ignored position(s) (ignore_index " + std::to_string(ignore_index) + ")",
                    got, logits_leaf.grad(), hint, tolerance));
}

TEST(CrossEntropyBackward, OneRow) { check_cross_entropy({1, 5}, {}, -100, 1.0, 1); }
TEST(CrossEntropyBackward, ABatchIsAveragedOverItsRows) {
  check_cross_entropy({6, 4}, {}, -100, 1.0, 2,
                      "the loss is a mean, so every row of the gradient is divided by the "
                      "number of rows (here 6)");
}
TEST(CrossEntropyBackward, SequenceAxesAreRowsToo) {
  check_cross_entropy({2, 5, 7}, {}, -100, 1.0, 3,
                      "logits [B,T,V]: every (b, t) is one position with its own softmax over "
                      "V; divide by B*T");
}
TEST(CrossEntropyBackward, IgnoredPositionsGetZeroAndAreNotCounted) {
  check_cross_entropy({5, 6}, {1, 3}, -100, 1.0, 4,
                      "rows whose target is ignore_index get 0, and the other rows are divided "
                      "by the number of COUNTED rows (3 here), not by all 5");
}
TEST(CrossEntropyBackward, IgnoreIndexIsAParameter) {
  check_cross_entropy({2, 3, 4}, {0, 4}, -1, 1.0, 5,
                      "compare with the ignore_index argument, not with the constant -100");
}
TEST(CrossEntropyBackward, EveryPositionIgnoredGivesZeros) {
  check_cross_entropy({3, 4}, {0, 1, 2}, -100, 1.0, 6,
                      "with no counted position there is nothing to divide: return zeros, not "
                      "NaN (guard the division by |P| = 0)");
}
TEST(CrossEntropyBackward, LargeLogitsNeedAStableSoftmax) {
  check_cross_entropy({4, 5}, {2}, -100, 500.0, 7,
                      "exp(z) overflows for z above ~709: subtract each row's maximum before "
                      "exp (or call knob::softmax, which does)");
}
TEST(CrossEntropyBackward, SquareLogitsAndTwoClasses) {
  check_cross_entropy({5, 5}, {4}, -100, 1.0, 9);
  check_cross_entropy({7, 2}, {0, 6}, -100, 2.0, 10);
}
TEST(CrossEntropyBackward, Float32) {
  check_cross_entropy({8, 10}, {5}, -100, 1.0, 8, kFormulaHint, DType::f32);
}
TEST(CrossEntropyBackward, TargetOutOfRangeIsAValueError) {
  const Tensor logits = zeros({2, 3}, DType::f64);
  const Tensor targets = int_tensor({1, 3}, {2});
  try {
    (void)cross_entropy_backward(logits, targets, -100);
    ADD_FAILURE() << "cross_entropy_backward(logits [2,3], targets {1, 3}) returned, but class 3 "
                     "does not exist (V = 3).\n  Hint: a counted target must be in [0, V); "
                     "throw knob::ValueError naming it.";
  } catch (const ValueError& e) {
    SUCCEED() << e.what();
  } catch (const Error& e) {
    ADD_FAILURE() << "cross_entropy_backward(logits [2,3], targets {1, 3}) threw \"" << e.what()
                  << "\", which is not a ValueError.\n  Hint: throw knob::ValueError.";
  }
}

}  // namespace
}  // namespace knob::exercises
