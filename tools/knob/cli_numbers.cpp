// Numeric command-line options: one parser and one range check for every subcommand.
#include "cli_numbers.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>

#include <fmt/format.h>

#include "nn/base/excerpt.h"

namespace knob::cli {

namespace {

[[noreturn]] void refuse(std::string_view option, std::string_view text, std::string_view why) {
  throw CLI::ValidationError(std::string(option),
                             fmt::format("'{}' {}", nn::excerpt(text, 40), why));
}

/// "from 1 to 1000000", "from 0", "(0, ∞)"-style text for a message.
std::string describe(const RealRange& range) {
  const bool bounded_below = range.min > -std::numeric_limits<double>::max();
  const bool bounded_above = range.max < std::numeric_limits<double>::max();
  std::string out = "a finite number";
  if (bounded_below) {
    out += fmt::format(" {} {:g}", range.min_excluded ? "greater than" : "at least", range.min);
  }
  if (bounded_below && bounded_above) out += " and";
  if (bounded_above) {
    out += fmt::format(" {} {:g}", range.max_excluded ? "less than" : "at most", range.max);
  }
  return out;
}

}  // namespace

std::int64_t parse_integer_argument(std::string_view option, std::string_view text,
                                    std::int64_t min, std::int64_t max) {
  const std::string expected = fmt::format("expected a whole number from {} to {}", min, max);
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || stop != end ||
      (error != std::errc() && error != std::errc::result_out_of_range)) {
    refuse(option, text, "is not a whole number: " + expected);
  }
  if (error == std::errc::result_out_of_range || value < min || value > max) {
    refuse(option, text, "is out of range: " + expected);
  }
  return value;
}

std::vector<std::int64_t> parse_integer_list_argument(std::string_view option,
                                                      std::string_view text, std::size_t count,
                                                      std::int64_t min, std::int64_t max) {
  const std::string expected =
      fmt::format("expected {} whole numbers from {} to {}, separated by commas", count, min, max);
  const auto items = static_cast<std::size_t>(std::count(text.begin(), text.end(), ',')) + 1;
  if (items != count) refuse(option, text, fmt::format("has {} items: {}", items, expected));
  std::vector<std::int64_t> values;
  std::size_t start = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    try {
      values.push_back(parse_integer_argument(option, text.substr(start, comma - start), min, max));
    } catch (const CLI::ValidationError&) {
      refuse(option, text, fmt::format("has a bad item {}: {}", i + 1, expected));
    }
    start = comma + 1;
  }
  return values;
}

std::uint64_t parse_seed_argument(std::string_view option, std::string_view text) {
  constexpr std::string_view kExpected = "expected a whole number from 0 to 18446744073709551615";
  if (text.starts_with('-') && text.size() > 1) {
    refuse(option, text, fmt::format("is negative: {}", kExpected));
  }
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || stop != end ||
      (error != std::errc() && error != std::errc::result_out_of_range)) {
    refuse(option, text, fmt::format("is not a whole number: {}", kExpected));
  }
  if (error == std::errc::result_out_of_range) {
    refuse(option, text, fmt::format("does not fit in 64 bits: {}", kExpected));
  }
  return value;
}

double parse_real_argument(std::string_view option, std::string_view text, const RealRange& range) {
  double value = 0.0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value, std::chars_format::general);
  if (text.empty() || stop != end || error == std::errc::invalid_argument) {
    refuse(option, text, "is not a number: expected " + describe(range));
  }
  if (error == std::errc::result_out_of_range) {
    refuse(option, text, "is beyond the range of a double: expected " + describe(range));
  }
  if (!std::isfinite(value)) refuse(option, text, "is not finite: expected " + describe(range));
  const bool too_small = range.min_excluded ? value <= range.min : value < range.min;
  const bool too_large = range.max_excluded ? value >= range.max : value > range.max;
  if (too_small || too_large) refuse(option, text, "is out of range: expected " + describe(range));
  return value;
}

CLI::Option* add_integer_list_option(CLI::App& cmd, const std::string& name,
                                     std::vector<std::int64_t>& target, std::size_t count,
                                     std::int64_t min, std::int64_t max,
                                     const std::string& description) {
  CLI::Option* option = cmd.add_option_function<std::string>(
      name,
      [&target, name, count, min, max](const std::string& text) {
        target = parse_integer_list_argument(name, text, count, min, max);
      },
      description);
  return option->type_name("INT,INT,...");
}

CLI::Option* add_seed_option(CLI::App& cmd, const std::string& name, std::uint64_t& target,
                             const std::string& description) {
  CLI::Option* option = cmd.add_option_function<std::string>(
      name, [&target, name](const std::string& text) { target = parse_seed_argument(name, text); },
      description);
  return option->type_name("UINT64");
}

CLI::Option* add_real_option(CLI::App& cmd, const std::string& name, double& target,
                             const RealRange& range, const std::string& description) {
  CLI::Option* option = cmd.add_option_function<std::string>(
      name,
      [&target, name, range](const std::string& text) {
        target = parse_real_argument(name, text, range);
      },
      description);
  return option->type_name("FLOAT");
}

}  // namespace knob::cli
