// One transcript line against one printed line: see line_match.h for the rules.
#include "tutorials/transcripts/line_match.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace knob::transcripts {
namespace {

bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
// Letters, digits and '_' (and '.') glue a digit to a name: "f32", "sse4_2", "blocks.0.attn".
bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.';
}

// Whether a number starts at s[i]: a digit, or a sign right before a digit, not glued to a name
// ("avx512" is a word); a sign after a digit or a closing bracket is an operator ("0-1").
bool number_starts_at(std::string_view s, std::size_t i) {
  const char before = i == 0 ? ' ' : s[i - 1];
  if (is_digit(s[i])) return !is_name_char(before);
  const bool sign = s[i] == '-' || s[i] == '+';
  return sign && i + 1 < s.size() && is_digit(s[i + 1]) && !is_name_char(before) && before != ')' &&
         before != ']';
}

std::size_t skip_digits(std::string_view s, std::size_t i) {
  while (i < s.size() && is_digit(s[i])) ++i;
  return i;
}

// Reads the number that starts at s[i]: [sign] digits [. digits] [e [sign] digits].
Token read_number(std::string_view s, std::size_t& i) {
  const std::size_t start = i;
  if (s[i] == '-' || s[i] == '+') ++i;
  i = skip_digits(s, i);
  int decimals = 0;
  bool decimal_form = false;
  if (i + 1 < s.size() && s[i] == '.' && is_digit(s[i + 1])) {
    const std::size_t fraction = i + 1;
    i = skip_digits(s, fraction);
    decimals = static_cast<int>(i - fraction);
    decimal_form = true;
  }
  int exponent = 0;
  if (i + 1 < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < s.size() && (s[j] == '-' || s[j] == '+')) ++j;
    if (j < s.size() && is_digit(s[j])) {
      const std::size_t end = skip_digits(s, j);
      exponent = std::atoi(std::string(s.substr(i + 1, end - i - 1)).c_str());
      decimal_form = true;
      i = end;
    }
  }
  Token token;
  token.kind = TokenKind::number;
  token.text = std::string(s.substr(start, i - start));
  token.value = std::strtod(token.text.c_str(), nullptr);
  token.last_digit = decimal_form ? std::pow(10.0, exponent - decimals) : 0.0;
  return token;
}

std::string format_number(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", x);
  return buffer;
}

std::string describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::number:
      return "the number " + token.text;
    case TokenKind::varying:
      return "a varying word (~" + token.text + ")";
    case TokenKind::word:
      break;
  }
  return "the word \"" + token.text + "\"";
}

// The report for two numbers that do not agree.
std::string number_difference(int ordinal, const Token& expected, const Token& printed,
                              const Tolerance& tolerance) {
  const std::string reason = "number " + std::to_string(ordinal) +
                             " of the line: the transcript has " + expected.text +
                             ", the program printed " + printed.text;
  if (expected.last_digit == 0.0) return reason + " (a whole number must be equal)";
  return reason + " (difference " + format_number(std::fabs(printed.value - expected.value)) +
         "; allowed " + format_number(tolerance.abs) + " + " + format_number(tolerance.rel) +
         " * |" + expected.text +
         "| = " + format_number(tolerance.abs + tolerance.rel * std::fabs(expected.value)) +
         ", or one unit of the last digit, " + format_number(expected.last_digit) + ")";
}

}  // namespace

std::vector<Token> tokenize(std::string_view line, bool allow_varying) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  bool after_space = true;
  while (i < line.size()) {
    if (is_space(line[i])) {
      after_space = true;
      ++i;
      continue;
    }
    Token token;
    if (allow_varying && line[i] == '~') {
      const std::size_t start = ++i;
      while (i < line.size() && !is_space(line[i])) ++i;
      token.kind = TokenKind::varying;
      token.text = std::string(line.substr(start, i - start));
    } else if (number_starts_at(line, i)) {
      token = read_number(line, i);
    } else {
      const std::size_t start = i;
      do {
        ++i;
      } while (i < line.size() && !is_space(line[i]) && !number_starts_at(line, i) &&
               !(allow_varying && line[i] == '~'));
      token.text = std::string(line.substr(start, i - start));
    }
    token.after_space = after_space;
    after_space = false;
    tokens.push_back(std::move(token));
  }
  return tokens;
}

bool line_varies(std::string_view transcript_line) {
  return !transcript_line.empty() && transcript_line.front() == '~';
}

bool numbers_agree(const Token& expected, const Token& printed, const Tolerance& tolerance) {
  // A whole number is a count, a size or a step: equal or wrong.
  if (expected.last_digit == 0.0) return printed.value == expected.value;
  const double difference = std::fabs(printed.value - expected.value);
  if (difference <= tolerance.abs + tolerance.rel * std::fabs(expected.value)) return true;
  // One unit of the last digit, with a little room for the decimal-to-binary conversion.
  return difference <= expected.last_digit * (1.0 + 1e-9);
}

std::optional<LineMismatch> match_line(std::string_view transcript_line,
                                       std::string_view printed_line, const Tolerance& tolerance) {
  if (line_varies(transcript_line)) return std::nullopt;
  const std::vector<Token> expected = tokenize(transcript_line, true);
  const std::vector<Token> printed = tokenize(printed_line, false);
  std::size_t j = 0;
  int numbers_seen = 0;  // for the report; a varying word counts, as it usually is a number
  for (const Token& e : expected) {
    if (j == printed.size()) {
      return LineMismatch{"the printed line ends where the transcript has " + describe(e)};
    }
    const Token& p = printed[j];
    if (e.kind != TokenKind::word) ++numbers_seen;
    if (e.kind == TokenKind::varying) {  // one printed word, whatever it holds
      ++j;
      while (j < printed.size() && !printed[j].after_space) ++j;
      continue;
    }
    if (e.kind != p.kind || (e.kind == TokenKind::word && e.text != p.text)) {
      return LineMismatch{"the transcript has " + describe(e) + ", the program printed " +
                          describe(p)};
    }
    if (e.kind == TokenKind::number && !numbers_agree(e, p, tolerance)) {
      return LineMismatch{number_difference(numbers_seen, e, p, tolerance)};
    }
    ++j;
  }
  if (j < printed.size()) {
    return LineMismatch{"the printed line goes on where the transcript's ends: " +
                        describe(printed[j])};
  }
  return std::nullopt;
}

}  // namespace knob::transcripts
