/// @file
/// @brief Arithmetic ops: add, sub, mul, div (broadcasting), their scalar forms, pow and neg.
/// Each op's backward rule sits right under its forward computation.

#include <fmt/format.h>

#include "autograd/ops.h"
#include "autograd/ops/broadcast.h"
#include "autograd/ops/checks.h"

namespace knob {

using detail::BinaryOp;
using detail::broadcast_binary;

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor y = broadcast_binary(a, b, BinaryOp::add, "add");  // y = a + b
  return record("add", y, {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g) {
    // dy/da = dy/db = 1; a broadcast input collects the gradient of every copy of itself.
    return TensorList{sum_to(g, sa), sum_to(g, sb)};
  });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor y = broadcast_binary(a, b, BinaryOp::sub, "sub");  // y = a - b
  return record("sub", y, {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return TensorList{sum_to(g, sa), sum_to(neg(g), sb)};
  });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor y = broadcast_binary(a, b, BinaryOp::mul, "mul");  // y = a ⊙ b
  return record("mul", y, {a, b}, [a, b](const Tensor& g) {
    // dy/da = b, dy/db = a (product rule), summed back over broadcast axes.
    return TensorList{sum_to(mul(g, b), a.shape()), sum_to(mul(g, a), b.shape())};
  });
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor y = broadcast_binary(a, b, BinaryOp::div, "div");  // y = a / b
  return record("div", y, {a, b}, [a, b](const Tensor& g) {
    // dy/da = 1/b, dy/db = -a/b²
    Tensor da = div(g, b);
    Tensor db = neg(div(mul(g, a), mul(b, b)));
    return TensorList{sum_to(da, a.shape()), sum_to(db, b.shape())};
  });
}

Tensor add_scalar(const Tensor& x, double s) {
  Tensor y = detail::map_scalar(x, s, "add_scalar", [](const auto& k) { return k.add_scalar; });
  return record("add_scalar", y, {x}, [](const Tensor& g) { return TensorList{g}; });
}

Tensor mul_scalar(const Tensor& x, double s) {
  Tensor y = detail::map_scalar(x, s, "mul_scalar", [](const auto& k) { return k.mul_scalar; });
  return record("mul_scalar", y, {x},
                [s](const Tensor& g) { return TensorList{mul_scalar(g, s)}; });
}

Tensor pow(const Tensor& x, double p) {
  Tensor y = detail::map_scalar(x, p, "pow", [](const auto& k) { return k.pow_scalar; });
  return record("pow", y, {x}, [x, p](const Tensor& g) {
    // d x^p / dx = p x^(p-1)
    return TensorList{mul(g, mul_scalar(pow(x, p - 1.0), p))};
  });
}

Tensor neg(const Tensor& x) {
  Tensor y = detail::map_unary(x, "neg", [](const auto& k) { return k.neg; });
  return record("neg", y, {x}, [](const Tensor& g) { return TensorList{neg(g)}; });
}

}  // namespace knob
