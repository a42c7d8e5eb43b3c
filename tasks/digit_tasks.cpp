#include "tasks/digit_tasks.h"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "autograd/error.h"

namespace knob::tasks {

namespace {

void check_digits(const std::vector<Token>& digits, std::string_view op) {
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (digits[i] < 0 || digits[i] >= kNumDigits) {
      throw ValueError(fmt::format("{}: digit {} is {}, expected 0 … 9", op, i, digits[i]));
    }
  }
}

void check_shown_as(const TaskSpec& spec, std::string_view op) {
  if (!is_task_token(spec.shown_as)) {
    throw ValueError(
        fmt::format("{}: a task must be shown under a task token ({} … {}), got {} "
                    "({})",
                    op, kFirstTaskToken, kNeutral, spec.shown_as, token_name(spec.shown_as)));
  }
}

// Parse one token name of a mix item: a task name or "neutral".
Token parse_shown_as(std::string_view name) {
  if (name == "neutral") return kNeutral;
  return task_token(parse_task(name));
}

}  // namespace

TaskSpec own_token(Task task) { return TaskSpec{task, task_token(task)}; }

std::vector<TaskSpec> parse_task_mix(std::string_view text) {
  std::vector<TaskSpec> mix;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view item = text.substr(start, comma - start);
    if (item.empty()) {
      throw ValueError(fmt::format("parse_task_mix: empty item in \"{}\"", text));
    }
    const std::size_t at = item.find('@');
    const Task task = parse_task(item.substr(0, at));
    const Token shown_as =
        at == std::string_view::npos ? task_token(task) : parse_shown_as(item.substr(at + 1));
    mix.push_back(TaskSpec{task, shown_as});
    start = comma + 1;
  }
  return mix;
}

std::vector<Token> solve(Task task, const std::vector<Token>& digits) {
  check_digits(digits, "solve");
  std::vector<Token> answer = digits;
  const auto plus = [](Token d, Token k) { return (d + k + kNumDigits) % kNumDigits; };
  switch (task) {
    case Task::copy:
      break;
    case Task::reverse:
      std::reverse(answer.begin(), answer.end());
      break;
    case Task::increment:
      for (Token& d : answer) d = plus(d, 1);
      break;
    case Task::decrement:
      for (Token& d : answer) d = plus(d, -1);
      break;
    case Task::reverse_increment:
      std::reverse(answer.begin(), answer.end());
      for (Token& d : answer) d = plus(d, 1);
      break;
    case Task::sort:
      std::sort(answer.begin(), answer.end());
      break;
    default:
      throw ValueError(fmt::format("solve: {} is not a task", static_cast<int>(task)));
  }
  return answer;
}

std::vector<Token> make_example(const TaskSpec& spec, const std::vector<Token>& digits) {
  if (digits.empty()) throw ValueError("make_example: the question needs at least one digit");
  check_shown_as(spec, "make_example");
  const std::vector<Token> answer = solve(spec.task, digits);
  std::vector<Token> sequence;
  sequence.reserve(2 * digits.size() + 2);
  sequence.push_back(spec.shown_as);
  sequence.insert(sequence.end(), digits.begin(), digits.end());
  sequence.push_back(kSep);
  sequence.insert(sequence.end(), answer.begin(), answer.end());
  return sequence;
}

Split split_of(const std::vector<Token>& digits) {
  // FNV-1a over the digit count and the digits, then splitmix64's finaliser so that the last
  // digit alone does not decide the remainder mod 10.
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  const auto feed = [&hash](std::uint64_t byte) {
    hash ^= byte;
    hash *= 0x100000001b3ULL;
  };
  feed(static_cast<std::uint64_t>(digits.size()));
  for (Token d : digits) feed(static_cast<std::uint64_t>(d));
  hash = (hash ^ (hash >> 30)) * 0xbf58476d1ce4e5b9ULL;
  hash = (hash ^ (hash >> 27)) * 0x94d049bb133111ebULL;
  hash ^= hash >> 31;
  return hash % 10 == 0 ? Split::held_out : Split::train;
}

Batch make_batch(const std::vector<TaskSpec>& mix, int batch_size, int n_digits, Generator& gen,
                 Split split) {
  if (mix.empty()) throw ValueError("make_batch: the task mix is empty");
  for (const TaskSpec& spec : mix) {
    check_shown_as(spec, "make_batch");
    task_name(spec.task);  // throws for a value that is not a Task
  }
  if (batch_size < 1 || n_digits < 1) {
    throw ValueError(fmt::format("make_batch: batch_size ({}) and n_digits ({}) must be >= 1",
                                 batch_size, n_digits));
  }
  // Rejection sampling: ~10% of strings are held out, so a few draws suffice; the cap only
  // matters for n = 1, where the split may hold no string at all.
  constexpr int kMaxDraws = 10000;

  const std::int64_t B = batch_size;
  const std::int64_t T = digit_seq_len(n_digits);
  const std::int64_t first_answer = first_answer_position(n_digits);
  Batch batch;
  batch.input_ids = empty({B, T}, DType::i64);        // [B,T]
  batch.targets = full({B, T}, kIgnore, DType::i64);  // [B,T], -100 but for the answer
  batch.task.resize(B);
  std::int64_t* ids = batch.input_ids.data<std::int64_t>();
  std::int64_t* targets = batch.targets.data<std::int64_t>();

  std::vector<Token> digits(n_digits);
  for (std::int64_t b = 0; b < B; ++b) {
    const TaskSpec& spec = mix[gen.integer(0, static_cast<std::int64_t>(mix.size()))];
    int draws = 0;
    do {
      if (++draws > kMaxDraws) {
        throw ValueError(
            fmt::format("make_batch: no string of {} digit(s) found in the {} split "
                        "after {} draws",
                        n_digits, split == Split::train ? "train" : "held-out", kMaxDraws));
      }
      for (Token& d : digits) d = gen.integer(0, kNumDigits);
    } while (split_of(digits) != split);

    const std::vector<Token> sequence = make_example(spec, digits);  // 2n+2 tokens
    std::int64_t* row_ids = ids + b * T;
    std::int64_t* row_targets = targets + b * T;
    for (std::int64_t t = 0; t < T; ++t) row_ids[t] = sequence[t];
    for (std::int64_t t = first_answer; t < T; ++t) row_targets[t] = sequence[t + 1];
    batch.task[b] = static_cast<int>(spec.task);
  }
  return batch;
}

}  // namespace knob::tasks
