/// @file
/// @brief Loss functions: cross_entropy (fused log-softmax + NLL, with ignore_index) and mse.

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "autograd/ops.h"
#include "autograd/ops/checks.h"

namespace knob {

namespace {

// z̄ = g (softmax(z) - onehot(t)) / counted row by row, 0 on ignored rows: logits [N, V].
Tensor cross_entropy_logits_grad(const Tensor& logits, const Tensor& targets,
                                 std::int64_t ignore_index, std::int64_t counted, const Tensor& g) {
  const std::int64_t V = logits.size(-1);
  const std::int64_t* t = targets.data<std::int64_t>();
  Tensor dz = empty(logits.shape(), logits.dtype());
  dispatch_floating(logits.dtype(), "cross_entropy", [&]<class T>() {
    const kernels::KernelTable<T>& k = kernels::active<T>();
    const T weight =
        static_cast<T>(static_cast<double>(g.data<T>()[0]) / static_cast<double>(counted));
    const auto row = static_cast<std::size_t>(V);
    for (std::int64_t i = 0; i < targets.numel(); ++i) {
      T* dz_row = dz.data<T>() + i * V;
      if (t[i] == ignore_index) {
        std::fill(dz_row, dz_row + row, T(0));
        continue;
      }
      k.softmax_rows(logits.data<T>() + i * V, dz_row, 1, row);  // softmax(z_i)
      dz_row[t[i]] -= T(1);                                      // - onehot(t_i)
      k.mul_scalar(dz_row, weight, dz_row, row);                 // · g / |P|
    }
  });
  return dz;
}

}  // namespace

namespace {

// The position of flat index i in `shape`, as "1,0" (row-major).
std::string multi_index(const Shape& shape, std::int64_t i) {
  std::vector<std::int64_t> index(shape.size());
  for (std::size_t axis = shape.size(); axis-- > 0;) {
    index[axis] = i % shape[axis];
    i /= shape[axis];
  }
  return fmt::format("{}", fmt::join(index, ","));
}

}  // namespace

std::int64_t check_class_targets(const Tensor& targets, std::int64_t num_classes,
                                 std::int64_t ignore_index, std::string_view op) {
  detail::check_defined(targets, op);
  if (targets.dtype() != DType::i64) {
    throw DTypeError(fmt::format("{}: targets must be i64, got {} of shape {}", op,
                                 dtype_name(targets.dtype()), shape_str(targets.shape())));
  }
  const std::int64_t* t = targets.data<std::int64_t>();
  std::int64_t counted = 0;
  for (std::int64_t i = 0; i < targets.numel(); ++i) {
    if (t[i] == ignore_index) continue;
    if (t[i] < 0 || t[i] >= num_classes) {
      throw ValueError(
          fmt::format("{}: targets[{}] = {} is outside [0, {}) and is not ignore_index "
                      "({}); targets are {}",
                      op, multi_index(targets.shape(), i), t[i], num_classes, ignore_index,
                      shape_str(targets.shape())));
    }
    ++counted;
  }
  return counted;
}

std::int64_t detail::check_token_targets(const Tensor& logits, const Tensor& targets,
                                         std::int64_t ignore_index, std::string_view op) {
  check_floating(logits, op);
  check_defined(targets, op);
  if (logits.dim() < 1 ||
      Shape(logits.shape().begin(), logits.shape().end() - 1) != targets.shape()) {
    throw ShapeError(fmt::format(
        "{}: logits {} need targets of shape [...] = logits without the last axis, got {}", op,
        shape_str(logits.shape()), shape_str(targets.shape())));
  }
  return check_class_targets(targets, logits.size(-1), ignore_index, op);
}

Tensor cross_entropy(const Tensor& logits, const Tensor& targets, std::int64_t ignore_index) {
  const std::int64_t counted =
      detail::check_token_targets(logits, targets, ignore_index, "cross_entropy");
  const std::int64_t V = logits.size(-1);
  const std::int64_t N = targets.numel();
  const std::int64_t* t = targets.data<std::int64_t>();

  // Forward: L = -(1/|P|) Σ_{i∈P} log softmax(z_i)[t_i], the log-softmax done row by row.
  Tensor loss = empty({}, logits.dtype());
  dispatch_floating(logits.dtype(), "cross_entropy", [&]<class T>() {
    const T* z = logits.data<T>();
    std::vector<T> log_probs(static_cast<std::size_t>(V));
    double total = 0.0;
    for (std::int64_t i = 0; i < N; ++i) {
      if (t[i] == ignore_index) continue;
      kernels::active<T>().log_softmax_rows(z + i * V, log_probs.data(), 1,
                                            static_cast<std::size_t>(V));
      total -= static_cast<double>(log_probs[t[i]]);
    }
    // No counted position: 0/0 = NaN, as PyTorch.
    loss.data<T>()[0] = counted == 0 ? std::numeric_limits<T>::quiet_NaN()
                                     : static_cast<T>(total / static_cast<double>(counted));
  });

  return record("cross_entropy", loss, {logits, targets},
                [logits, targets, ignore_index, counted, V, N](const Tensor& g) {
                  // z̄_i = g (softmax(z_i) - onehot(t_i)) / |P| for counted rows, 0 for ignored
                  // ones.
                  if (!grad_enabled()) {  // a normal backward pass: one pass, row by row
                    return TensorList{
                        cross_entropy_logits_grad(logits, targets, ignore_index, counted, g),
                        Tensor()};
                  }
                  // create_graph: the same formula, differentiable.
                  Tensor onehot = zeros(logits.shape(), logits.dtype());
                  Shape weight_shape = targets.shape();
                  weight_shape.push_back(1);
                  Tensor weight = zeros(weight_shape, logits.dtype());
                  const std::int64_t* t = targets.data<std::int64_t>();
                  for (std::int64_t i = 0; i < N; ++i) {
                    if (t[i] == ignore_index) continue;
                    dispatch_floating(logits.dtype(), "cross_entropy", [&]<class T>() {
                      onehot.data<T>()[i * V + t[i]] = T(1);
                      weight.data<T>()[i] = static_cast<T>(1.0 / static_cast<double>(counted));
                    });
                  }
                  Tensor dz = mul(sub(softmax(logits, -1), onehot), weight);
                  return TensorList{mul(dz, g), Tensor()};
                });
}

Tensor mse(const Tensor& a, const Tensor& b) {
  detail::check_same_dtype(a, b, "mse");
  if (a.shape() != b.shape()) {
    throw ShapeError(fmt::format("mse: prediction {} and target {} must have the same shape",
                                 shape_str(a.shape()), shape_str(b.shape())));
  }
  const double n = static_cast<double>(a.numel());
  Tensor loss;
  {
    NoGradGuard forward_only;  // L = (1/n) Σ (a - b)²
    Tensor d = sub(a, b);
    loss = mean(mul(d, d));
  }
  return record("mse", loss, {a, b}, [a, b, n](const Tensor& g) {
    Tensor da = mul_scalar(mul(sub(a, b), g), 2.0 / n);  // dL/da = 2(a - b)/n
    return TensorList{da, neg(da)};
  });
}

}  // namespace knob
