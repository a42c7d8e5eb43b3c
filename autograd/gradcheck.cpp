#include "autograd/gradcheck.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "autograd/ops.h"
#include "autograd/random.h"

namespace knob {

namespace {

constexpr double kUnitRoundoff = 0x1p-53;  // u: the relative rounding error of one f64 operation

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

// ------------------------------------------------------------------- the error model ----

// Central differences of f along one direction at the steps h and h/2.
struct Differences {
  std::vector<double> wide;    // D(h), one per output element
  std::vector<double> narrow;  // D(h/2)
  double f_scale = 0.0;        // the largest |f_j| over the four evaluations
};

// The extrapolated derivative of one element and the estimate of its truncation error.
struct Numeric {
  double value = 0.0;       // N = (4 D(h/2) - D(h)) / 3
  double wide = 0.0;        // D(h)
  double narrow = 0.0;      // D(h/2)
  double truncation = 0.0;  // |D(h) - D(h/2)| / 3
  double f_scale = 0.0;     // F: the largest |f| seen while computing it
};

Numeric extrapolate(double wide, double narrow, double f_scale) {
  return {(4.0 * narrow - wide) / 3.0, wide, narrow, std::fabs(wide - narrow) / 3.0, f_scale};
}

// What one element's comparison found.
struct Verdict {
  double error = 0.0;      // |a - N|
  double tolerance = 0.0;  // safety · truncation + rounding
  bool wrong = false;      // error > tolerance (or not finite)
  // The two steps disagree by more than rounding explains, and by more than max_uncertainty of
  // the scale: the derivative is not resolved (a kink or a jump within the step).
  bool undecidable = false;
};

// Judge one analytic value against its numeric estimate and fold it into the statistics.
// `rounding_sum` is Σ|terms| of the analytic value (|a| itself for one Jacobian entry).
Verdict judge(double analytic, double rounding_sum, const Numeric& n, double scale,
              const GradcheckOptions& o, GradcheckResult& r) {
  const double kappa_u = o.rounding_growth * kUnitRoundoff;
  const double rounding = kappa_u * (3.0 * n.f_scale / o.eps + rounding_sum);
  Verdict v;
  v.error = std::fabs(analytic - n.value);
  v.tolerance = o.safety * n.truncation + rounding;
  v.wrong = !(v.error <= v.tolerance) || !std::isfinite(analytic) || !std::isfinite(n.value);
  v.undecidable = n.truncation > rounding && o.safety * n.truncation > o.max_uncertainty * scale;
  r.max_abs_error = std::max(r.max_abs_error, std::isnan(v.error) ? INFINITY : v.error);
  const double size = std::max(std::fabs(analytic), std::fabs(n.value));
  if (size > v.tolerance) r.max_rel_error = std::max(r.max_rel_error, v.error / size);
  const double ratio = v.tolerance > 0.0 ? v.error / v.tolerance : (v.error > 0.0 ? INFINITY : 0.0);
  r.worst_ratio = std::max(r.worst_ratio, std::isnan(ratio) ? INFINITY : ratio);
  if (scale > 0.0) r.resolution = std::max(r.resolution, v.tolerance / scale);
  ++r.compared;
  return v;
}

std::string numeric_text(const Numeric& n, const Verdict& v, const GradcheckOptions& o) {
  return fmt::format(
      "numeric {:.10g} (steps {:g}: {:.10g}, {:g}: {:.10g}), error {:.3g} > tolerance {:.3g} "
      "= {:g} x truncation {:.3g} + rounding (|f| up to {:.3g})",
      n.value, o.eps, n.wide, o.eps / 2, n.narrow, v.error, v.tolerance, o.safety, n.truncation,
      n.f_scale);
}

std::string undecidable_text(const Numeric& n, const Verdict& v, double scale,
                             const GradcheckOptions& o) {
  return fmt::format(
      "the numeric derivative is uncertain by {:.3g} (steps {:g} and {:g} give {:.10g} and "
      "{:.10g}), more than {:g} of the Jacobian's largest entry {:.3g}; is there a kink or a jump "
      "within {:g} of this input?",
      v.tolerance, o.eps, o.eps / 2, n.wide, n.narrow, o.max_uncertainty, scale, o.eps);
}

// Central differences of f along a direction given per differentiable input, at h and h/2.
Differences central_differences(const GradcheckFn& fn, const TensorList& inputs,
                                const std::vector<std::size_t>& which,
                                const std::vector<std::vector<double>>& direction, double h) {
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
  Differences out;
  auto difference = [&](double step) {
    move_to(step);
    const std::vector<double> plus = evaluate(fn, inputs);
    move_to(-step);
    const std::vector<double> minus = evaluate(fn, inputs);
    std::vector<double> diff(plus.size());
    for (std::size_t j = 0; j < plus.size(); ++j) {
      diff[j] = (plus[j] - minus[j]) / (2.0 * step);
      out.f_scale = std::max({out.f_scale, std::fabs(plus[j]), std::fabs(minus[j])});
    }
    return diff;
  };
  out.wide = difference(h);
  out.narrow = difference(h / 2.0);
  move_to(0.0);
  return out;
}

// ------------------------------------------------------------------- full Jacobian ----

// Which input and element a column of the joined Jacobian belongs to.
struct Column {
  std::size_t input;  // position in `which`
  std::int64_t element;
};

std::vector<Column> columns_of(const TensorList& inputs, const std::vector<std::size_t>& which) {
  std::vector<Column> columns;
  for (std::size_t d = 0; d < which.size(); ++d) {
    for (std::int64_t e = 0; e < inputs[which[d]].numel(); ++e) columns.push_back({d, e});
  }
  return columns;
}

// The analytic Jacobian, one backward pass per output element: rows[j][c] = ∂y_j/∂x_c.
std::vector<std::vector<double>> analytic_rows(const Tensor& y, const TensorList& diff_inputs,
                                               std::size_t columns) {
  std::vector<std::vector<double>> rows(static_cast<std::size_t>(y.numel()));
  for (std::int64_t j = 0; j < y.numel(); ++j) {
    if (!y.requires_grad()) {
      rows[j].assign(columns, 0.0);
      continue;
    }
    Tensor onehot = zeros(y.shape(), DType::f64);
    onehot.data<double>()[j] = 1.0;
    for (const Tensor& g : grad({y}, diff_inputs, {onehot}, {.retain_graph = true})) {
      const std::vector<double> values = g.to_vector();
      rows[j].insert(rows[j].end(), values.begin(), values.end());
    }
  }
  return rows;
}

GradcheckResult full_check(const GradcheckFn& fn, const TensorList& inputs,
                           const std::vector<std::size_t>& which, const GradcheckOptions& o) {
  GradcheckResult result;
  TensorList diff_inputs;
  for (std::size_t i : which) diff_inputs.push_back(inputs[i]);
  const std::vector<Column> columns = columns_of(inputs, which);
  const Tensor y = fn(inputs);
  const std::vector<std::vector<double>> rows = analytic_rows(y, diff_inputs, columns.size());

  // Numeric Jacobian, one column per input element (numeric[c][j]), and its scale.
  std::vector<std::vector<Numeric>> numeric(columns.size());
  std::vector<std::vector<double>> direction(which.size());
  for (std::size_t d = 0; d < which.size(); ++d) {
    direction[d].assign(static_cast<std::size_t>(inputs[which[d]].numel()), 0.0);
  }
  for (std::size_t c = 0; c < columns.size(); ++c) {
    direction[columns[c].input][columns[c].element] = 1.0;
    const Differences diff = central_differences(fn, inputs, which, direction, o.eps);
    direction[columns[c].input][columns[c].element] = 0.0;
    for (std::size_t j = 0; j < diff.wide.size(); ++j) {
      numeric[c].push_back(extrapolate(diff.wide[j], diff.narrow[j], diff.f_scale));
      result.scale = std::max(result.scale, std::fabs(numeric[c].back().value));
    }
  }

  std::string undecided;
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const Tensor& x = inputs[which[columns[c].input]];
    for (std::size_t j = 0; j < numeric[c].size(); ++j) {
      const double a = rows[j][c];
      const Verdict v = judge(a, std::fabs(a), numeric[c][j], result.scale, o, result);
      if (!v.wrong && !v.undecidable) continue;
      const std::string where = fmt::format("input {} (shape {}) at element {}, output element {}",
                                            which[columns[c].input], shape_str(x.shape()),
                                            unravel(columns[c].element, x.shape()),
                                            unravel(static_cast<std::int64_t>(j), y.shape()));
      if (v.wrong && !v.undecidable && result.passed) {  // an undecidable element is not judged
        result.passed = false;
        result.message = fmt::format("gradcheck failed for {}: analytic {:.10g} vs {}", where, a,
                                     numeric_text(numeric[c][j], v, o));
      } else if (v.undecidable && undecided.empty()) {
        undecided = fmt::format("gradcheck could not decide for {}: {}", where,
                                undecidable_text(numeric[c][j], v, result.scale, o));
      }
    }
  }
  if (result.passed && !undecided.empty()) {
    result.passed = false;
    result.message = undecided;
  }
  return result;
}

// ------------------------------------------------------------------- fast mode ----

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
  // Analytic vᵀ J u = Σ_inputs <∇(v·y), u>; numeric: the derivative of v·f(x + t u) at t = 0.
  double analytic = 0.0;
  double analytic_terms = 0.0;  // Σ |terms|, for its rounding error
  if (y.requires_grad()) {
    TensorList grads = grad({y}, diff_inputs, {v});
    for (std::size_t d = 0; d < which.size(); ++d) {
      const std::vector<double> g = grads[d].to_vector();
      for (std::size_t e = 0; e < g.size(); ++e) {
        analytic += g[e] * u[d][e];
        analytic_terms += std::fabs(g[e] * u[d][e]);
      }
    }
  }
  const Differences diff = central_differences(fn, inputs, which, u, o.eps);
  const std::vector<double> vv = v.to_vector();
  double wide = 0.0;
  double narrow = 0.0;
  double v_scale = 0.0;  // Σ|v_j|: the projection's rounding is at most this times κuF
  for (std::size_t j = 0; j < vv.size(); ++j) {
    wide += vv[j] * diff.wide[j];
    narrow += vv[j] * diff.narrow[j];
    v_scale += std::fabs(vv[j]);
  }
  const Numeric n = extrapolate(wide, narrow, diff.f_scale * v_scale);
  result.scale = std::max(std::fabs(n.value), analytic_terms);
  const Verdict verdict = judge(analytic, analytic_terms, n, result.scale, o, result);
  if (verdict.wrong && !verdict.undecidable) {
    result.passed = false;
    result.message = fmt::format(
        "gradcheck (fast mode) failed: the projection vᵀJu is {:.10g} analytically but {}; "
        "rerun without fast_mode to find the element",
        analytic, numeric_text(n, verdict, o));
  } else if (verdict.undecidable) {
    result.passed = false;
    result.message = fmt::format("gradcheck (fast mode) could not decide: {}",
                                 undecidable_text(n, verdict, result.scale, o));
  }
  return result;
}

// ------------------------------------------------------------------- second order ----

// ∇_x (v · f(x)) for the differentiable inputs, flattened and joined.
Tensor joined_gradient(const GradcheckFn& fn, const TensorList& in,
                       const std::vector<std::size_t>& which, const Tensor& v, bool create_graph) {
  Tensor y = fn(in);
  if (!y.requires_grad()) return zeros({0}, DType::f64);
  TensorList diff_inputs;
  for (std::size_t i : which) diff_inputs.push_back(in[i]);
  TensorList grads = grad({y}, diff_inputs, {v}, {.create_graph = create_graph});
  TensorList flat;
  for (const Tensor& g : grads) flat.push_back(reshape(g, {-1}));
  return concat(flat, 0);
}

// Step 1 of gradgradcheck: the create_graph gradient's values against the plain pass's.
// Returns an empty string when they agree, else the message.
std::string compare_paths(const GradcheckFn& fn, const TensorList& inputs,
                          const std::vector<std::size_t>& which, const Tensor& v,
                          const GradcheckOptions& o, double& worst) {
  std::vector<double> plain;
  {
    GradModeGuard plain_pass(true);
    plain = joined_gradient(fn, inputs, which, v, false).to_vector();
  }
  const std::vector<double> differentiable =
      joined_gradient(fn, inputs, which, v, true).to_vector();
  double scale = 0.0;
  for (double g : plain) scale = std::max(scale, std::fabs(g));
  worst = 0.0;
  std::string message;
  for (std::size_t i = 0; i < plain.size(); ++i) {
    const double diff = std::fabs(differentiable[i] - plain[i]);
    const double relative = scale > 0.0 ? diff / scale : diff;
    worst = std::max(worst, std::isnan(relative) ? INFINITY : relative);
    if (!(diff <= o.path_tolerance * scale) && message.empty()) {
      message = fmt::format(
          "gradgradcheck failed: the create_graph gradient differs from the plain backward "
          "pass at element {} of the joined gradient: {:.10g} vs {:.10g} (difference {:.3g} > "
          "{:g} x the gradient's largest entry {:.3g})",
          i, differentiable[i], plain[i], diff, o.path_tolerance, scale);
    }
  }
  return message;
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
  double path_difference = 0.0;
  const std::string path_failure = compare_paths(fn, inputs, which, v, options, path_difference);
  // h(x) = ∇_x (v · f(x)), flattened and joined: its Jacobian is the Hessian-vector structure.
  GradcheckFn first_derivative = [&fn, &which, v](const TensorList& in) {
    return joined_gradient(fn, in, which, v, true);
  };
  GradcheckResult result = gradcheck(first_derivative, inputs, options);
  result.path_difference = path_difference;
  if (!path_failure.empty()) {
    result.passed = false;
    result.message = path_failure;
  }
  return result;
}

}  // namespace knob
