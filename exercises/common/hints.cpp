// Reading an exercise's hints.md (see hints.h).
#include "exercises/common/hints.h"

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

namespace knob::exercises {

namespace {

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\n");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t\n");
  return text.substr(first, last - first + 1);
}

}  // namespace

Hints read_hints(const std::filesystem::path& path) {
  Hints hints;
  std::ifstream in(path);
  const std::regex heading(R"(^## Hint [0-9]+: *(.*)$)");
  std::string line;
  std::string current;
  bool inside = false;
  while (std::getline(in, line)) {
    std::smatch match;
    if (std::regex_match(line, match, heading)) {
      if (inside) hints.texts.push_back(trimmed(current));
      hints.titles.push_back(match[1].str());
      current.clear();
      inside = true;
    } else if (inside) {
      current += line + "\n";
    }
  }
  if (inside) hints.texts.push_back(trimmed(current));
  return hints;
}

std::string format_hint(const Hints& hints, int level) {
  if (hints.texts.empty()) return "(this exercise has no hints file)\n";
  const int count = static_cast<int>(hints.texts.size());
  level = std::clamp(level, 1, count);
  std::ostringstream out;
  out << "Hint " << level << " of " << count << " (" << hints.titles[level - 1] << "):\n";
  std::istringstream text(hints.texts[level - 1]);
  std::string line;
  while (std::getline(text, line)) out << "  " << line << "\n";
  return out.str();
}

}  // namespace knob::exercises
