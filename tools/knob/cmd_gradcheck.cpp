// `knob gradcheck`: gradient-check every differentiable op in float64 and print a table.
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "autograd/op_registry.h"
#include "commands.h"

namespace knob::cli {

namespace {

struct GradcheckArgs {
  std::vector<std::string> ops;
  bool json = false;
  bool fast = false;
  bool verbose = false;
};

// How many times over the worst error fits in its tolerance ("exact" when every error is 0).
std::string margin_text(double worst_ratio) {
  return worst_ratio > 0.0 ? fmt::format("{:.1e}", 1.0 / worst_ratio) : std::string("exact");
}

nlohmann::json margin_json(double worst_ratio) {
  return worst_ratio > 0.0 ? nlohmann::json(1.0 / worst_ratio) : nlohmann::json(nullptr);
}

void print_table(const std::vector<OpCheckReport>& reports, bool verbose) {
  std::size_t width = 2;  // the op column fits the longest name
  for (const OpCheckReport& r : reports) width = std::max(width, r.op.size());
  fmt::print("{:<{}} {:>5} {:>11} {:>8} {:>10}  {:>9} {:>8} {:>10}  {}\n", "op", width, "cases",
             "max abs err", "margin", "resolution", "2nd order", "margin", "resolution", "pass");
  for (const OpCheckReport& r : reports) {
    const std::string second = !r.second_checked ? "-" : r.second.passed ? "ok" : "FAIL";
    fmt::print("{:<{}} {:>5} {:>11.2e} {:>8} {:>10.1e}  {:>9} {:>8} {:>10}  {}\n", r.op, width,
               r.cases, r.first.max_abs_error, margin_text(r.first.worst_ratio), r.first.resolution,
               second, r.second_checked ? margin_text(r.second.worst_ratio) : "-",
               r.second_checked ? fmt::format("{:.1e}", r.second.resolution) : "-",
               r.passed() ? "yes" : "NO");
    if (!r.first.passed) fmt::print("    {}\n", r.first.message);
    if (r.second_checked && !r.second.passed) fmt::print("    {}\n", r.second.message);
    if (verbose && r.second_checked) {
      fmt::print(
          "    second order: max abs err {:.3e}, max rel err {:.3e}; create_graph vs plain "
          "gradient: {:.1e} of its largest entry\n",
          r.second.max_abs_error, r.second.max_rel_error, r.second.path_difference);
    }
  }
  fmt::print(
      "margin: tolerance / error at the worst element (above 1 passes); resolution: the largest "
      "tolerance / the largest Jacobian entry (the smallest relative error sure to fail)\n");
}

void print_json(const std::vector<OpCheckReport>& reports) {
  nlohmann::json list = nlohmann::json::array();
  for (const OpCheckReport& r : reports) {
    nlohmann::json row = {{"op", r.op},
                          {"cases", r.cases},
                          {"max_abs_err", r.first.max_abs_error},
                          {"max_rel_err", r.first.max_rel_error},
                          {"error_over_tolerance", r.first.worst_ratio},
                          {"margin", margin_json(r.first.worst_ratio)},
                          {"resolution", r.first.resolution},
                          {"pass", r.passed()}};
    if (r.second_checked) {
      row["gradgrad_max_abs_err"] = r.second.max_abs_error;
      row["gradgrad_error_over_tolerance"] = r.second.worst_ratio;
      row["gradgrad_margin"] = margin_json(r.second.worst_ratio);
      row["gradgrad_resolution"] = r.second.resolution;
      row["gradgrad_path_difference"] = r.second.path_difference;
      row["gradgrad_pass"] = r.second.passed;
    }
    if (!r.passed()) row["message"] = r.first.passed ? r.second.message : r.first.message;
    list.push_back(row);
  }
  fmt::print("{}\n", list.dump(2));
}

}  // namespace

void add_gradcheck_command(CLI::App& app) {
  auto args = std::make_shared<GradcheckArgs>();
  CLI::App* cmd = app.add_subcommand(
      "gradcheck",
      "Check every differentiable op's gradient (and second derivative) against central "
      "differences in float64");
  cmd->add_option("--op", args->ops, "Only these ops (repeatable), e.g. --op matmul --op softmax");
  cmd->add_flag(
      "--json", args->json,
      "Print a JSON list of {op, max_abs_err, margin, resolution, pass, ...} instead of a table");
  cmd->add_flag("--fast", args->fast, "Compare random projections vᵀJu instead of full Jacobians");
  cmd->add_flag("-v,--verbose", args->verbose,
                "Also print second-order errors and the create_graph-vs-plain difference");
  cmd->callback([args] {
    GradcheckOptions options;
    options.fast_mode = args->fast;
    const std::vector<OpCheckReport> reports = check_ops(args->ops, options);
    if (args->json) {
      print_json(reports);
    } else {
      print_table(reports, args->verbose);
    }
    const bool all_passed = std::all_of(reports.begin(), reports.end(),
                                        [](const OpCheckReport& r) { return r.passed(); });
    if (!all_passed) throw Error("gradcheck: some ops failed (see above)");
  });
}

}  // namespace knob::cli
