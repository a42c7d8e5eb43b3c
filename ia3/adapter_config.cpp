#include "ia3/adapter_config.h"

#include <regex>

#include <fmt/format.h>

#include "autograd/error.h"

namespace knob::ia3 {

bool ModuleSelector::matches(const std::string& path) const {
  for (const std::string& name : names) {
    if (path == name) return true;
    // suffix match on a whole path component: "…" + "." + name
    if (path.size() > name.size() && path[path.size() - name.size() - 1] == '.' &&
        path.compare(path.size() - name.size(), name.size(), name) == 0) {
      return true;
    }
  }
  if (regex.empty()) return false;
  try {
    return std::regex_match(path, std::regex(regex, std::regex::ECMAScript));
  } catch (const std::regex_error& e) {
    throw ValueError(
        fmt::format("IA3 config: invalid regular expression '{}': {}", regex, e.what()));
  }
}

AdapterConfig AdapterConfig::spec_default() {
  AdapterConfig config;
  config.target_modules.names = {"k_proj", "v_proj", "ffn.down"};
  config.feedforward_modules.names = {"ffn.down"};
  return config;
}

}  // namespace knob::ia3
