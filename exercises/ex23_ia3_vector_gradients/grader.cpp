// Autograder of ex23_ia3_vector_gradients. The references are knob's tape: through
// ia3::IA3Attention::forward_with (one head, identity output projection) for self-attention, and
// through the head written with knob's ops for other shapes.
#include "exercises/common/grader.h"

#include <cmath>
#include <limits>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "exercises/ex23_ia3_vector_gradients/ia3_vector_gradients.h"
#include "ia3/ia3_attention.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex23_ia3_vector_gradients";
constexpr const char* kKeyHint =
    "l_k reaches the loss through the scores: back through A V', through the softmax (row by "
    "row), through Q K'ᵀ / sqrt(d_k), and finally through K' = K * l_k, summed over the keys";
constexpr const char* kValueHint =
    "l_v reaches the loss only through V' = V * l_v: which matrix product gives the gradient of "
    "V' from G, and what multiplies it on the way to l_v?";

Tensor near_ones(std::int64_t n, Generator& gen, DType dtype) {
  return add_scalar(mul_scalar(randn({n}, gen, dtype), 0.5), 1.0);
}

Tolerance tolerance_for(DType dtype) {
  return dtype == DType::f64 ? Tolerance{1e-11, 1e-9} : Tolerance{1e-5, 1e-4};
}

Tensor identity(std::int64_t n, DType dtype) {
  Tensor eye = zeros({n, n}, dtype);
  for (std::int64_t i = 0; i < n; ++i) eye.set({i, i}, 1.0);
  return eye;
}

void compare(const VectorGradients& got, const Tensor& l_k, const Tensor& l_v,
             const std::string& where, DType dtype) {
  EXPECT_TRUE(
      tensors_match("dL/dl_k" + where, got.l_k, l_k.grad(), kKeyHint, tolerance_for(dtype)));
  EXPECT_TRUE(
      tensors_match("dL/dl_v" + where, got.l_v, l_v.grad(), kValueHint, tolerance_for(dtype)));
}

// Self-attention through knob's IA3Attention layer: q, k, v are its projections of x.
void check_against_layer(std::int64_t positions, std::int64_t width, std::uint64_t seed,
                         DType dtype = DType::f64) {
  Generator gen(seed);
  auto layer = std::make_shared<ia3::IA3Attention>(width, /*n_heads=*/1, gen, dtype);
  nn::NamedTensors state;
  for (const auto& [name, tensor] : layer->named_parameters()) {
    if (name == "out_proj.weight")
      state.emplace_back(name, identity(width, dtype));
    else if (name == "out_proj.bias")
      state.emplace_back(name, zeros({width}, dtype));
    else
      state.emplace_back(name, tensor);
  }
  layer->load_state_dict(state);
  const Tensor x = randn({1, positions, width}, gen, dtype);
  Tensor q, k, v;
  {
    NoGradGuard no_grad;
    q = reshape(layer->q_proj().forward(x), {positions, width});
    k = reshape(layer->k_proj().forward(x), {positions, width});
    v = reshape(layer->v_proj().forward(x), {positions, width});
  }
  Tensor l_k = near_ones(width, gen, dtype).requires_grad_();
  Tensor l_v = near_ones(width, gen, dtype).requires_grad_();
  const Tensor g = randn({positions, width}, gen, dtype);
  backward(reshape(layer->forward_with(x, l_k, l_v), {positions, width}), g);  // causal

  VectorGradients got;
  ASSERT_TRUE(runs_without_error(
      kId, [&] { got = ia3_vector_gradients(q, k, v, l_k.detach(), l_v.detach(), true, g); }));
  compare(got, l_k, l_v,
          " for causal self-attention, T = S = " + std::to_string(positions) +
              ", d = " + std::to_string(width),
          dtype);
}

// Any shapes: the head written with knob's ops on the tape.
void check_against_ops(std::int64_t queries, std::int64_t keys, std::int64_t width,
                       std::int64_t value_width, bool causal, std::uint64_t seed) {
  Generator gen(seed);
  const Tensor q = randn({queries, width}, gen, DType::f64);
  const Tensor k = randn({keys, width}, gen, DType::f64);
  const Tensor v = randn({keys, value_width}, gen, DType::f64);
  Tensor l_k = near_ones(width, gen, DType::f64).requires_grad_();
  Tensor l_v = near_ones(value_width, gen, DType::f64).requires_grad_();
  const Tensor g = randn({queries, value_width}, gen, DType::f64);
  const double scale = 1.0 / std::sqrt(static_cast<double>(width));
  const Tensor weights = attention_softmax(matmul_nt(q, mul(k, l_k)), scale, causal);
  backward(matmul(weights, mul(v, l_v)), g);

  VectorGradients got;
  ASSERT_TRUE(runs_without_error(
      kId, [&] { got = ia3_vector_gradients(q, k, v, l_k.detach(), l_v.detach(), causal, g); }));
  compare(got, l_k, l_v,
          " for q [" + std::to_string(queries) + "," + std::to_string(width) + "], k [" +
              std::to_string(keys) + "," + std::to_string(width) + "], v [" + std::to_string(keys) +
              "," + std::to_string(value_width) + "]" + (causal ? ", causal" : ""),
          DType::f64);
}

TEST(IA3VectorGradients, MatchIA3AttentionLayer) { check_against_layer(6, 8, 1); }
TEST(IA3VectorGradients, CrossAttentionWithItsOwnWidths) {
  check_against_ops(3, 7, 4, 2, false, 2);
  check_against_ops(7, 3, 2, 5, false, 3);
}
TEST(IA3VectorGradients, SquareAndCausal) { check_against_ops(5, 5, 5, 5, true, 4); }
TEST(IA3VectorGradients, OneQueryAndOneKey) {
  check_against_ops(1, 1, 3, 2, true, 5);
  check_against_ops(1, 4, 3, 2, false, 6);
}
TEST(IA3VectorGradients, Float32) { check_against_layer(5, 8, 7, DType::f32); }
TEST(IA3VectorGradients, MismatchedShapesAreAShapeError) {
  const Tensor q = zeros({3, 4}, DType::f64);
  const Tensor k = zeros({5, 4}, DType::f64);
  const Tensor v = zeros({5, 2}, DType::f64);
  EXPECT_TRUE(throws_error<ShapeError>(
      "ia3_vector_gradients(..., g [3,4]) with v [5,2]",
      [&] {
        (void)ia3_vector_gradients(q, k, v, ones({4}, DType::f64), ones({2}, DType::f64), false,
                                   zeros({3, 4}, DType::f64));
      },
      "g is the gradient of the output [T, d_v] = [3,2]: check every shape first and throw "
      "knob::ShapeError"));
}

}  // namespace
}  // namespace knob::exercises
