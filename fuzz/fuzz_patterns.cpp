// Fuzz target: module patterns (PEFT's target_modules as a string), ia3::check_pattern() and
// ia3::SelectorMatcher.
//
// Input format: the first line is the pattern, every further line a module path to match (with
// the pattern, and with the first path's components used as a list of names). A pattern either
// compiles or throws knob::ValueError; matching never throws. Anything else, a crash, a
// sanitizer report, or an input slower than -timeout (a pattern whose matching backtracks) is a
// finding.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "autograd/error.h"
#include "ia3/adapter_config.h"

namespace {

std::vector<std::string> split_lines(std::string_view input) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= input.size()) {
    const std::size_t end = std::min(input.find('\n', start), input.size());
    lines.emplace_back(input.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// The dotted components of `path`, as a list of names ("a.b.c" -> "a", "b", "c", "b.c").
std::vector<std::string> names_from(const std::string& path) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t dot = std::min(path.find('.', start), path.size());
    names.push_back(path.substr(start, dot - start));
    if (dot < path.size()) names.push_back(path.substr(dot + 1));
    start = dot + 1;
  }
  return names;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::string> lines =
      split_lines(std::string_view(reinterpret_cast<const char*>(data), size));
  knob::ia3::ModuleSelector selector;
  selector.regex = lines.front();
  if (lines.size() > 1) selector.names = names_from(lines[1]);
  try {
    const knob::ia3::SelectorMatcher matcher(selector);
    for (std::size_t i = 1; i < lines.size(); ++i) (void)matcher.matches(lines[i]);
  } catch (const knob::ValueError&) {
    // a pattern refused with a clear error: expected
  }
  return 0;
}
