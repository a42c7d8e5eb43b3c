#include "ia3/adapter_config.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include "autograd/error.h"
#include "nn/base/excerpt.h"

namespace knob::ia3 {

namespace {

/// RE2's memory budget for one compiled pattern (its default is 8 MiB). A pattern of
/// kMaxPatternBytes written out plainly needs a few hundred KiB; what needs more is a nest of
/// counted repetitions, refused as too large.
constexpr std::int64_t kPatternMemoryBytes = 2 << 20;

/// The compiled pattern, or a ValueError naming it.
std::shared_ptr<const re2::RE2> compile_pattern(const std::string& pattern) {
  if (pattern.size() > kMaxPatternBytes) {
    throw ValueError(fmt::format("IA3 config: the pattern '{}' is longer than {} bytes",
                                 nn::excerpt(pattern), kMaxPatternBytes));
  }
  re2::RE2::Options options;
  options.set_log_errors(false);  // the error is reported below, not printed by RE2
  options.set_max_mem(kPatternMemoryBytes);
  options.set_never_capture(true);
  auto compiled = std::make_shared<const re2::RE2>(pattern, options);
  if (!compiled->ok()) {
    throw ValueError(fmt::format("IA3 config: cannot use the pattern '{}': {}{}",
                                 nn::excerpt(pattern), nn::excerpt(compiled->error(), 120),
                                 compiled->error_code() == re2::RE2::ErrorBadPerlOp
                                     ? " (lookaround and backreferences are not supported)"
                                     : ""));
  }
  return compiled;
}

}  // namespace

void check_pattern(const std::string& pattern) { (void)compile_pattern(pattern); }

SelectorMatcher::SelectorMatcher(const ModuleSelector& selector)
    : names_(selector.names.begin(), selector.names.end()),
      pattern_(selector.regex.empty() ? nullptr : compile_pattern(selector.regex)) {}

bool SelectorMatcher::matches(std::string_view path) const {
  // A name matches the whole path or a suffix that starts after a '.': try each such suffix.
  if (names_.contains(path)) return true;
  for (std::size_t dot = path.find('.'); dot != std::string_view::npos;
       dot = path.find('.', dot + 1)) {
    if (names_.contains(path.substr(dot + 1))) return true;
  }
  return pattern_ && re2::RE2::FullMatch(re2::StringPiece(path.data(), path.size()), *pattern_);
}

bool ModuleSelector::matches(const std::string& path) const {
  return SelectorMatcher(*this).matches(path);
}

AdapterConfig AdapterConfig::spec_default() {
  AdapterConfig config;
  config.target_modules.names = {"k_proj", "v_proj", "ffn.down"};
  config.feedforward_modules.names = {"ffn.down"};
  return config;
}

}  // namespace knob::ia3
