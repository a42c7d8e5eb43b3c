// Tests of the digit-task vocabulary and batch generator (tasks/vocabulary.h, digit_tasks.h).
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/error.h"
#include "tasks/digit_tasks.h"
#include "tasks/vocabulary.h"

using namespace knob;
using namespace knob::tasks;

namespace {

// Row b of an [B,T] i64 tensor.
std::vector<Token> row_of(const Tensor& t, std::int64_t b) {
  const std::vector<std::int64_t> all = t.to_int_vector();
  const std::int64_t T = t.size(1);
  return {all.begin() + b * T, all.begin() + (b + 1) * T};
}

// The question digits of a digit-task row: input_ids[b][1 : n+1].
std::vector<Token> digits_of(const Batch& batch, std::int64_t b, int n) {
  const std::vector<Token> ids = row_of(batch.input_ids, b);
  return {ids.begin() + 1, ids.begin() + 1 + n};
}

std::vector<TaskSpec> every_task() {
  std::vector<TaskSpec> mix;
  mix.reserve(kAllTasks.size());
  for (Task task : kAllTasks) mix.push_back(own_token(task));
  return mix;
}

}  // namespace

// ---- vocabulary ----

TEST(Vocabulary, IdsAreDistinctAndFitTheConfigVocabulary) {
  std::set<Token> ids;
  for (Token d = 0; d < kNumDigits; ++d) ids.insert(d);
  ids.insert(kSep);
  for (Task task : kAllTasks) ids.insert(task_token(task));
  ids.insert(kNeutral);
  ids.insert(kPad);
  // 10 digits + SEP + 6 tasks + neutral + PAD, all different, all below kVocabSize ≤ 32.
  EXPECT_EQ(ids.size(), 19u);
  EXPECT_EQ(static_cast<Token>(ids.size()), kVocabSize);
  EXPECT_EQ(*ids.begin(), 0);
  EXPECT_EQ(*ids.rbegin(), kVocabSize - 1);
  EXPECT_LE(kVocabSize, 32);
  EXPECT_NO_THROW(check_vocab_size(32));
  EXPECT_NO_THROW(check_vocab_size(kVocabSize));
  EXPECT_THROW(check_vocab_size(kVocabSize - 1), ValueError);
}

TEST(Vocabulary, TokenNamesAreDistinctAndDecodeReads) {
  std::set<std::string> names;
  for (Token t = 0; t < kVocabSize; ++t) names.insert(token_name(t));
  EXPECT_EQ(static_cast<Token>(names.size()), kVocabSize);
  EXPECT_EQ(decode(std::vector<Token>{task_token(Task::reverse), 3, 1, 4, kSep, 4, 1, 3}),
            "<rev> 3 1 4 | 4 1 3");
  EXPECT_EQ(decode(std::vector<Token>{kNeutral, kIgnore, 99}), "<neutral> _ <?99>");
  EXPECT_EQ(decode(int_tensor({kSep, 7}, {1, 2})), "| 7");
  EXPECT_THROW(decode(tensor({1.0}, {1})), DTypeError);
  EXPECT_THROW(decode(int_tensor({1, 2, 3, 4}, {2, 2})), ShapeError);
}

TEST(Vocabulary, TaskNamesRoundTrip) {
  for (Task task : kAllTasks) {
    EXPECT_EQ(parse_task(task_name(task)), task);
    EXPECT_TRUE(is_task_token(task_token(task)));
  }
  EXPECT_TRUE(is_task_token(kNeutral));
  EXPECT_FALSE(is_task_token(kSep));
  EXPECT_FALSE(is_task_token(kPad));
  EXPECT_FALSE(is_task_token(9));
  EXPECT_THROW(parse_task("rev"), ValueError);
}

TEST(Vocabulary, ParseTaskMix) {
  const std::vector<TaskSpec> mix = parse_task_mix("copy,reverse_increment@neutral,sort@reverse");
  ASSERT_EQ(mix.size(), 3u);
  EXPECT_EQ(mix[0].task, Task::copy);
  EXPECT_EQ(mix[0].shown_as, task_token(Task::copy));
  EXPECT_EQ(mix[1].task, Task::reverse_increment);
  EXPECT_EQ(mix[1].shown_as, kNeutral);
  EXPECT_EQ(mix[2].task, Task::sort);
  EXPECT_EQ(mix[2].shown_as, task_token(Task::reverse));
  EXPECT_THROW(parse_task_mix(""), ValueError);
  EXPECT_THROW(parse_task_mix("copy,"), ValueError);
  EXPECT_THROW(parse_task_mix("copy,bogus"), ValueError);
  EXPECT_THROW(parse_task_mix("copy@bogus"), ValueError);
}

// ---- the tasks themselves ----

TEST(DigitTasks, AnswersOnHandWrittenExamples) {
  const std::vector<Token> q = {3, 9, 0};
  EXPECT_EQ(solve(Task::copy, q), (std::vector<Token>{3, 9, 0}));
  EXPECT_EQ(solve(Task::reverse, q), (std::vector<Token>{0, 9, 3}));
  EXPECT_EQ(solve(Task::increment, q), (std::vector<Token>{4, 0, 1}));
  EXPECT_EQ(solve(Task::decrement, q), (std::vector<Token>{2, 8, 9}));
  EXPECT_EQ(solve(Task::reverse_increment, q), (std::vector<Token>{1, 0, 4}));
  EXPECT_EQ(solve(Task::sort, q), (std::vector<Token>{0, 3, 9}));
  EXPECT_EQ(solve(Task::sort, {5, 1, 5, 0, 9, 1}), (std::vector<Token>{0, 1, 1, 5, 5, 9}));
  EXPECT_EQ(solve(Task::decrement, {0}), (std::vector<Token>{9}));
  EXPECT_THROW(solve(Task::copy, {1, 10}), ValueError);
  EXPECT_THROW(solve(Task::copy, {-1}), ValueError);
}

TEST(DigitTasks, ExampleLayout) {
  const std::vector<Token> example =
      make_example({Task::reverse_increment, kNeutral}, std::vector<Token>{3, 9, 0});
  EXPECT_EQ(example, (std::vector<Token>{kNeutral, 3, 9, 0, kSep, 1, 0, 4}));
  EXPECT_EQ(decode(make_example(own_token(Task::reverse), {3, 1, 4})), "<rev> 3 1 4 | 4 1 3");
  EXPECT_THROW(make_example({Task::copy, 5}, {1, 2}), ValueError);  // a digit is no task token
  EXPECT_THROW(make_example({Task::copy, kSep}, {1, 2}), ValueError);
  EXPECT_THROW(make_example(own_token(Task::copy), {}), ValueError);
}

// ---- batches ----

TEST(DigitBatch, ShapesAndTargetMaskAtAnswerPositions) {
  Generator gen(7);
  const int n = 5;
  const int B = 64;
  const Batch batch = make_batch(every_task(), B, n, gen, Split::train);
  const std::int64_t T = 2 * n + 1;
  ASSERT_EQ(batch.input_ids.shape(), (Shape{B, T}));
  ASSERT_EQ(batch.targets.shape(), (Shape{B, T}));
  EXPECT_EQ(batch.input_ids.dtype(), DType::i64);
  EXPECT_EQ(batch.targets.dtype(), DType::i64);
  ASSERT_EQ(batch.task.size(), static_cast<std::size_t>(B));
  EXPECT_EQ(digit_seq_len(n), T);
  EXPECT_EQ(first_answer_position(n), n + 1);

  for (std::int64_t b = 0; b < B; ++b) {
    const std::vector<Token> ids = row_of(batch.input_ids, b);
    const std::vector<Token> targets = row_of(batch.targets, b);
    const Task task = static_cast<Task>(batch.task[b]);
    const std::vector<Token> digits = digits_of(batch, b, n);
    const std::vector<Token> full_example = make_example(own_token(task), digits);
    // input_ids = seq[0:-1]
    EXPECT_EQ(ids, std::vector<Token>(full_example.begin(), full_example.end() - 1));
    // targets: -100 at t = 0 … n, then the answer at t = n+1 … 2n
    for (std::int64_t t = 0; t < T; ++t) {
      if (t <= n) {
        EXPECT_EQ(targets[t], kIgnore) << "row " << b << " position " << t;
      } else {
        EXPECT_EQ(targets[t], full_example[t + 1]) << "row " << b << " position " << t;
      }
    }
    EXPECT_EQ(ids[n + 1], kSep);
  }
}

TEST(DigitBatch, TasksAreDrawnFromTheMixAndShownUnderTheirSpecToken) {
  Generator gen(3);
  const std::vector<TaskSpec> mix = {own_token(Task::copy), {Task::reverse_increment, kNeutral}};
  const Batch batch = make_batch(mix, 400, 4, gen, Split::train);
  int copies = 0;
  for (std::int64_t b = 0; b < 400; ++b) {
    const std::vector<Token> ids = row_of(batch.input_ids, b);
    const std::vector<Token> targets = row_of(batch.targets, b);
    const std::vector<Token> answer(targets.begin() + 5, targets.end());
    const std::vector<Token> digits = digits_of(batch, b, 4);
    if (batch.task[b] == static_cast<int>(Task::copy)) {
      ++copies;
      EXPECT_EQ(ids[0], task_token(Task::copy));
      EXPECT_EQ(answer, solve(Task::copy, digits));
    } else {
      ASSERT_EQ(batch.task[b], static_cast<int>(Task::reverse_increment));
      EXPECT_EQ(ids[0], kNeutral);
      EXPECT_EQ(answer, solve(Task::reverse_increment, digits));
    }
  }
  EXPECT_GT(copies, 150);  // ~200 expected for a uniform pick of two
  EXPECT_LT(copies, 250);
}

TEST(DigitBatch, SameSeedSameBatchOtherSeedOtherBatch) {
  const std::vector<TaskSpec> mix = every_task();
  Generator a(42);
  Generator b(42);
  Generator c(43);
  const Batch first = make_batch(mix, 32, 6, a, Split::train);
  const Batch again = make_batch(mix, 32, 6, b, Split::train);
  const Batch other = make_batch(mix, 32, 6, c, Split::train);
  EXPECT_EQ(first.input_ids.to_int_vector(), again.input_ids.to_int_vector());
  EXPECT_EQ(first.targets.to_int_vector(), again.targets.to_int_vector());
  EXPECT_EQ(first.task, again.task);
  EXPECT_NE(first.input_ids.to_int_vector(), other.input_ids.to_int_vector());
  // The generator advances: the next batch from the same generator differs too.
  const Batch next = make_batch(mix, 32, 6, a, Split::train);
  EXPECT_NE(first.input_ids.to_int_vector(), next.input_ids.to_int_vector());
}

TEST(DigitBatch, TrainAndHeldOutDigitStringsAreDisjoint) {
  const int n = 3;  // 1000 possible strings: many samples cover most of both splits
  Generator gen(11);
  std::set<std::vector<Token>> train;
  std::set<std::vector<Token>> held_out;
  for (int i = 0; i < 20; ++i) {
    const Batch tb = make_batch(every_task(), 256, n, gen, Split::train);
    const Batch hb = make_batch(every_task(), 64, n, gen, Split::held_out);
    for (std::int64_t b = 0; b < 256; ++b) train.insert(digits_of(tb, b, n));
    for (std::int64_t b = 0; b < 64; ++b) held_out.insert(digits_of(hb, b, n));
  }
  for (const auto& digits : held_out) {
    EXPECT_EQ(train.count(digits), 0u) << decode(digits);
    EXPECT_EQ(split_of(digits), Split::held_out);
  }
  // About one string in ten is held out: check the rule's share over all 1000 strings.
  int held = 0;
  for (Token a = 0; a < 10; ++a) {
    for (Token b = 0; b < 10; ++b) {
      for (Token c = 0; c < 10; ++c) held += split_of({a, b, c}) == Split::held_out ? 1 : 0;
    }
  }
  EXPECT_GT(held, 60);
  EXPECT_LT(held, 140);
  EXPECT_GT(held_out.size(), static_cast<std::size_t>(held) * 9 / 10);  // most were sampled
  EXPECT_GT(train.size(), 800u);
}

TEST(DigitBatch, RejectsBadArguments) {
  Generator gen(0);
  EXPECT_THROW(make_batch({}, 4, 3, gen, Split::train), ValueError);
  EXPECT_THROW(make_batch(every_task(), 0, 3, gen, Split::train), ValueError);
  EXPECT_THROW(make_batch(every_task(), 4, 0, gen, Split::train), ValueError);
  EXPECT_THROW(make_batch({{Task::copy, kPad}}, 4, 3, gen, Split::train), ValueError);
  EXPECT_THROW(make_batch({{static_cast<Task>(9), kNeutral}}, 4, 3, gen, Split::train), ValueError);
}

TEST(DigitBatch, OneDigitSplitEitherWorksOrSaysWhy) {
  // With n = 1 there are only ten strings; whichever split holds none must fail clearly, the
  // other must produce strings of that split only.
  for (Split split : {Split::train, Split::held_out}) {
    int members = 0;
    for (Token d = 0; d < 10; ++d) members += split_of({d}) == split ? 1 : 0;
    Generator gen(5);
    if (members == 0) {
      EXPECT_THROW(make_batch(every_task(), 4, 1, gen, split), ValueError);
    } else {
      const Batch batch = make_batch(every_task(), 16, 1, gen, split);
      for (std::int64_t b = 0; b < 16; ++b) EXPECT_EQ(split_of(digits_of(batch, b, 1)), split);
    }
  }
}
