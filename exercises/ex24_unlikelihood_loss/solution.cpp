// ex24_unlikelihood_loss — the reference solution, one row of V logits at a time in double.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/ex24_unlikelihood_loss/unlikelihood_loss.h"

namespace knob::exercises {

namespace {

constexpr double kMinusInf = -std::numeric_limits<double>::infinity();

// Checks the arguments; returns |P|, the number of counted positions.
std::int64_t count_positions(const Tensor& logits, const Tensor& targets, std::int64_t ignore) {
  if (targets.dtype() != DType::i64) {
    throw DTypeError("unlikelihood_loss_and_grad: targets must be i64, got " +
                     std::string(dtype_name(targets.dtype())));
  }
  if (logits.dim() < 1 ||
      Shape(logits.shape().begin(), logits.shape().end() - 1) != targets.shape()) {
    throw ShapeError("unlikelihood_loss_and_grad: logits " + shape_str(logits.shape()) +
                     " need targets of shape [...], got " + shape_str(targets.shape()));
  }
  const std::int64_t classes = logits.size(-1);
  if (classes < 2) {
    throw ValueError("unlikelihood_loss_and_grad: V = " + std::to_string(classes) +
                     " < 2: with one class its probability is 1 and log(1 - 1) = -inf");
  }
  std::int64_t counted = 0;
  const std::int64_t* t = targets.data<std::int64_t>();
  for (std::int64_t p = 0; p < targets.numel(); ++p) {
    if (t[p] == ignore) continue;
    if (t[p] < 0 || t[p] >= classes) {
      throw ValueError("unlikelihood_loss_and_grad: target " + std::to_string(t[p]) +
                       " at position " + std::to_string(p) + " is outside [0, " +
                       std::to_string(classes) + ")");
    }
    ++counted;
  }
  if (counted == 0) {
    throw ValueError("unlikelihood_loss_and_grad: every position is ignore_index; no loss");
  }
  return counted;
}

// log Σ_j e^{z_j} over the j != skip (skip = -1: over all), stable.
double log_sum_exp(const std::vector<double>& z, std::int64_t skip) {
  double top = kMinusInf;
  for (std::size_t j = 0; j < z.size(); ++j) {
    if (static_cast<std::int64_t>(j) != skip) top = std::max(top, z[j]);
  }
  double total = 0.0;
  for (std::size_t j = 0; j < z.size(); ++j) {
    if (static_cast<std::int64_t>(j) != skip) total += std::exp(z[j] - top);
  }
  return top + std::log(total);
}

// One counted row: adds -log(1 - π_y) to `loss` and writes (softmax(z) - r) * scale into `grad`,
// r = the softmax over the other tokens (r_y = 0).
void row_loss_and_grad(const std::vector<double>& z, std::int64_t y, double scale, double& loss,
                       std::vector<double>& grad) {
  const double all = log_sum_exp(z, -1);
  const double others = log_sum_exp(z, y);
  const double log_pi = z[static_cast<std::size_t>(y)] - all;
  // log(1 - π): when π > 1/2, 1 - π loses digits; log Σ_{j≠y} e^{z_j} - log Σ_j e^{z_j} does not.
  const double log_rest = log_pi > std::log(0.5) ? others - all : std::log1p(-std::exp(log_pi));
  loss -= log_rest;
  for (std::size_t j = 0; j < z.size(); ++j) {
    const double p = std::exp(z[j] - all);
    const double r = static_cast<std::int64_t>(j) == y ? 0.0 : std::exp(z[j] - others);
    grad[j] = (p - r) * scale;
  }
}

}  // namespace

UnlikelihoodResult unlikelihood_loss_and_grad(const Tensor& logits, const Tensor& wrong_targets,
                                              std::int64_t ignore_index) {
  const std::int64_t counted = count_positions(logits, wrong_targets, ignore_index);
  const std::int64_t classes = logits.size(-1);
  const double scale = 1.0 / static_cast<double>(counted);
  UnlikelihoodResult result{zeros({}, logits.dtype()), zeros_like(logits)};
  const std::int64_t* t = wrong_targets.data<std::int64_t>();
  dispatch_floating(logits.dtype(), "unlikelihood_loss_and_grad", [&]<class T>() {
    const T* z = logits.data<T>();
    T* dz = result.grad.data<T>();
    double total = 0.0;
    std::vector<double> row(static_cast<std::size_t>(classes));
    std::vector<double> grad(static_cast<std::size_t>(classes));
    for (std::int64_t p = 0; p < wrong_targets.numel(); ++p) {
      if (t[p] == ignore_index) continue;  // its gradient stays 0
      for (std::int64_t j = 0; j < classes; ++j) row[j] = static_cast<double>(z[p * classes + j]);
      row_loss_and_grad(row, t[p], scale, total, grad);
      for (std::int64_t j = 0; j < classes; ++j) dz[p * classes + j] = static_cast<T>(grad[j]);
    }
    result.loss.data<T>()[0] = static_cast<T>(total * scale);
  });
  return result;
}

}  // namespace knob::exercises
