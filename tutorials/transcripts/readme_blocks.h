/// @file tutorials/transcripts/readme_blocks.h
/// @brief The transcripts of a lesson's README: fenced blocks marked by an HTML comment on the
/// line before the fence, which Markdown, GitHub and Doxygen do not show.
///
/// The marker names the runs the block is the output of and the block's tolerance:
///
/// ```text
/// <!-- transcript full; tolerance rel 1e-4 abs 1e-9 -->
/// <!-- transcript quick full -->                 (one block for both runs; tolerance 0)
/// <!-- transcript full excerpt -->               (some consecutive lines of the full run)
/// ```
///
/// `full` is the program run without arguments, `quick` the program run with `--quick`
/// (tutorials/CMakeLists.txt decides which runs a lesson has). A block is the whole output,
/// apart from blank lines at its start and end; an `excerpt` is a run of consecutive lines
/// anywhere in it. The fenced block must follow the marker, with at most blank lines between.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "tutorials/transcripts/line_match.h"

namespace knob::transcripts {

/// @brief One marked block of a README.
struct TranscriptBlock {
  std::vector<std::string> runs;   ///< the runs it is the output of ("full", "quick")
  bool excerpt = false;            ///< consecutive lines of the output rather than all of it
  Tolerance tolerance;             ///< how far its numbers may be from the printed ones
  std::size_t marker_line = 0;     ///< 1-based line of the marker in the README
  std::size_t first_line = 0;      ///< 1-based README line of lines[0]
  std::vector<std::string> lines;  ///< the block's lines, without the fences

  /// @brief Whether this block belongs to a run.
  /// @param run The run's name, e.g. "full".
  /// @return True if the marker names @p run.
  bool is_for(std::string_view run) const;
};

/// @brief Reads every marked transcript block of a README.
/// @param readme_text The README's text.
/// @param readme_name The README's path, for error messages.
/// @return The blocks in order.
/// @throws std::runtime_error naming the file and line for a marker that cannot be read (unknown
/// word, a tolerance that is not a non-negative number, no fenced block after it, no closing
/// fence).
std::vector<TranscriptBlock> read_transcript_blocks(std::string_view readme_text,
                                                    std::string_view readme_name);

/// @brief Splits text into lines (at '\n', dropping a '\r' before it and trailing spaces).
/// @param text Any text.
/// @return The lines; a final newline does not start an empty last line.
std::vector<std::string> split_lines(std::string_view text);

}  // namespace knob::transcripts
