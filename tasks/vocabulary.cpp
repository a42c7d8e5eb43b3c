#include "tasks/vocabulary.h"

#include <string>

#include <fmt/format.h>

#include "autograd/error.h"
#include "autograd/shape.h"

namespace knob::tasks {

namespace {

// One entry per task, in Task order: its command-line name and its printed token.
struct TaskNames {
  std::string_view name;
  std::string_view token;
};
constexpr std::array<TaskNames, kNumTasks> kTaskNames = {{
    {"copy", "<copy>"},
    {"reverse", "<rev>"},
    {"increment", "<inc>"},
    {"decrement", "<dec>"},
    {"reverse_increment", "<rev_inc>"},
    {"sort", "<sort>"},
}};

int task_index(Task task) {
  const int index = static_cast<int>(task);
  if (index < 0 || index >= kNumTasks) {
    throw ValueError(fmt::format("task: {} is not a task (valid: 0 … {})", index, kNumTasks - 1));
  }
  return index;
}

}  // namespace

Token task_token(Task task) { return kFirstTaskToken + task_index(task); }

bool is_task_token(Token token) { return token >= kFirstTaskToken && token <= kNeutral; }

std::string_view task_name(Task task) { return kTaskNames[task_index(task)].name; }

Task parse_task(std::string_view name) {
  std::string valid;
  for (int t = 0; t < kNumTasks; ++t) {
    if (kTaskNames[t].name == name) return static_cast<Task>(t);
    valid += (t == 0 ? "" : ", ");
    valid += kTaskNames[t].name;
  }
  throw ValueError(fmt::format("parse_task: unknown task \"{}\" (valid: {})", name, valid));
}

std::string token_name(Token token) {
  if (token >= 0 && token < kNumDigits) return std::to_string(token);
  if (token == kSep) return "|";
  if (token >= kFirstTaskToken && token < kNeutral) {
    return std::string(kTaskNames[token - kFirstTaskToken].token);
  }
  if (token == kNeutral) return "<neutral>";
  if (token == kPad) return "<pad>";
  if (token == kIgnore) return "_";
  return fmt::format("<?{}>", token);
}

std::string decode(const std::vector<Token>& tokens) {
  std::string text;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0) text += ' ';
    text += token_name(tokens[i]);
  }
  return text;
}

std::string decode(const Tensor& tokens) {
  if (tokens.dtype() != DType::i64) {
    throw DTypeError(
        fmt::format("decode: token ids must be i64, got {}", dtype_name(tokens.dtype())));
  }
  const bool one_row = tokens.dim() == 1 || (tokens.dim() == 2 && tokens.size(0) == 1);
  if (!one_row) {
    throw ShapeError(fmt::format("decode: expected one row of ids, [T] or [1,T], got {}",
                                 shape_str(tokens.shape())));
  }
  return decode(tokens.to_int_vector());
}

void check_vocab_size(std::int64_t config_vocab_size) {
  if (config_vocab_size < kVocabSize) {
    throw ValueError(fmt::format(
        "check_vocab_size: the digit tasks use token ids 0 … {} ({} ids) but the model's "
        "vocab_size is {}",
        kVocabSize - 1, kVocabSize, config_vocab_size));
  }
}

}  // namespace knob::tasks
