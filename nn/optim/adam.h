/// @file
/// @brief nn::Adam (L2 weight decay added to the gradient) and nn::AdamW (decoupled weight
/// decay), exactly as PyTorch's `torch.optim.Adam` and `torch.optim.AdamW`.
#pragma once

#include <string>
#include <vector>

#include "nn/optim/optimizer.h"

namespace knob::nn {

/// @brief Adam's two moment decay rates.
struct Betas {
  double beta1 = 0.9;    ///< \f$\beta_1\f$: decay of the first moment (mean of g)
  double beta2 = 0.999;  ///< \f$\beta_2\f$: decay of the second moment (mean of g²)
};

/// @brief Adam (Kingma & Ba, 2015) with PyTorch's arithmetic, and AdamW as a mode of it.
///
/// For each parameter \f$p\f$ with gradient \f$g\f$, at its \f$t\f$-th update (t = 1, 2, ...):
/// \f[ g \leftarrow g + \lambda p \quad\text{(Adam only: L2 decay in the gradient)} \f]
/// \f[ p \leftarrow p\,(1 - \eta\lambda) \quad\text{(AdamW only: decoupled decay)} \f]
/// \f[ m \leftarrow m + (1-\beta_1)(g - m) \qquad
///     v \leftarrow \beta_2 v + (1-\beta_2)\, g^2 \f]
/// \f[ p \leftarrow p - \frac{\eta}{1-\beta_1^t}\cdot
///     \frac{m}{\sqrt{v}/\sqrt{1-\beta_2^t} + \epsilon} \f]
/// \f$m\f$ and \f$v\f$ start at zero; note that \f$\epsilon\f$ is added *after* the square root
/// of the bias-corrected \f$\hat v\f$. The first-moment update is PyTorch's `lerp` form, equal
/// to \f$\beta_1 m + (1-\beta_1) g\f$ up to rounding. Slots: `exp_avg` (m), `exp_avg_sq` (v),
/// `step` (t, a 0-d i64 tensor per parameter, as in PyTorch). Parameters named in `no_decay`
/// get \f$\lambda = 0\f$.
class Adam : public Optimizer {
 public:
  /// @brief Adam with L2 weight decay added to the gradient.
  /// @param params named parameters (f32 or f64).
  /// @param lr learning rate \f$\eta \ge 0\f$.
  /// @param betas \f$\beta_1, \beta_2 \in [0, 1)\f$.
  /// @param eps \f$\epsilon \ge 0\f$.
  /// @param weight_decay \f$\lambda \ge 0\f$ (added to the gradient).
  /// @param no_decay parameter names never weight-decayed.
  /// @throws ValueError for out-of-range hyper-parameters (see Optimizer too).
  Adam(NamedTensors params, double lr = 1e-3, Betas betas = {}, double eps = 1e-8,
       double weight_decay = 0.0, const std::vector<std::string>& no_decay = {});

  /// @brief The moment decay rates. @return \f$(\beta_1, \beta_2)\f$.
  Betas betas() const { return betas_; }
  /// @brief The denominator guard. @return \f$\epsilon\f$.
  double eps() const { return eps_; }

 protected:
  /// @brief For AdamW: make the decay decoupled.
  /// @param params,lr,betas,eps,weight_decay,no_decay as in the public constructor.
  /// @param decoupled true for AdamW's \f$p \leftarrow p(1-\eta\lambda)\f$.
  /// @param optimizer_name "AdamW".
  Adam(NamedTensors params, double lr, Betas betas, double eps, double weight_decay,
       const std::vector<std::string>& no_decay, bool decoupled, std::string optimizer_name);

  /// @brief The update above, on raw buffers.
  /// @param index position in params(). @param param the parameter. @param grad its gradient.
  void update(std::size_t index, Tensor& param, const Tensor& grad) override;
  /// @brief {"exp_avg", "exp_avg_sq", "step"}. @return the slot names.
  std::vector<std::string> slot_names() const override { return {"exp_avg", "exp_avg_sq", "step"}; }
  /// @brief The second moment `exp_avg_sq` is never negative. @param slot a slot name.
  /// @return true for `exp_avg_sq`.
  bool non_negative_slot(const std::string& slot) const override { return slot == "exp_avg_sq"; }
  /// @brief The per-parameter update count `step` is a counter. @param slot a slot name.
  /// @return true for `step`.
  bool counter_slot(const std::string& slot) const override { return slot == "step"; }

 private:
  template <class T>
  void update_typed(std::size_t index, Tensor& param, const Tensor& grad);

  Betas betas_;
  double eps_;
  bool decoupled_;
};

/// @brief AdamW (Loshchilov & Hutter, 2019): Adam whose weight decay shrinks the parameter
/// directly, \f$p \leftarrow p(1 - \eta\lambda)\f$, instead of going through the moments.
///
/// Default weight decay 0.01, as PyTorch. Typical use keeps biases, LayerNorm weights and
/// per-feature scales out of the decay:
/// \code
/// AdamW optimizer(model->trainable_parameters(), 3e-4, {0.9, 0.95}, 1e-8, 0.1,
///                 {"blocks.0.ln1.weight", "blocks.0.ln1.bias"});
/// \endcode
class AdamW : public Adam {
 public:
  /// @brief Create the optimizer.
  /// @param params named parameters (f32 or f64).
  /// @param lr learning rate \f$\eta \ge 0\f$.
  /// @param betas \f$\beta_1, \beta_2 \in [0, 1)\f$.
  /// @param eps \f$\epsilon \ge 0\f$.
  /// @param weight_decay \f$\lambda \ge 0\f$ (decoupled).
  /// @param no_decay parameter names never weight-decayed.
  /// @throws ValueError for out-of-range hyper-parameters.
  AdamW(NamedTensors params, double lr = 1e-3, Betas betas = {}, double eps = 1e-8,
        double weight_decay = 1e-2, const std::vector<std::string>& no_decay = {});
};

}  // namespace knob::nn
