#include "autograd/gradcheck.h"

#include <cmath>

#include <fmt/format.h>

#include "autograd/ops.h"
#include "autograd/random.h"

namespace knob {

namespace {

std::string unravel(std::int64_t linear, const Shape& shape) {
  std::vector<std::int64_t> index(shape.size());
  for (std::size_t i = shape.size(); i-- > 0;) {
    index[i] = shape[i] == 0 ? 0 : linear % shape[i];
    linear = shape[i] == 0 ? 0 : linear / shape[i];
  }
  return fmt::format("[{}]", fmt::join(index, ","));
}

std::vector<std::size_t> differentiable_inputs(const TensorList& inputs) {
  std::vector<std::size_t> which;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    if (!x.defined() || !is_floating(x.dtype())) continue;
    if (x.dtype() != DType::f64) {
      throw DTypeError(
          fmt::format("gradcheck: input {} is {} {}; finite differences need float64 (convert with "
                      ".to(DType::f64))",
                      i, dtype_name(x.dtype()), shape_str(x.shape())));
    }
    if (x.requires_grad()) which.push_back(i);
  }
  return which;
}

// f(inputs) as a flat vector of doubles (the graph it builds is dropped at once).
std::vector<double> evaluate(const GradcheckFn& fn, const TensorList& inputs) {
  Tensor y = fn(inputs);
  if (y.dtype() != DType::f64) {
    throw DTypeError(fmt::format("gradcheck: the function returned {} {}; it must return f64",
                                 dtype_name(y.dtype()), shape_str(y.shape())));
  }
  return y.to_vector();
}

// Compare one analytic/numeric pair, updating the result; returns false on a failure.
bool compare(double analytic, double numeric, const GradcheckOptions& o, GradcheckResult& r) {
  const double abs_err = std::fabs(analytic - numeric);
  const double scale = std::max(std::fabs(analytic), std::fabs(numeric));
  r.max_abs_error = std::max(r.max_abs_error, abs_err);
  if (scale > o.atol) r.max_rel_error = std::max(r.max_rel_error, abs_err / scale);
  ++r.compared;
  return std::isfinite(analytic) && std::isfinite(numeric) &&
         abs_err <= o.atol + o.rtol * std::fabs(numeric);
}

std::string tolerance_text(const GradcheckOptions& o) {
  return fmt::format(
      "tolerance: |analytic - numeric| <= atol {:g} + rtol {:g} * |numeric| "
      "(eps {:g})",
      o.atol, o.rtol, o.eps);
}

// Central difference of f along a direction given per differentiable input.
std::vector<double> directional_difference(const GradcheckFn& fn, const TensorList& inputs,
                                           const std::vector<std::size_t>& which,
                                           const std::vector<std::vector<double>>& direction,
                                           double eps) {
  std::vector<std::vector<double>> original;
  for (std::size_t i : which) original.push_back(inputs[i].to_vector());
  // Set every differentiable input to x + step·direction (from the saved x, so x is restored
  // exactly at the end).
  auto move_to = [&](double step) {
    for (std::size_t d = 0; d < which.size(); ++d) {
      double* p = inputs[which[d]].data<double>();
      for (std::size_t e = 0; e < direction[d].size(); ++e) {
        p[e] = original[d][e] + step * direction[d][e];
      }
    }
  };
  move_to(eps);
  const std::vector<double> plus = evaluate(fn, inputs);
  move_to(-eps);
  const std::vector<double> minus = evaluate(fn, inputs);
  move_to(0.0);
  std::vector<double> diff(plus.size());
  for (std::size_t j = 0; j < plus.size(); ++j) diff[j] = (plus[j] - minus[j]) / (2.0 * eps);
  return diff;
}

GradcheckResult full_check(const GradcheckFn& fn, const TensorList& inputs,
                           const std::vector<std::size_t>& which, const GradcheckOptions& o) {
  GradcheckResult result;
  TensorList diff_inputs;
  for (std::size_t i : which) diff_inputs.push_back(inputs[i]);

  // Analytic Jacobian, one backward pass per output element: row j = ∇ y_j.
  Tensor y = fn(inputs);
  const std::int64_t m = y.numel();
  std::vector<std::vector<std::vector<double>>> rows(static_cast<std::size_t>(m));
  for (std::int64_t j = 0; j < m; ++j) {
    if (!y.requires_grad()) {
      for (const Tensor& x : diff_inputs) {
        rows[j].push_back(std::vector<double>(static_cast<std::size_t>(x.numel()), 0.0));
      }
      continue;
    }
    Tensor onehot = zeros(y.shape(), DType::f64);
    onehot.data<double>()[j] = 1.0;
    TensorList grads = grad({y}, diff_inputs, {onehot}, {.retain_graph = true});
    for (const Tensor& g : grads) rows[j].push_back(g.to_vector());
  }

  // Numeric Jacobian, one column per input element, compared as we go.
  for (std::size_t d = 0; d < which.size(); ++d) {
    const Tensor& x = inputs[which[d]];
    std::vector<std::vector<double>> direction(which.size());
    for (std::size_t dd = 0; dd < which.size(); ++dd) {
      direction[dd].assign(static_cast<std::size_t>(inputs[which[dd]].numel()), 0.0);
    }
    for (std::int64_t e = 0; e < x.numel(); ++e) {
      direction[d][e] = 1.0;
      const std::vector<double> column =
          directional_difference(fn, inputs, which, direction, o.eps);
      direction[d][e] = 0.0;
      for (std::int64_t j = 0; j < m; ++j) {
        const double analytic = rows[j][d][e];
        const double numeric = column[j];
        if (!compare(analytic, numeric, o, result) && result.passed) {
          result.passed = false;
          result.message = fmt::format(
              "gradcheck failed for input {} (shape {}) at element {}, output element {}: "
              "analytic {:.10g} vs numeric {:.10g}, abs error {:.3g}, rel error {:.3g}; {}",
              which[d], shape_str(x.shape()), unravel(e, x.shape()), unravel(j, y.shape()),
              analytic, numeric, std::fabs(analytic - numeric),
              std::fabs(analytic - numeric) /
                  std::max({std::fabs(analytic), std::fabs(numeric), 1e-300}),
              tolerance_text(o));
        }
      }
    }
  }
  return result;
}

GradcheckResult fast_check(const GradcheckFn& fn, const TensorList& inputs,
                           const std::vector<std::size_t>& which, const GradcheckOptions& o) {
  GradcheckResult result;
  Generator gen(o.seed);
  TensorList diff_inputs;
  std::vector<std::vector<double>> u(which.size());
  for (std::size_t d = 0; d < which.size(); ++d) {
    diff_inputs.push_back(inputs[which[d]]);
    for (std::int64_t e = 0; e < inputs[which[d]].numel(); ++e) u[d].push_back(gen.normal());
  }
  Tensor y = fn(inputs);
  Tensor v = randn(y.shape(), gen, DType::f64);
  // Analytic vᵀ J u = Σ_inputs <∇(v·y), u>; numeric: the central difference of v·y along u.
  double analytic = 0.0;
  if (y.requires_grad()) {
    TensorList grads = grad({y}, diff_inputs, {v});
    for (std::size_t d = 0; d < which.size(); ++d) {
      const std::vector<double> g = grads[d].to_vector();
      for (std::size_t e = 0; e < g.size(); ++e) analytic += g[e] * u[d][e];
    }
  }
  const std::vector<double> dy = directional_difference(fn, inputs, which, u, o.eps);
  const std::vector<double> vv = v.to_vector();
  double numeric = 0.0;
  for (std::size_t j = 0; j < dy.size(); ++j) numeric += vv[j] * dy[j];
  if (!compare(analytic, numeric, o, result)) {
    result.passed = false;
    result.message = fmt::format(
        "gradcheck (fast mode) failed: the projection vᵀJu is {:.10g} analytically but {:.10g} "
        "numerically (abs error {:.3g}); {}; rerun without fast_mode to find the element",
        analytic, numeric, std::fabs(analytic - numeric), tolerance_text(o));
  }
  return result;
}

}  // namespace

GradcheckResult gradcheck(const GradcheckFn& fn, const TensorList& inputs,
                          const GradcheckOptions& options) {
  const std::vector<std::size_t> which = differentiable_inputs(inputs);
  GradModeGuard recording(true);
  return options.fast_mode ? fast_check(fn, inputs, which, options)
                           : full_check(fn, inputs, which, options);
}

GradcheckResult gradgradcheck(const GradcheckFn& fn, const TensorList& inputs,
                              const GradcheckOptions& options) {
  const std::vector<std::size_t> which = differentiable_inputs(inputs);
  GradModeGuard recording(true);
  Generator gen(options.seed + 1);
  const Tensor v = randn(fn(inputs).shape(), gen, DType::f64);
  // h(x) = ∇_x (v · f(x)), flattened and joined: its Jacobian is the Hessian-vector structure.
  GradcheckFn first_derivative = [&fn, &which, v](const TensorList& in) {
    Tensor y = fn(in);
    TensorList diff_inputs;
    for (std::size_t i : which) diff_inputs.push_back(in[i]);
    if (!y.requires_grad()) return zeros({0}, DType::f64);
    TensorList grads = grad({y}, diff_inputs, {v}, {.create_graph = true});
    TensorList flat;
    for (const Tensor& g : grads) flat.push_back(reshape(g, {-1}));
    return concat(flat, 0);
  };
  return gradcheck(first_derivative, inputs, options);
}

}  // namespace knob
