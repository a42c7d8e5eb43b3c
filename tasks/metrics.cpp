#include "tasks/metrics.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "autograd/shape.h"
#include "autograd/tape.h"
#include "tasks/vocabulary.h"

namespace knob::tasks {

// ---- Score / Scores ----

double Score::token_accuracy() const {
  return tokens == 0 ? 0.0 : static_cast<double>(correct_tokens) / static_cast<double>(tokens);
}

double Score::exact_match() const {
  return rows == 0 ? 0.0 : static_cast<double>(exact_rows) / static_cast<double>(rows);
}

Score& Score::operator+=(const Score& other) {
  rows += other.rows;
  exact_rows += other.exact_rows;
  tokens += other.tokens;
  correct_tokens += other.correct_tokens;
  return *this;
}

Score Scores::for_task(int task) const {
  for (std::size_t i = 0; i < task_ids.size(); ++i) {
    if (task_ids[i] == task) return per_task[i];
  }
  return Score{};
}

Scores& Scores::operator+=(const Scores& other) {
  overall += other.overall;
  std::map<int, Score> merged;
  for (std::size_t i = 0; i < task_ids.size(); ++i) merged[task_ids[i]] += per_task[i];
  for (std::size_t i = 0; i < other.task_ids.size(); ++i) {
    merged[other.task_ids[i]] += other.per_task[i];
  }
  task_ids.clear();
  per_task.clear();
  for (const auto& [task, score] : merged) {
    task_ids.push_back(task);
    per_task.push_back(score);
  }
  return *this;
}

namespace {

// Checks shared by both evaluators: targets [B,T] i64, task labels of size 0 or B.
void check_batch(const Batch& batch, std::string_view op) {
  const Tensor& targets = batch.targets;
  if (!targets.defined() || targets.dtype() != DType::i64) {
    throw DTypeError(fmt::format("{}: targets must be a defined i64 tensor", op));
  }
  if (targets.dim() != 2) {
    throw ShapeError(
        fmt::format("{}: targets must be [B,T], got {}", op, shape_str(targets.shape())));
  }
  const auto B = static_cast<std::size_t>(targets.size(0));
  if (!batch.task.empty() && batch.task.size() != B) {
    throw ShapeError(
        fmt::format("{}: batch.task has {} labels for {} rows", op, batch.task.size(), B));
  }
}

// Index of the largest of n values (the first one on ties, as torch.argmax).
template <class T>
std::int64_t argmax(const T* values, std::int64_t n) {
  std::int64_t best = 0;
  for (std::int64_t v = 1; v < n; ++v) {
    if (values[v] > values[best]) best = v;
  }
  return best;
}

// Accumulates per-row outcomes into overall and per-task counts.
class ScoreBoard {
 public:
  explicit ScoreBoard(const std::vector<int>& task) : task_(task) {}

  void add_row(std::int64_t row, std::int64_t tokens, std::int64_t correct) {
    Score row_score;
    row_score.rows = 1;
    row_score.exact_rows = correct == tokens ? 1 : 0;
    row_score.tokens = tokens;
    row_score.correct_tokens = correct;
    overall_ += row_score;
    if (!task_.empty()) per_task_[task_[row]] += row_score;
  }

  Scores result() const {
    Scores scores;
    scores.overall = overall_;
    for (const auto& [task, score] : per_task_) {
      scores.task_ids.push_back(task);
      scores.per_task.push_back(score);
    }
    return scores;
  }

 private:
  const std::vector<int>& task_;
  Score overall_;
  std::map<int, Score> per_task_;
};

void check_target(std::int64_t target, std::int64_t V, std::string_view op, std::int64_t b,
                  std::int64_t t) {
  if (target != kIgnore && (target < 0 || target >= V)) {
    throw ValueError(
        fmt::format("{}: target[{},{}] = {} is outside [0, {}) and not -100", op, b, t, target, V));
  }
}

}  // namespace

// ---- teacher-forced ----

Scores score_logits(const Tensor& logits, const Batch& batch) {
  check_batch(batch, "score_logits");
  const Tensor& targets = batch.targets;  // [B,T]
  if (!logits.defined()) throw ValueError("score_logits: logits is an undefined tensor");
  if (logits.dim() != 3 || logits.size(0) != targets.size(0) || logits.size(1) != targets.size(1) ||
      logits.size(2) < 1) {
    throw ShapeError(
        fmt::format("score_logits: logits {} do not match targets {} (expected "
                    "[B,T,V])",
                    shape_str(logits.shape()), shape_str(targets.shape())));
  }
  const std::int64_t B = logits.size(0);
  const std::int64_t T = logits.size(1);
  const std::int64_t V = logits.size(2);
  const std::int64_t* target = targets.data<std::int64_t>();
  ScoreBoard board(batch.task);
  dispatch_floating(logits.dtype(), "score_logits", [&]<class Real>() {
    const Real* z = logits.data<Real>();  // [B,T,V]
    for (std::int64_t b = 0; b < B; ++b) {
      std::int64_t tokens = 0;
      std::int64_t correct = 0;
      for (std::int64_t t = 0; t < T; ++t) {
        const std::int64_t y = target[b * T + t];
        check_target(y, V, "score_logits", b, t);
        if (y == kIgnore) continue;
        ++tokens;
        if (argmax(z + (b * T + t) * V, V) == y) ++correct;
      }
      board.add_row(b, tokens, correct);
    }
  });
  return board.result();
}

double token_accuracy(const Tensor& logits, const Batch& batch) {
  return score_logits(logits, batch).overall.token_accuracy();
}

double exact_match(const Tensor& logits, const Batch& batch) {
  return score_logits(logits, batch).overall.exact_match();
}

// ---- greedy generation ----

Scores evaluate_greedy(const LogitsFn& logits_fn, const Batch& batch) {
  check_batch(batch, "evaluate_greedy");
  const Tensor& targets = batch.targets;  // [B,T]
  const Tensor& input_ids = batch.input_ids;
  if (!input_ids.defined() || input_ids.dtype() != DType::i64) {
    throw DTypeError("evaluate_greedy: input_ids must be a defined i64 tensor");
  }
  if (input_ids.shape() != targets.shape()) {
    throw ShapeError(fmt::format("evaluate_greedy: input_ids {} and targets {} differ in shape",
                                 shape_str(input_ids.shape()), shape_str(targets.shape())));
  }
  const std::int64_t B = targets.size(0);
  const std::int64_t T = targets.size(1);
  const std::int64_t* target = targets.data<std::int64_t>();  // [B,T]

  // The scored positions must be p … T-1 in every row, with the same p.
  std::int64_t first_scored = T;
  for (std::int64_t t = 0; t < T; ++t) {
    if (target[t] != kIgnore) {
      first_scored = t;
      break;
    }
  }
  if (first_scored == T) {
    throw ValueError("evaluate_greedy: the batch has no scored position (all targets are -100)");
  }
  for (std::int64_t b = 0; b < B; ++b) {
    for (std::int64_t t = 0; t < T; ++t) {
      const bool scored = target[b * T + t] != kIgnore;
      if (scored != (t >= first_scored)) {
        throw ValueError(fmt::format(
            "evaluate_greedy: row {} position {} is {}scored, but greedy generation needs the "
            "scored positions to be {} … {} in every row",
            b, t, scored ? "" : "not ", first_scored, T - 1));
      }
    }
  }

  // The prompt is ids[:, 0:first_scored+1] (task token, digits, SEP); the rest is generated.
  const NoGradGuard no_grad;
  std::vector<std::int64_t> ids = input_ids.to_int_vector();  // [B,T]; prompts are kept
  std::vector<std::int64_t> generated(B * T, kIgnore);        // [B,T]; token predicting t+1
  std::int64_t V = 0;
  for (std::int64_t t = first_scored; t < T; ++t) {
    const std::int64_t len = t + 1;  // feed ids[:, 0:t+1], read the logits at position t
    std::vector<std::int64_t> window(B * len);
    for (std::int64_t b = 0; b < B; ++b) {
      std::copy_n(ids.begin() + b * T, len, window.begin() + b * len);
    }
    const Tensor logits = logits_fn(int_tensor(window, {B, len}));  // [B,len,V]
    if (!logits.defined() || logits.dim() != 3 || logits.size(0) != B || logits.size(1) != len ||
        logits.size(2) < 1) {
      throw ShapeError(
          fmt::format("evaluate_greedy: logits_fn on ids [{},{}] returned {}, "
                      "expected [{},{},V]",
                      B, len, logits.defined() ? shape_str(logits.shape()) : "none", B, len));
    }
    V = logits.size(2);
    dispatch_floating(logits.dtype(), "evaluate_greedy", [&]<class Real>() {
      const Real* z = logits.data<Real>();  // [B,len,V]
      for (std::int64_t b = 0; b < B; ++b) {
        const std::int64_t next = argmax(z + (b * len + t) * V, V);
        generated[b * T + t] = next;
        if (t + 1 < T) ids[b * T + t + 1] = next;  // the model's own token is fed back
      }
    });
  }

  ScoreBoard board(batch.task);
  for (std::int64_t b = 0; b < B; ++b) {
    std::int64_t correct = 0;
    for (std::int64_t t = first_scored; t < T; ++t) {
      check_target(target[b * T + t], V, "evaluate_greedy", b, t);
      if (generated[b * T + t] == target[b * T + t]) ++correct;
    }
    board.add_row(b, T - first_scored, correct);
  }
  return board.result();
}

// ---- printing ----

std::string format_scores(const Scores& scores) {
  std::string text =
      fmt::format("token acc {:.1f}%  exact {:.1f}%", 100.0 * scores.overall.token_accuracy(),
                  100.0 * scores.overall.exact_match());
  if (!scores.task_ids.empty()) {
    text += "  (";
    for (std::size_t i = 0; i < scores.task_ids.size(); ++i) {
      const int task = scores.task_ids[i];
      const std::string name = task >= 0 && task < kNumTasks
                                   ? std::string(task_name(static_cast<Task>(task)))
                                   : fmt::format("task {}", task);
      text += fmt::format("{}{} {:.1f}%", i == 0 ? "" : ", ", name,
                          100.0 * scores.per_task[i].exact_match());
    }
    text += ")";
  }
  return text;
}

}  // namespace knob::tasks
