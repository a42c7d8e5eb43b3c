// Tests of teacher-forced and greedy metrics (tasks/metrics.h) on hand-built logits and fake
// models.
#include <vector>

#include <gtest/gtest.h>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "tasks/digit_tasks.h"
#include "tasks/metrics.h"

using namespace knob;
using namespace knob::tasks;

namespace {

constexpr std::int64_t V = kVocabSize;

// Logits [B,T,V] that put the largest value on `tokens[b][t]` at every position (f32 or f64).
Tensor one_hot_logits(const std::vector<std::int64_t>& tokens, std::int64_t B, std::int64_t T,
                      DType dtype) {
  Tensor logits = zeros({B, T, V}, dtype);
  for (std::int64_t b = 0; b < B; ++b) {
    for (std::int64_t t = 0; t < T; ++t) {
      const std::int64_t token = tokens[b * T + t];
      logits.set({b, t, token < 0 ? kPad : token}, 5.0);  // ignored targets: any guess
    }
  }
  return logits;
}

Batch sample_batch(int B, int n, std::uint64_t seed) {
  Generator gen(seed);
  std::vector<TaskSpec> mix = {own_token(Task::copy), own_token(Task::reverse),
                               own_token(Task::increment)};
  return make_batch(mix, B, n, gen, Split::train);
}

// A fake model that writes the correct next answer token of every row from the prompt in its
// ids, or that token + `offset` (mod 10). Positions it does not need are left at zero logits.
LogitsFn fake_model(int n, Token offset) {
  return [n, offset](const Tensor& ids) {
    const std::int64_t B = ids.size(0);
    const std::int64_t t_len = ids.size(1);
    Tensor logits = zeros({B, t_len, V}, DType::f64);
    const std::vector<std::int64_t> all = ids.to_int_vector();
    for (std::int64_t b = 0; b < B; ++b) {
      const Token shown = all[b * t_len];
      const Task task = static_cast<Task>(shown - kFirstTaskToken);
      const std::vector<Token> digits(all.begin() + b * t_len + 1, all.begin() + b * t_len + 1 + n);
      const std::vector<Token> answer = solve(task, digits);
      // Position p (≥ n+1, the SEP) predicts answer digit p − (n+1).
      for (std::int64_t p = n + 1; p < t_len; ++p) {
        const Token next = (answer[p - (n + 1)] + offset) % 10;
        logits.set({b, p, next}, 1.0);
      }
    }
    return logits;
  };
}

}  // namespace

TEST(Metrics, PerfectLogitsScoreOne) {
  const Batch batch = sample_batch(12, 4, 1);
  for (DType dtype : {DType::f32, DType::f64}) {
    const Tensor logits = one_hot_logits(batch.targets.to_int_vector(), 12, 9, dtype);
    const Scores scores = score_logits(logits, batch);
    EXPECT_DOUBLE_EQ(scores.overall.token_accuracy(), 1.0);
    EXPECT_DOUBLE_EQ(scores.overall.exact_match(), 1.0);
    EXPECT_EQ(scores.overall.rows, 12);
    EXPECT_EQ(scores.overall.tokens, 12 * 4);  // only the answer digits are scored
    EXPECT_DOUBLE_EQ(token_accuracy(logits, batch), 1.0);
    EXPECT_DOUBLE_EQ(exact_match(logits, batch), 1.0);
    std::int64_t rows = 0;
    for (const Score& s : scores.per_task) rows += s.rows;
    EXPECT_EQ(rows, 12);
  }
}

TEST(Metrics, OneWrongDigitCostsOneRowOfExactMatch) {
  const Batch batch = sample_batch(10, 4, 2);
  std::vector<std::int64_t> predicted = batch.targets.to_int_vector();  // [10,9]
  const std::int64_t b = 3;
  const std::int64_t t = 6;  // an answer position (n+1 = 5 … 8)
  predicted[b * 9 + t] = (predicted[b * 9 + t] + 1) % 10;
  const Tensor logits = one_hot_logits(predicted, 10, 9, DType::f32);
  const Scores scores = score_logits(logits, batch);
  EXPECT_DOUBLE_EQ(scores.overall.exact_match(), 0.9);
  EXPECT_DOUBLE_EQ(scores.overall.token_accuracy(), 39.0 / 40.0);
  // The row's own task lost it; the others are untouched.
  const int wrong_task = batch.task[b];
  for (std::size_t i = 0; i < scores.task_ids.size(); ++i) {
    const Score& s = scores.per_task[i];
    if (scores.task_ids[i] == wrong_task) {
      EXPECT_EQ(s.exact_rows, s.rows - 1);
      EXPECT_EQ(s.correct_tokens, s.tokens - 1);
    } else {
      EXPECT_EQ(s.exact_rows, s.rows);
    }
  }
  // A wrong guess at an ignored position changes nothing.
  std::vector<std::int64_t> ignored_wrong = batch.targets.to_int_vector();
  ignored_wrong[0] = 7;  // position 0 of row 0 has target -100
  EXPECT_DOUBLE_EQ(exact_match(one_hot_logits(ignored_wrong, 10, 9, DType::f64), batch), 1.0);
}

TEST(Metrics, ArgmaxTakesTheFirstOfTiedMaxima) {
  Batch batch;
  batch.input_ids = int_tensor({0}, {1, 1});
  batch.targets = int_tensor({2}, {1, 1});
  Tensor logits = zeros({1, 1, 4}, DType::f64);
  logits.set({0, 0, 1}, 3.0);
  logits.set({0, 0, 2}, 3.0);  // tie: index 1 wins, the target 2 loses
  EXPECT_DOUBLE_EQ(token_accuracy(logits, batch), 0.0);
  logits.set({0, 0, 2}, 3.5);
  EXPECT_DOUBLE_EQ(token_accuracy(logits, batch), 1.0);
}

TEST(Metrics, ScoresPoolAcrossBatches) {
  const Batch batch = sample_batch(8, 3, 3);
  const Tensor perfect = one_hot_logits(batch.targets.to_int_vector(), 8, 7, DType::f32);
  std::vector<std::int64_t> bad = batch.targets.to_int_vector();
  for (std::int64_t b = 0; b < 8; ++b) bad[b * 7 + 6] = (bad[b * 7 + 6] + 1) % 10;
  Scores total = score_logits(perfect, batch);
  total += score_logits(one_hot_logits(bad, 8, 7, DType::f32), batch);
  EXPECT_EQ(total.overall.rows, 16);
  EXPECT_DOUBLE_EQ(total.overall.exact_match(), 0.5);
  EXPECT_DOUBLE_EQ(total.overall.token_accuracy(), (24.0 + 16.0) / 48.0);
  EXPECT_EQ(total.for_task(batch.task[0]).rows % 2, 0);
  EXPECT_EQ(total.for_task(static_cast<int>(Task::sort)).rows, 0);  // not in the mix
  EXPECT_FALSE(format_scores(total).empty());
}

TEST(Metrics, RejectsMismatchedInputs) {
  const Batch batch = sample_batch(4, 2, 4);  // [4,5]
  EXPECT_THROW(score_logits(zeros({4, 4, V}), batch), ShapeError);
  EXPECT_THROW(score_logits(zeros({4, 5}), batch), ShapeError);
  EXPECT_THROW(score_logits(int_tensor(std::vector<std::int64_t>(V * 4 * 5, 0), {4, 5, V}), batch),
               DTypeError);
  EXPECT_THROW(score_logits(zeros({4, 5, 3}), batch), ValueError);  // targets ≥ V = 3
  Batch bad_labels = batch;
  bad_labels.task = {0, 1};
  EXPECT_THROW(score_logits(zeros({4, 5, V}), bad_labels), ShapeError);
}

// ---- greedy ----

TEST(GreedyEvaluator, PerfectModelScoresOneAndOffByOneScoresZero) {
  const int n = 5;
  const Batch batch = sample_batch(16, n, 9);
  const Scores perfect = evaluate_greedy(fake_model(n, 0), batch);
  EXPECT_DOUBLE_EQ(perfect.overall.exact_match(), 1.0);
  EXPECT_DOUBLE_EQ(perfect.overall.token_accuracy(), 1.0);
  EXPECT_EQ(perfect.overall.tokens, 16 * n);
  for (const Score& s : perfect.per_task) EXPECT_DOUBLE_EQ(s.exact_match(), 1.0);

  const Scores off = evaluate_greedy(fake_model(n, 1), batch);
  EXPECT_DOUBLE_EQ(off.overall.exact_match(), 0.0);
  EXPECT_DOUBLE_EQ(off.overall.token_accuracy(), 0.0);
}

TEST(GreedyEvaluator, FeedsBackItsOwnTokensAndOnlyThePrompt) {
  // The model sees ids [B,t] for t = n+2 … 2n+1, and beyond the prompt it must see the tokens it
  // generated, not the batch's answer. This model answers 0 at the first step, then copies its
  // previous token: if it were fed the true answer it would score on later digits.
  const int n = 4;
  const Batch batch = sample_batch(8, n, 21);
  std::vector<std::int64_t> lengths;
  const LogitsFn echo = [&](const Tensor& ids) {
    const std::int64_t B = ids.size(0);
    const std::int64_t len = ids.size(1);
    lengths.push_back(len);
    const std::vector<std::int64_t> all = ids.to_int_vector();
    Tensor logits = zeros({B, len, V}, DType::f32);
    for (std::int64_t b = 0; b < B; ++b) {
      const std::int64_t last = all[b * len + len - 1];
      logits.set({b, len - 1, last == kSep ? 0 : last}, 1.0);
      if (len > n + 2) {
        EXPECT_EQ(last, 0) << "fed a token it did not generate";
      }
    }
    return logits;
  };
  const Scores scores = evaluate_greedy(echo, batch);
  EXPECT_EQ(lengths, (std::vector<std::int64_t>{n + 2, n + 3, n + 4, n + 5}));
  // It writes "0 0 0 0"; the score counts exactly the answer zeros.
  std::int64_t zeros_in_answers = 0;
  std::int64_t all_zero_rows = 0;
  const std::vector<std::int64_t> targets = batch.targets.to_int_vector();
  for (std::int64_t b = 0; b < 8; ++b) {
    int row_zeros = 0;
    for (std::int64_t t = n + 1; t < 2 * n + 1; ++t) row_zeros += targets[b * 9 + t] == 0;
    zeros_in_answers += row_zeros;
    all_zero_rows += row_zeros == n;
  }
  EXPECT_EQ(scores.overall.correct_tokens, zeros_in_answers);
  EXPECT_EQ(scores.overall.exact_rows, all_zero_rows);
}

TEST(GreedyEvaluator, RecordsNothingOnTheTape) {
  const int n = 3;
  const Batch batch = sample_batch(4, n, 5);
  Tensor w = ones({1}, DType::f64).requires_grad_();
  bool grad_seen = true;
  const LogitsFn model = [&](const Tensor& ids) {
    Tensor logits = fake_model(n, 0)(ids);
    Tensor scaled = mul(logits, w);  // would require grad outside a NoGradGuard
    grad_seen = scaled.requires_grad();
    return scaled;
  };
  EXPECT_DOUBLE_EQ(evaluate_greedy(model, batch).overall.exact_match(), 1.0);
  EXPECT_FALSE(grad_seen);
}

TEST(GreedyEvaluator, RejectsBadModelsAndBatches) {
  const int n = 3;
  const Batch batch = sample_batch(4, n, 6);
  const LogitsFn wrong_shape = [](const Tensor& ids) { return zeros({ids.size(0), 1, V}); };
  EXPECT_THROW(evaluate_greedy(wrong_shape, batch), ShapeError);
  const LogitsFn int_logits = [](const Tensor& ids) {
    return int_tensor(std::vector<std::int64_t>(ids.numel() * V, 0), {ids.size(0), ids.size(1), V});
  };
  EXPECT_THROW(evaluate_greedy(int_logits, batch), DTypeError);

  Batch ragged = batch;
  ragged.targets = batch.targets.clone();
  ragged.targets.set({1, 2}, 5.0);  // a scored position inside the prompt of row 1
  EXPECT_THROW(evaluate_greedy(fake_model(n, 0), ragged), ValueError);
  Batch nothing = batch;
  nothing.targets = full(batch.targets.shape(), -100.0, DType::i64);
  EXPECT_THROW(evaluate_greedy(fake_model(n, 0), nothing), ValueError);
}
