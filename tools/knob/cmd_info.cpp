// `knob info` and `knob --version`: which build this is and which SIMD path runs.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "autograd/kernels/kernels.h"
#include "commands.h"

#ifndef KNOB_VERSION
#define KNOB_VERSION "dev"
#endif

namespace knob::cli {

std::string version_line() {
  return fmt::format("knob {} (SIMD: {})", KNOB_VERSION, kernels::isa_name(kernels::active_isa()));
}

void add_info_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("info", "Print the version and the SIMD instruction sets");
  cmd->callback([] {
    std::vector<std::string_view> available;
    for (kernels::Isa isa : kernels::available_isas()) available.push_back(kernels::isa_name(isa));
    fmt::print("{}\n", version_line());
    fmt::print("SIMD in use:        {}\n", kernels::isa_name(kernels::active_isa()));
    fmt::print("SIMD available:     {}\n", fmt::join(available, ", "));
    fmt::print("float32 lanes:      {}\n", kernels::active<float>().width);
    fmt::print("float64 lanes:      {}\n", kernels::active<double>().width);
    fmt::print("choose with:        KNOB_SIMD=avx512|avx2|sse4_2|neon|scalar\n");
  });
}

}  // namespace knob::cli
