// A program outside knob's source tree, built against an installed knob (see CMakeLists.txt).
// It builds y = sum(x * x), runs backward, and checks dy/dx = 2x at x = 2. Exit status 0 = ok.
#include <cmath>
#include <cstdio>
#include <exception>

#include <knob/autograd/ops.h>
#include <knob/autograd/tensor.h>

int main() {
  try {
    knob::Tensor x = knob::tensor({1.0, 2.0, 3.0}, {3}, knob::DType::f64).requires_grad_(true);
    knob::Tensor y = knob::sum(knob::mul(x, x));
    knob::backward(y);

    const double grad = x.grad().at({1});
    const double expected = 4.0;  // d/dx_1 of sum(x_i^2) = 2 * x_1 = 2 * 2
    if (std::fabs(grad - expected) > 1e-12) {
      std::fprintf(stderr, "consumer: wrong gradient: got %.17g, expected %.17g\n", grad, expected);
      return 1;
    }
    std::printf("consumer: d/dx sum(x*x) at x = 2 is %g, as expected\n", grad);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consumer: %s\n", e.what());
    return 1;
  }
}
