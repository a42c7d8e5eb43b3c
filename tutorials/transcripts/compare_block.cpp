// A transcript block against a program's printed lines: see compare_block.h.
#include "tutorials/transcripts/compare_block.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include "tutorials/transcripts/line_match.h"

namespace knob::transcripts {
namespace {

// The index range [first, last) of a list of lines without its blank lines at both ends.
struct Range {
  std::size_t first = 0;
  std::size_t last = 0;
  std::size_t size() const { return last - first; }
};

Range without_blank_ends(const std::vector<std::string>& lines) {
  Range r{0, lines.size()};
  while (r.first < r.last && lines[r.first].empty()) ++r.first;
  while (r.last > r.first && lines[r.last - 1].empty()) --r.last;
  return r;
}

// Compares `count` lines of the block, from block line `from`, with printed lines from `at`.
BlockResult compare_lines(const TranscriptBlock& block, std::size_t from, std::size_t count,
                          const std::vector<std::string>& printed, std::size_t at) {
  BlockResult result;
  for (std::size_t k = 0; k < count; ++k) {
    const std::string& expected = block.lines[from + k];
    const std::string& got = printed[at + k];
    ++result.lines_compared;
    if (line_varies(expected)) {
      ++result.lines_varying;
    } else {
      for (const Token& token : tokenize(expected, true)) {
        if (token.kind == TokenKind::varying) ++result.words_varying;
      }
    }
    if (const std::optional<LineMismatch> m = match_line(expected, got, block.tolerance)) {
      result.mismatches.push_back({block.first_line + from + k, expected, got, m->reason});
    }
  }
  return result;
}

}  // namespace

BlockResult compare_whole(const TranscriptBlock& block, const std::vector<std::string>& printed) {
  const Range b = without_blank_ends(block.lines), p = without_blank_ends(printed);
  const std::size_t count = std::min(b.size(), p.size());
  BlockResult result = compare_lines(block, b.first, count, printed, p.first);
  if (b.size() != p.size()) {
    result.problem = "the program printed " + std::to_string(p.size()) +
                     " lines (without blank lines at the start and the end), the transcript has " +
                     std::to_string(b.size());
    if (result.mismatches.empty()) {  // the shorter one is a prefix: show where the other goes on
      const bool output_longer = p.size() > b.size();
      result.mismatches.push_back(
          {block.first_line + b.first + count,
           output_longer ? "(the transcript ends here)" : block.lines[b.first + count],
           output_longer ? printed[p.first + count] : "(the output ends here)",
           output_longer ? "the program printed more lines" : "the program printed fewer lines"});
    }
  }
  return result;
}

BlockResult compare_excerpt(const TranscriptBlock& block, const std::vector<std::string>& printed) {
  const Range b = without_blank_ends(block.lines);
  if (b.size() > printed.size()) {
    BlockResult result;
    result.problem = "the excerpt has " + std::to_string(b.size()) +
                     " lines, more than the program printed (" + std::to_string(printed.size()) +
                     ")";
    return result;
  }
  std::optional<BlockResult> closest;
  for (std::size_t at = 0; at + b.size() <= printed.size(); ++at) {
    BlockResult here = compare_lines(block, b.first, b.size(), printed, at);
    if (here.passed()) return here;
    if (!closest || here.mismatches.size() < closest->mismatches.size()) closest = std::move(here);
  }
  closest->problem = "the excerpt does not appear in the output: the closest place differs in " +
                     std::to_string(closest->mismatches.size()) + " of its " +
                     std::to_string(b.size()) + " lines";
  return *closest;
}

}  // namespace knob::transcripts
