/// @file
/// @brief The memory estimate of a transformer and the limits of the machine and the process.
#include "nn/layers/memory_budget.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <string_view>

#include <fmt/format.h>
#include <sys/resource.h>

#include "autograd/error.h"

namespace knob::nn {

namespace {

constexpr std::uint64_t kUnlimited = std::numeric_limits<std::uint64_t>::max();
/// Models below this size are not checked against the machine (reading /proc is not free and
/// every machine knob runs on has this much); KNOB_MEMORY_LIMIT is still applied.
constexpr std::uint64_t kAlwaysFits = std::uint64_t{64} << 20;

/// A limit on the bytes the process can allocate, and where it comes from.
struct Limit {
  std::uint64_t bytes = kUnlimited;
  std::string source;
};

void lower_to(Limit& limit, std::uint64_t bytes, const std::string& source) {
  if (bytes < limit.bytes) limit = {bytes, source};
}

/// a · b, saturating instead of overflowing.
std::uint64_t times(std::uint64_t a, std::uint64_t b) {
  return (a != 0 && b > kUnlimited / a) ? kUnlimited : a * b;
}

std::uint64_t plus(std::uint64_t a, std::uint64_t b) {
  return b > kUnlimited - a ? kUnlimited : a + b;
}

/// "512M", "2G", "1048576": a size in bytes (K, M, G, T are powers of 1024; a trailing "B" or
/// "iB" is allowed). nullopt when the text is not one.
std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end == text.data()) return std::nullopt;
  std::string_view suffix(end, static_cast<std::size_t>(text.data() + text.size() - end));
  if (suffix.ends_with("iB")) suffix.remove_suffix(2);
  if (suffix.ends_with('B')) suffix.remove_suffix(1);
  constexpr std::string_view kUnits = "KMGT";
  if (suffix.empty()) return value;
  if (suffix.size() != 1) return std::nullopt;
  const std::size_t power = kUnits.find(static_cast<char>(std::toupper(suffix[0])));
  if (power == std::string_view::npos) return std::nullopt;
  const std::uint64_t scale = std::uint64_t{1} << (10 * (power + 1));
  if (value > kUnlimited / scale) return std::nullopt;
  return value * scale;
}

/// The number after `key` in a "Key:   123 kB" file (/proc/meminfo, /proc/self/status), in
/// bytes; nullopt when absent.
std::optional<std::uint64_t> proc_kilobytes(const char* file, std::string_view key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with(key) || line.size() <= key.size() || line[key.size()] != ':') continue;
    const std::size_t digits = line.find_first_of("0123456789", key.size());
    if (digits == std::string::npos) return std::nullopt;
    std::uint64_t kilobytes = 0;
    std::from_chars(line.data() + digits, line.data() + line.size(), kilobytes);
    return times(kilobytes, 1024);
  }
  return std::nullopt;
}

/// One number from a cgroup file ("max" means no limit).
std::optional<std::uint64_t> cgroup_number(const std::string& file) {
  std::ifstream in(file);
  std::string text;
  if (!(in >> text) || text == "max") return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

/// The cgroup (v2) limit of this process: memory.max − memory.current.
void lower_to_cgroup(Limit& limit) {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("0::")) continue;
    const std::string dir = "/sys/fs/cgroup" + line.substr(3);
    const auto max = cgroup_number(dir + "/memory.max");
    const auto current = cgroup_number(dir + "/memory.current");
    if (max) lower_to(limit, *max - std::min(*max, current.value_or(0)), "the cgroup's memory.max");
  }
}

/// RLIMIT_AS / RLIMIT_DATA minus what the process already uses of them.
void lower_to_rlimit(Limit& limit, int resource, const char* name, const char* status_key) {
  rlimit value{};
  if (::getrlimit(resource, &value) != 0 || value.rlim_cur == RLIM_INFINITY) return;
  const std::uint64_t used = proc_kilobytes("/proc/self/status", status_key).value_or(0);
  const auto cap = static_cast<std::uint64_t>(value.rlim_cur);
  lower_to(limit, cap - std::min(cap, used), name);
}

/// KNOB_MEMORY_LIMIT, when set.
void lower_to_environment(Limit& limit) {
  const char* text = std::getenv("KNOB_MEMORY_LIMIT");
  if (text == nullptr) return;
  const std::optional<std::uint64_t> bytes = parse_size(text);
  if (!bytes) {
    throw ValueError(
        fmt::format("KNOB_MEMORY_LIMIT: expected a size such as 512M, 2G or 1048576, got '{}'",
                    std::string_view(text).substr(0, 40)));
  }
  lower_to(limit, *bytes, "KNOB_MEMORY_LIMIT");
}

/// Every limit known (the machine's only when `with_machine`).
Limit current_limit(bool with_machine) {
  Limit limit;
  lower_to_environment(limit);
  if (!with_machine) return limit;
  if (const auto available = proc_kilobytes("/proc/meminfo", "MemAvailable")) {
    lower_to(limit, *available, "MemAvailable in /proc/meminfo");
  }
  lower_to_cgroup(limit);
  lower_to_rlimit(limit, RLIMIT_AS, "RLIMIT_AS (ulimit -v)", "VmSize");
  lower_to_rlimit(limit, RLIMIT_DATA, "RLIMIT_DATA (ulimit -d)", "VmData");
  return limit;
}

std::string human_bytes(std::uint64_t bytes) {
  if (bytes == kUnlimited) return "more than 16 EiB";
  constexpr const char* kUnits[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024.0 && unit < 6) {
    value /= 1024.0;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} bytes", bytes) : fmt::format("{:.1f} {}", value, kUnits[unit]);
}

}  // namespace

std::optional<std::uint64_t> available_memory() {
  const Limit limit = current_limit(/*with_machine=*/true);
  if (limit.bytes == kUnlimited) return std::nullopt;
  return limit.bytes;
}

std::uint64_t model_memory_bytes(const TransformerConfig& config, DType dtype, ModelUse use,
                                 std::int64_t batch_tokens) {
  const auto size = static_cast<std::uint64_t>(dtype_size(dtype));
  const auto parameters = static_cast<std::uint64_t>(config.parameter_count());
  if (use == ModelUse::weights) return times(parameters, size);
  std::uint64_t bytes = times(times(parameters, size), 4);
  if (batch_tokens > 0) {
    const auto C = static_cast<std::uint64_t>(config.d_model);
    const auto F = static_cast<std::uint64_t>(config.d_ff);
    const auto H = static_cast<std::uint64_t>(config.n_heads);
    const auto T = static_cast<std::uint64_t>(config.max_seq_len);
    const auto L = static_cast<std::uint64_t>(config.n_layers);
    const auto V = static_cast<std::uint64_t>(config.vocab_size);
    const std::uint64_t per_layer = plus(plus(times(16, C), times(3, F)), times(times(3, H), T));
    const std::uint64_t per_token = plus(times(L, per_layer), times(3, V));
    bytes = plus(bytes, times(times(static_cast<std::uint64_t>(batch_tokens), per_token), size));
  }
  return bytes;
}

void check_model_fits(const TransformerConfig& config, DType dtype, ModelUse use,
                      std::int64_t batch_tokens) {
  const std::uint64_t need = model_memory_bytes(config, dtype, use, batch_tokens);
  const Limit limit = current_limit(/*with_machine=*/need >= kAlwaysFits);
  if (need <= limit.bytes) return;
  throw ValueError(fmt::format(
      "the model ({} parameters, {}) needs about {} {} but only {} {} available ({}); use a "
      "smaller config{}",
      config.parameter_count(), dtype_name(dtype), human_bytes(need),
      use == ModelUse::training ? "for training" : "for its weights", human_bytes(limit.bytes),
      limit.bytes == 1 ? "is" : "are", limit.source, use == ModelUse::training ? " or batch" : ""));
}

}  // namespace knob::nn
