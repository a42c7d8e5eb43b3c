// The marked transcript blocks of a README: see readme_blocks.h for the marker's form.
#include "tutorials/transcripts/readme_blocks.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace knob::transcripts {
namespace {

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string> words_of(std::string_view s) {
  std::istringstream in{std::string(s)};
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

[[noreturn]] void fail(std::string_view readme, std::size_t line, const std::string& what) {
  throw std::runtime_error(std::string(readme) + ":" + std::to_string(line) + ": " + what);
}

// "rel 1e-4 abs 1e-9" after the word "tolerance".
Tolerance read_tolerance(const std::vector<std::string>& words, std::string_view readme,
                         std::size_t line) {
  if (words.empty() || words[0] != "tolerance") {
    fail(readme, line, "after ';' the marker expects \"tolerance rel <r> abs <a>\"");
  }
  Tolerance tolerance;
  for (std::size_t i = 1; i < words.size(); i += 2) {
    if ((words[i] != "rel" && words[i] != "abs") || i + 1 == words.size()) {
      fail(readme, line,
           "a tolerance is \"rel <number>\" or \"abs <number>\", not \"" + words[i] + "\"");
    }
    char* end = nullptr;
    errno = 0;
    const double value = std::strtod(words[i + 1].c_str(), &end);
    if (errno != 0 || *end != '\0' || !std::isfinite(value) || value < 0.0) {
      fail(readme, line,
           "the tolerance " + words[i] + " must be a number >= 0, not \"" + words[i + 1] + "\"");
    }
    (words[i] == "rel" ? tolerance.rel : tolerance.abs) = value;
  }
  return tolerance;
}

// The marker's text after "<!-- transcript" and before "-->"; nothing if the line is not one.
std::optional<std::string_view> marker_text(std::string_view line) {
  line = trim(line);
  if (line.size() < 7 || !line.starts_with("<!--") || !line.ends_with("-->")) return std::nullopt;
  std::string_view inside = trim(line.substr(4, line.size() - 7));
  if (!inside.starts_with("transcript") ||
      (inside.size() > 10 && inside[10] != ' ' && inside[10] != ';')) {
    return std::nullopt;
  }
  return inside.substr(10);
}

// Reads the marker's runs, the word "excerpt" and the tolerance.
TranscriptBlock read_marker(std::string_view text, std::string_view readme, std::size_t line) {
  TranscriptBlock block;
  block.marker_line = line;
  const std::size_t semicolon = text.find(';');
  for (const std::string& word : words_of(text.substr(0, semicolon))) {
    const bool name = std::all_of(word.begin(), word.end(),
                                  [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
    if (!name) fail(readme, line, "a run's name is lower-case letters, not \"" + word + "\"");
    if (word == "excerpt") {
      block.excerpt = true;
    } else {
      block.runs.push_back(word);
    }
  }
  if (block.runs.empty()) fail(readme, line, "the transcript marker names no run");
  if (semicolon != std::string_view::npos) {
    block.tolerance = read_tolerance(words_of(text.substr(semicolon + 1)), readme, line);
  }
  return block;
}

}  // namespace

bool TranscriptBlock::is_for(std::string_view run) const {
  return std::find(runs.begin(), runs.end(), run) != runs.end();
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    lines.emplace_back(line);
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return lines;
}

std::vector<TranscriptBlock> read_transcript_blocks(std::string_view readme_text,
                                                    std::string_view readme_name) {
  const std::vector<std::string> lines = split_lines(readme_text);
  std::vector<TranscriptBlock> blocks;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::optional<std::string_view> text = marker_text(lines[i]);
    if (!text) continue;
    TranscriptBlock block = read_marker(*text, readme_name, i + 1);
    std::size_t fence = i + 1;
    while (fence < lines.size() && trim(lines[fence]).empty()) ++fence;
    if (fence == lines.size() || !trim(lines[fence]).starts_with("```")) {
      fail(readme_name, i + 1, "a transcript marker must be followed by a fenced block (```)");
    }
    std::size_t end = fence + 1;
    while (end < lines.size() && trim(lines[end]) != "```") ++end;
    if (end == lines.size()) fail(readme_name, fence + 1, "the fenced block is never closed");
    block.first_line = fence + 2;
    block.lines.assign(lines.begin() + static_cast<std::ptrdiff_t>(fence + 1),
                       lines.begin() + static_cast<std::ptrdiff_t>(end));
    blocks.push_back(std::move(block));
    i = end;
  }
  return blocks;
}

}  // namespace knob::transcripts
