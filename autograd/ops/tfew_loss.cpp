/// @file
/// @brief The losses of T-Few (Liu et al. 2022): unlikelihood_loss (its own op, exact
/// log(1 - p) with its backward beside it), and the length-normalised answer scores and loss,
/// composed from log_softmax, sum and cross_entropy. Plus rank classification (best_choice),
/// the correct/wrong target splits and the summed objective tfew_loss.

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include <fmt/format.h>

#include "autograd/ops.h"
#include "autograd/ops/checks.h"

namespace knob {

namespace {

// The shape without its last `drop` axes (the caller checked there are that many).
Shape leading_shape(const Shape& shape, std::size_t drop) {
  return Shape(shape.begin(), shape.end() - static_cast<std::ptrdiff_t>(drop));
}

// targets [..., C, T] i64 and correct [...] i64 with values in [0, C).
void check_correct(const Tensor& targets, const Tensor& correct, std::string_view op) {
  detail::check_defined(targets, op);
  detail::check_defined(correct, op);
  if (targets.dtype() != DType::i64 || correct.dtype() != DType::i64) {
    throw DTypeError(fmt::format("{}: targets and correct must be i64, got {} and {}", op,
                                 dtype_name(targets.dtype()), dtype_name(correct.dtype())));
  }
  if (targets.dim() < 2 || leading_shape(targets.shape(), 2) != correct.shape()) {
    throw ShapeError(fmt::format(
        "{}: targets {} are [..., C, T], so correct must be [...] = targets without the last two "
        "axes, got {}",
        op, shape_str(targets.shape()), shape_str(correct.shape())));
  }
  const std::int64_t C = targets.size(-2);
  const std::int64_t* c = correct.data<std::int64_t>();
  for (std::int64_t i = 0; i < correct.numel(); ++i) {
    if (c[i] < 0 || c[i] >= C) {
      throw ValueError(fmt::format("{}: correct choice {} at flat position {} is outside [0, {})",
                                   op, c[i], i, C));
    }
  }
}

// A copy of targets [..., C, T] where the tokens of choice c of example e become ignore_index
// when (c == correct[e]) == drop_correct.
Tensor mask_choices(const Tensor& targets, const Tensor& correct, std::int64_t ignore_index,
                    bool drop_correct, std::string_view op) {
  check_correct(targets, correct, op);
  const std::int64_t C = targets.size(-2);
  const std::int64_t T = targets.size(-1);
  Tensor out = targets.clone();
  std::int64_t* t = out.data<std::int64_t>();
  const std::int64_t* c = correct.data<std::int64_t>();
  for (std::int64_t e = 0; e < correct.numel(); ++e) {
    for (std::int64_t choice = 0; choice < C; ++choice) {
      if ((choice == c[e]) != drop_correct) continue;
      std::fill_n(t + (e * C + choice) * T, T, ignore_index);
    }
  }
  return out;
}

// log(1 - softmax(z)_y) for one row z [V], accurate at both ends:
//  - p_y ≤ 1/2: log1p(-p_y), with p_y = exp(z_y - lse(z)) (relative accuracy for tiny p_y);
//  - p_y > 1/2: lse_{j≠y}(z) - lse(z), where 1 - p_y is never formed, so there is no
//    cancellation however close p_y gets to 1 (e.g. z = [0, 40], y = 1 gives -40, not -inf).
// Each log-sum-exp subtracts its own maximum, so nothing overflows.
template <class T>
double log_one_minus_softmax(const T* z, std::int64_t V, std::int64_t y) {
  constexpr double minus_inf = -std::numeric_limits<double>::infinity();
  double max_all = minus_inf;
  double max_other = minus_inf;
  for (std::int64_t j = 0; j < V; ++j) {
    const double v = static_cast<double>(z[j]);
    max_all = std::max(max_all, v);
    if (j != y) max_other = std::max(max_other, v);
  }
  if (max_other == minus_inf) return minus_inf;  // every other token has probability 0
  double sum_all = 0.0;
  double sum_other = 0.0;
  for (std::int64_t j = 0; j < V; ++j) {
    const double v = static_cast<double>(z[j]);
    sum_all += std::exp(v - max_all);
    if (j != y) sum_other += std::exp(v - max_other);
  }
  const double lse_all = max_all + std::log(sum_all);
  const double log_p = static_cast<double>(z[y]) - lse_all;
  if (log_p <= -std::numbers::ln2) return std::log1p(-std::exp(log_p));
  return (max_other + std::log(sum_other)) - lse_all;
}

}  // namespace

Tensor unlikelihood_loss(const Tensor& logits, const Tensor& wrong_targets,
                         std::int64_t ignore_index) {
  const std::int64_t counted =
      detail::check_token_targets(logits, wrong_targets, ignore_index, "unlikelihood_loss");
  const std::int64_t V = logits.size(-1);
  if (V < 2) {
    throw ValueError(fmt::format(
        "unlikelihood_loss: logits {} have V = {} < 2 classes, so p = 1 and log(1 - p) = -inf",
        shape_str(logits.shape()), V));
  }
  if (counted == 0) {
    throw ValueError(fmt::format(
        "unlikelihood_loss: every one of the {} targets {} is ignore_index = {}; nothing to "
        "average",
        wrong_targets.numel(), shape_str(wrong_targets.shape()), ignore_index));
  }
  const std::int64_t N = wrong_targets.numel();
  const std::int64_t* t = wrong_targets.data<std::int64_t>();

  // Forward: L = -(1/|P|) Σ_{p∈P} log(1 - p_y), one row at a time (see log_one_minus_softmax).
  Tensor loss = empty({}, logits.dtype());
  dispatch_floating(logits.dtype(), "unlikelihood_loss", [&]<class T>() {
    const T* z = logits.data<T>();
    double total = 0.0;
    for (std::int64_t i = 0; i < N; ++i) {
      if (t[i] != ignore_index) total += log_one_minus_softmax(z + i * V, V, t[i]);
    }
    loss.data<T>()[0] = static_cast<T>(-total / static_cast<double>(counted));
  });

  return record(
      "unlikelihood_loss", loss, {logits, wrong_targets},
      [logits, wrong_targets, ignore_index, counted, V, N](const Tensor& g) {
        // d log(1 - p_y)/dz_j = r_j - softmax(z)_j, with r = softmax over the tokens j ≠ y (r_y =
        // 0), so z̄_p = g (softmax(z_p) - r_p) / |P| on counted rows, 0 on ignored ones.
        Tensor target_mask = zeros(logits.shape(), logits.dtype());  // [..., V]: 1 at (p, y_p)
        Shape weight_shape = wrong_targets.shape();
        weight_shape.push_back(1);
        Tensor weight = zeros(weight_shape, logits.dtype());  // [..., 1]: 1/|P| on counted rows
        const std::int64_t* t = wrong_targets.data<std::int64_t>();
        dispatch_floating(logits.dtype(), "unlikelihood_loss", [&]<class T>() {
          for (std::int64_t i = 0; i < N; ++i) {
            if (t[i] == ignore_index) continue;
            target_mask.data<T>()[i * V + t[i]] = T(1);
            weight.data<T>()[i] = static_cast<T>(1.0 / static_cast<double>(counted));
          }
        });
        const double minus_inf = -std::numeric_limits<double>::infinity();
        Tensor others = softmax(masked_fill(logits, target_mask, minus_inf), -1);  // r
        Tensor dz = mul(sub(softmax(logits, -1), others), weight);
        return TensorList{mul(dz, g), Tensor()};
      });
}

Tensor choice_scores(const Tensor& logits, const Tensor& targets, std::int64_t ignore_index) {
  detail::check_token_targets(logits, targets, ignore_index, "choice_scores");
  if (targets.dim() < 1 || targets.size(-1) == 0) {
    throw ShapeError(fmt::format(
        "choice_scores: targets {} need a non-empty token axis (logits {} are [..., T, V])",
        shape_str(targets.shape()), shape_str(logits.shape())));
  }
  const std::int64_t V = logits.size(-1);
  const std::int64_t T = targets.size(-1);
  const std::int64_t answers = targets.numel() / T;
  const std::int64_t* t = targets.data<std::int64_t>();

  // pick [..., T, V]: 1/|y| at (t, y_t) for every counted token, so that
  // s = Σ_{t,v} log_softmax(z)_{t v} · pick_{t v} = (1/|y|) Σ_t log p(y_t).
  Tensor pick = zeros(logits.shape(), logits.dtype());
  dispatch_floating(logits.dtype(), "choice_scores", [&]<class Scalar>() {
    Scalar* w = pick.data<Scalar>();
    for (std::int64_t a = 0; a < answers; ++a) {
      const std::int64_t* answer = t + a * T;
      const auto length =
          std::count_if(answer, answer + T, [&](std::int64_t id) { return id != ignore_index; });
      if (length == 0) {
        throw ValueError(fmt::format(
            "choice_scores: answer {} of targets {} has all {} tokens = ignore_index ({}); its "
            "length-normalised score would be 0/0",
            a, shape_str(targets.shape()), T, ignore_index));
      }
      for (std::int64_t k = 0; k < T; ++k) {
        if (answer[k] == ignore_index) continue;
        w[(a * T + k) * V + answer[k]] = static_cast<Scalar>(1.0 / static_cast<double>(length));
      }
    }
  });
  return sum(mul(log_softmax(logits, -1), pick), {-2, -1});  // [...]
}

Tensor length_normalized_loss(const Tensor& logits, const Tensor& targets, const Tensor& correct,
                              std::int64_t ignore_index) {
  check_correct(targets, correct, "length_normalized_loss");
  Tensor scores = choice_scores(logits, targets, ignore_index);  // [..., C]
  // L_LN = -log softmax(s)[correct], averaged over the examples.
  return cross_entropy(scores, correct);
}

Tensor best_choice(const Tensor& scores) {
  detail::check_floating(scores, "best_choice");
  if (scores.dim() < 1) {
    throw ShapeError("best_choice: scores must be [..., C], got a scalar []");
  }
  const std::int64_t C = scores.size(-1);
  if (C == 0) {
    throw ValueError(
        fmt::format("best_choice: scores {} have no choices", shape_str(scores.shape())));
  }
  Tensor best = zeros(leading_shape(scores.shape(), 1), DType::i64);  // [...]
  const std::vector<double> values = scores.to_vector();
  std::int64_t* out = best.data<std::int64_t>();
  for (std::int64_t e = 0; e < best.numel(); ++e) {
    std::int64_t arg = 0;
    for (std::int64_t c = 0; c < C; ++c) {
      const double v = values[static_cast<std::size_t>(e * C + c)];
      if (std::isnan(v)) {
        throw ValueError(fmt::format("best_choice: score {} of example {} in {} is NaN", c, e,
                                     shape_str(scores.shape())));
      }
      if (v > values[static_cast<std::size_t>(e * C + arg)])
        arg = c;  // strict: ties keep the first
    }
    out[e] = arg;
  }
  return best;
}

Tensor correct_choice_targets(const Tensor& targets, const Tensor& correct,
                              std::int64_t ignore_index) {
  return mask_choices(targets, correct, ignore_index, /*drop_correct=*/false,
                      "correct_choice_targets");
}

Tensor wrong_choice_targets(const Tensor& targets, const Tensor& correct,
                            std::int64_t ignore_index) {
  return mask_choices(targets, correct, ignore_index, /*drop_correct=*/true,
                      "wrong_choice_targets");
}

Tensor tfew_loss(const Tensor& logits, const Tensor& targets, const Tensor& correct,
                 std::int64_t ignore_index) {
  detail::check_token_targets(logits, targets, ignore_index, "tfew_loss");
  check_correct(targets, correct, "tfew_loss");
  if (targets.size(-2) < 2) {
    throw ValueError(fmt::format(
        "tfew_loss: targets {} have C = {} answer choices; the unlikelihood term needs a wrong "
        "one (C >= 2)",
        shape_str(targets.shape()), targets.size(-2)));
  }
  Tensor ln = length_normalized_loss(logits, targets, correct, ignore_index);  // checks lengths
  Tensor lm =
      cross_entropy(logits, correct_choice_targets(targets, correct, ignore_index), ignore_index);
  Tensor ul =
      unlikelihood_loss(logits, wrong_choice_targets(targets, correct, ignore_index), ignore_index);
  return add(add(lm, ul), ln);
}

}  // namespace knob
