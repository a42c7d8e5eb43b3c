/// @file
/// @brief Anomaly mode: find the first op whose output or gradient holds a NaN or an infinity.
///
/// A NaN in a loss is easy to see and hard to trace: by the time it reaches the loss it has
/// flowed through hundreds of ops. With anomaly mode on, every op's output is checked as it is
/// computed (the *forward* check) and every gradient an op's backward rule returns is checked
/// as the backward walk produces it (the *backward* check). The first non-finite value raises
/// an AnomalyError that names the op, the phase, the shape and the first bad index:
///
/// \verbatim
/// anomaly in forward of 'log': output [2,3] (f32) holds nan at index [0,1] (1 of 6 values
/// non-finite) anomaly in backward of 'sqrt': gradient for input 0 [3] (f64) holds inf at index [0]
/// ... \endverbatim
///
/// What counts as an anomaly in the forward pass: any NaN, and any infinity that the op
/// *created*, i.e. when none of its inputs already held one. Infinities that merely flow
/// through (the -inf of an attention mask entering `add` or `softmax`) are not reported, and
/// neither is `masked_fill`, whose job is to write a chosen value such as -inf. Every
/// infinity in a gradient is reported.
///
/// Switch it on for a scope with AnomalyGuard, or for a whole run with the environment
/// variable `KNOB_DETECT_ANOMALY=1` (read once, when the first thread asks). The setting is per
/// thread, like the tape. When it is off, the cost is one branch per op.
/// \code
/// {
///   AnomalyGuard detect;           // on for this scope
///   Tensor loss = model.loss(ids, targets);
///   backward(loss);                // throws AnomalyError at the first NaN/Inf, naming the op
/// }
/// \endcode
#pragma once

#include <cstdint>
#include <string>

#include "autograd/error.h"
#include "autograd/tape.h"
#include "autograd/tensor.h"

namespace knob {

/// @brief Where an anomaly was found.
enum class AnomalyPhase {
  forward,   ///< in the output of an op, as it was computed
  backward,  ///< in a gradient returned by an op's backward rule
};

/// @brief "forward" or "backward".
/// @param phase the phase.
/// @return its name.
const char* anomaly_phase_name(AnomalyPhase phase);

/// @brief An op produced a NaN or an infinity while anomaly mode was on.
///
/// The message is one line; the parts are also available separately for tests and tools.
class AnomalyError : public Error {
 public:
  /// @brief Build the error and its one-line message.
  /// @param op the op's name, e.g. "log".
  /// @param phase forward (the op's output) or backward (a gradient of one of its inputs).
  /// @param what what was checked, e.g. "output" or "gradient for input 0".
  /// @param shape the checked tensor's shape.
  /// @param dtype the checked tensor's dtype.
  /// @param first_bad flat (row-major) index of the first non-finite value.
  /// @param bad_count how many values are non-finite.
  /// @param value the first bad value (NaN, +inf or -inf).
  /// @param note extra context appended to the message (may be empty).
  AnomalyError(std::string op, AnomalyPhase phase, const std::string& what, Shape shape,
               DType dtype, std::int64_t first_bad, std::int64_t bad_count, double value,
               const std::string& note);

  /// @brief The op's name. @return e.g. "log".
  const std::string& op() const { return op_; }
  /// @brief Forward or backward. @return the phase the value was found in.
  AnomalyPhase phase() const { return phase_; }
  /// @brief Shape of the tensor that held the bad value. @return the shape.
  const Shape& shape() const { return shape_; }
  /// @brief Flat (row-major) index of the first bad value. @return the index.
  std::int64_t first_bad_index() const { return first_bad_; }

 private:
  std::string op_;
  AnomalyPhase phase_;
  Shape shape_;
  std::int64_t first_bad_;
};

/// @brief Is anomaly mode on for this thread?
/// @return true inside an AnomalyGuard(true), or when `KNOB_DETECT_ANOMALY=1` and no guard
///         says otherwise.
bool anomaly_mode_enabled();

/// @brief Switch anomaly mode on (or off) for this thread while the guard lives; the previous
/// setting comes back on destruction.
class AnomalyGuard {
 public:
  /// @brief Set anomaly mode for this scope.
  /// @param enabled true (the default) to check, false to stop checking inside the scope.
  explicit AnomalyGuard(bool enabled = true);
  /// @brief Restore the setting found at construction.
  ~AnomalyGuard();
  AnomalyGuard(const AnomalyGuard&) = delete;
  AnomalyGuard& operator=(const AnomalyGuard&) = delete;

 private:
  bool previous_;
};

namespace detail {

/// @brief The thread's anomaly flag itself; callers test it before calling the checks below, so
/// that the disabled mode costs one branch.
bool& anomaly_flag();

/// @brief Forward check of `output = op(inputs)` (called by record() when the flag is set).
/// @param op the op's name.
/// @param output its result.
/// @param inputs its inputs (consulted only when the output holds an infinity).
/// @throws AnomalyError for any NaN, or an infinity no input already held (masked_fill exempt).
void check_op_output(const std::string& op, const Tensor& output, const TensorList& inputs);

/// @brief Backward check of the gradient an op's backward rule returned for one input.
/// @param op the op's name.
/// @param input_index which input the gradient is for.
/// @param gradient the gradient.
/// @throws AnomalyError for any NaN or infinity.
void check_gradient(const std::string& op, std::size_t input_index, const Tensor& gradient);

/// @brief Backward check of the gradient a backward pass starts from (the root's).
/// @param gradient dL/d root.
/// @throws AnomalyError for any NaN or infinity.
void check_seed_gradient(const Tensor& gradient);

}  // namespace detail

}  // namespace knob
