// bench_matmul_threads: knob's matmul op (the Tensor-level product, which splits the rows of C
// between threads) with 1 and with 2 threads, wall-clock time, at the sizes of bench_gemm and a
// few small ones near the size where matmul starts to split. Each 1-thread benchmark is
// registered right before the 2-thread one of the same product.
//
//   bench_matmul_threads --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true
//   bench/run_threads.sh BUILD_DIR      (the table of docs/performance.md)
#include <cstdint>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "autograd/ops.h"
#include "autograd/parallel.h"
#include "autograd/random.h"
#include "autograd/tape.h"

namespace {

struct Product {
  std::int64_t M, N, K;
};

/// C[M,N] = A[M,K] · B[K,N] with knob::matmul on `threads` threads.
void matmul_threads(benchmark::State& state, Product p, int threads) {
  knob::Generator gen(7);
  const knob::Tensor a = knob::uniform({p.M, p.K}, -1.0, 1.0, gen);
  const knob::Tensor b = knob::uniform({p.K, p.N}, -1.0, 1.0, gen);
  knob::NoGradGuard no_grad;
  knob::set_num_threads(threads);
  for (auto _ : state) {
    knob::Tensor c = knob::matmul(a, b);
    benchmark::DoNotOptimize(c.data<float>());
  }
  const double flops =
      2.0 * static_cast<double>(p.M) * static_cast<double>(p.N) * static_cast<double>(p.K);
  state.counters["GFLOPS"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void register_all() {
  const std::vector<Product> products = {
      {32, 32, 32},     {64, 64, 64},       {100, 100, 100},  {128, 128, 128}, {256, 256, 256},
      {512, 512, 512},  {1024, 1024, 1024}, {1024, 64, 64},   {1024, 256, 64}, {1024, 64, 256},
      {2048, 256, 256}, {2048, 1024, 256},  {2048, 256, 1024}};
  for (const Product& p : products) {
    for (int threads : {1, 2}) {
      const std::string name = "matmul/f32/" + std::to_string(p.M) + "x" + std::to_string(p.N) +
                               "x" + std::to_string(p.K) + "/threads:" + std::to_string(threads);
      benchmark::RegisterBenchmark(name.c_str(), matmul_threads, p, threads)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
