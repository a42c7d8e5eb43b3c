/// @file
/// @brief Recording a model's intermediate activations by name, for `knob grads --trace`.
///
/// The reference transformer's modules call nn::trace() on the tensors a student's own
/// implementation would also compute (`q`, `probs`, a block's output, ...). Nothing is recorded
/// unless an ActivationTrace is alive on the calling thread: without one, trace() and
/// TraceScope test one thread-local pointer and return, so training pays nothing for the hooks.
/// \code
/// ActivationTrace recording;              // on this thread, until it goes out of scope
/// Tensor logits = model.forward(ids);         // the modules record as they run
/// for (const auto& [name, t] : recording.tensors()) ...  // "blocks.0.ln1.out", ...
/// \endcode
/// Names are module paths (the names of named_parameters() without the parameter), then what
/// the tensor is: `blocks.0.attn.probs`. docs/gradient_trace.md lists every name.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nn/layers/module.h"

namespace knob::nn {

/// @brief Records every trace() of the calling thread while it lives, in call order.
class ActivationTrace {
 public:
  /// @brief Start recording on this thread. @throws ValueError if a trace is already recording.
  ActivationTrace();
  /// @brief Stop recording.
  ~ActivationTrace();
  ActivationTrace(const ActivationTrace&) = delete;             ///< not copyable
  ActivationTrace& operator=(const ActivationTrace&) = delete;  ///< not assignable

  /// @brief What was recorded. @return (full name, tensor) pairs in the order they were made.
  const NamedTensors& tensors() const { return tensors_; }

  /// @brief Record `t` as `<current scope>.<name>`.
  /// @param name the tensor's name within the current scope. @param t the tensor (kept alive).
  /// @throws ValueError when that full name was already recorded.
  void add(std::string_view name, const Tensor& t);
  /// @brief Enter a scope: later names get `<name>.` in front. @param name the scope's name.
  void push(std::string name);
  /// @brief Leave the innermost scope.
  void pop();

 private:
  std::vector<std::string> scopes_;  // prefixes, innermost last
  NamedTensors tensors_;
};

/// @brief Is an ActivationTrace recording on this thread? @return true while one is alive.
bool tracing();

/// @brief Record `t` under `name` in the current scope, if this thread is tracing.
/// @param name e.g. "probs". @param t the activation.
void trace(std::string_view name, const Tensor& t);

/// @brief A scope of trace names (a module's path), entered for this object's lifetime; does
/// nothing when the thread is not tracing.
class TraceScope {
 public:
  /// @brief Enter `name`. @param name a module's name, e.g. "attn".
  explicit TraceScope(std::string_view name);
  /// @brief Enter `name.index`, e.g. "blocks.0". @param name the list. @param index the entry.
  TraceScope(std::string_view name, std::size_t index);
  /// @brief Leave the scope.
  ~TraceScope();
  TraceScope(const TraceScope&) = delete;             ///< not copyable
  TraceScope& operator=(const TraceScope&) = delete;  ///< not assignable

 private:
  bool entered_ = false;
};

}  // namespace knob::nn
