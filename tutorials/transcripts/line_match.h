/// @file tutorials/transcripts/line_match.h
/// @brief One line of a lesson's transcript against one line its program printed: the words must
/// be equal, every number must agree within a tolerance, and a `~` marks what may vary.
///
/// A line is read as a sequence of tokens, numbers and words; whitespace only separates them
/// (how many spaces stand between two tokens does not matter, so a column that grows by a digit
/// still matches). In a transcript line:
///
/// - `~` as the first character marks the whole line as varying: the program must print a line
///   there, whatever it says (timings, the instruction sets of the machine).
/// - `~` anywhere else marks the rest of that word (up to the next space) as varying: the
///   program must print one word there, whatever it is (`~0.7758`, `~29,710`, `~0:01`).
/// - a whole number (no decimal point, no exponent: a count, a size, a step) must be equal.
/// - every other number must agree: \f$ |a - e| \le \mathrm{abs} + \mathrm{rel}\,|e| \f$ for the
///   transcript's number e and the printed number a, or differ by at most one unit of e's last
///   printed digit (printing rounds, so the smallest real difference can change the last digit).
/// - every other word must be equal, character for character.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace knob::transcripts {

/// @brief How far a printed number with a decimal point or an exponent may be from the
/// transcript's: \f$ |a - e| \le \mathrm{abs} + \mathrm{rel}\,|e| \f$, besides one unit of the
/// last digit. Whole numbers must be equal.
struct Tolerance {
  double rel = 0.0;  ///< relative part, a fraction of |e|
  double abs = 0.0;  ///< absolute part
};

/// @brief What one token of a line is.
enum class TokenKind {
  word,     ///< text without spaces and without numbers, compared exactly
  number,   ///< a decimal number, compared within the tolerance
  varying,  ///< `~` and the rest of its word (transcript lines only): any one word matches
};

/// @brief One token of a line.
struct Token {
  TokenKind kind = TokenKind::word;  ///< word, number or varying
  std::string text;                  ///< the characters as written (without the `~`)
  double value = 0.0;                ///< the number's value (numbers only)
  double last_digit = 0.0;           ///< one unit of the last printed digit; 0 for whole numbers
  bool after_space = false;  ///< whether whitespace (or the start of the line) comes before it
};

/// @brief Splits a line into words and numbers; with @p allow_varying (transcript lines), a `~`
/// starts a varying token that runs to the next space.
/// @param line One line, without its newline.
/// @param allow_varying Whether `~` marks a varying token (true for the transcript's lines).
/// @return The tokens in order.
std::vector<Token> tokenize(std::string_view line, bool allow_varying);

/// @brief Whether a transcript line is marked as varying as a whole (its first character is `~`).
/// @param transcript_line One line of the transcript.
/// @return True if any printed line matches it.
bool line_varies(std::string_view transcript_line);

/// @brief Why a printed line does not match its transcript line, in words for the report.
struct LineMismatch {
  std::string reason;  ///< e.g. "number 3: the transcript has 0.7758, the program printed 0.4412"
};

/// @brief Compares one printed line with one transcript line.
/// @param transcript_line The line from the README (may carry `~` markers).
/// @param printed_line The line the program printed.
/// @param tolerance The block's tolerance for numbers.
/// @return Nothing if they match, otherwise the first difference.
std::optional<LineMismatch> match_line(std::string_view transcript_line,
                                       std::string_view printed_line, const Tolerance& tolerance);

/// @brief Whether a printed number agrees with the transcript's (see the file comment).
/// @param expected The transcript's number.
/// @param printed The printed number.
/// @param tolerance The block's tolerance.
/// @return For a whole number, whether the two are equal; otherwise whether |printed - expected|
/// is within the tolerance or one unit of the last digit.
bool numbers_agree(const Token& expected, const Token& printed, const Tolerance& tolerance);

}  // namespace knob::transcripts
