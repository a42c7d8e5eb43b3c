// Lesson 03: checking any gradient. Central differences by hand and why float64, then knob's
// gradcheck on a correct op, on a deliberately wrong one, in fast mode, and for second
// derivatives; last, the op table that `knob gradcheck` prints.
// Read tutorials/03_gradcheck/README.md alongside. Exits 1 if anything the lesson claims is false.
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "autograd/error.h"
#include "autograd/gradcheck.h"
#include "autograd/op_registry.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "tutorials/common/lesson.h"

using namespace knob;
using namespace knob::lesson;  // claim, heading, max_abs_difference, finish

namespace {

// ---- 1. central differences, and why float64 ------------------------------------------------
// d/dx e^x at x = 1 is e. Estimate it as (f(x+h) - f(x-h)) / 2h in float32 and in float64.
template <class T>
double central_difference_of_exp(double x, double h) {
  const T plus = std::exp(static_cast<T>(x) + static_cast<T>(h));
  const T minus = std::exp(static_cast<T>(x) - static_cast<T>(h));
  return static_cast<double>((plus - minus) / (T(2) * static_cast<T>(h)));
}

void central_differences() {
  heading(1, "Central differences: d/dx e^x at x = 1 (exact: e)");
  const double exact = std::exp(1.0);
  fmt::print("  {:>7}  {:>12}  {:>12}\n", "eps", "error f32", "error f64");
  double best_f32 = 1e30;
  double best_f64 = 1e30;
  for (int k = 1; k <= 8; ++k) {
    const double h = std::pow(10.0, -k);
    const double err32 = std::fabs(central_difference_of_exp<float>(1.0, h) - exact);
    const double err64 = std::fabs(central_difference_of_exp<double>(1.0, h) - exact);
    best_f32 = std::min(best_f32, err32);
    best_f64 = std::min(best_f64, err64);
    fmt::print("  {:>7.0e}  {:>12.2e}  {:>12.2e}\n", h, err32, err64);
  }
  fmt::print("best error: f32 {:.1e}, f64 {:.1e}\n", best_f32, best_f64);
  claim(best_f32 > 1e-6 && best_f64 < 1e-9, "float32 stays above 1e-6, float64 gets below 1e-9");
}

// ---- 2. an op of our own, right and wrong ------------------------------------------------------
// y = x^3, with its backward written with knob ops (so it is itself differentiable).
Tensor cube(const Tensor& x) {
  Tensor y;
  {
    NoGradGuard no_grad;
    y = mul(mul(x, x), x);
  }
  return record("cube", y, {x}, [x](const Tensor& g) {
    return TensorList{mul(g, mul_scalar(mul(x, x), 3.0))};  // dy/dx = 3x^2
  });
}

// The classic slip: the power rule applied as 2x^2 instead of 3x^2.
Tensor cube_with_wrong_backward(const Tensor& x) {
  Tensor y;
  {
    NoGradGuard no_grad;
    y = mul(mul(x, x), x);
  }
  return record("cube_wrong", y, {x}, [x](const Tensor& g) {
    return TensorList{mul(g, mul_scalar(mul(x, x), 2.0))};  // WRONG: should be 3x^2
  });
}

// Right first derivative, but computed from raw numbers: the result is a fresh leaf, so the
// tape cannot see that it depends on x, and second derivatives come out as zero.
Tensor cube_with_opaque_backward(const Tensor& x) {
  Tensor y;
  {
    NoGradGuard no_grad;
    y = mul(mul(x, x), x);
  }
  return record("cube_opaque", y, {x}, [x](const Tensor& g) {
    Tensor dx = zeros(x.shape(), DType::f64);
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      dx.data<double>()[i] = g.data<double>()[i] * 3.0 * x.data<double>()[i] * x.data<double>()[i];
    }
    return TensorList{dx};
  });
}

void check_our_ops() {
  Generator gen(3);
  const Tensor x = randn({2, 3}, gen, DType::f64).requires_grad_();
  const GradcheckOptions defaults;

  heading(2, "gradcheck on a correct op");
  fmt::print(
      "an element passes when |analytic - numeric| <= the estimated error of the numeric "
      "derivative (steps {:g} and {:g}, see docs/gradients.md)\n",
      defaults.eps, defaults.eps / 2);
  const GradcheckResult good = gradcheck([](const TensorList& in) { return cube(in[0]); }, {x});
  fmt::print("cube: {} Jacobian entries compared, max abs error {:.1e}: {}\n", good.compared,
             good.max_abs_error, good.passed ? "pass" : "FAIL");
  claim(good.passed && good.compared == 36, "cube passes with 6 x 6 = 36 entries compared");

  heading(3, "gradcheck on a deliberately wrong op");
  const GradcheckResult bad =
      gradcheck([](const TensorList& in) { return cube_with_wrong_backward(in[0]); }, {x});
  fmt::print("cube_wrong: {}\n{}\n", bad.passed ? "pass" : "FAIL", bad.message);
  claim(!bad.passed, "the wrong backward is caught");

  heading(4, "Fast mode: one random projection v^T J u instead of the whole Jacobian");
  GradcheckOptions fast;
  fast.fast_mode = true;
  const GradcheckResult good_fast =
      gradcheck([](const TensorList& in) { return cube(in[0]); }, {x}, fast);
  const GradcheckResult bad_fast =
      gradcheck([](const TensorList& in) { return cube_with_wrong_backward(in[0]); }, {x}, fast);
  fmt::print("cube: {} ({} number compared)\ncube_wrong: {}\n{}\n",
             good_fast.passed ? "pass" : "FAIL", good_fast.compared,
             bad_fast.passed ? "pass" : "FAIL", bad_fast.message);
  claim(good_fast.passed && !bad_fast.passed, "fast mode passes cube and catches cube_wrong");

  heading(5, "gradgradcheck: second derivatives");
  const GradcheckResult second =
      gradgradcheck([](const TensorList& in) { return cube(in[0]); }, {x});
  const GradcheckResult opaque_first =
      gradcheck([](const TensorList& in) { return cube_with_opaque_backward(in[0]); }, {x});
  const GradcheckResult opaque_second =
      gradgradcheck([](const TensorList& in) { return cube_with_opaque_backward(in[0]); }, {x});
  fmt::print("cube: gradgradcheck {}\n", second.passed ? "pass" : "FAIL");
  fmt::print("cube_opaque: gradcheck {}, gradgradcheck {}\n{}\n",
             opaque_first.passed ? "pass" : "FAIL", opaque_second.passed ? "pass" : "FAIL",
             opaque_second.message);
  claim(second.passed && opaque_first.passed && !opaque_second.passed,
        "an opaque backward passes gradcheck but fails gradgradcheck");
}

// ---- 6. every op of knob ----------------------------------------------------------------------
void knob_ops() {
  heading(6, "knob's own ops (what `knob gradcheck --op softmax --op matmul` prints)");
  const std::vector<OpCheckReport> reports = check_ops({"softmax", "matmul"});
  fmt::print("{:<10} {:>5} {:>12} {:>10}  {}\n", "op", "cases", "max abs err", "2nd order", "pass");
  for (const OpCheckReport& r : reports) {
    fmt::print("{:<10} {:>5} {:>12.1e} {:>10}  {}\n", r.op, r.cases, r.first.max_abs_error,
               !r.second_checked ? "-"
               : r.second.passed ? "ok"
                                 : "FAIL",
               r.passed() ? "yes" : "NO");
    claim(r.passed(), fmt::format("knob's {} passes", r.op));
  }
}

}  // namespace

int main() {
  try {
    central_differences();
    check_our_ops();
    knob_ops();
  } catch (const Error& e) {
    fmt::print("error: {}\n", e.what());
    return 1;
  }
  return finish(3);
}
