/// @file
/// @brief Token accuracy and exact match of a model on a Batch: teacher-forced from logits, or
/// by greedy autoregressive generation.
///
/// Only scored positions count (targets ≠ -100). For the digit tasks these are the answer
/// digits, so
/// \f$ \text{token accuracy} = \frac{\#\{\text{answer positions with } \arg\max_v z_v =
/// \text{target}\}}{\#\{\text{answer positions}\}} \f$ and
/// \f$ \text{exact match} = \frac{\#\{\text{rows whose every answer position is right}\}}{B} \f$.
///
/// *Teacher-forced* scores read one forward pass over the whole example: the prediction of
/// answer digit k sees the true digits 1 … k−1. *Greedy* scores feed the model only the prompt
/// and let it write its own answer one token at a time, as at inference; a first wrong digit can
/// then derail the rest, so greedy token accuracy is usually lower. For a causal model the two
/// exact matches agree: a row is generated entirely right exactly when every teacher-forced
/// prediction on it is right (each step then sees the true prefix).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "autograd/tensor.h"
#include "tasks/batch.h"

namespace knob::tasks {

/// @brief Counts for one group of rows (one task, or all rows) and the rates they give.
struct Score {
  std::int64_t rows = 0;            ///< rows in the group
  std::int64_t exact_rows = 0;      ///< rows whose every scored position is right
  std::int64_t tokens = 0;          ///< scored positions (targets ≠ -100)
  std::int64_t correct_tokens = 0;  ///< scored positions predicted right

  /// @brief Fraction of scored positions predicted right.
  /// @return correct_tokens / tokens (0 when there are no scored positions).
  double token_accuracy() const;
  /// @brief Fraction of rows entirely right.
  /// @return exact_rows / rows (0 when there are no rows).
  double exact_match() const;
  /// @brief Add another group's counts (to pool several batches).
  /// @param other the counts to add. @return *this.
  Score& operator+=(const Score& other);
};

/// @brief Scores of a batch: overall, and for each task present in it.
struct Scores {
  Score overall;                ///< every row
  std::vector<int> task_ids;    ///< the tasks present (Task values as int), ascending
  std::vector<Score> per_task;  ///< per_task[i] belongs to task_ids[i]

  /// @brief The score of one task.
  /// @param task a Task value as int.
  /// @return its counts, or an all-zero Score when no row of the task was scored.
  Score for_task(int task) const;
  /// @brief Pool another batch's scores into these (counts add; tasks are merged).
  /// @param other the scores to add. @return *this.
  Scores& operator+=(const Scores& other);
};

/// @brief Teacher-forced scores from a model's logits on a batch.
///
/// The prediction at position (b,t) is the first index of the largest logit, as torch.argmax.
/// Per-task scores use `batch.task`; when it is empty only `overall` is filled.
/// @param logits [B,T,V], f32 or f64.
/// @param batch  the batch the logits were computed on (targets [B,T] i64).
/// @return overall and per-task counts.
/// @throws DTypeError for non-floating logits or non-i64 targets; ShapeError when the shapes do
/// not match or `batch.task` has neither 0 nor B entries; ValueError for a target outside
/// [0, V) that is not -100.
Scores score_logits(const Tensor& logits, const Batch& batch);

/// @brief Teacher-forced token accuracy over all rows: `score_logits(logits, batch).overall`.
/// @param logits [B,T,V], f32 or f64.
/// @param batch the batch.
/// @return fraction of scored positions whose argmax is the target.
/// @throws as score_logits().
double token_accuracy(const Tensor& logits, const Batch& batch);

/// @brief Teacher-forced exact match over all rows.
/// @param logits [B,T,V], f32 or f64.
/// @param batch the batch.
/// @return fraction of rows whose every scored position's argmax is the target.
/// @throws as score_logits().
double exact_match(const Tensor& logits, const Batch& batch);

/// @brief A model seen as a function from token ids [B,t] (i64) to logits [B,t,V].
using LogitsFn = std::function<Tensor(const Tensor& ids)>;

/// @brief Greedy autoregressive scores: the model writes the answer itself.
///
/// The scored positions must be the same in every row and run to the end of the row: positions
/// p … T−1 with p ≥ 0 (for the digit tasks p = n+1, the SEP). The prompt `input_ids[:, 0:p+1]`
/// (task token, digits, SEP) is fed to `logits_fn`; the argmax of the logits at the last position
/// is the next token, which is appended, and so on until T−p tokens are generated. Generated
/// token k is compared with `targets[:, p+k]`. `logits_fn` is called T−p times, with ids
/// [B, p+1], [B, p+2], …, [B, T], under a NoGradGuard (nothing is recorded for autograd).
/// @param logits_fn maps ids [B,t] to logits [B,t,V] (f32 or f64).
/// @param batch the batch to evaluate (its input_ids beyond the prompt are not used).
/// @return overall and per-task counts, as score_logits().
/// @throws ValueError when the scored positions are not one common run to the end of the rows,
/// or a target is outside [0, V); ShapeError when logits_fn returns a wrong shape; DTypeError
/// when it returns non-floating logits.
Scores evaluate_greedy(const LogitsFn& logits_fn, const Batch& batch);

/// @brief A one-line summary, e.g. "token acc 99.2%  exact 95.0%  (copy 100.0%, reverse
/// 90.0%)", naming tasks with task_name().
/// @param scores the scores to print.
/// @return the text.
std::string format_scores(const Scores& scores);

}  // namespace knob::tasks
