// `knob compare`: how far apart are two safetensors files, tensor by tensor? The other half of
// `knob grads`: compare your implementation's gradients with knob's.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "commands.h"
#include "nn/file_error.h"
#include "nn/path_identity.h"
#include "nn/safetensors.h"

namespace knob::cli {

namespace {

struct CompareArgs {
  std::string actual;
  std::string expected;
  double rtol = 1e-9;
  double atol = -1.0;  // default: rtol / 1000 (for tensors that are exactly zero, e.g. a
                       // k_proj bias gradient, which softmax's shift invariance makes 0)
};

// max|a - e| / max|e|: the error relative to the tensor's largest expected entry.
struct Difference {
  double max_abs = 0.0;
  double relative = 0.0;
  double scale = 0.0;  // max|e|
};

Difference difference(const Tensor& actual, const Tensor& expected) {
  const std::vector<double> a = actual.to_vector();
  const std::vector<double> e = expected.to_vector();
  Difference d;
  double scale = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double diff = std::fabs(a[i] - e[i]);
    d.max_abs = std::isnan(diff) ? INFINITY : std::max(d.max_abs, diff);
    scale = std::max(scale, std::fabs(e[i]));
  }
  d.scale = scale;
  d.relative = scale > 0 ? d.max_abs / scale : d.max_abs;
  return d;
}

void run_compare(const CompareArgs& args) {
  if (nn::same_path(args.expected, args.actual)) {
    throw FileError(args.actual,
                    "is also the expected file; comparing a file with itself "
                    "checks nothing");
  }
  const double atol = args.atol >= 0 ? args.atol : args.rtol * 1e-3;
  const nn::SafetensorsFile actual = nn::read_safetensors(args.actual);
  const nn::SafetensorsFile expected = nn::read_safetensors(args.expected);
  int failures = 0;
  fmt::print("{:<40} {:>14} {:>12}  {}\n", "tensor", "max abs diff", "relative", "ok");
  for (const auto& [name, e] : expected.tensors) {
    if (!actual.contains(name)) {
      fmt::print("{:<40} {:>14} {:>12}  MISSING\n", name, "-", "-");
      ++failures;
      continue;
    }
    const Tensor a = actual.at(name);
    if (a.shape() != e.shape()) {
      fmt::print("{:<40} shape {} vs expected {}  FAIL\n", name, shape_str(a.shape()),
                 shape_str(e.shape()));
      ++failures;
      continue;
    }
    const Difference d = difference(a, e);
    const bool ok = d.max_abs <= atol + args.rtol * d.scale;
    failures += ok ? 0 : 1;
    fmt::print("{:<40} {:>14.3e} {:>12.3e}  {}\n", name, d.max_abs, d.relative, ok ? "yes" : "NO");
  }
  for (const auto& [name, a] : actual.tensors) {
    if (!expected.contains(name)) fmt::print("{:<40} (not in {})\n", name, args.expected);
  }
  if (failures > 0) {
    throw Error(
        fmt::format("compare: {} of {} tensors differ by more than atol {:g} + rtol {:g} * max|e|",
                    failures, expected.tensors.size(), atol, args.rtol));
  }
  fmt::print("all {} tensors within rtol {:g}\n", expected.tensors.size(), args.rtol);
}

}  // namespace

void add_compare_command(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand(
      "compare",
      "Compare two safetensors files tensor by tensor: max|a-e| <= atol + rtol * max|e|");
  cmd->add_option("actual", args->actual, "The file to check")->required();
  cmd->add_option("expected", args->expected, "The reference file")->required();
  cmd->add_option("--rtol", args->rtol, "Relative tolerance (default 1e-9)");
  cmd->add_option("--atol", args->atol, "Absolute tolerance (default rtol / 1000)");
  cmd->callback([args] { run_compare(*args); });
}

}  // namespace knob::cli
