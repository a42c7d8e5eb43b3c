/// @file
/// @brief knob::tasks::Batch: token ids, next-token targets and a task label per row.
#pragma once

#include <cstdint>
#include <vector>

#include "autograd/tensor.h"

namespace knob::tasks {

/// @brief One batch of next-token training data, in docs/spec.md §3's layout.
///
/// Row b is a sequence s of length T+1 cut into `input_ids[b] = s[0:T]` and
/// `targets[b] = s[1:T+1]`: the model's logits at position t are scored against `targets[b][t]`,
/// the token that follows. A target of -100 (kIgnore) is not scored.
///
/// \code
/// // the example  <rev> 3 1 4 | 4 1 3   (n = 3 digits, T = 2n+1 = 7)
/// // input_ids:   <rev> 3 1 4 |   4 1
/// // targets:     _     _ _ _ 4   1 3      (_ = -100: only the answer is scored)
/// \endcode
struct Batch {
  Tensor input_ids;       ///< [B,T] i64: token ids fed to the model
  Tensor targets;         ///< [B,T] i64: next token at each position, -100 where ignored
  std::vector<int> task;  ///< [B]: each row's Task (as int); empty when rows have no task label

  /// @brief Number of rows B. @return `input_ids.size(0)`.
  std::int64_t batch_size() const { return input_ids.size(0); }
  /// @brief Sequence length T. @return `input_ids.size(1)`.
  std::int64_t seq_len() const { return input_ids.size(1); }
};

}  // namespace knob::tasks
