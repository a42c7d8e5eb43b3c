// Lesson 01: tensors, shapes, broadcasting, and a SIMD kernel beside its scalar twin.
// Read tutorials/01_tensors/README.md alongside; every number printed here is explained there.
// Exits 1 if anything the lesson claims turns out false.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "autograd/error.h"
#include "autograd/format.h"
#include "autograd/kernels/kernels.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "tutorials/common/lesson.h"

using namespace knob;
using namespace knob::lesson;  // claim, heading, max_abs_difference, finish

namespace {

// ---- 1. a tensor is a shape over a flat buffer --------------------------------------------
void tensors_and_shapes() {
  heading(1, "A tensor is a shape over a flat, row-major buffer");
  Tensor x = arange(0, 12, 1, DType::f32).reshape({3, 4});  // x: [3,4]
  fmt::print("x = {}\n", x);
  const Shape strides = contiguous_strides(x.shape());
  fmt::print("shape {}, strides {} (elements), dtype {}, numel {}\n", shape_str(x.shape()),
             shape_str(strides), dtype_name(x.dtype()), x.numel());
  fmt::print("x[1,2] sits at flat index 1*{} + 2*{} = {}, and holds {}\n", strides[0], strides[1],
             1 * strides[0] + 2 * strides[1], x.at({1, 2}));
  Tensor flat = x.reshape({12});
  fmt::print("x.reshape({{12}}) shares x's bytes: {}\n", flat.shares_storage(x));
  claim(x.at({1, 2}) == 6.0 && flat.shares_storage(x), "x[1,2] = 6 and reshape is a view");
}

// ---- 2. broadcasting ------------------------------------------------------------------------
void broadcasting() {
  heading(2, "Broadcasting");
  Tensor a = tensor({1, 2, 3, 4, 5, 6}, {2, 3}, DType::f64);  // a: [2,3]
  Tensor b = tensor({10, 20, 30}, {3}, DType::f64);           // b: [3]
  Tensor sum_ab = a + b;                                      // [2,3]
  fmt::print("a [2,3] + b [3]:\n{}\n", sum_ab);
  claim(sum_ab.to_vector() == std::vector<double>{11, 22, 33, 14, 25, 36}, "a + b row by row");

  Tensor column = tensor({1, 2, 3}, {3, 1}, DType::f64);        // [3,1]
  Tensor row = tensor({1, 10, 100, 1000}, {1, 4}, DType::f64);  // [1,4]
  Tensor outer = column * row;                                  // [3,4]
  fmt::print("column [3,1] * row [1,4] = an outer product:\n{}\n", outer);
  claim(outer.shape() == Shape{3, 4} && outer.at({2, 3}) == 3000.0, "outer[2,3] = 3000");

  try {
    (void)(a + tensor({1, 2, 3, 4}, {4}, DType::f64));
    claim(false, "[2,3] + [4] is an error");
  } catch (const ShapeError& e) {
    fmt::print("a [2,3] + [4] → ShapeError: {}\n", e.what());
  }
}

// ---- 3. the backward of broadcasting --------------------------------------------------------
void broadcast_backward() {
  heading(3, "The backward of broadcasting: sum over the copies");
  Tensor a = tensor({1, 2, 3, 4, 5, 6}, {2, 3}, DType::f64);
  Tensor b = tensor({10, 20, 30}, {3}, DType::f64).requires_grad_();  // b: [3], used twice
  Tensor loss = sum(a * b);                                           // Σ_ij a_ij b_j
  backward(loss);
  fmt::print("loss = sum(a * b) = {}\n", loss.item());
  fmt::print("dloss/db = {}   (column sums of a: b was copied to both rows)\n", b.grad());
  claim(b.grad().to_vector() == std::vector<double>{5, 7, 9}, "dloss/db = [5, 7, 9]");
  Tensor g = ones({2, 3}, DType::f64);
  fmt::print("sum_to(ones [2,3], [3]) = {}\n", sum_to(g, {3}));
}

// ---- 4. a SIMD kernel beside its scalar twin --------------------------------------------------
/// Best-of-`repeats` seconds for one call of `kernel` over the whole buffers.
template <class Kernel>
double best_seconds(int repeats, Kernel kernel) {
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    kernel();
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    best = std::min(best, took.count());
  }
  return best;
}

void simd_versus_scalar() {
  heading(4, "A SIMD kernel beside its scalar twin");
  const kernels::KernelTable<float>& scalar = kernels::table_for<float>(kernels::Isa::scalar);
  const kernels::KernelTable<float>& active = kernels::active<float>();
  std::string available;
  for (kernels::Isa isa : kernels::available_isas()) {
    available += std::string(available.empty() ? "" : ", ") + std::string(kernels::isa_name(isa));
  }
  fmt::print("instruction sets on this CPU: {}\n", available);
  fmt::print("active: {} ({} floats per register){}\n", kernels::isa_name(active.isa), active.width,
             active.isa == kernels::Isa::scalar ? "  [KNOB_SIMD=scalar]" : "");

  // 2^16 floats = 256 KiB per array: three arrays stay in the L2 cache, so we time arithmetic
  // rather than main memory.
  const std::size_t n = std::size_t{1} << 16;
  Generator gen(1);
  std::vector<float> a(n), b(n), out_scalar(n), out_simd(n);
  for (std::size_t i = 0; i < n; ++i) {
    a[i] = static_cast<float>(gen.uniform(-4.0, 4.0));
    b[i] = static_cast<float>(gen.uniform(-4.0, 4.0));
  }
  const int repeats = 40;
  struct Row {
    const char* name;
    double scalar_s;
    double simd_s;
  };
  std::vector<Row> rows;
  rows.push_back(
      {"add", best_seconds(repeats, [&] { scalar.add(a.data(), b.data(), out_scalar.data(), n); }),
       best_seconds(repeats, [&] { active.add(a.data(), b.data(), out_simd.data(), n); })});
  claim(out_scalar == out_simd, "the SIMD add gives bit-identical results to the scalar add");
  rows.push_back({"exp", best_seconds(repeats, [&] { scalar.exp(a.data(), out_scalar.data(), n); }),
                  best_seconds(repeats, [&] { active.exp(a.data(), out_simd.data(), n); })});
  float worst = 0.0F;
  for (std::size_t i = 0; i < n; ++i) {
    worst = std::max(worst, std::fabs(out_simd[i] - out_scalar[i]) / out_scalar[i]);
  }
  claim(worst < 1e-6F, "the SIMD exp agrees with the C library's to ~1e-6 (relative)");

  fmt::print("n = {} floats, best of {} runs:\n", n, repeats);
  fmt::print("  {:<5} {:>12} {:>12} {:>9}\n", "op", "scalar", kernels::isa_name(active.isa),
             "speed-up");
  for (const Row& r : rows) {
    fmt::print("  {:<5} {:>9.1f} us {:>9.1f} us {:>8.1f}x\n", r.name, r.scalar_s * 1e6,
               r.simd_s * 1e6, r.scalar_s / r.simd_s);
  }
  fmt::print("largest relative difference of the two exp kernels: {:.1e}\n", worst);
}

}  // namespace

int main() {
  try {
    tensors_and_shapes();
    broadcasting();
    broadcast_backward();
    simd_versus_scalar();
  } catch (const Error& e) {
    fmt::print("error: {}\n", e.what());
    return 1;
  }
  return finish(1);
}
