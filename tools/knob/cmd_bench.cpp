// `knob bench`: times either one matrix product (--matmul M,N,K) or whole training steps of the
// reference transformer (--config ... --steps N): forward, cross-entropy, backward and AdamW on
// random tokens. Prints medians; --json prints them for scripts (bench/run_side_by_side.sh).
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>

#include "alloc_counter.h"
#include "autograd/buffer_pool.h"
#include "autograd/kernels/kernels.h"
#include "autograd/ops.h"
#include "autograd/parallel.h"
#include "autograd/random.h"
#include "autograd/tape.h"
#include "cli_numbers.h"
#include "commands.h"
#include "ia3/model_map.h"
#include "ia3/trainable.h"
#include "nn/io/model_dir.h"
#include "nn/layers/fusion.h"
#include "nn/layers/transformer.h"
#include "nn/optim/adam.h"

namespace knob::cli {

namespace {

struct BenchArgs {
  std::vector<std::int64_t> matmul;  // M, N, K (empty: not given)
  std::string layout = "nn";
  std::string dtype = "f32";
  int repeats = 7;
  std::string config;
  std::int64_t batch = 32;
  std::int64_t seq = 0;  // 0 (not given): the config's max_seq_len
  std::string trainable = "full";
  std::int64_t steps = 20;
  std::int64_t warmup = 3;
  std::uint64_t seed = 0;
  bool unfused = false;  // the modules' unfused compositions instead of the fused ops
  bool json = false;
};

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of the whole process (every thread), in seconds. On a machine shared with other work
// it is steadier than the wall clock for single-threaded runs; both are reported.
double process_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

DType parse_dtype(const std::string& text) {
  if (text == "f32") return DType::f32;
  if (text == "f64") return DType::f64;
  throw ValueError(fmt::format("bench: --dtype must be f32 or f64, got '{}'", text));
}

// Peak resident memory of this process so far, in MiB (Linux reports ru_maxrss in KiB).
double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// ---- knob bench --matmul M,N,K ----

void run_matmul_bench(const BenchArgs& args) {
  const std::int64_t M = args.matmul[0], N = args.matmul[1], K = args.matmul[2];
  const DType dtype = parse_dtype(args.dtype);
  Generator gen(args.seed);
  // C = op(A) op(B) with op(A) [M,K] and op(B) [K,N], stored as the layout reads them.
  const bool trans_a = args.layout == "tn";
  const bool trans_b = args.layout == "nt";
  const Tensor a = uniform(trans_a ? Shape{K, M} : Shape{M, K}, -1.0, 1.0, gen, dtype);
  const Tensor b = uniform(trans_b ? Shape{N, K} : Shape{K, N}, -1.0, 1.0, gen, dtype);
  NoGradGuard no_grad;
  auto product = [&] {
    if (trans_a) return matmul_tn(a, b);
    if (trans_b) return matmul_nt(a, b);
    return matmul(a, b);
  };

  // Warm up (page faults, scratch buffers, thread pool), then find a call count that takes
  // about 50 ms, and time `repeats` rounds of that many calls.
  for (int i = 0; i < 2; ++i) product();
  std::int64_t calls = 1;
  for (;;) {
    const Clock::time_point start = Clock::now();
    for (std::int64_t i = 0; i < calls; ++i) product();
    if (seconds_since(start) > 0.05 || calls > (1 << 24)) break;
    calls *= 2;
  }
  std::vector<double> per_call;
  std::vector<double> cpu_per_call;  // CPU time of all threads, per call
  for (int r = 0; r < args.repeats; ++r) {
    const Clock::time_point start = Clock::now();
    const double cpu_start = process_cpu_seconds();
    for (std::int64_t i = 0; i < calls; ++i) product();
    cpu_per_call.push_back((process_cpu_seconds() - cpu_start) / static_cast<double>(calls));
    per_call.push_back(seconds_since(start) / static_cast<double>(calls));
  }
  const double flops =
      2.0 * static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  const double seconds = median(per_call);
  const double best = *std::min_element(per_call.begin(), per_call.end());
  const std::string isa(kernels::isa_name(kernels::active_isa()));
  if (args.json) {
    const nlohmann::json out = {{"gflops", flops / seconds * 1e-9},
                                {"gflops_best", flops / best * 1e-9},
                                {"gflops_per_cpu_second", flops / median(cpu_per_call) * 1e-9},
                                {"seconds_per_call", seconds},
                                {"m", M},
                                {"n", N},
                                {"k", K},
                                {"layout", args.layout},
                                {"dtype", args.dtype},
                                {"threads", num_threads()},
                                {"isa", isa},
                                {"repeats", per_call.size()},
                                {"calls_per_repeat", calls}};
    fmt::print("{}\n", out.dump());
    return;
  }
  fmt::print(
      "matmul {} [{}x{}]·[{}x{}] {} ({}, {} thread{}): {:.1f} GFLOP/s median, {:.1f} best "
      "({:.3f} ms per call, median of {} rounds of {} calls)\n",
      args.layout, M, K, K, N, args.dtype, isa, num_threads(), num_threads() == 1 ? "" : "s",
      flops / seconds * 1e-9, flops / best * 1e-9, seconds * 1e3, per_call.size(), calls);
}

// ---- knob bench --config C.json ... (training steps) ----

// The sequence length of the run (--seq, or the config's longest), once every size is checked.
std::int64_t checked_seq_len(const BenchArgs& args, const nn::TransformerConfig& config) {
  const std::int64_t T = args.seq > 0 ? args.seq : config.max_seq_len;
  if (T > config.max_seq_len) {
    throw ValueError(
        fmt::format("bench: --seq {} exceeds the config's max_seq_len {}", T, config.max_seq_len));
  }
  if (args.batch < 1 || args.steps < 1 || args.warmup < 0) {
    throw ValueError(
        fmt::format("bench: --batch ({}) and --steps ({}) must be >= 1, --warmup ({}) "
                    ">= 0",
                    args.batch, args.steps, args.warmup));
  }
  return T;
}

// The same optimizer as `knob train` / `knob finetune`: AdamW, decay on matrices only (and none
// at all for IA³ vectors). With IA³ the model gets its vectors and everything else is frozen.
nn::AdamW make_bench_optimizer(nn::Transformer& model, ia3::Trainable mode) {
  nn::NamedTensors params;
  std::vector<std::string> no_decay;
  if (mode == ia3::Trainable::ia3) {
    ia3::add_vectors(model);
    ia3::freeze_all_but_vectors(model);
  }
  for (auto& [name, t] : model.trainable_parameters()) {
    params.emplace_back(name, t);
    if (t.dim() < 2) no_decay.push_back(name);
  }
  const double weight_decay = mode == ia3::Trainable::ia3 ? 0.0 : 0.01;
  return nn::AdamW(params, 1e-3, {0.9, 0.999}, 1e-8, weight_decay, no_decay);
}

// What the timed steps measured.
struct StepMeasurements {
  double ms = 0;                // median wall time per step
  double ms_mean = 0;           // mean wall time per step
  double ms_min = 0;            // fastest step
  double cpu_ms = 0;            // median CPU time per step (all threads)
  double heap_per_step = 0;     // operator new calls per step (when counted)
  double buffers_per_step = 0;  // tensor buffers taken from the system per step
};

// Run `steps` timed calls of `step`, counting time, CPU time and allocations.
StepMeasurements measure_steps(std::int64_t steps, const std::function<void()>& step) {
  std::vector<double> step_seconds;
  std::vector<double> step_cpu_seconds;
  const std::uint64_t heap_before = heap_allocation_count();
  const std::uint64_t buffers_before = buffer_pool_stats().system_allocations;
  const Clock::time_point all_start = Clock::now();
  for (std::int64_t i = 0; i < steps; ++i) {
    const Clock::time_point start = Clock::now();
    const double cpu_start = process_cpu_seconds();
    step();
    step_cpu_seconds.push_back(process_cpu_seconds() - cpu_start);
    step_seconds.push_back(seconds_since(start));
  }
  const double total_seconds = seconds_since(all_start);
  const double n = static_cast<double>(steps);
  StepMeasurements m;
  m.ms = median(step_seconds) * 1e3;
  m.ms_mean = total_seconds / n * 1e3;
  m.ms_min = *std::min_element(step_seconds.begin(), step_seconds.end()) * 1e3;
  m.cpu_ms = median(step_cpu_seconds) * 1e3;
  m.heap_per_step = static_cast<double>(heap_allocation_count() - heap_before) / n;
  m.buffers_per_step =
      static_cast<double>(buffer_pool_stats().system_allocations - buffers_before) / n;
  return m;
}

void run_training_bench(const BenchArgs& args) {
  const nn::TransformerConfig config = nn::TransformerConfig::load(args.config);
  const std::int64_t T = checked_seq_len(args, config);
  const DType dtype = parse_dtype(args.dtype);
  const nn::FusionGuard fusion(!args.unfused);
  Generator gen(args.seed);
  nn::Transformer model(config, gen, dtype);
  nn::AdamW optimizer = make_bench_optimizer(model, ia3::parse_trainable(args.trainable));
  model.train();
  // One fixed batch of random tokens (the data does not change the amount of work).
  const Tensor ids = randint({args.batch, T}, 0, config.vocab_size, gen);
  const Tensor targets = randint({args.batch, T}, 0, config.vocab_size, gen);

  double last_loss = 0.0;
  std::size_t recorded_ops = 0;  // tape nodes of one step's forward pass
  auto step = [&] {
    optimizer.zero_grad();
    Tensor loss = model.loss(ids, targets);
    recorded_ops = tape_size();
    backward(loss);
    optimizer.step();
    last_loss = loss.item();
  };
  for (std::int64_t i = 0; i < args.warmup; ++i) step();
  const StepMeasurements m = measure_steps(args.steps, step);
  const double tokens_per_s = static_cast<double>(args.batch * T) / (m.ms * 1e-3);
  const std::string isa(kernels::isa_name(kernels::active_isa()));

  if (args.json) {
    nlohmann::json out = {{"ms_per_step", m.ms},
                          {"ms_per_step_mean", m.ms_mean},
                          {"ms_per_step_min", m.ms_min},
                          {"cpu_ms_per_step", m.cpu_ms},
                          {"tokens_per_s", tokens_per_s},
                          {"peak_rss_mb", peak_rss_mb()},
                          {"allocs_per_step", nullptr},
                          {"recorded_ops_per_step", recorded_ops},
                          {"tensor_buffer_allocs_per_step", m.buffers_per_step},
                          {"steps", args.steps},
                          {"batch", args.batch},
                          {"seq", T},
                          {"trainable", args.trainable},
                          {"dtype", args.dtype},
                          {"parameters", model.num_parameters()},
                          {"threads", num_threads()},
                          {"isa", isa},
                          {"fused", !args.unfused},
                          {"final_loss", last_loss}};
    if (heap_allocations_counted()) out["allocs_per_step"] = m.heap_per_step;
    fmt::print("{}\n", out.dump());
    return;
  }
  fmt::print("training step, {} ({}), batch {} x seq {}, {}, {} thread{}, {}, {}:\n", args.config,
             args.trainable, args.batch, T, args.dtype, num_threads(),
             num_threads() == 1 ? "" : "s", isa, args.unfused ? "unfused" : "fused ops");
  fmt::print("  {:.3f} ms per step (median of {}; mean {:.3f}; CPU time {:.3f}), {:.0f} tokens/s\n",
             m.ms, args.steps, m.ms_mean, m.cpu_ms, tokens_per_s);
  fmt::print(
      "  peak RSS {:.1f} MiB; per step: {} ops recorded, {} heap allocations, {:.1f} tensor "
      "buffers from the system\n",
      peak_rss_mb(), recorded_ops,
      heap_allocations_counted() ? fmt::format("{:.1f}", m.heap_per_step)
                                 : std::string("(not counted in this build)"),
      m.buffers_per_step);
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand(
      "bench",
      "Time a matrix multiply (--matmul M,N,K) or training steps of the reference "
      "transformer (--config C.json --batch B --seq T --trainable full|ia3 --steps N)");
  CLI::Option* matmul =
      add_integer_list_option(*cmd, "--matmul", args->matmul, 3, 1, kMaxMatmulSize,
                              "Time C[M,N] = A[M,K] B[K,N]: give M,N,K");
  cmd->add_option("--layout", args->layout, "nn (A·B, default), nt (A·Bᵀ) or tn (Aᵀ·B)")
      ->check(CLI::IsMember({"nn", "nt", "tn"}));
  add_integer_option(*cmd, "--repeats", args->repeats, 1, kMaxRepeats,
                     "Timed rounds of the product; the median counts (7)");
  CLI::Option* config =
      cmd->add_option("--config", args->config, "Model config.json (docs/spec.md §1) to train");
  add_integer_option(*cmd, "--batch", args->batch, 1, kMaxBatch, "Rows per training step (32)");
  add_integer_option(*cmd, "--seq", args->seq, 1, kMaxSequence,
                     "Tokens per row (default: the config's max_seq_len)");
  cmd->add_option("--trainable", args->trainable, "full (every weight) or ia3 (IA³ vectors)")
      ->check(CLI::IsMember({"full", "ia3"}));
  add_integer_option(*cmd, "--steps", args->steps, 1, kMaxCount,
                     "Timed training steps; the median counts (20)");
  add_integer_option(*cmd, "--warmup", args->warmup, 0, kMaxCount, "Untimed steps first (3)");
  cmd->add_option("--dtype", args->dtype, "f32 (default) or f64")
      ->check(CLI::IsMember({"f32", "f64"}));
  add_seed_option(*cmd, "--seed", args->seed, "Seed of the weights and the random data (0)");
  cmd->add_flag("--unfused", args->unfused,
                "Train with the compositions of simple ops that the fused ops replace");
  cmd->add_flag("--json", args->json, "Machine-readable output");
  matmul->excludes(config);
  cmd->callback([args] {
    if (!args->matmul.empty()) {
      run_matmul_bench(*args);
    } else if (!args->config.empty()) {
      run_training_bench(*args);
    } else {
      throw ValueError("bench: give --matmul M,N,K or --config C.json (see knob bench --help)");
    }
  });
}

}  // namespace knob::cli
