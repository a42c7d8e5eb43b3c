// `knob compare`: how far apart are two safetensors files, tensor by tensor? The other half of
// `knob grads`: compare your implementation's gradients with knob's. With --first, the tensors
// are taken in the order the computation made them (a `knob grads --trace` file records it) and
// the first one that differs is reported with its worst elements: the first wrong layer.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "cli_numbers.h"
#include "commands.h"
#include "nn/base/file_error.h"
#include "nn/base/path_identity.h"
#include "nn/io/safetensors.h"

namespace knob::cli {

namespace {

struct CompareArgs {
  std::string actual;
  std::string expected;
  double rtol = 1e-9;
  double atol = -1.0;  // default: rtol / 1000 (for tensors that are exactly zero, e.g. a
                       // k_proj bias gradient, which softmax's shift invariance makes 0)
  bool first = false;
  int worst = 5;
};

// One tensor against its expected value. Finite floats agree when max|a - e| <= atol +
// rtol · max|e| (over the finite entries); a non-finite entry matches only the same value (NaN
// only NaN, +Inf only +Inf, -Inf only -Inf); integers must be equal.
struct Verdict {
  bool ok = true;
  std::string problem;              // why not, when it is not a matter of size ("missing", shapes)
  double max_abs = 0.0;             // max |a - e| over entries where both are finite
  double scale = 0.0;               // max |e| over the finite expected entries
  std::int64_t mismatches = 0;      // non-finite entries without their twin, or unequal integers
  std::vector<std::int64_t> worst;  // the worst entries, worst first
};

bool is_integer(DType d) { return !is_floating(d); }

// Does a match e when either is not finite? NaN only NaN; an infinity only the same infinity.
bool nonfinite_match(double a, double e) { return std::isnan(e) ? std::isnan(a) : a == e; }

// How bad entry i is, for ranking: an exact mismatch (non-finite, integer) beats any size.
double badness(double a, double e, bool integers) {
  if (integers) return a == e ? 0.0 : INFINITY;
  if (!std::isfinite(a) || !std::isfinite(e)) return nonfinite_match(a, e) ? 0.0 : INFINITY;
  return std::fabs(a - e);
}

Verdict judge(const Tensor& a, const Tensor& e, double atol, double rtol, int keep) {
  Verdict v;
  if (a.shape() != e.shape()) {
    v.ok = false;
    v.problem = fmt::format("shape {} vs expected {}", shape_str(a.shape()), shape_str(e.shape()));
    return v;
  }
  const bool integers = is_integer(e.dtype());
  if (integers != is_integer(a.dtype())) {
    v.ok = false;
    v.problem =
        fmt::format("dtype {} vs expected {}", dtype_name(a.dtype()), dtype_name(e.dtype()));
    return v;
  }
  std::vector<double> bad(static_cast<std::size_t>(e.numel()));
  if (integers) {  // exactly, as integers: doubles cannot tell 2^53 from 2^53 + 1
    const std::int64_t* ai = a.data<std::int64_t>();  // knob's one integer dtype
    const std::int64_t* ei = e.data<std::int64_t>();
    for (std::int64_t i = 0; i < e.numel(); ++i) {
      const bool same = ai[i] == ei[i];
      bad[i] = same ? 0.0 : INFINITY;
      v.mismatches += same ? 0 : 1;
    }
  } else {
    const std::vector<double> av = a.to_vector(), ev = e.to_vector();
    for (std::size_t i = 0; i < av.size(); ++i) {
      bad[i] = badness(av[i], ev[i], false);
      if (std::isfinite(av[i]) && std::isfinite(ev[i])) {
        v.max_abs = std::max(v.max_abs, bad[i]);
        v.scale = std::max(v.scale, std::fabs(ev[i]));
      } else if (bad[i] != 0.0) {
        ++v.mismatches;
      }
    }
  }
  v.ok = v.mismatches == 0 && v.max_abs <= atol + rtol * v.scale;
  std::vector<std::int64_t> order(bad.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int64_t>(i);
  const std::size_t k = std::min<std::size_t>(order.size(), static_cast<std::size_t>(keep));
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    [&bad](std::int64_t x, std::int64_t y) { return bad[x] > bad[y]; });
  for (std::size_t i = 0; i < k && bad[order[i]] > 0.0; ++i) v.worst.push_back(order[i]);
  return v;
}

std::string status(const Verdict& v) {
  if (!v.problem.empty()) return "FAIL";
  if (v.mismatches > 0) return fmt::format("NO ({} exact mismatches)", v.mismatches);
  return v.ok ? "yes" : "NO";
}

void print_row(const std::string& name, const Verdict& v) {
  if (!v.problem.empty()) {
    fmt::print("{:<40} {}  FAIL\n", name, v.problem);
    return;
  }
  const double relative = v.scale > 0 ? v.max_abs / v.scale : v.max_abs;
  fmt::print("{:<40} {:>14.3e} {:>12.3e}  {}\n", name, v.max_abs, relative, status(v));
}

std::string unravel(std::int64_t linear, const Shape& shape) {
  std::vector<std::int64_t> index(shape.size());
  for (std::size_t i = shape.size(); i-- > 0;) {
    index[i] = shape[i] == 0 ? 0 : linear % shape[i];
    linear = shape[i] == 0 ? 0 : linear / shape[i];
  }
  return fmt::format("[{}]", fmt::join(index, ","));
}

// One entry as text: integers exactly, floats with every digit that matters.
std::string entry(const Tensor& t, std::int64_t i) {
  if (is_integer(t.dtype())) return fmt::format("{}", t.data<std::int64_t>()[i]);
  return fmt::format("{:.17g}", t.to(DType::f64).data<double>()[i]);
}

void print_worst(const Tensor& a, const Tensor& e, const Verdict& v) {
  fmt::print("  worst elements (index: expected, got):\n");
  for (std::int64_t i : v.worst) {
    fmt::print("    {:<16} {:>24}  {:>24}\n", unravel(i, e.shape()), entry(e, i), entry(a, i));
  }
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string metadata(const nn::SafetensorsFile& f, const std::string& key) {
  const auto it = f.metadata.find(key);
  return it == f.metadata.end() ? std::string() : it->second;
}

// The order of the computation: forward values (trace_order), then their gradients in the order
// the backward pass makes them (trace_order reversed), then the parameter gradients, last
// layer first (parameter_order reversed), then anything else in file order.
// The file whose metadata gives the order: the expected one, else the actual one.
const nn::SafetensorsFile& with_order(const nn::SafetensorsFile& expected,
                                      const nn::SafetensorsFile& actual) {
  return metadata(expected, "trace_order").empty() ? actual : expected;
}

std::vector<std::string> computation_order(const nn::SafetensorsFile& expected,
                                           const nn::SafetensorsFile& actual) {
  const nn::SafetensorsFile& ordered = with_order(expected, actual);
  const std::vector<std::string> trace = split(metadata(ordered, "trace_order"));
  const std::vector<std::string> params = split(metadata(ordered, "parameter_order"));
  std::vector<std::string> order;
  std::set<std::string> listed;
  auto add = [&](const std::string& name) {
    if (expected.contains(name) && listed.insert(name).second) order.push_back(name);
  };
  for (const std::string& n : trace) add(n);
  for (auto n = trace.rbegin(); n != trace.rend(); ++n) add("grad." + *n);
  for (auto p = params.rbegin(); p != params.rend(); ++p) add("grad." + *p);
  for (const auto& [name, t] : expected.tensors) add(name);
  return order;
}

Verdict compare_one(const nn::SafetensorsFile& actual, const std::string& name, const Tensor& e,
                    double atol, const CompareArgs& args) {
  if (!actual.contains(name)) {
    Verdict missing;
    missing.ok = false;
    missing.problem = "MISSING";
    return missing;
  }
  return judge(actual.at(name), e, atol, args.rtol, args.worst);
}

void run_first(const nn::SafetensorsFile& actual, const nn::SafetensorsFile& expected, double atol,
               const CompareArgs& args) {
  const std::vector<std::string> order = computation_order(expected, actual);
  const std::set<std::string> trace = [&] {
    const std::vector<std::string> t = split(metadata(with_order(expected, actual), "trace_order"));
    return std::set<std::string>(t.begin(), t.end());
  }();
  fmt::print("{:<40} {:>14} {:>12}  {}\n", "tensor (in computation order)", "max abs diff",
             "relative", "ok");
  for (std::size_t index = 0; index < order.size(); ++index) {
    const std::string& name = order[index];
    const Tensor e = expected.at(name);
    const Verdict v = compare_one(actual, name, e, atol, args);
    print_row(name, v);
    if (v.ok) continue;
    const bool gradient = name.rfind("grad.", 0) == 0;
    const char* stage = trace.count(name)                         ? "a forward value"
                        : gradient && trace.count(name.substr(5)) ? "an activation's gradient"
                        : gradient                                ? "a parameter's gradient"
                                                                  : "not in the trace";
    fmt::print("first difference: {} ({})\n", name, stage);
    if (v.problem.empty()) print_worst(actual.at(name), e, v);
    throw Error(
        fmt::format("compare: {} is the first tensor that differs (atol {:g} + rtol {:g} "
                    "* max|e|; {} before it agree)",
                    name, atol, args.rtol, index));
  }
  fmt::print("all {} tensors within rtol {:g}, in computation order\n", order.size(), args.rtol);
}

void run_all(const nn::SafetensorsFile& actual, const nn::SafetensorsFile& expected, double atol,
             const CompareArgs& args) {
  int failures = 0;
  fmt::print("{:<40} {:>14} {:>12}  {}\n", "tensor", "max abs diff", "relative", "ok");
  for (const auto& [name, e] : expected.tensors) {
    const Verdict v = compare_one(actual, name, e, atol, args);
    print_row(name, v);
    failures += v.ok ? 0 : 1;
  }
  for (const auto& [name, a] : actual.tensors) {
    if (!expected.contains(name)) fmt::print("{:<40} (not in {})\n", name, args.expected);
  }
  if (failures > 0) {
    throw Error(
        fmt::format("compare: {} of {} tensors differ by more than atol {:g} + rtol {:g} * max|e| "
                    "(or in a non-finite entry, an integer, a shape or a dtype)",
                    failures, expected.tensors.size(), atol, args.rtol));
  }
  fmt::print("all {} tensors within rtol {:g}\n", expected.tensors.size(), args.rtol);
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
  if (expected.tensors.empty()) {
    throw Error(fmt::format("compare: {} holds no tensors, so there is nothing to compare {} with",
                            args.expected, args.actual));
  }
  if (args.first) {
    run_first(actual, expected, atol, args);
  } else {
    run_all(actual, expected, atol, args);
  }
}

}  // namespace

void add_compare_command(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand(
      "compare",
      "Compare two safetensors files tensor by tensor: max|a-e| <= atol + rtol * max|e| over "
      "finite entries; NaN and Inf must match exactly, integers must be equal");
  cmd->add_option("actual", args->actual, "The file to check")->required();
  cmd->add_option("expected", args->expected, "The reference file")->required();
  add_real_option(*cmd, "--rtol", args->rtol, kNonNegative, "Relative tolerance (default 1e-9)");
  add_real_option(*cmd, "--atol", args->atol, kNonNegative,
                  "Absolute tolerance (default rtol / 1000)");
  cmd->add_flag("--first", args->first,
                "Go through the tensors in the order the computation made them (forward values, "
                "then gradients in backward order; from a `knob grads --trace` file) and stop at "
                "the first that differs, showing its worst elements");
  add_integer_option(*cmd, "--worst", args->worst, 0, 1000000,
                     "How many of the worst elements --first shows (5)");
  cmd->callback([args] { run_compare(*args); });
}

}  // namespace knob::cli
