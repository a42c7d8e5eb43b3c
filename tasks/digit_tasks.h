/// @file
/// @brief Algorithmic tasks over digits (copy, reverse, increment, ...) generated in-process,
/// deterministic from a seed, with a train / held-out split on the digit strings.
///
/// An example with n digits is the 2n+2 tokens
/// \f$ (\text{task token}, d_1, \dots, d_n, \text{SEP}, a_1, \dots, a_n) \f$, where
/// \f$ a = f_{\text{task}}(d) \f$. For next-token training the batch holds
/// `input_ids = seq[0:2n+1]` and `targets = seq[1:2n+2]`, so T = 2n+1, and every target is
/// -100 except the n positions t = n+1 … 2n, which predict the answer digits:
///
/// \code
/// position t:    0     1 2 3 4 5 6
/// input_ids:   <rev>   3 1 4 | 4 1
/// targets:       _     _ _ _ 4 1 3
/// \endcode
///
/// \code
/// Generator gen(0);
/// std::vector<TaskSpec> mix = {own_token(Task::copy), own_token(Task::reverse)};
/// Batch batch = make_batch(mix, 128, 8, gen, Split::train);   // input_ids [128,17]
/// \endcode
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "autograd/random.h"
#include "tasks/batch.h"
#include "tasks/vocabulary.h"

namespace knob::tasks {

/// @brief A task and the task token it is presented under.
///
/// Usually a task is shown with its own token (`own_token(Task::reverse)` → `<rev>`), but a new
/// task can be shown under another one, e.g. `{Task::reverse_increment, kNeutral}` to fine-tune
/// a model on a task it has no token for.
struct TaskSpec {
  Task task;       ///< what the answer is computed by
  Token shown_as;  ///< the first token of the example (a task token or kNeutral)
};

/// @brief A task shown under its own task token.
/// @param task a task.
/// @return `{task, task_token(task)}`.
TaskSpec own_token(Task task);

/// @brief A comma-separated mix such as "copy,reverse,reverse_increment@neutral": each item is
/// a task name (see task_name()), optionally followed by `@` and the name of the task whose
/// token to show it under, or `@neutral`.
/// @param text the list (no spaces).
/// @return one TaskSpec per item, in order.
/// @throws ValueError for an empty list or an unknown name (the message names it).
std::vector<TaskSpec> parse_task_mix(std::string_view text);

/// @brief The answer of a task: the digits f_task(d).
/// @param task which algorithm.
/// @param digits the question, each in 0 … 9.
/// @return the answer, as many digits as the question.
/// @throws ValueError when a digit is outside 0 … 9.
std::vector<Token> solve(Task task, const std::vector<Token>& digits);

/// @brief The full example `shown_as, d_1..d_n, SEP, a_1..a_n` (2n+2 tokens).
/// @param spec the task and the token it is shown under.
/// @param digits the question, each in 0 … 9, at least one.
/// @return the token sequence.
/// @throws ValueError for no digits, a digit outside 0 … 9, or a shown_as that is not a task
/// token.
std::vector<Token> make_example(const TaskSpec& spec, const std::vector<Token>& digits);

/// @brief Which part of the digit strings a batch draws from.
enum class Split {
  train,     ///< the ~90% of digit strings used for training
  held_out,  ///< the ~10% never used for training, by any task
};

/// @brief The split a digit string belongs to.
///
/// A 64-bit FNV-1a hash of the digits (and their count), finished with splitmix64's mixer, puts
/// the string in Split::held_out when the hash is divisible by 10, so about one string in ten is
/// held out, whatever the task. The rule depends only on the digits, so it is the same for every
/// task, seed and machine.
/// @param digits the question digits.
/// @return Split::held_out or Split::train.
Split split_of(const std::vector<Token>& digits);

/// @brief Sequence length T of a digit-task batch: 2n+1.
/// @param n_digits number of question digits n.
/// @return 2n+1.
inline std::int64_t digit_seq_len(std::int64_t n_digits) { return 2 * n_digits + 1; }

/// @brief Position (in input_ids / targets) of the first scored target: n+1, the SEP position.
/// The prompt the model is given before answering is input_ids[0 : n+2].
/// @param n_digits number of question digits n.
/// @return n+1.
inline std::int64_t first_answer_position(std::int64_t n_digits) { return n_digits + 1; }

/// @brief A batch of random examples from a mix of tasks.
///
/// Each row, in order, draws its task uniformly from `mix` (one `gen.integer`), then n digits
/// uniformly (n `gen.integer` calls), redrawing the digits until the string falls in `split`.
/// The same generator state therefore always gives the same batch.
/// @param mix the tasks to draw from (each with the token it is shown under), at least one.
/// @param batch_size rows B ≥ 1.
/// @param n_digits digits per question n ≥ 1.
/// @param gen the random source (advanced).
/// @param split Split::train or Split::held_out (see split_of()).
/// @return input_ids and targets [B, 2n+1] (i64), and `task[b]` = the row's Task as int.
/// @throws ValueError for an empty mix, a bad shown_as, B < 1, n < 1, or when no string of n
/// digits falls in the split (only possible for n = 1).
Batch make_batch(const std::vector<TaskSpec>& mix, int batch_size, int n_digits, Generator& gen,
                 Split split);

}  // namespace knob::tasks
