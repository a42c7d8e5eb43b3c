/// @file
/// @brief Exercise ex08 (lesson 06): the backward of LayerNorm — dx, dγ and dβ from one pass.
#pragma once

#include "autograd/tensor.h"

namespace knob::exercises {

/// @brief The three gradients of \f$ y = \mathrm{LayerNorm}(x)\,\gamma + \beta \f$.
struct LayerNormGrads {
  Tensor grad_x;      ///< dL/dx, shape of x [..., D]
  Tensor grad_gamma;  ///< dL/dγ, shape [D]
  Tensor grad_beta;   ///< dL/dβ, shape [D]
};

/// @brief The backward of layer normalisation over the last axis (as nn::LayerNorm).
///
/// Forward, for each row x of size D:
/// \f[ \mu = \tfrac1D \sum_i x_i,\quad \sigma^2 = \tfrac1D \sum_i (x_i - \mu)^2,\quad
///     r = \frac{1}{\sqrt{\sigma^2 + \epsilon}},\quad \hat x_i = (x_i - \mu)\,r,\quad
///     y_i = \hat x_i \gamma_i + \beta_i \f]
/// (the biased variance: divide by D). With \f$ g = \partial L/\partial y \f$, return the
/// gradients of L with respect to x, γ and β. Every \f$ \hat x_i \f$ depends on every
/// \f$ x_j \f$ of its row: directly, through \f$ \mu \f$ and through \f$ \sigma^2 \f$.
/// The gradients do not depend on β, so it is not an argument.
///
/// You may use knob's forward ops (mean and sum with keepdim, sub, mul, pow, sum_to, ...) or
/// write loops; do not call nn::LayerNorm, knob::layer_norm or knob::backward.
/// @param g dL/dy, shape [..., D]
/// @param x the input of the forward pass, shape [..., D], same dtype as g
/// @param gamma the gain γ, shape [D]
/// @param eps \f$ \epsilon \f$ of the forward pass
/// @return grad_x [..., D], grad_gamma [D], grad_beta [D], in the dtype of x
/// @throws ShapeError when g and x differ in shape, or gamma is not [D] with D = x's last extent
LayerNormGrads layer_norm_backward(const Tensor& g, const Tensor& x, const Tensor& gamma,
                                   double eps);

}  // namespace knob::exercises
