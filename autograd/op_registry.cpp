#include "autograd/op_registry.h"

#include <algorithm>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "autograd/ops.h"

namespace knob {

namespace {

constexpr DType f64 = DType::f64;

Tensor param(Tensor t) { return t.requires_grad_(); }
Tensor normal(const Shape& s, Generator& g) { return param(randn(s, g, f64)); }
// Values in ±[0.5, 2): away from 0 (for div, log of |x|) and from relu's kink.
Tensor away_from_zero(const Shape& s, Generator& g) {
  Tensor t = empty(s, f64);
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    const double mag = g.uniform(0.5, 2.0);
    t.data<double>()[i] = g.uniform() < 0.5 ? -mag : mag;
  }
  return param(t);
}
Tensor positive(const Shape& s, Generator& g) { return param(uniform(s, 0.5, 2.0, g, f64)); }
// Distinct values at least 0.15 apart (a shuffled grid with jitter), so no two elements of a
// max group tie or come within a finite-difference step of each other.
Tensor distinct(const Shape& s, Generator& g) {
  Tensor t = empty(s, f64);
  std::vector<std::int64_t> order(static_cast<std::size_t>(t.numel()));
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int64_t>(i);
  for (std::size_t i = order.size(); i > 1; --i) {  // Fisher-Yates with the knob generator
    std::swap(order[i - 1], order[static_cast<std::size_t>(g.next_u64() % i)]);
  }
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    t.data<double>()[i] =
        0.25 * static_cast<double>(order[i] - t.numel() / 2) + g.uniform(-0.05, 0.05);
  }
  return param(t);
}

OpCase unary(std::string op, std::string name, Tensor (*f)(const Tensor&),
             Tensor (*make)(const Shape&, Generator&) = normal) {
  return {std::move(op), std::move(name),
          [make](Generator& g) {
            return TensorList{make({3, 4}, g)};
          },
          [f](const TensorList& in) { return f(in[0]); }};
}

template <class F>
OpCase binary(std::string op, std::string name, Shape sa, Shape sb, F f,
              Tensor (*make_b)(const Shape&, Generator&) = normal) {
  return {std::move(op), std::move(name),
          [sa, sb, make_b](Generator& g) {
            return TensorList{normal(sa, g), make_b(sb, g)};
          },
          [f](const TensorList& in) { return f(in[0], in[1]); }};
}

// Rows of 19 float64 elements run the SIMD kernels' vector bodies, not only their tails, on
// every instruction set (AVX-512 holds 8 doubles: 19 = 2 registers + a tail of 3).
constexpr std::int64_t kRow = 19;

void add_arithmetic_cases(std::vector<OpCase>& c) {
  auto add_fn = [](const Tensor& a, const Tensor& b) { return add(a, b); };
  auto sub_fn = [](const Tensor& a, const Tensor& b) { return sub(a, b); };
  auto mul_fn = [](const Tensor& a, const Tensor& b) { return mul(a, b); };
  auto div_fn = [](const Tensor& a, const Tensor& b) { return div(a, b); };
  c.push_back(binary("add", "same shape", {3, 4}, {3, 4}, add_fn));
  c.push_back(binary("add", "broadcast [2,3,4] + [3,1]", {2, 3, 4}, {3, 1}, add_fn));
  c.push_back(binary("sub", "same shape", {3, 4}, {3, 4}, sub_fn));
  c.push_back(binary("sub", "broadcast [4] - [3,1]", {4}, {3, 1}, sub_fn));
  c.push_back(binary("mul", "same shape", {3, 4}, {3, 4}, mul_fn));
  c.push_back(binary("mul", "broadcast [2,3,4] * [4]", {2, 3, 4}, {4}, mul_fn));
  c.push_back(binary("mul", "with a scalar tensor", {3, 4}, {}, mul_fn));
  c.push_back(binary("div", "same shape", {3, 4}, {3, 4}, div_fn, away_from_zero));
  c.push_back(binary("div", "broadcast [2,3] / [2,1]", {2, 3}, {2, 1}, div_fn, away_from_zero));
  c.push_back({"add_scalar", "x + 2.5",
               [](Generator& g) {
                 return TensorList{normal({3, 4}, g)};
               },
               [](const TensorList& in) { return add_scalar(in[0], 2.5); }});
  c.push_back({"mul_scalar", "x * -1.5",
               [](Generator& g) {
                 return TensorList{normal({3, 4}, g)};
               },
               [](const TensorList& in) { return mul_scalar(in[0], -1.5); }});
  c.push_back(unary("neg", "-x", neg));
  for (double p : {3.0, 0.5, -1.5}) {
    c.push_back({"pow", fmt::format("x^{}", p),
                 [](Generator& g) {
                   return TensorList{positive({3, 4}, g)};
                 },
                 [p](const TensorList& in) { return pow(in[0], p); }});
  }
}

void add_activation_cases(std::vector<OpCase>& c) {
  c.push_back(unary("exp", "e^x", exp));
  c.push_back(unary("log", "ln x, x in [0.5, 2)", log, positive));
  c.push_back(unary("sqrt", "sqrt x, x in [0.5, 2)", sqrt, positive));
  c.push_back(unary("tanh", "tanh x", tanh));
  c.push_back(unary("sigmoid", "sigmoid x", sigmoid));
  c.push_back(unary("relu", "x away from the kink", relu, away_from_zero));
  c.push_back(unary("erf", "erf x", erf));
  c.push_back(unary("gelu", "exact (erf) GELU", gelu));
  c.push_back(unary("gelu_tanh", "tanh-approximated GELU", gelu_tanh));
}

void add_reduction_cases(std::vector<OpCase>& c) {
  auto reduction = [&c](std::string op, Tensor (*f)(const Tensor&, const Axes&, bool), Axes axes,
                        bool keepdim) {
    c.push_back({op, fmt::format("axes [{}]{}", fmt::join(axes, ","), keepdim ? ", keepdim" : ""),
                 [](Generator& g) {
                   return TensorList{distinct({2, 3, 4}, g)};
                 },
                 [f, axes, keepdim](const TensorList& in) { return f(in[0], axes, keepdim); }});
  };
  for (auto f : {std::pair{"sum", &sum}, std::pair{"mean", &mean}, std::pair{"max", &max}}) {
    reduction(f.first, f.second, {}, false);
    reduction(f.first, f.second, {1}, true);
    reduction(f.first, f.second, {0, 2}, false);
  }
  c.push_back({"sum_to", "[2,3,4] -> [3,1]",
               [](Generator& g) {
                 return TensorList{normal({2, 3, 4}, g)};
               },
               [](const TensorList& in) {
                 return sum_to(in[0], {3, 1});
               }});
  c.push_back({"expand", "[3,1] -> [2,3,4]",
               [](Generator& g) {
                 return TensorList{normal({3, 1}, g)};
               },
               [](const TensorList& in) {
                 return expand(in[0], {2, 3, 4});
               }});
}

void add_matmul_cases(std::vector<OpCase>& c) {
  auto mm = [](const Tensor& a, const Tensor& b) { return matmul(a, b); };
  c.push_back(binary("matmul", "[3,4] @ [4,5]", {3, 4}, {4, 5}, mm));
  c.push_back(binary("matmul", "batched [2,3,4] @ [2,4,5]", {2, 3, 4}, {2, 4, 5}, mm));
  c.push_back(binary("matmul", "broadcast batch [2,1,3,4] @ [3,4,2]", {2, 1, 3, 4}, {3, 4, 2}, mm));
  c.push_back(binary("matmul", "shared weight [2,3,4] @ [4,5]", {2, 3, 4}, {4, 5}, mm));
  auto nt = [](const Tensor& a, const Tensor& b) { return matmul_nt(a, b); };
  c.push_back(binary("matmul_nt", "[3,4] @ [5,4]^T", {3, 4}, {5, 4}, nt));
  c.push_back(binary("matmul_nt", "shared weight [2,3,4] @ [5,4]^T", {2, 3, 4}, {5, 4}, nt));
  c.push_back(
      binary("matmul_nt", "broadcast batch [2,1,3,4] @ [3,5,4]^T", {2, 1, 3, 4}, {3, 5, 4}, nt));
  auto tn = [](const Tensor& a, const Tensor& b) { return matmul_tn(a, b); };
  c.push_back(binary("matmul_tn", "[4,3]^T @ [4,5]", {4, 3}, {4, 5}, tn));
  c.push_back(binary("matmul_tn", "batched [2,4,3]^T @ [2,4,5]", {2, 4, 3}, {2, 4, 5}, tn));
  c.push_back(binary("matmul_tn", "broadcast [4,3]^T @ [2,4,5]", {4, 3}, {2, 4, 5}, tn));
}

void add_shape_cases(std::vector<OpCase>& c) {
  auto normal_234 = [](Generator& g) { return TensorList{normal({2, 3, 4}, g)}; };
  c.push_back({"reshape", "[2,3,4] -> [6,-1]", normal_234, [](const TensorList& in) {
                 return reshape(in[0], {6, -1});
               }});
  c.push_back({"transpose", "axes 0 and 2", normal_234,
               [](const TensorList& in) { return transpose(in[0], 0, 2); }});
  c.push_back({"permute", "[2,0,1]", normal_234, [](const TensorList& in) {
                 return permute(in[0], {2, 0, 1});
               }});
  // slice and concat on every axis of [2,3,4] (the axis changes which blocks are copied).
  const std::int64_t extents[] = {2, 3, 4};
  for (std::int64_t axis = 0; axis < 3; ++axis) {
    const std::int64_t length = extents[axis] - 1;
    c.push_back({"slice", fmt::format("axis {}, [1, {})", axis, 1 + length), normal_234,
                 [axis, length](const TensorList& in) { return slice(in[0], axis, 1, length); }});
  }
  c.push_back({"slice", "axis -1 (the last), [0, 1)", normal_234,
               [](const TensorList& in) { return slice(in[0], -1, 0, 1); }});
  c.push_back({"slice_backward", "axis 2, into extent 6 at 1", normal_234,
               [](const TensorList& in) { return slice_backward(in[0], 2, 1, 6); }});
  for (std::int64_t axis = 0; axis < 3; ++axis) {
    Shape second = {2, 3, 4};
    second[axis] = 1;
    Shape third = {2, 3, 4};
    third[axis] = 2;
    c.push_back({"concat",
                 fmt::format("[2,3,4] ++ {} ++ {} along axis {}", shape_str(second),
                             shape_str(third), axis),
                 [second, third](Generator& g) {
                   return TensorList{normal({2, 3, 4}, g), normal(second, g), normal(third, g)};
                 },
                 [axis](const TensorList& in) {
                   return concat({in[0], in[1], in[2]}, axis);
                 }});
  }
  c.push_back({"masked_fill", "mask [1,4] broadcast over [3,4]",
               [](Generator& g) {
                 return TensorList{normal({3, 4}, g)};
               },
               [](const TensorList& in) {
                 return masked_fill(in[0], tensor({1, 0, 0, 1}, {1, 4}, f64), -5.0);
               }});
}

void add_softmax_and_embedding_cases(std::vector<OpCase>& c) {
  auto normal_234 = [](Generator& g) { return TensorList{normal({2, 3, 4}, g)}; };
  auto long_rows = [](Generator& g) { return TensorList{normal({2, kRow}, g)}; };
  for (std::int64_t axis : {-1, 0, 1}) {
    c.push_back({"softmax", fmt::format("[2,3,4], axis {}", axis), normal_234,
                 [axis](const TensorList& in) { return softmax(in[0], axis); }});
  }
  c.push_back({"softmax", "rows of 19", long_rows,
               [](const TensorList& in) { return softmax(in[0], -1); }});
  for (std::int64_t axis : {-1, 0, 1}) {
    c.push_back({"log_softmax", fmt::format("[2,3,4], axis {}", axis), normal_234,
                 [axis](const TensorList& in) { return log_softmax(in[0], axis); }});
  }
  c.push_back({"log_softmax", "rows of 19", long_rows,
               [](const TensorList& in) { return log_softmax(in[0], -1); }});
  c.push_back({"embedding", "[5,3] table, ids [2,3] with repeats",
               [](Generator& g) {
                 return TensorList{normal({5, 3}, g), int_tensor({0, 4, 4, 1, 0, 2}, {2, 3})};
               },
               [](const TensorList& in) { return embedding(in[0], in[1]); }});
  c.push_back({"embedding_backward", "gradient [2,3,3] into 5 rows",
               [](Generator& g) {
                 return TensorList{normal({2, 3, 3}, g), int_tensor({0, 4, 4, 1, 0, 2}, {2, 3})};
               },
               [](const TensorList& in) { return embedding_backward(in[0], in[1], 5); }});
}

// bias_activation on x [2,3,n] with a bias [n] and a scale [n] or [2,1,n] (one per batch row).
OpCase fused_case(std::string name, Activation f, bool with_bias, Shape scale, std::int64_t n = 4) {
  return OpCase{"bias_activation", std::move(name),
                [with_bias, scale, f, n](Generator& g) {
                  // relu: x + b away from the kink at 0, where relu has no derivative (|x| >=
                  // 0.5 and |b| < 0.25).
                  const bool relu = f == Activation::relu;
                  Tensor x = relu ? away_from_zero({2, 3, n}, g) : normal({2, 3, n}, g);
                  Tensor b = !with_bias ? Tensor()
                             : relu     ? param(uniform({n}, -0.25, 0.25, g, f64))
                                        : normal({n}, g);
                  return TensorList{x, b, scale.empty() ? Tensor() : normal(scale, g)};
                },
                [f](const TensorList& in) { return bias_activation(in[0], in[1], f, in[2]); }};
}

void add_fused_cases(std::vector<OpCase>& c) {
  using FA = Activation;
  c.push_back(fused_case("identity, bias and scale (IA3 on k, v)", FA::identity, true, {4}));
  c.push_back(fused_case("identity, bias only (Linear)", FA::identity, true, {}));
  c.push_back(fused_case("gelu, bias and scale (IA3 feed-forward)", FA::gelu, true, {4}));
  c.push_back(fused_case("gelu_tanh, scale only", FA::gelu_tanh, false, {4}));
  c.push_back(fused_case("relu, bias only", FA::relu, true, {}));
  c.push_back(fused_case("gelu, rows of 19, scale [2,1,19] per batch row", FA::gelu, true,
                         {2, 1, kRow}, kRow));
  c.push_back(
      fused_case("gelu_tanh, rows of 19, bias and scale", FA::gelu_tanh, true, {kRow}, kRow));
  c.push_back(
      fused_case("relu, rows of 19, bias and scale [2,1,19]", FA::relu, true, {2, 1, kRow}, kRow));
  c.push_back(
      fused_case("identity, rows of 19, scale [2,1,19]", FA::identity, false, {2, 1, kRow}, kRow));
  for (std::int64_t n : {std::int64_t{5}, kRow}) {
    c.push_back({"layer_norm", fmt::format("x [2,3,{0}], weight and bias [{0}], eps 1e-5", n),
                 [n](Generator& g) {
                   return TensorList{normal({2, 3, n}, g), normal({n}, g), normal({n}, g)};
                 },
                 [](const TensorList& in) { return layer_norm(in[0], in[1], in[2], 1e-5); }});
  }
  c.push_back({"attention_softmax", "causal, scores [2,4,4], scale 0.5",
               [](Generator& g) {
                 return TensorList{normal({2, 4, 4}, g)};
               },
               [](const TensorList& in) { return attention_softmax(in[0], 0.5, true); }});
  c.push_back({"attention_softmax", "no mask, scores [2,3,4], scale 0.7",
               [](Generator& g) {
                 return TensorList{normal({2, 3, 4}, g)};
               },
               [](const TensorList& in) { return attention_softmax(in[0], 0.7, false); }});
  c.push_back({"attention_softmax", "causal, scores [1,19,19], scale 0.3",
               [](Generator& g) {
                 return TensorList{normal({1, kRow, kRow}, g)};
               },
               [](const TensorList& in) { return attention_softmax(in[0], 0.3, true); }});
}

void add_loss_cases(std::vector<OpCase>& c) {
  c.push_back({"cross_entropy", "logits [2,3,5], one ignored target",
               [](Generator& g) {
                 return TensorList{normal({2, 3, 5}, g), int_tensor({1, -100, 4, 0, 2, 2}, {2, 3})};
               },
               [](const TensorList& in) { return cross_entropy(in[0], in[1]); }});
  // A padding id as ignore_index: class 0 is never scored, every other class is.
  c.push_back(
      {"cross_entropy", "logits [2,3,19], ignore_index 0 (a padding id)",
       [](Generator& g) {
         return TensorList{normal({2, 3, kRow}, g), int_tensor({0, 7, 18, 1, 0, 0}, {2, 3})};
       },
       [](const TensorList& in) { return cross_entropy(in[0], in[1], 0); }});
  c.push_back(binary("mse", "[3,4] vs [3,4]", {3, 4}, {3, 4},
                     [](const Tensor& a, const Tensor& b) { return mse(a, b); }));
}

void add_tfew_cases(std::vector<OpCase>& c) {
  // Answer targets [C=3, T=3] over V=5 tokens, shorter answers padded with -100.
  const std::vector<std::int64_t> answers = {1, 4, -100, 0, 2, 3, 2, -100, -100};
  c.push_back({"unlikelihood_loss", "logits [2,3,5], one ignored target",
               [](Generator& g) {
                 return TensorList{normal({2, 3, 5}, g), int_tensor({1, -100, 4, 0, 2, 2}, {2, 3})};
               },
               [](const TensorList& in) { return unlikelihood_loss(in[0], in[1]); }});
  c.push_back({"unlikelihood_loss", "target logits raised by 6 (p_y near 1)",
               [](Generator& g) {
                 Tensor z = randn({3, 4}, g, f64);  // [N=3, V=4]
                 const std::vector<std::int64_t> wrong = {2, 0, 3};
                 for (std::int64_t i = 0; i < 3; ++i) {
                   z.set({i, wrong[i]}, z.at({i, wrong[i]}) + 6.0);
                 }
                 return TensorList{param(z), int_tensor(wrong, {3})};
               },
               [](const TensorList& in) { return unlikelihood_loss(in[0], in[1]); }});
  c.push_back({"choice_scores", "logits [3,3,5], padded answers",
               [answers](Generator& g) {
                 return TensorList{normal({3, 3, 5}, g), int_tensor(answers, {3, 3})};
               },
               [](const TensorList& in) { return choice_scores(in[0], in[1]); }});
  c.push_back(
      {"length_normalized_loss", "one example, 3 choices [3,3,5]",
       [answers](Generator& g) {
         return TensorList{normal({3, 3, 5}, g), int_tensor(answers, {3, 3}), int_tensor({2}, {})};
       },
       [](const TensorList& in) { return length_normalized_loss(in[0], in[1], in[2]); }});
  c.push_back({"length_normalized_loss", "batch of 2, 2 choices [2,2,3,4]",
               [](Generator& g) {
                 return TensorList{
                     normal({2, 2, 3, 4}, g),
                     int_tensor({3, -100, -100, 0, 1, 2, 2, 2, -100, 1, -100, 0}, {2, 2, 3}),
                     int_tensor({1, 0}, {2})};
               },
               [](const TensorList& in) { return length_normalized_loss(in[0], in[1], in[2]); }});
  c.push_back(
      {"tfew_loss", "L_LM + L_UL + L_LN, logits [3,3,5]",
       [answers](Generator& g) {
         return TensorList{normal({3, 3, 5}, g), int_tensor(answers, {3, 3}), int_tensor({0}, {})};
       },
       [](const TensorList& in) { return tfew_loss(in[0], in[1], in[2]); }});
}

std::vector<OpCase> build_cases() {
  std::vector<OpCase> c;
  add_arithmetic_cases(c);
  add_activation_cases(c);
  add_reduction_cases(c);
  add_matmul_cases(c);
  add_shape_cases(c);
  add_softmax_and_embedding_cases(c);
  add_fused_cases(c);
  add_loss_cases(c);
  add_tfew_cases(c);
  return c;
}

void merge(GradcheckResult& into, const GradcheckResult& r) {
  into.max_abs_error = std::max(into.max_abs_error, r.max_abs_error);
  into.max_rel_error = std::max(into.max_rel_error, r.max_rel_error);
  into.worst_ratio = std::max(into.worst_ratio, r.worst_ratio);
  into.resolution = std::max(into.resolution, r.resolution);
  into.scale = std::max(into.scale, r.scale);
  into.path_difference = std::max(into.path_difference, r.path_difference);
  into.compared += r.compared;
  if (!r.passed && into.passed) {
    into.passed = false;
    into.message = r.message;
  }
}

}  // namespace

const std::vector<OpCase>& op_cases() {
  static const std::vector<OpCase> cases = build_cases();
  return cases;
}

std::vector<OpCheckReport> check_ops(const std::vector<std::string>& ops,
                                     const GradcheckOptions& options) {
  for (const std::string& name : ops) {
    const bool known = std::any_of(op_cases().begin(), op_cases().end(),
                                   [&](const OpCase& c) { return c.op == name; });
    if (!known) throw ValueError(fmt::format("gradcheck: no op named '{}'", name));
  }
  std::vector<OpCheckReport> reports;
  for (const OpCase& c : op_cases()) {
    if (!ops.empty() && std::find(ops.begin(), ops.end(), c.op) == ops.end()) continue;
    if (reports.empty() || reports.back().op != c.op) {
      reports.emplace_back();
      reports.back().op = c.op;
    }
    OpCheckReport& report = reports.back();
    Generator gen(options.seed + reports.size() * 1000 + report.cases);
    const TensorList inputs = c.make_inputs(gen);
    GradcheckResult first = gradcheck(c.fn, inputs, options);
    if (!first.passed) first.message = fmt::format("{} ({}): {}", c.op, c.case_name, first.message);
    merge(report.first, first);
    if (c.second_order) {
      GradcheckResult second = gradgradcheck(c.fn, inputs, options);
      if (!second.passed) {
        second.message =
            fmt::format("{} ({}), second order: {}", c.op, c.case_name, second.message);
      }
      report.second_checked = true;
      merge(report.second, second);
    }
    ++report.cases;
  }
  return reports;
}

}  // namespace knob
