// The fused ops (autograd/ops/fused.cpp, and cross_entropy's one-pass backward) against the
// compositions of simple ops they replace: the same values, the same gradients on a normal
// backward pass (the row kernels) and under create_graph (the differentiable formulas), in
// float64 and float32, plus their error messages. Their derivatives against finite differences
// are in test_gradcheck_ops.cpp (op_registry.cpp lists their cases).
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "common/error_message.h"

namespace knob {
namespace {

using Fn = std::function<Tensor(const TensorList&)>;

double max_abs_diff(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return std::numeric_limits<double>::infinity();
  const std::vector<double> x = a.to_vector();
  const std::vector<double> y = b.to_vector();
  double worst = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isinf(x[i]) || std::isinf(y[i])) {
      if (x[i] != y[i]) return std::numeric_limits<double>::infinity();
      continue;
    }
    worst = std::max(worst, std::abs(x[i] - y[i]));
  }
  return worst;
}

Tensor bias_activation_composed(const Tensor& x, const Tensor& b, Activation f, const Tensor& s) {
  Tensor y = apply_activation(f, b.defined() ? add(x, b) : x);
  return s.defined() ? mul(y, s) : y;
}

Tensor layer_norm_composed(const Tensor& x, const Tensor& w, const Tensor& b, double eps) {
  Tensor centered = sub(x, mean(x, {-1}, true));
  Tensor var = mean(mul(centered, centered), {-1}, true);
  return add(mul(mul(centered, pow(add_scalar(var, eps), -0.5)), w), b);
}

Tensor attention_softmax_composed(const Tensor& x, double scale, bool causal) {
  Tensor scores = mul_scalar(x, scale);
  if (causal) {
    const std::int64_t T = x.size(-1);
    Tensor mask = zeros({T, T}, DType::i64);
    for (std::int64_t t = 0; t < T; ++t) {
      for (std::int64_t s = t + 1; s < T; ++s) mask.data<std::int64_t>()[t * T + s] = 1;
    }
    scores = masked_fill(scores, mask, -std::numeric_limits<double>::infinity());
  }
  return softmax(scores, -1);
}

struct Tolerance {
  double value;
  double grad;
};

Tolerance tolerance_for(DType dtype) {
  return dtype == DType::f64 ? Tolerance{1e-12, 1e-11} : Tolerance{2e-6, 2e-5};
}

// Compare fused(inputs) with composed(inputs): values, then the gradients of Σ y ⊙ u (u random)
// with respect to every input that requires grad, first on a plain pass and then under
// create_graph (the fused op's differentiable backward).
void expect_same(const Fn& fused, const Fn& composed, const TensorList& inputs,
                 const std::string& label, const Tolerance& tol) {
  ASSERT_FALSE(inputs.empty());
  const DType dtype = inputs[0].dtype();
  Tensor y_fused = fused(inputs);
  Tensor y_composed = composed(inputs);
  EXPECT_LE(max_abs_diff(y_fused, y_composed), tol.value) << label << ": values";

  Generator gen(7);
  const Tensor u = randn(y_fused.shape(), gen, dtype);
  TensorList wrt;
  for (const Tensor& t : inputs) {
    if (t.defined() && t.requires_grad()) wrt.push_back(t);
  }
  ASSERT_FALSE(wrt.empty());
  const TensorList expected = grad({sum(mul(y_composed, u))}, wrt);
  const TensorList plain = grad({sum(mul(y_fused, u))}, wrt);
  const TensorList differentiable =
      grad({sum(mul(fused(inputs), u))}, wrt, {}, BackwardOptions{.create_graph = true});
  for (std::size_t i = 0; i < wrt.size(); ++i) {
    EXPECT_LE(max_abs_diff(plain[i], expected[i]), tol.grad)
        << label << ": gradient of input " << i << " (row kernels)";
    EXPECT_LE(max_abs_diff(differentiable[i], expected[i]), tol.grad)
        << label << ": gradient of input " << i << " (create_graph)";
  }
}

Tensor trainable(Tensor t) { return t.requires_grad_(); }

class FusedOps : public ::testing::TestWithParam<DType> {};

TEST_P(FusedOps, BiasActivationMatchesTheComposition) {
  const DType dtype = GetParam();
  const Activation activations[] = {Activation::identity, Activation::relu, Activation::gelu,
                                    Activation::gelu_tanh};
  for (Activation f : activations) {
    for (int variant = 0; variant < 4; ++variant) {  // with or without bias / scale
      Generator gen(static_cast<std::uint64_t>(10 + variant));
      const bool with_bias = (variant & 1) != 0;
      const bool with_scale = (variant & 2) != 0;
      TensorList in{trainable(mul_scalar(randn({3, 5, 9}, gen, dtype), 2.0)),
                    with_bias ? trainable(randn({9}, gen, dtype)) : Tensor(),
                    with_scale ? trainable(randn({9}, gen, dtype)) : Tensor()};
      expect_same(
          [f](const TensorList& v) { return bias_activation(v[0], v[1], f, v[2]); },
          [f](const TensorList& v) { return bias_activation_composed(v[0], v[1], f, v[2]); }, in,
          "bias_activation, activation " + std::to_string(static_cast<int>(f)) + ", variant " +
              std::to_string(variant),
          tolerance_for(dtype));
    }
  }
}

TEST_P(FusedOps, BiasActivationWithAFrozenBiasAndInput) {
  // IA³: the projection's bias is frozen; only the input (from earlier layers) and the scale
  // learn. And the reverse: only the bias learns.
  const DType dtype = GetParam();
  Generator gen(3);
  TensorList ia3{trainable(randn({4, 6}, gen, dtype)), randn({6}, gen, dtype),
                 trainable(randn({6}, gen, dtype))};
  auto fused = [](const TensorList& v) {
    return bias_activation(v[0], v[1], Activation::gelu, v[2]);
  };
  auto composed = [](const TensorList& v) {
    return bias_activation_composed(v[0], v[1], Activation::gelu, v[2]);
  };
  expect_same(fused, composed, ia3, "frozen bias", tolerance_for(dtype));
  TensorList bias_only{randn({4, 6}, gen, dtype), trainable(randn({6}, gen, dtype)),
                       randn({6}, gen, dtype)};
  expect_same(fused, composed, bias_only, "only the bias learns", tolerance_for(dtype));
}

TEST_P(FusedOps, BiasActivationTakesOneScaleVectorPerBatchRow) {
  // Several IA³ adapters in one batch: the scale is [B, 1, N], row b's adapter for batch row b.
  const DType dtype = GetParam();
  Generator gen(12);
  TensorList in{trainable(randn({3, 4, 6}, gen, dtype)), trainable(randn({6}, gen, dtype)),
                trainable(randn({3, 1, 6}, gen, dtype))};
  expect_same(
      [](const TensorList& v) { return bias_activation(v[0], v[1], Activation::gelu, v[2]); },
      [](const TensorList& v) {
        return bias_activation_composed(v[0], v[1], Activation::gelu, v[2]);
      },
      in, "bias_activation, scale [3,1,6]", tolerance_for(dtype));
}

TEST_P(FusedOps, LayerNormMatchesTheComposition) {
  const DType dtype = GetParam();
  Generator gen(4);
  // Rows far from zero mean: the two-pass variance must not lose them to cancellation.
  TensorList in{trainable(add_scalar(mul_scalar(randn({2, 7, 16}, gen, dtype), 3.0), 50.0)),
                trainable(randn({16}, gen, dtype)), trainable(randn({16}, gen, dtype))};
  // Rows around 50: in f32 the centred values keep about 6 digits fewer than the inputs.
  const Tolerance tol = dtype == DType::f64 ? tolerance_for(dtype) : Tolerance{2e-5, 2e-4};
  expect_same([](const TensorList& v) { return layer_norm(v[0], v[1], v[2], 1e-5); },
              [](const TensorList& v) { return layer_norm_composed(v[0], v[1], v[2], 1e-5); }, in,
              "layer_norm", tol);
  TensorList frozen_affine{trainable(randn({5, 8}, gen, dtype)), randn({8}, gen, dtype),
                           randn({8}, gen, dtype)};
  expect_same([](const TensorList& v) { return layer_norm(v[0], v[1], v[2], 1e-3); },
              [](const TensorList& v) { return layer_norm_composed(v[0], v[1], v[2], 1e-3); },
              frozen_affine, "layer_norm, frozen weight and bias", tolerance_for(dtype));
}

TEST_P(FusedOps, AttentionSoftmaxMatchesTheComposition) {
  const DType dtype = GetParam();
  Generator gen(5);
  for (bool causal : {true, false}) {
    TensorList in{trainable(mul_scalar(randn({2, 3, 6, 6}, gen, dtype), 3.0))};
    expect_same(
        [causal](const TensorList& v) { return attention_softmax(v[0], 0.25, causal); },
        [causal](const TensorList& v) { return attention_softmax_composed(v[0], 0.25, causal); },
        in, causal ? "attention_softmax, causal" : "attention_softmax", tolerance_for(dtype));
  }
  TensorList rectangular{trainable(randn({4, 3, 7}, gen, dtype))};
  expect_same([](const TensorList& v) { return attention_softmax(v[0], 1.5, false); },
              [](const TensorList& v) { return attention_softmax_composed(v[0], 1.5, false); },
              rectangular, "attention_softmax, 3 queries x 7 keys", tolerance_for(dtype));
}

TEST_P(FusedOps, AttentionSoftmaxRowsSumToOneAndTheFutureIsExactlyZero) {
  const DType dtype = GetParam();
  Generator gen(6);
  const Tensor y = attention_softmax(randn({2, 5, 5}, gen, dtype), 0.5, true);  // [2,5,5]
  for (std::int64_t b = 0; b < 2; ++b) {
    for (std::int64_t t = 0; t < 5; ++t) {
      double total = 0.0;
      for (std::int64_t s = 0; s < 5; ++s) {
        const double p = y.at({b, t, s});
        if (s > t) {
          EXPECT_EQ(p, 0.0) << "key " << s << " is after query " << t;
        }
        total += p;
      }
      EXPECT_NEAR(total, 1.0, dtype == DType::f64 ? 1e-15 : 1e-6);
    }
  }
}

TEST_P(FusedOps, CrossEntropyOnePassBackwardMatchesTheDifferentiableOne) {
  const DType dtype = GetParam();
  Generator gen(8);
  Tensor logits = trainable(mul_scalar(randn({3, 4, 11}, gen, dtype), 2.0));
  Tensor targets = randint({3, 4}, 0, 11, gen);
  targets.data<std::int64_t>()[5] = -100;                         // one ignored position
  Tensor loss = mul_scalar(cross_entropy(logits, targets), 1.7);  // a gradient that is not 1
  const Tensor plain = grad({loss}, {logits}, {}, BackwardOptions{.retain_graph = true})[0];
  const Tensor differentiable =
      grad({loss}, {logits}, {}, BackwardOptions{.create_graph = true})[0];
  EXPECT_LE(max_abs_diff(plain, differentiable), tolerance_for(dtype).grad);
  for (std::int64_t v = 0; v < 11; ++v) EXPECT_EQ(plain.at({1, 1, v}), 0.0) << "ignored row";
}

INSTANTIATE_TEST_SUITE_P(BothDtypes, FusedOps, ::testing::Values(DType::f64, DType::f32),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

// ------------------------------------------------------------------------- errors ----

// The message of the ShapeError `f` throws (tests/common/error_message.h).
template <class F>
std::string shape_error_of(F&& f) {
  return test::message_of<ShapeError>(std::forward<F>(f));
}

TEST(FusedOpErrors, NameTheOpAndTheShapes) {
  Generator gen(9);
  const Tensor x = randn({2, 3, 4}, gen);
  EXPECT_EQ(shape_error_of([&] { bias_activation(x, randn({3}, gen), Activation::gelu); }),
            "bias_activation: bias [3] must be [4] for the input [2,3,4]");
  EXPECT_EQ(shape_error_of([&] {
              bias_activation(x, Tensor(), Activation::identity, randn({4, 1}, gen));
            }),
            "bias_activation: scale [4,1] must be [4] or one vector per batch row [2,1,4] for "
            "the input [2,3,4]");
  EXPECT_EQ(shape_error_of([&] { layer_norm(x, randn({4}, gen), randn({5}, gen), 1e-5); }),
            "layer_norm: bias [5] must be [4] for the input [2,3,4]");
  EXPECT_EQ(shape_error_of([&] { attention_softmax(x, 1.0, true); }),
            "attention_softmax: the causal mask needs square scores [..., T, T], got [2,3,4]");
  EXPECT_EQ(shape_error_of([&] { attention_softmax(randn({4}, gen), 1.0, false); }),
            "attention_softmax: scores [4] need at least two axes [..., T, S]");
  EXPECT_THROW(layer_norm(x, randn({4}, gen), randn({4}, gen), 0.0), ValueError);
  EXPECT_THROW(bias_activation(x, randn({4}, gen, DType::f64), Activation::relu), DTypeError);
}

}  // namespace
}  // namespace knob
