// The T-Few losses (autograd/ops/tfew_loss.cpp): forward values against PyTorch, first and
// second derivatives against finite differences, bad input, and a small fine-tuning run in
// which minimising L_LN + L_UL must move every correct answer to rank 1.
//
// Expected numbers were computed with PyTorch 1.13 in float64 from the formulas of Liu et al.
// 2022: L_UL = -mean(log1p(-softmax(z).gather(y))), scores = (log_softmax(z).gather(y) *
// mask).sum(-1) / mask.sum(-1), L_LN = F.cross_entropy(scores, correct), L_LM =
// F.cross_entropy(z, targets of the correct answer, ignore_index=-100); gradients by
// loss.backward(). Logits named `wave` below are z_k = scale * sin(freq * k) over the flat index
// k, built the same way on both sides.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/anomaly.h"
#include "autograd/gradcheck.h"
#include "autograd/op_registry.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "common/error_message.h"
#include "nn/layers/linear.h"
#include "nn/optim/adam.h"

namespace knob {
namespace {

constexpr DType f64 = DType::f64;

using test::message_of;  // tests/common/error_message.h

// z_k = scale * sin(freq * k) for the flat index k.
Tensor wave(const Shape& shape, double scale = 2.0, double freq = 0.7) {
  Tensor z = empty(shape, f64);
  for (std::int64_t k = 0; k < z.numel(); ++k) {
    z.data<double>()[k] = scale * std::sin(freq * static_cast<double>(k));
  }
  return z;
}

// The answer targets of the PyTorch reference: C = 3 choices of 2, 3 and 1 tokens.
Tensor three_answers() { return int_tensor({1, 3, -100, 0, 2, 1, 2, -100, -100}, {3, 3}); }

// ------------------------------------------------------------------ forward values ----

TEST(UnlikelihoodLoss, MatchesPyTorchWithAnIgnoredRow) {
  Tensor z = tensor({1.0, 2.0, 0.5, -1.0, 0.0, -1.0, 3.0, 0.25, 2.0, 2.0, 2.0, 2.0}, {3, 4}, f64)
                 .requires_grad_();
  Tensor loss = unlikelihood_loss(z, int_tensor({1, 2, -100}, {3}));
  EXPECT_NEAR(loss.item(), 1.5444798828708728, 1e-14);  // PyTorch, float64
  backward(loss);
  const std::vector<double> expected = {-0.1749445874597467,
                                        0.30473001879943856,
                                        -0.10610925604511467,
                                        -0.02367617529457718,
                                        -0.16655355660694912,
                                        -0.06127162932968064,
                                        0.44168418585969255,
                                        -0.2138589999230632,
                                        0.0,
                                        0.0,
                                        0.0,
                                        0.0};  // PyTorch backward
  const std::vector<double> got = z.grad().to_vector();
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-14) << i;
}

TEST(UnlikelihoodLoss, UniformRowByHand) {
  // Four equal logits: p = 1/4 for every token, so L = -log(3/4) = 0.2876820724517809.
  Tensor z = full({1, 4}, 2.0, f64);
  EXPECT_NEAR(unlikelihood_loss(z, int_tensor({3}, {1})).item(), -std::log(0.75), 1e-15);
  Tensor z32 = full({1, 4}, 2.0, DType::f32);
  EXPECT_NEAR(unlikelihood_loss(z32, int_tensor({3}, {1})).item(), -std::log(0.75), 1e-7);
}

TEST(UnlikelihoodLoss, ExactWhenTheWrongTokenIsAlmostCertain) {
  // z = [0, 40], y = 1: p = 1 - 4.2e-18 rounds to 1 in float64, so PyTorch's
  // -log1p(-softmax(z)[1]) is inf. Exactly, log(1 - p) = 0 - log(1 + e^40) = -40 - log1p(e^-40),
  // so L = 40 (to double precision).
  Tensor z = tensor({0.0, 40.0}, {1, 2}, f64).requires_grad_();
  Tensor loss = unlikelihood_loss(z, int_tensor({1}, {1}));
  EXPECT_DOUBLE_EQ(loss.item(), 40.0);
  backward(loss);  // dL/dz = softmax(z) - r = [p_0 - 1, p_1] with r = [1, 0]
  EXPECT_NEAR(z.grad().at({0, 0}), -1.0, 1e-15);
  EXPECT_NEAR(z.grad().at({0, 1}), 1.0, 1e-15);
  // The other end, y = 0 with p = 1/(1 + e^40): L = log1p(e^-40) = 4.248354255291589e-18
  // (PyTorch and the formula agree); relative accuracy is kept, not just absolute.
  EXPECT_NEAR(unlikelihood_loss(z.detach(), int_tensor({0}, {1})).item(), 4.248354255291589e-18,
              1e-30);
  // In float32 a margin of 30 already saturates p; the loss is still the exact 30.
  Tensor z32 = tensor({0.0, 30.0}, {1, 2}, DType::f32);
  EXPECT_FLOAT_EQ(static_cast<float>(unlikelihood_loss(z32, int_tensor({1}, {1})).item()), 30.0f);
}

TEST(UnlikelihoodLoss, BackwardIsFiniteUnderAnomalyMode) {
  // The backward builds softmax over the other tokens with a -inf fill; anomaly mode must see
  // no NaN or infinity in any gradient.
  AnomalyGuard detect;
  Tensor z = tensor({0.0, 40.0, -3.0, 1.0, 2.0, 3.0}, {2, 3}, f64).requires_grad_();
  Tensor loss = unlikelihood_loss(z, int_tensor({1, 2}, {2}));
  EXPECT_NO_THROW(backward(loss));
  for (double v : z.grad().to_vector()) EXPECT_TRUE(std::isfinite(v));
}

TEST(ChoiceScores, MatchPyTorch) {
  Tensor z = wave({3, 3, 4});
  Tensor s = choice_scores(z, three_answers());
  ASSERT_EQ(s.shape(), (Shape{3}));
  const std::vector<double> expected = {-2.2757249960140222, -0.9992456657772576,
                                        -1.7496379747130704};  // PyTorch
  for (std::int64_t c = 0; c < 3; ++c) EXPECT_NEAR(s.at({c}), expected[c], 1e-14) << c;
  EXPECT_EQ(best_choice(s).item(), 1.0);
}

TEST(ChoiceScores, OneTokenAnswerIsItsLogProbability) {
  // By hand: logits [0, ln 3] give p = [1/4, 3/4]; the one-token answer "1" scores ln(3/4).
  Tensor z = tensor({0.0, std::log(3.0), 5.0, 5.0}, {2, 2}, f64);  // [T=2, V=2]
  EXPECT_NEAR(choice_scores(z, int_tensor({1, -100}, {2})).item(), std::log(0.75), 1e-15);
  // Two tokens: (ln 3/4 + ln 1/2) / 2.
  EXPECT_NEAR(choice_scores(z, int_tensor({1, 0}, {2})).item(),
              0.5 * (std::log(0.75) + std::log(0.5)), 1e-15);
}

TEST(LengthNormalizedLoss, MatchesPyTorchForEveryCorrectChoice) {
  Tensor z = wave({3, 3, 4});
  const std::vector<double> expected = {1.836780128420756, 0.5603007981839914,
                                        1.3106931071198042};  // PyTorch, correct = 0, 1, 2
  for (std::int64_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(length_normalized_loss(z, three_answers(), int_tensor({c}, {})).item(), expected[c],
                1e-14)
        << c;
  }
}

TEST(LengthNormalizedLoss, BatchedMatchesPyTorch) {
  Tensor z = wave({2, 2, 2, 3}, 1.5, 1.3);  // [B=2, C=2, T=2, V=3]
  Tensor targets = int_tensor({2, -100, 0, 1, 1, 1, 2, -100}, {2, 2, 2});
  Tensor s = choice_scores(z, targets);
  const std::vector<double> expected_scores = {-1.2295897768538961, -0.8049554648566672,
                                               -1.299500229146094, -0.21699688363477432};
  for (std::int64_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(s.to_vector()[i], expected_scores[i], 1e-14) << i;
  }
  EXPECT_NEAR(length_normalized_loss(z, targets, int_tensor({1, 0}, {2})).item(),
              0.9387195136081654, 1e-14);
  EXPECT_EQ(best_choice(s).to_int_vector(), (std::vector<std::int64_t>{1, 1}));
}

TEST(TFewLoss, SumOfTheThreeTermsMatchesPyTorch) {
  Tensor z = wave({3, 3, 4}).requires_grad_();
  Tensor correct = int_tensor({1}, {});
  // PyTorch: L_LM = 0.9992456657772576, L_UL = 0.158792927110097, L_LN = 0.5603007981839914.
  EXPECT_NEAR(cross_entropy(z, correct_choice_targets(three_answers(), correct)).item(),
              0.9992456657772576, 1e-14);
  EXPECT_NEAR(unlikelihood_loss(z, wrong_choice_targets(three_answers(), correct)).item(),
              0.158792927110097, 1e-14);
  Tensor loss = tfew_loss(z, three_answers(), correct);
  EXPECT_NEAR(loss.item(), 1.718339391071346, 1e-14);
  backward(loss);
  const std::vector<double> row_00 = {-0.00960079481114635, 0.13246810388642255,
                                      -0.06890614407533355, -0.05396116499994265};
  const std::vector<double> row_12 = {0.23060326107624374, -0.30372075057131714,
                                      0.05830691818240279, 0.014810571312670667};
  for (std::int64_t v = 0; v < 4; ++v) {
    EXPECT_NEAR(z.grad().at({0, 0, v}), row_00[v], 1e-14) << v;
    EXPECT_NEAR(z.grad().at({1, 2, v}), row_12[v], 1e-14) << v;
  }
}

TEST(ChoiceTargets, SplitIntoCorrectAndWrong) {
  Tensor correct = int_tensor({2}, {});
  EXPECT_EQ(correct_choice_targets(three_answers(), correct).to_int_vector(),
            (std::vector<std::int64_t>{-100, -100, -100, -100, -100, -100, 2, -100, -100}));
  EXPECT_EQ(wrong_choice_targets(three_answers(), correct).to_int_vector(),
            (std::vector<std::int64_t>{1, 3, -100, 0, 2, 1, -100, -100, -100}));
}

TEST(BestChoice, TiesGoToTheFirst) {
  EXPECT_EQ(best_choice(tensor({0.5, 2.0, 2.0, -1.0}, {4}, f64)).item(), 1.0);
  EXPECT_EQ(best_choice(tensor({3.0, 1.0, 0.0, 4.0}, {2, 2}, f64)).to_int_vector(),
            (std::vector<std::int64_t>{0, 1}));
}

// ------------------------------------------------------------------ derivatives ----

void expect_first_and_second_order(const GradcheckFn& fn, const TensorList& inputs) {
  const GradcheckResult first = gradcheck(fn, inputs);
  EXPECT_TRUE(first.passed) << first.message;
  EXPECT_GT(first.compared, 0);
  const GradcheckResult second = gradgradcheck(fn, inputs);
  EXPECT_TRUE(second.passed) << second.message;
  EXPECT_GT(second.compared, 0);
}

TEST(TFewGradients, UnlikelihoodOnSequenceLogits) {
  Generator gen(11);
  Tensor z = randn({2, 3, 4}, gen, f64).requires_grad_();  // [B, T, V]
  Tensor wrong = int_tensor({3, -100, 0, 1, 1, -100}, {2, 3});
  expect_first_and_second_order(
      [](const TensorList& in) { return unlikelihood_loss(in[0], in[1]); }, {z, wrong});
}

TEST(TFewGradients, UnlikelihoodNearCertainty) {
  // p_y ≈ 1 - 1e-4: the gradient stays bounded (|softmax - r| ≤ 1) although -log(1-p) is large.
  Tensor z = tensor({0.0, 9.0, -0.5, 0.3, 10.0, 0.1}, {2, 3}, f64).requires_grad_();
  expect_first_and_second_order(
      [](const TensorList& in) { return unlikelihood_loss(in[0], in[1]); },
      {z, int_tensor({1, 1}, {2})});
}

TEST(TFewGradients, ScoresLossAndTotal) {
  Generator gen(12);
  Tensor z = randn({3, 3, 4}, gen, f64).requires_grad_();
  Tensor correct = int_tensor({2}, {});
  expect_first_and_second_order([](const TensorList& in) { return choice_scores(in[0], in[1]); },
                                {z, three_answers()});
  expect_first_and_second_order(
      [](const TensorList& in) { return length_normalized_loss(in[0], in[1], in[2]); },
      {z, three_answers(), correct});
  expect_first_and_second_order([](const TensorList& in) { return tfew_loss(in[0], in[1], in[2]); },
                                {z, three_answers(), correct});
}

TEST(TFewGradients, RegisteredWithKnobGradcheck) {
  const std::vector<OpCheckReport> reports =
      check_ops({"unlikelihood_loss", "choice_scores", "length_normalized_loss", "tfew_loss"});
  ASSERT_EQ(reports.size(), 4u);
  for (const OpCheckReport& r : reports) {
    EXPECT_TRUE(r.passed()) << r.op << ": " << r.first.message << r.second.message;
    EXPECT_TRUE(r.second_checked) << r.op;
  }
}

// ------------------------------------------------------------------ bad input ----

TEST(TFewErrors, UnlikelihoodNamesOpAndShapes) {
  Tensor z = zeros({3, 4}, f64);
  std::string m = message_of<ShapeError>([&] { unlikelihood_loss(z, int_tensor({1, 2}, {2})); });
  EXPECT_NE(m.find("unlikelihood_loss: logits [3,4]"), std::string::npos) << m;
  EXPECT_NE(m.find("got [2]"), std::string::npos) << m;
  m = message_of<ValueError>([&] { unlikelihood_loss(z, int_tensor({1, 4, 0}, {3})); });
  EXPECT_NE(m.find("unlikelihood_loss: targets[1] = 4 is outside [0, 4)"), std::string::npos) << m;
  m = message_of<ValueError>([&] { unlikelihood_loss(z, int_tensor({-100, -100, -100}, {3})); });
  EXPECT_NE(m.find("unlikelihood_loss: every one of the 3 targets [3]"), std::string::npos) << m;
  m = message_of<ValueError>([] {
    unlikelihood_loss(zeros({2, 1}, f64), int_tensor({0, 0}, {2}));
  });
  EXPECT_NE(m.find("V = 1 < 2"), std::string::npos) << m;
  EXPECT_THROW(unlikelihood_loss(z, zeros({3}, f64)), DTypeError);
}

TEST(TFewErrors, ScoresAndLengthNormalizedLoss) {
  Tensor z = zeros({3, 3, 4}, f64);
  std::string m = message_of<ValueError>([&] {
    choice_scores(z, int_tensor({1, 3, -100, -100, -100, -100, 2, 0, 0}, {3, 3}));
  });
  EXPECT_NE(m.find("choice_scores: answer 1 of targets [3,3] has all 3 tokens"), std::string::npos)
      << m;
  m = message_of<ShapeError>([&] { choice_scores(z, int_tensor({1, 2, 3}, {3})); });
  EXPECT_NE(m.find("choice_scores: logits [3,3,4]"), std::string::npos) << m;
  m = message_of<ValueError>(
      [&] { length_normalized_loss(z, three_answers(), int_tensor({3}, {})); });
  EXPECT_NE(m.find("length_normalized_loss: correct choice 3 at flat position 0 is outside [0, 3)"),
            std::string::npos)
      << m;
  m = message_of<ShapeError>([&] {
    length_normalized_loss(z, three_answers(), int_tensor({0, 1}, {2}));
  });
  EXPECT_NE(m.find("length_normalized_loss: targets [3,3]"), std::string::npos) << m;
  EXPECT_NE(m.find("got [2]"), std::string::npos) << m;
}

TEST(TFewErrors, TotalNeedsAWrongAnswerAndBestChoiceNeedsNumbers) {
  std::string m = message_of<ValueError>([] {
    tfew_loss(zeros({1, 2, 4}, f64), int_tensor({1, 2}, {1, 2}), int_tensor({0}, {}));
  });
  EXPECT_NE(m.find("tfew_loss: targets [1,2] have C = 1"), std::string::npos) << m;
  m = message_of<ShapeError>([] { best_choice(scalar(1.0, f64)); });
  EXPECT_NE(m.find("best_choice"), std::string::npos) << m;
  m = message_of<ValueError>([] { best_choice(tensor({1.0, NAN}, {2}, f64)); });
  EXPECT_NE(m.find("best_choice: score 1 of example 0"), std::string::npos) << m;
}

// ------------------------------------------------------------------ fine-tuning ----

// A multiple-choice problem for a linear "language-model head": every answer token has a fixed
// feature vector (think: a frozen decoder's hidden state), and the trainable head maps it to
// logits over V tokens. The correct answer of each example is chosen as the one the untrained
// head ranks LAST, so the test fails unless training with the T-Few losses reorders the choices.
struct ChoiceProblem {
  static constexpr std::int64_t examples = 8, choices = 3, tokens = 3, vocab = 6, features = 10;
  Tensor x;        // [K, C, T, D] fixed features
  Tensor targets;  // [K, C, T] answer tokens, -100 padded (lengths 1..3)
  Tensor correct;  // [K]

  explicit ChoiceProblem(Generator& gen) {
    x = randn({examples, choices, tokens, features}, gen, f64);
    std::vector<std::int64_t> ids;
    for (std::int64_t k = 0; k < examples; ++k) {
      for (std::int64_t c = 0; c < choices; ++c) {
        const std::int64_t length = 1 + (k + c) % tokens;
        for (std::int64_t t = 0; t < tokens; ++t) {
          ids.push_back(t < length ? (k * 7 + c * 3 + t * 5) % vocab : -100);
        }
      }
    }
    targets = int_tensor(ids, {examples, choices, tokens});
  }
};

// Mean rank of the correct answer (0 = ranked first) and the fraction ranked first.
std::pair<double, double> rank_of_correct(const Tensor& scores, const Tensor& correct) {
  const std::int64_t C = scores.size(-1);
  const std::vector<double> s = scores.to_vector();
  const std::vector<std::int64_t> c = correct.to_int_vector();
  double rank_sum = 0.0;
  double firsts = 0.0;
  for (std::size_t e = 0; e < c.size(); ++e) {
    const double mine = s[e * C + c[e]];
    int above = 0;
    for (std::int64_t j = 0; j < C; ++j) above += s[e * C + j] > mine ? 1 : 0;
    rank_sum += above;
    firsts += above == 0 ? 1.0 : 0.0;
  }
  return {rank_sum / static_cast<double>(c.size()), firsts / static_cast<double>(c.size())};
}

enum class Objective { length_normalized_plus_unlikelihood, full_tfew };

void fine_tune_and_check(Objective objective) {
  Generator gen(2022);
  ChoiceProblem problem(gen);
  nn::Linear head(ChoiceProblem::features, ChoiceProblem::vocab, gen, f64);
  auto scores_now = [&] {
    NoGradGuard no_grad;
    return choice_scores(head.forward(problem.x), problem.targets);  // [K, C]
  };
  // The correct answer is the one the untrained head ranks last.
  {
    Tensor s = scores_now();
    Tensor worst = zeros({ChoiceProblem::examples}, DType::i64);
    for (std::int64_t k = 0; k < ChoiceProblem::examples; ++k) {
      std::int64_t arg = 0;
      for (std::int64_t c = 1; c < ChoiceProblem::choices; ++c) {
        if (s.at({k, c}) < s.at({k, arg})) arg = c;
      }
      worst.set({k}, static_cast<double>(arg));
    }
    problem.correct = worst;
  }
  const auto [rank_before, first_before] = rank_of_correct(scores_now(), problem.correct);
  ASSERT_EQ(rank_before, 2.0);  // by construction: every correct answer starts last of three
  ASSERT_EQ(first_before, 0.0);

  Tensor wrong = wrong_choice_targets(problem.targets, problem.correct);
  auto loss_now = [&] {
    Tensor logits = head.forward(problem.x);  // [K, C, T, V]
    if (objective == Objective::full_tfew)
      return tfew_loss(logits, problem.targets, problem.correct);
    return add(length_normalized_loss(logits, problem.targets, problem.correct),
               unlikelihood_loss(logits, wrong));
  };
  nn::Adam adam(head.named_parameters(), 0.05);
  const double loss_before = loss_now().item();
  for (int step = 0; step < 150; ++step) {
    adam.zero_grad();
    Tensor loss = loss_now();
    backward(loss);
    adam.step();
  }
  const double loss_after = loss_now().item();
  const auto [rank_after, first_after] = rank_of_correct(scores_now(), problem.correct);
  EXPECT_LT(loss_after, 0.5 * loss_before) << loss_before << " -> " << loss_after;
  EXPECT_EQ(rank_after, 0.0) << "mean rank of the correct answer " << rank_before << " -> "
                             << rank_after;
  EXPECT_EQ(first_after, 1.0);
  EXPECT_EQ(best_choice(scores_now()).to_int_vector(), problem.correct.to_int_vector());
}

TEST(TFewFineTuning, LengthNormalizedPlusUnlikelihoodRanksTheCorrectAnswerFirst) {
  fine_tune_and_check(Objective::length_normalized_plus_unlikelihood);
}

TEST(TFewFineTuning, FullObjectiveRanksTheCorrectAnswerFirst) {
  fine_tune_and_check(Objective::full_tfew);
}

}  // namespace
}  // namespace knob
