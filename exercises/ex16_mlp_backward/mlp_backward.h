/// @file
/// @brief Exercise ex16 (lesson 04): the whole backward pass of a small MLP, by hand — a ReLU
/// hidden layer and a mean-squared-error loss, which lesson 04 does not derive.
#pragma once

#include "autograd/tensor.h"

namespace knob::exercises {

/// @brief The parameters of a two-layer MLP (PyTorch's layout: W is [out, in]).
struct MlpParameters {
  Tensor w1;  ///< W₁ [H, D]
  Tensor b1;  ///< b₁ [H]
  Tensor w2;  ///< W₂ [O, H]
  Tensor b2;  ///< b₂ [O]
};

/// @brief The gradients of the loss with respect to every parameter, shapes as MlpParameters.
struct MlpGradients {
  Tensor w1;  ///< dL/dW₁ [H, D]
  Tensor b1;  ///< dL/db₁ [H]
  Tensor w2;  ///< dL/dW₂ [O, H]
  Tensor b2;  ///< dL/db₂ [O]
};

/// @brief The gradients of
/// \f[ u = x W_1^\top + b_1,\quad h = \mathrm{relu}(u),\quad z = h W_2^\top + b_2,\quad
///     L = \frac{1}{N O} \sum_{n,o} (z_{no} - y_{no})^2 \f]
/// (knob::mse: the mean over every element) with respect to W₁, b₁, W₂ and b₂, for a batch of
/// N rows. relu's derivative at exactly 0 is taken as 0.
///
/// Use knob's forward ops (matmul, matmul_nt, matmul_tn, add, relu, sum, mul, ...); do not call
/// knob::backward, knob::grad or nn::Linear.
/// @param x the inputs, [N, D]
/// @param y the targets, [N, O]
/// @param params W₁, b₁, W₂, b₂ (same dtype as x)
/// @return the four gradients, in the dtype of x
/// @throws ShapeError when the shapes do not fit together (name them)
MlpGradients mlp_backward(const Tensor& x, const Tensor& y, const MlpParameters& params);

}  // namespace knob::exercises
