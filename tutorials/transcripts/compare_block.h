/// @file tutorials/transcripts/compare_block.h
/// @brief A transcript block against a program's printed lines, line by line.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "tutorials/transcripts/readme_blocks.h"

namespace knob::transcripts {

/// @brief One line of a block that does not match the printed line beside it.
struct LineReport {
  std::size_t readme_line = 0;  ///< 1-based line number in the README
  std::string transcript_line;  ///< the README's line
  std::string printed_line;     ///< what the program printed there
  std::string reason;           ///< the first difference, from match_line
};

/// @brief The outcome of comparing one block.
struct BlockResult {
  std::vector<LineReport> mismatches;  ///< every line that does not match
  std::string problem;  ///< a difference that is not one line's, e.g. the number of lines
  std::size_t lines_compared = 0;  ///< lines of the block compared
  std::size_t lines_varying = 0;   ///< of those, lines marked as varying as a whole (`~`)
  std::size_t words_varying = 0;   ///< words marked as varying (`~`) in the other lines

  /// @brief Whether the block matched.
  /// @return True if no line differs and there is no other problem.
  bool passed() const { return mismatches.empty() && problem.empty(); }
};

/// @brief Compares a whole-output block with the printed lines: line i with line i, after
/// dropping blank lines at the start and the end of both.
/// @param block The README's block (not an excerpt).
/// @param printed The program's output, split into lines.
/// @return The mismatches, and a problem if the numbers of lines differ.
BlockResult compare_whole(const TranscriptBlock& block, const std::vector<std::string>& printed);

/// @brief Looks for an excerpt block as consecutive lines anywhere in the printed lines.
/// @param block The README's excerpt block.
/// @param printed The program's output, split into lines.
/// @return Nothing wrong if some position matches every line; otherwise the mismatches at the
/// position that matches the most lines.
BlockResult compare_excerpt(const TranscriptBlock& block, const std::vector<std::string>& printed);

}  // namespace knob::transcripts
