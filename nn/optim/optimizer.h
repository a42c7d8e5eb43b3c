/// @file
/// @brief nn::Optimizer: the base of SGD, Adam and AdamW — a list of named parameters, a learning
/// rate, per-parameter state buffers, and checkpointing of all of it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "autograd/tensor.h"
#include "nn/layers/module.h"

namespace knob::nn {

/// @brief Updates a list of named parameters from their accumulated gradients.
///
/// The training step every optimizer fits into:
/// \code
/// AdamW optimizer(model->trainable_parameters(), 1e-3);
/// for (std::int64_t step = 0; step < steps; ++step) {
///   optimizer.zero_grad();                 // forget last step's gradients
///   Tensor loss = model->loss(batch);
///   backward(loss);                        // fills p.grad() for every trainable p
///   optimizer.set_lr(schedule.lr_at(step));
///   optimizer.step();                      // p ← p − (update computed from p.grad())
/// }
/// \endcode
///
/// The optimizer holds Tensor handles, so it updates the very tensors the model uses (in place,
/// on the raw buffers, under a NoGradGuard). Parameters that do not require grad, or that have no
/// gradient yet, are skipped by step() (their state is left untouched).
///
/// **State.** Each parameter may own named buffers ("slots"), created on its first update:
/// SGD's `momentum_buffer`, Adam's `exp_avg`, `exp_avg_sq` and per-parameter `step`. state()
/// returns copies of everything — the number of step() calls, the learning rate and every slot —
/// and load_state() puts them back, so a run resumed from a checkpoint continues bit for bit.
///
/// **Weight decay exclusions.** The names in `no_decay` (exact parameter names, e.g. LayerNorm
/// weights, biases, per-feature scales) are never weight-decayed.
class Optimizer {
 public:
  /// @brief Take the parameters to optimize.
  /// @param params named parameters (f32 or f64 leaves); names must be unique.
  /// @param lr learning rate, ≥ 0.
  /// @param weight_decay decay coefficient, ≥ 0 (how a subclass applies it is its business).
  /// @param no_decay names of parameters that must never be decayed; each must be in `params`.
  /// @param optimizer_name "SGD", "Adam", ... (used in error messages).
  /// @throws ValueError on an undefined or non-floating parameter, a repeated name, a negative
  /// or non-finite lr / weight decay, or a no_decay name that is not a parameter.
  Optimizer(NamedTensors params, double lr, double weight_decay,
            const std::vector<std::string>& no_decay, std::string optimizer_name);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// @brief Apply one update to every parameter that requires grad and has a gradient.
  /// @throws ShapeError if a gradient's shape or dtype differs from its parameter's.
  void step();

  /// @brief Clear the gradient of every parameter (the next backward() starts from zero).
  void zero_grad();

  /// @brief Set the learning rate used by the following step() calls.
  /// @param lr the new rate, ≥ 0. @throws ValueError when negative or not finite.
  void set_lr(double lr);
  /// @brief The current learning rate.
  /// @return the rate the next step() will use.
  double lr() const { return lr_; }

  /// @brief How many times step() has been called (restored by load_state()).
  /// @return the step count.
  std::int64_t step_count() const { return step_count_; }

  /// @brief The parameters being optimized, with their names.
  /// @return the list given to the constructor.
  const NamedTensors& params() const { return params_; }

  /// @brief The optimizer's name ("SGD", "Adam", "AdamW").
  /// @return the name.
  const std::string& name() const { return name_; }

  /// @brief The weight decay coefficient given to the constructor.
  /// @return the coefficient (0 when decay is off).
  double weight_decay() const { return weight_decay_; }

  /// @brief Is the parameter at `index` subject to weight decay (not in the no_decay list)?
  /// @param index position in params(). @return true when it is decayed.
  bool decays(std::size_t index) const { return decays_.at(index); }

  /// @brief The state buffers ("slots") every parameter has once this optimizer has updated it:
  /// `exp_avg`, `exp_avg_sq` and `step` for Adam; `momentum_buffer` for SGD with momentum; none
  /// for plain SGD. A checkpoint's optimizer state is checked against it (nn/io/checkpoint.h).
  /// @return the slot names.
  virtual std::vector<std::string> state_slots() const { return slot_names(); }

  /// @brief A copy of everything needed to resume: `step` (0-d i64, the step count), `lr` (0-d
  /// f64), and one entry `<slot>.<parameter name>` per state buffer, e.g.
  /// `exp_avg.blocks.0.attn.k_proj.weight`.
  /// @return deep copies (later steps do not change them); save them with the checkpoint.
  NamedTensors state() const;

  /// @brief Replace the whole state with one returned by state() (of an optimizer of the same
  /// kind over parameters of the same names and shapes).
  /// @param state the saved entries; values are converted to the parameter's dtype.
  /// @throws ValueError listing at once every unknown key, a missing or invalid `step`/`lr`, a
  /// shape mismatch, a buffer that is not F32/F64 or not finite once converted to its parameter's
  /// dtype (1e300 in an F32 model), a negative value in a non_negative_slot(), or a per-parameter
  /// counter beyond `step`; nothing is changed in that case.
  void load_state(const NamedTensors& state);

 protected:
  /// @brief Update one parameter from its gradient (called by step() under a NoGradGuard).
  /// @param index position in params() (use it with slot()/has_slot()/decays()).
  /// @param param the parameter (a leaf; write through data<T>()).
  /// @param grad its gradient, same shape and dtype; may be modified only if documented.
  virtual void update(std::size_t index, Tensor& param, const Tensor& grad) = 0;

  /// @brief The slot names this optimizer uses (for load_state() to recognise keys).
  /// @return e.g. {"exp_avg", "exp_avg_sq", "step"}.
  virtual std::vector<std::string> slot_names() const = 0;

  /// @brief Is every value of the buffer `slot` at least zero in a valid state (a second moment
  /// \f$v = \sum (1-\beta_2)\beta_2^k g^2 \ge 0\f$, whose square root the update takes)?
  /// load_state() refuses a negative value there.
  /// @param slot a slot name. @return false unless the optimizer says so.
  virtual bool non_negative_slot(const std::string& slot) const {
    (void)slot;
    return false;
  }

  /// @brief Is the buffer `slot` a 0-d I64 counter (Adam's per-parameter `step`) rather than a
  /// floating buffer shaped like its parameter? load_state() holds each slot to its kind.
  /// @param slot a slot name. @return false unless the optimizer says so.
  virtual bool counter_slot(const std::string& slot) const {
    (void)slot;
    return false;
  }

  /// @brief Does parameter `index` already have the buffer `slot`?
  /// @param index position in params(). @param slot slot name. @return true if created.
  bool has_slot(std::size_t index, const std::string& slot) const;

  /// @brief The buffer `slot` of parameter `index`, created on first use as zeros of the given
  /// shape and dtype. Unlike slot(), nothing is made once the buffer exists (an optimizer step
  /// allocates nothing).
  /// @param index position in params(). @param slot slot name.
  /// @param shape its shape (the parameter's, or {} for a counter). @param dtype its dtype.
  /// @return the buffer (a handle; writing through it updates the state).
  Tensor& zeros_slot(std::size_t index, const std::string& slot, const Shape& shape, DType dtype);

  /// @brief The buffer `slot` of parameter `index`, created as `initial` (stored as is, not
  /// copied) if it does not exist yet.
  /// @param index position in params(). @param slot slot name.
  /// @param initial the value for a new buffer (ignored when the slot exists).
  /// @return a handle to the buffer (write through data<T>()).
  Tensor& slot(std::size_t index, const std::string& slot, const Tensor& initial);

 private:
  NamedTensors params_;
  std::vector<bool> decays_;
  std::vector<std::map<std::string, Tensor>> slots_;  // slots_[param index][slot name]
  double lr_;
  double weight_decay_;
  std::int64_t step_count_ = 0;
  std::string name_;
};

}  // namespace knob::nn
