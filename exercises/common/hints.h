/// @file
/// @brief An exercise's tiered hints (hints.md): 1 = where to start, 2 = the key identity,
/// 3 = the formula. Read by the graders (after repeated failures) and by exercises/run.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace knob::exercises {

/// @brief The hints of one exercise, in order.
///
/// hints.md holds a title line and then one section per hint, each starting with a line
/// `## Hint N: <title>` (N = 1, 2, 3); everything up to the next such line is the hint's text.
struct Hints {
  std::vector<std::string> titles;  ///< "where to start", ... (one per hint)
  std::vector<std::string> texts;   ///< the text under each title, trimmed
};

/// @brief Read an exercise's hints.md.
/// @param path the file
/// @return the hints in file order (empty when the file cannot be read)
Hints read_hints(const std::filesystem::path& path);

/// @brief One hint ready to print: "Hint N of M (title):" and its text, indented.
/// @param hints the exercise's hints
/// @param level 1-based hint number, clamped to [1, number of hints]
/// @return the text, or a note that the exercise has no hints
std::string format_hint(const Hints& hints, int level);

}  // namespace knob::exercises
