/// @file
/// @brief The token vocabulary of the digit tasks: ten digits, a separator, one token per task,
/// a neutral task token and padding — and how to print them.
///
/// | id     | token               | printed as  |
/// |--------|---------------------|-------------|
/// | 0 … 9  | the digits          | `0` … `9`   |
/// | 10     | separator `SEP`     | a bar       |
/// | 11     | copy                | `<copy>`    |
/// | 12     | reverse             | `<rev>`     |
/// | 13     | increment           | `<inc>`     |
/// | 14     | decrement           | `<dec>`     |
/// | 15     | reverse_increment   | `<rev_inc>` |
/// | 16     | sort                | `<sort>`    |
/// | 17     | neutral task token  | `<neutral>` |
/// | 18     | padding `PAD`       | `<pad>`     |
///
/// So `kVocabSize` = 19 ids are used, which fits docs/spec.md's `vocab_size` of 32.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "autograd/tensor.h"

namespace knob::tasks {

/// @brief A token id, as stored in an i64 `input_ids` tensor.
using Token = std::int64_t;

/// @brief The algorithms the digit tasks ask for. The value is also the row label in a Batch.
enum class Task : int {
  copy = 0,               ///< `3 1 4` → `3 1 4`
  reverse = 1,            ///< `3 1 4` → `4 1 3`
  increment = 2,          ///< each digit +1 mod 10: `3 9 0` → `4 0 1`
  decrement = 3,          ///< each digit −1 mod 10: `3 9 0` → `2 8 9`
  reverse_increment = 4,  ///< reverse, then +1 mod 10: `3 9 0` → `1 0 4`
  sort = 5,               ///< ascending: `3 1 4` → `1 3 4`
};

/// @brief How many tasks exist (the Task values are 0 … kNumTasks−1).
inline constexpr int kNumTasks = 6;

/// @brief Every task, in the order of their values.
inline constexpr std::array<Task, kNumTasks> kAllTasks = {
    Task::copy,      Task::reverse,           Task::increment,
    Task::decrement, Task::reverse_increment, Task::sort};

/// @brief Number of digit tokens (ids 0 … 9 are the digits themselves).
inline constexpr Token kNumDigits = 10;
/// @brief The separator between the question digits and the answer, printed `|`.
inline constexpr Token kSep = 10;
/// @brief The first task token; task t has id `kFirstTaskToken + t`.
inline constexpr Token kFirstTaskToken = 11;
/// @brief A task token that names no task, for fine-tuning a new task without its own token.
inline constexpr Token kNeutral = kFirstTaskToken + kNumTasks;  // 17
/// @brief Padding (no task generates it; it exists so callers can pad ragged data).
inline constexpr Token kPad = kNeutral + 1;  // 18
/// @brief Number of token ids the vocabulary uses (ids 0 … kVocabSize−1).
inline constexpr Token kVocabSize = kPad + 1;  // 19

/// @brief The value of ignored targets (as PyTorch's cross-entropy `ignore_index`).
inline constexpr Token kIgnore = -100;

/// @brief The dedicated task token of a task (`<copy>`, `<rev>`, ...).
/// @param task a task.
/// @return its token id, in [kFirstTaskToken, kNeutral).
Token task_token(Task task);

/// @brief Is `token` a task token (one of the tasks' own tokens, or kNeutral)?
/// @param token any id.
/// @return true for ids kFirstTaskToken … kNeutral.
bool is_task_token(Token token);

/// @brief The task's name as used on command lines: "copy", "reverse", "increment",
/// "decrement", "reverse_increment", "sort".
/// @param task a task.
/// @return the name.
std::string_view task_name(Task task);

/// @brief The task with a given name (inverse of task_name()).
/// @param name one of the names task_name() returns.
/// @return the task.
/// @throws ValueError naming the unknown name and listing the valid ones.
Task parse_task(std::string_view name);

/// @brief How a token is printed: "0" … "9", "|", "<copy>", "<rev>", "<inc>", "<dec>",
/// "<rev_inc>", "<sort>", "<neutral>", "<pad>"; "_" for an ignored target (-100) and
/// "<?N>" for an id outside the vocabulary.
/// @param token any id.
/// @return its printable name.
std::string token_name(Token token);

/// @brief A token sequence as text, names separated by spaces: "<rev> 3 1 4 | 4 1 3".
/// @param tokens the ids.
/// @return the text (empty for no tokens).
std::string decode(const std::vector<Token>& tokens);

/// @brief One row of an i64 tensor as text (see decode(const std::vector<Token>&)).
/// @param tokens an i64 tensor of shape [T] or [1, T].
/// @return the text.
/// @throws DTypeError when `tokens` is not i64; ShapeError when it is not one row.
std::string decode(const Tensor& tokens);

/// @brief Check that a model's vocabulary has room for every token id of this vocabulary.
/// @param config_vocab_size the model's `vocab_size` (docs/spec.md's config uses 32).
/// @throws ValueError when config_vocab_size < kVocabSize.
void check_vocab_size(std::int64_t config_vocab_size);

}  // namespace knob::tasks
