// Lesson 11: how the kernels are made fast. The same product C = A B (square, float32) six
// ways, each timed in GFLOP/s and checked against the first: the naive triple loop (i, j, k),
// the loops reordered (i, k, j), a 4×4 register-blocked loop written here, knob's packed and
// cache-blocked GEMM with its plain C++ 4×4 micro-kernel, the same with the xsimd micro-kernel,
// and knob::matmul, which also splits the rows between threads.
// Read tutorials/11_fast_kernels/README.md alongside. Exits 1 if a claim is false.
//
// Usage: tutorial_11 [--quick]
//   --quick   sizes 64, 128 and 256, best of 3 (what ctest runs); without: also 512, best of 5
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "autograd/error.h"
#include "autograd/kernels/kernels.h"
#include "autograd/ops.h"
#include "autograd/parallel.h"
#include "autograd/random.h"
#include "tutorials/common/lesson.h"

using namespace knob;
using namespace knob::lesson;  // claim, heading, max_abs_difference, finish

namespace {

// All products here are square: A, B and C are [n,n] float32, row-major, so element (i, j)
// of a matrix sits at index i * n + j.

// ---- 1. the naive triple loop ---------------------------------------------------------------
// C[i,j] = sum_p A[i,p] B[p,j]. The inner loop walks a row of A (stride 1) and a column of B
// (stride n): two loads for every multiply-add, and a new cache line of B at every step.
void matmul_ijk(const float* a, const float* b, float* c, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      float acc = 0.0F;
      for (std::size_t p = 0; p < n; ++p) acc += a[i * n + p] * b[p * n + j];
      c[i * n + j] = acc;
    }
  }
}

// ---- 2. the same loops in another order -----------------------------------------------------
// i, p, j: the inner loop adds A[i,p] times row p of B onto row i of C. Every access is now
// stride 1, and the j iterations are independent, so the compiler turns them into SIMD
// instructions by itself. Each C[i,j] still sums p = 0, 1, ... in the same order as above.
void matmul_ikj(const float* a, const float* b, float* c, std::size_t n) {
  std::fill(c, c + n * n, 0.0F);
  for (std::size_t i = 0; i < n; ++i) {
    float* c_row = c + i * n;  // [n]
    for (std::size_t p = 0; p < n; ++p) {
      const float a_ip = a[i * n + p];
      const float* b_row = b + p * n;  // [n]
      for (std::size_t j = 0; j < n; ++j) c_row[j] += a_ip * b_row[j];
    }
  }
}

// ---- 3. register blocking -------------------------------------------------------------------
// A 4×4 block of C lives in 16 local variables (registers) for the whole sum over p. Per step p
// we load 4 values of A (one per row) and 4 of B (one row of the block) and do 16 multiply-adds:
// 8 loads for 16 multiply-adds instead of 32, and C is stored once instead of n times. (The
// same block as knob's plain C++ micro-kernel, without its packing and cache blocking.)
constexpr std::size_t kTileRows = 4;
constexpr std::size_t kTileCols = 4;

void matmul_register_blocked(const float* a, const float* b, float* c, std::size_t n) {
  if (n % kTileRows != 0 || n % kTileCols != 0) {
    throw ValueError(fmt::format("tutorial_11: n = {} is not a multiple of 4", n));
  }
  for (std::size_t i0 = 0; i0 < n; i0 += kTileRows) {
    for (std::size_t j0 = 0; j0 < n; j0 += kTileCols) {
      float acc[kTileRows][kTileCols] = {};  // C[i0 : i0+4, j0 : j0+4]
      for (std::size_t p = 0; p < n; ++p) {
        const float* b_p = b + p * n + j0;  // B[p, j0 : j0+4]
        for (std::size_t r = 0; r < kTileRows; ++r) {
          const float a_rp = a[(i0 + r) * n + p];
          for (std::size_t col = 0; col < kTileCols; ++col) acc[r][col] += a_rp * b_p[col];
        }
      }
      for (std::size_t r = 0; r < kTileRows; ++r) {
        for (std::size_t col = 0; col < kTileCols; ++col) c[(i0 + r) * n + j0 + col] = acc[r][col];
      }
    }
  }
}

// How many values the innermost step loads per multiply-add, for an MR × NR block of C held in
// registers: MR values of A and NR of B feed MR·NR multiply-adds.
double loads_per_multiply_add(double rows, double cols) { return (rows + cols) / (rows * cols); }

// The register block of the active kernels' micro-kernel: xsimd's MR = 6 rows by NR = 2
// registers of W lanes, or the plain C++ 4x4 block when the scalar kernels are active
// (KNOB_SIMD=scalar).
struct MicroKernelShape {
  std::string_view isa;
  std::size_t rows, cols;
  bool simd;
};

MicroKernelShape active_micro_kernel() {
  const kernels::KernelTable<float>& active = kernels::active<float>();
  const bool simd = active.isa != kernels::Isa::scalar;
  return {kernels::isa_name(active.isa), simd ? 6 : std::size_t{4},
          simd ? 2 * active.width : std::size_t{4}, simd};
}

void how_much_work(const std::vector<std::size_t>& sizes) {
  heading(1, "The naive loop: how much arithmetic, how much data");
  fmt::print("{:>5} {:>14} {:>14} {:>22}\n", "n", "flops (2n^3)", "bytes (3n^2·4)",
             "flops per byte (n/6)");
  for (std::size_t n : sizes) {
    const double flops = 2.0 * static_cast<double>(n * n * n);
    const double bytes = 3.0 * static_cast<double>(n * n) * sizeof(float);
    fmt::print("{:>5} {:>14.0f} {:>14.0f} {:>22.1f}\n", n, flops, bytes, flops / bytes);
  }
  fmt::print("\nvalues loaded per multiply-add in the innermost step, (MR + NR) / (MR·NR):\n");
  const MicroKernelShape active = active_micro_kernel();
  struct Block {
    std::string name;
    double rows, cols;
  };
  const std::vector<Block> blocks = {
      {"naive ijk: one value of C at a time, 1x1", 1, 1},
      {"this lesson's register-blocked loop, 4x4 (and knob's plain C++ micro-kernel)", 4, 4},
      {fmt::format("knob's {} micro-kernel, {}x{} ({})", active.isa, active.rows, active.cols,
                   active.simd ? "2 registers per row" : "the plain C++ one"),
       static_cast<double>(active.rows), static_cast<double>(active.cols)}};
  for (const Block& block : blocks) {
    fmt::print("  {:<78} {:.3f}\n", block.name, loads_per_multiply_add(block.rows, block.cols));
  }
  claim(loads_per_multiply_add(4, 4) == 0.5, "a 4x4 block loads 0.5 values per multiply-add");
}

// ---- timing ----------------------------------------------------------------------------------
// Best-of-`trials` GFLOP/s of `product` for size n. One trial repeats the product until at least
// 2 ms have passed, so that even n = 64 (a few microseconds) is timed reliably.
double best_gflops(std::size_t n, int trials, const std::function<void()>& product) {
  using Clock = std::chrono::steady_clock;
  const double flops = 2.0 * static_cast<double>(n * n * n);
  double best = 0.0;
  for (int t = 0; t < trials; ++t) {
    int repeats = 0;
    const auto start = Clock::now();
    std::chrono::duration<double> took{};
    do {
      product();
      ++repeats;
      took = Clock::now() - start;
    } while (took.count() < 2e-3);
    best = std::max(best, flops * repeats / took.count() / 1e9);
  }
  return best;
}

struct Version {
  std::string name;
  std::function<void(const Tensor& a, const Tensor& b, Tensor& c)> run;  // c = a b, all [n,n]
};

struct Measured {
  std::size_t n;
  std::vector<double> gflops;      // per version
  std::vector<double> difference;  // max |C - C_naive| per version
};

std::vector<Version> the_versions() {
  auto raw = [](void (*product)(const float*, const float*, float*, std::size_t)) {
    return [product](const Tensor& a, const Tensor& b, Tensor& c) {
      product(a.data<float>(), b.data<float>(), c.data<float>(),
              static_cast<std::size_t>(a.size(0)));
    };
  };
  // knob's GEMM through a kernel table: C = 1 · A B + 0 · C, nothing transposed.
  auto table_gemm = [](const kernels::KernelTable<float>& table) {
    return [&table](const Tensor& a, const Tensor& b, Tensor& c) {
      const auto n = static_cast<std::size_t>(a.size(0));
      table.gemm(false, false, n, n, n, 1.0F, a.data<float>(), n, b.data<float>(), n, 0.0F,
                 c.data<float>(), n);
    };
  };
  const kernels::KernelTable<float>& active = kernels::active<float>();
  const MicroKernelShape shape = active_micro_kernel();
  std::vector<Version> versions;
  versions.push_back({"naive ijk", raw(matmul_ijk)});
  versions.push_back({"loops reordered ikj", raw(matmul_ikj)});
  versions.push_back({"4x4 register-blocked", raw(matmul_register_blocked)});
  versions.push_back(
      {"knob packed, scalar 4x4", table_gemm(kernels::table_for<float>(kernels::Isa::scalar))});
  versions.push_back({fmt::format("knob packed, {} {}x{}", shape.isa, shape.rows, shape.cols),
                      table_gemm(active)});
  versions.push_back({fmt::format("knob::matmul, {} threads", num_threads()),
                      [](const Tensor& a, const Tensor& b, Tensor& c) { c = matmul(a, b); }});
  return versions;
}

// ---- 2. measure every version at every size --------------------------------------------------
std::vector<Measured> measure(const std::vector<Version>& versions,
                              const std::vector<std::size_t>& sizes, int trials) {
  heading(2, "Every version at every size (GFLOP/s, best of several runs)");
  fmt::print("{:>5}  {:<30} {:>9} {:>9}  {}\n", "n", "version", "GFLOP/s", "vs naive",
             "max |C - C_naive| / max |C_naive|");
  std::vector<Measured> table;
  Generator gen(11);
  for (std::size_t n : sizes) {
    const auto side = static_cast<std::int64_t>(n);
    const Tensor a = uniform({side, side}, -1.0, 1.0, gen);  // [n,n] f32
    const Tensor b = uniform({side, side}, -1.0, 1.0, gen);  // [n,n] f32
    Tensor reference = empty({side, side});
    versions[0].run(a, b, reference);
    const std::vector<double> ref_values = reference.to_vector();
    double scale = 0.0;  // max |C_naive|
    for (double v : ref_values) scale = std::max(scale, std::abs(v));

    Measured row{n, {}, {}};
    for (const Version& version : versions) {
      Tensor c = empty({side, side});
      const double gflops = best_gflops(n, trials, [&] { version.run(a, b, c); });
      const double difference = max_abs_difference(c, reference) / scale;
      row.gflops.push_back(gflops);
      row.difference.push_back(difference);
      fmt::print("{:>5}  {:<30} {:>9.2f} {:>8.1f}x  {:.1e}\n", n, version.name, gflops,
                 gflops / row.gflops[0], difference);
      claim(difference < 1e-5,
            fmt::format("{} agrees with the naive loop to 1e-5 of the largest entry (n = {})",
                        version.name, n));
    }
    table.push_back(row);
    fmt::print("\n");
  }
  return table;
}

// ---- 3. what each step bought ----------------------------------------------------------------
void what_each_step_bought(const Measured& largest) {
  heading(3, fmt::format("What each step bought, at n = {}", largest.n));
  // version indices: 0 naive, 1 ikj, 2 register-blocked, 3 knob scalar, 4 knob SIMD, 5 matmul
  struct Step {
    std::string what;
    std::size_t faster, slower;  // the version with the step, and the one without
  };
  const std::vector<Step> steps = {
      {"loop order: ikj against ijk (stride 1, the compiler vectorizes)", 1, 0},
      {"register blocking: the 4x4 loop against ijk", 2, 0},
      {"packing + cache blocking: knob scalar 4x4 against the 4x4 loop", 3, 2},
      {"SIMD micro-kernel: knob's xsimd kernel against its scalar one", 4, 3},
      {"threads: knob::matmul against the same kernel on one thread", 5, 4}};
  for (const Step& step : steps) {
    fmt::print("  {:<66} {:>6.2f}x\n", step.what,
               largest.gflops[step.faster] / largest.gflops[step.slower]);
  }
  fmt::print("  {:<66} {:>6.2f}x\n", "knob::matmul against the naive loop",
             largest.gflops[5] / largest.gflops[0]);
  // No claim about speed here: the lesson also runs as a test, under sanitizers and on busy
  // machines, where timings mean nothing. Speed is measured by `knob bench` and bench/.
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  const std::vector<std::size_t> sizes =
      quick ? std::vector<std::size_t>{64, 128, 256} : std::vector<std::size_t>{64, 128, 256, 512};
  try {
    how_much_work(sizes);
    const std::vector<Version> versions = the_versions();
    const std::vector<Measured> table = measure(versions, sizes, quick ? 3 : 5);
    what_each_step_bought(table.back());
  } catch (const Error& e) {
    fmt::print("error: {}\n", e.what());
    return 1;
  }
  return finish(11);
}
