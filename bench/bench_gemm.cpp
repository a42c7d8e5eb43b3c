// bench_gemm: knob's GEMM kernel next to OpenBLAS's sgemm/dgemm, single-threaded, on
//  - square products n = 128, 256, 512, 1024;
//  - the products of a transformer training step: the tiny config (d = 64, F = 256, B·T = 1024
//    rows) and the medium one (d = 256, F = 1024, B·T = 2048 rows), including the deep products
//    of the weight gradients (K = B·T);
// in the three layouts matmul and its backward use: nn = A·B, nt = A·Bᵀ, tn = Aᵀ·B (the matrices
// are stored so that op(A) is [M,K] and op(B) is [K,N]).
// Each knob benchmark is registered right before the OpenBLAS one of the same product, so the
// pair runs side by side. The counter GFLOPS is 2·M·N·K / time. The naive triple loop runs at
// the two smallest sizes, for scale.
//
//   bench_gemm --benchmark_filter='f32/nn' --benchmark_repetitions=5
//   bench/run_gemm_vs_openblas.sh build-bench   (the table of docs/performance.md)
#include <cstdint>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "autograd/kernels/kernels.h"
#include "autograd/kernels/scalar_kernels.h"

#if KNOB_BENCH_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace {

using knob::kernels::KernelTable;

/// One product C[M,N] = op(A)[M,K] op(B)[K,N].
struct Product {
  std::int64_t M, N, K;
};

/// The layouts of matmul (nn), matmul_nt (nt) and matmul_tn (tn).
struct Layout {
  const char* name;
  bool trans_a;
  bool trans_b;
};
constexpr Layout kLayouts[] = {{"nn", false, false}, {"nt", false, true}, {"tn", true, false}};

/// Operands in the stored layout, filled with a fixed pattern in [-1, 1).
template <class T>
struct Operands {
  std::vector<T> a, b, c;
  std::size_t lda, ldb, ldc;
  Operands(const Product& p, const Layout& layout)
      : a(static_cast<std::size_t>(p.M * p.K)),
        b(static_cast<std::size_t>(p.K * p.N)),
        c(static_cast<std::size_t>(p.M * p.N)),
        lda(static_cast<std::size_t>(layout.trans_a ? p.M : p.K)),
        ldb(static_cast<std::size_t>(layout.trans_b ? p.K : p.N)),
        ldc(static_cast<std::size_t>(p.N)) {
    std::uint32_t state = 12345;
    auto next = [&state] {
      state = state * 1664525u + 1013904223u;
      return static_cast<T>(static_cast<double>(state >> 8) / double(1 << 23) - 1.0);
    };
    for (T& x : a) x = next();
    for (T& x : b) x = next();
  }
};

void set_counters(benchmark::State& state, const Product& p) {
  const double flops =
      2.0 * static_cast<double>(p.M) * static_cast<double>(p.N) * static_cast<double>(p.K);
  state.counters["GFLOPS"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

/// knob's kernel table entry (the instruction set dispatch chose, or KNOB_SIMD).
template <class T>
void knob_gemm(benchmark::State& state, Product p, Layout layout) {
  const KernelTable<T>& kernels = knob::kernels::active<T>();
  Operands<T> x(p, layout);
  for (auto _ : state) {
    kernels.gemm(layout.trans_a, layout.trans_b, static_cast<std::size_t>(p.M),
                 static_cast<std::size_t>(p.N), static_cast<std::size_t>(p.K), T(1), x.a.data(),
                 x.lda, x.b.data(), x.ldb, T(0), x.c.data(), x.ldc);
    benchmark::ClobberMemory();
  }
  set_counters(state, p);
}

/// The naive reference loop (scalar::gemm), the teaching version.
template <class T>
void naive_gemm(benchmark::State& state, Product p, Layout layout) {
  Operands<T> x(p, layout);
  for (auto _ : state) {
    knob::kernels::scalar::gemm<T>(layout.trans_a, layout.trans_b, static_cast<std::size_t>(p.M),
                                   static_cast<std::size_t>(p.N), static_cast<std::size_t>(p.K),
                                   T(1), x.a.data(), x.lda, x.b.data(), x.ldb, T(0), x.c.data(),
                                   x.ldc);
    benchmark::ClobberMemory();
  }
  set_counters(state, p);
}

#if KNOB_BENCH_HAVE_OPENBLAS
/// OpenBLAS's cblas_sgemm / cblas_dgemm, row-major, the same operands.
template <class T>
void openblas_gemm(benchmark::State& state, Product p, Layout layout) {
  Operands<T> x(p, layout);
  const auto trans_a = layout.trans_a ? CblasTrans : CblasNoTrans;
  const auto trans_b = layout.trans_b ? CblasTrans : CblasNoTrans;
  const auto M = static_cast<blasint>(p.M), N = static_cast<blasint>(p.N),
             K = static_cast<blasint>(p.K);
  const auto lda = static_cast<blasint>(x.lda), ldb = static_cast<blasint>(x.ldb),
             ldc = static_cast<blasint>(x.ldc);
  for (auto _ : state) {
    if constexpr (sizeof(T) == 4) {
      cblas_sgemm(CblasRowMajor, trans_a, trans_b, M, N, K, 1.0f, x.a.data(), lda, x.b.data(), ldb,
                  0.0f, x.c.data(), ldc);
    } else {
      cblas_dgemm(CblasRowMajor, trans_a, trans_b, M, N, K, 1.0, x.a.data(), lda, x.b.data(), ldb,
                  0.0, x.c.data(), ldc);
    }
    benchmark::ClobberMemory();
  }
  set_counters(state, p);
}
#endif

/// "f32/nn/1024x64x256": dtype, layout, M x N x K.
std::string product_name(const char* dtype, const Layout& layout, const Product& p) {
  return std::string(dtype) + "/" + layout.name + "/" + std::to_string(p.M) + "x" +
         std::to_string(p.N) + "x" + std::to_string(p.K);
}

template <class T>
void register_pair(const char* dtype, const Product& p, const Layout& layout) {
  const std::string name = product_name(dtype, layout, p);
  benchmark::RegisterBenchmark(("knob/" + name).c_str(), knob_gemm<T>, p, layout)
      ->Unit(benchmark::kMicrosecond);
#if KNOB_BENCH_HAVE_OPENBLAS
  benchmark::RegisterBenchmark(("openblas/" + name).c_str(), openblas_gemm<T>, p, layout)
      ->Unit(benchmark::kMicrosecond);
#endif
}

void register_all() {
  const std::vector<Product> square = {
      {128, 128, 128}, {256, 256, 256}, {512, 512, 512}, {1024, 1024, 1024}};
  // The transformer's products (M = B·T rows; for the weight gradients M, N are the weight's
  // shape and K = B·T).
  const std::vector<Product> transformer = {
      {1024, 64, 64},     // tiny: q, k, v, out projections  [1024x64]·[64x64]
      {1024, 256, 64},    // tiny: FFN up                    [1024x64]·[64x256]
      {1024, 64, 256},    // tiny: FFN down                  [1024x256]·[256x64]
      {256, 64, 1024},    // tiny: gradient of the FFN up weight (K = B·T)
      {2048, 256, 256},   // medium: projections
      {2048, 1024, 256},  // medium: FFN up
      {2048, 256, 1024},  // medium: FFN down
      {1024, 256, 2048},  // medium: gradient of the FFN up weight
  };
  for (const Layout& layout : kLayouts) {
    for (const Product& p : square) register_pair<float>("f32", p, layout);
    for (const Product& p : transformer) register_pair<float>("f32", p, layout);
  }
  for (const Layout& layout : kLayouts) {
    for (const Product& p : square) register_pair<double>("f64", p, layout);
  }
  for (const Product& p : {Product{128, 128, 128}, Product{256, 256, 256}}) {
    benchmark::RegisterBenchmark(("naive/" + product_name("f32", kLayouts[0], p)).c_str(),
                                 naive_gemm<float>, p, kLayouts[0])
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace

int main(int argc, char** argv) {
#if KNOB_BENCH_HAVE_OPENBLAS
  openblas_set_num_threads(1);  // single-threaded, like knob's kernel
  benchmark::AddCustomContext("openblas", "single-threaded");
#endif
  benchmark::AddCustomContext("knob_isa",
                              std::string(knob::kernels::isa_name(knob::kernels::active_isa())));
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
