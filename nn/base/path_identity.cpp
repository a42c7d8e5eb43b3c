/// @file
/// @brief Comparing paths by file identity and by normalised name.
#include "nn/base/path_identity.h"

#include <filesystem>
#include <system_error>

#include <fmt/format.h>
#include <sys/stat.h>

#include "nn/base/file_error.h"

namespace knob::nn {

namespace {

namespace fs = std::filesystem;

bool same_identity(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/// The absolute form of `path` with ".", ".." and the links of its existing part resolved;
/// empty when it cannot be formed.
fs::path normalised(const std::string& path) {
  std::error_code ec;
  fs::path out = fs::weakly_canonical(fs::absolute(path, ec), ec);
  if (ec) return {};
  if (out.filename().empty()) out = out.parent_path();  // "dir/" and "dir" are the same
  return out;
}

}  // namespace

bool same_path(const std::string& a, const std::string& b) {
  struct stat input {
  }, output{}, output_link{};
  const bool input_exists = ::stat(a.c_str(), &input) == 0;
  if (input_exists && ::stat(b.c_str(), &output) == 0 && same_identity(input, output)) return true;
  if (input_exists && ::lstat(b.c_str(), &output_link) == 0 && same_identity(input, output_link)) {
    return true;
  }
  const fs::path first = normalised(a);
  return !first.empty() && first == normalised(b);
}

std::vector<PathArgument> directory_and_files(const std::string& option, const std::string& dir,
                                              const std::vector<std::string>& names) {
  std::vector<PathArgument> out = {{option, dir}};
  if (dir.empty()) return out;
  for (const std::string& name : names) {
    out.push_back({fmt::format("{} ({})", option, name), (fs::path(dir) / name).string()});
  }
  return out;
}

void refuse_outputs_over_inputs(const std::vector<PathArgument>& inputs,
                                const std::vector<PathArgument>& outputs) {
  for (const PathArgument& output : outputs) {
    if (output.path.empty()) continue;
    for (const PathArgument& input : inputs) {
      if (input.path.empty() || !same_path(input.path, output.path)) continue;
      throw FileError(output.path,
                      fmt::format("{} is also the input {}{}; writing it would replace what is "
                                  "read, so choose another output",
                                  output.option, input.option,
                                  input.path == output.path ? "" : " ('" + input.path + "')"));
    }
  }
}

}  // namespace knob::nn
