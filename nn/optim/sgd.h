/// @file
/// @brief nn::SGD: stochastic gradient descent with optional momentum, dampening, Nesterov
/// momentum and L2 weight decay, exactly as PyTorch's `torch.optim.SGD`.
#pragma once

#include <string>
#include <vector>

#include "nn/optim/optimizer.h"

namespace knob::nn {

/// @brief Stochastic gradient descent (PyTorch semantics).
///
/// For each parameter \f$p\f$ with gradient \f$g\f$, learning rate \f$\eta\f$, momentum
/// \f$\mu\f$, dampening \f$\tau\f$ and weight decay \f$\lambda\f$:
/// \f[ d = g + \lambda p \quad\text{(L2 decay, skipped for no\_decay names)} \f]
/// \f[ b \leftarrow d \ \text{(first step: the buffer starts as a copy of } d),
///     \qquad b \leftarrow \mu b + (1-\tau) d \ \text{(later steps)} \f]
/// \f[ d \leftarrow d + \mu b \ \text{(Nesterov)} \ \text{or} \ d \leftarrow b,
///     \qquad p \leftarrow p - \eta\, d \f]
/// With \f$\mu = 0\f$ there is no buffer and the update is plain \f$p \leftarrow p - \eta d\f$.
/// The buffer \f$b\f$ is the slot `momentum_buffer`.
class SGD : public Optimizer {
 public:
  /// @brief Create the optimizer.
  /// @param params named parameters (f32 or f64).
  /// @param lr learning rate \f$\eta \ge 0\f$.
  /// @param momentum \f$\mu \ge 0\f$ (0 turns momentum off).
  /// @param weight_decay L2 coefficient \f$\lambda \ge 0\f$, added to the gradient.
  /// @param nesterov use Nesterov momentum (needs momentum > 0 and dampening 0).
  /// @param dampening \f$\tau \in [0, 1]\f$, scales the new gradient in the buffer update.
  /// @param no_decay parameter names never weight-decayed.
  /// @throws ValueError for out-of-range hyper-parameters (see Optimizer too).
  SGD(NamedTensors params, double lr, double momentum = 0.0, double weight_decay = 0.0,
      bool nesterov = false, double dampening = 0.0, const std::vector<std::string>& no_decay = {});

  /// @brief The momentum coefficient. @return \f$\mu\f$.
  double momentum() const { return momentum_; }
  /// @brief {"momentum_buffer"} with momentum, none without. @return the slot names.
  std::vector<std::string> state_slots() const override {
    return momentum_ != 0.0 ? slot_names() : std::vector<std::string>{};
  }

 protected:
  /// @brief The update above, on raw buffers.
  /// @param index position in params(). @param param the parameter. @param grad its gradient.
  void update(std::size_t index, Tensor& param, const Tensor& grad) override;
  /// @brief {"momentum_buffer"}. @return the slot names.
  std::vector<std::string> slot_names() const override { return {"momentum_buffer"}; }

 private:
  template <class T>
  void update_typed(std::size_t index, Tensor& param, const Tensor& grad);

  double momentum_;
  double dampening_;
  bool nesterov_;
};

}  // namespace knob::nn
