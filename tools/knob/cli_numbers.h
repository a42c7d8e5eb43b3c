/// @file
/// @brief Numeric options of the `knob` subcommands, all parsed and range-checked in one place.
///
/// Every number on the command line goes through these functions: a value that is not a plain
/// number, is out of its option's range, is NaN or infinite, or does not fit the type is refused
/// with a usage error naming the option and the value, e.g.
/// `knob: --rows: 0 is out of range: expected a whole number from 1 to 1000000`. No option
/// silently falls back to a default for a bad value, and no value reaches std::stol or a
/// conversion that could throw something other than a usage error.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace knob::cli {

/// @brief The most optimizer steps (and warmup or checkpoint intervals) an option accepts: 10^9
/// (counting them costs nothing, but the number must stay far from overflow).
inline constexpr std::int64_t kMaxCount = 1'000'000'000;
/// @brief The most rows per training step (--batch): 2^16.
inline constexpr std::int64_t kMaxBatch = 65'536;
/// @brief The most held-out rows evaluated (--rows, --eval-rows): 10^6.
inline constexpr std::int64_t kMaxRows = 1'000'000;
/// @brief The most digits per example of the digit tasks (--digits); the model's max_seq_len
/// bounds it further, with its own error.
inline constexpr std::int64_t kMaxDigits = 4'096;
/// @brief The most tokens per row (--seq): TransformerConfig::kMaxSize, the largest
/// max_seq_len a config may have.
inline constexpr std::int64_t kMaxSequence = std::int64_t{1} << 24;
/// @brief The largest matrix size of `knob bench --matmul M,N,K`: 2^16.
inline constexpr std::int64_t kMaxMatmulSize = 65'536;
/// @brief The most timed rounds of `knob bench --matmul` (--repeats).
inline constexpr std::int64_t kMaxRepeats = 1'000'000;

/// @brief The values a real-valued option accepts: a finite number in [min, max], where an
/// excluded end makes that side open.
struct RealRange {
  double min = -std::numeric_limits<double>::max();  ///< the smallest value
  double max = std::numeric_limits<double>::max();   ///< the largest value
  bool min_excluded = false;                         ///< true: min itself is refused
  bool max_excluded = false;                         ///< true: max itself is refused
};

/// @brief A positive finite number, (0, ∞): learning rates.
inline constexpr RealRange kPositive{0.0, std::numeric_limits<double>::max(), true, false};
/// @brief A non-negative finite number, [0, ∞): weight decay, clipping thresholds.
inline constexpr RealRange kNonNegative{0.0, std::numeric_limits<double>::max(), false, false};

/// @brief Parse a whole number: optional '-', then decimal digits, nothing else.
/// @param option the option's name, for the message (e.g. "--rows").
/// @param text the value as typed.
/// @param min the smallest value accepted. @param max the largest value accepted.
/// @return the number, in [min, max].
/// @throws CLI::ValidationError naming the option, the value and the range.
std::int64_t parse_integer_argument(std::string_view option, std::string_view text,
                                    std::int64_t min, std::int64_t max);

/// @brief Parse a comma-separated list of exactly `count` whole numbers, each as
/// parse_integer_argument() parses one (no spaces, no empty items).
/// @param option the option's name. @param text the value as typed, e.g. "1024,64,256".
/// @param count how many numbers the list must have.
/// @param min the smallest value accepted. @param max the largest value accepted.
/// @return the numbers, in order.
/// @throws CLI::ValidationError naming the option, the value and what was expected.
std::vector<std::int64_t> parse_integer_list_argument(std::string_view option,
                                                      std::string_view text, std::size_t count,
                                                      std::int64_t min, std::int64_t max);

/// @brief Parse a seed: a whole number from 0 to 2^64 - 1.
/// @param option the option's name. @param text the value as typed.
/// @return the seed.
/// @throws CLI::ValidationError naming the option and the value (negative, beyond 64 bits,
///         not a whole number).
std::uint64_t parse_seed_argument(std::string_view option, std::string_view text);

/// @brief Parse a real number (decimal or scientific notation) within `range`.
/// @param option the option's name. @param text the value as typed.
/// @param range the values accepted (always finite: NaN and infinities are refused).
/// @return the number.
/// @throws CLI::ValidationError naming the option, the value and the range.
double parse_real_argument(std::string_view option, std::string_view text, const RealRange& range);

/// @brief Register an integer option whose value must lie in [min, max].
/// @param cmd the subcommand. @param name the option's name(s), as for CLI::App::add_option.
/// @param target where the value goes (left as it is when the option is not given).
/// @param min the smallest value accepted. @param max the largest value accepted.
/// @param description the help text.
/// @return the option.
template <class Integer>
CLI::Option* add_integer_option(CLI::App& cmd, const std::string& name, Integer& target,
                                std::int64_t min, std::int64_t max,
                                const std::string& description) {
  static_assert(std::numeric_limits<Integer>::is_integer &&
                std::numeric_limits<Integer>::is_signed);
  const std::int64_t lowest = std::max<std::int64_t>(min, std::numeric_limits<Integer>::min());
  const std::int64_t highest = std::min<std::int64_t>(max, std::numeric_limits<Integer>::max());
  CLI::Option* option = cmd.add_option_function<std::string>(
      name,
      [&target, name, lowest, highest](const std::string& text) {
        target = static_cast<Integer>(parse_integer_argument(name, text, lowest, highest));
      },
      description);
  return option->type_name("INT");
}

/// @brief Register an option whose value is a list of `count` whole numbers in [min, max],
/// separated by commas (parse_integer_list_argument()).
/// @param cmd the subcommand. @param name the option's name.
/// @param target where the numbers go (left as it is when the option is not given).
/// @param count how many numbers. @param min the smallest value accepted.
/// @param max the largest value accepted. @param description the help text.
/// @return the option.
CLI::Option* add_integer_list_option(CLI::App& cmd, const std::string& name,
                                     std::vector<std::int64_t>& target, std::size_t count,
                                     std::int64_t min, std::int64_t max,
                                     const std::string& description);

/// @brief Register a seed option (0 to 2^64 - 1).
/// @param cmd the subcommand. @param name the option's name. @param target where the value goes.
/// @param description the help text.
/// @return the option.
CLI::Option* add_seed_option(CLI::App& cmd, const std::string& name, std::uint64_t& target,
                             const std::string& description);

/// @brief Register a real-valued option whose value must lie in `range`.
/// @param cmd the subcommand. @param name the option's name. @param target where the value goes.
/// @param range the values accepted. @param description the help text.
/// @return the option.
CLI::Option* add_real_option(CLI::App& cmd, const std::string& name, double& target,
                             const RealRange& range, const std::string& description);

}  // namespace knob::cli
