/// @file
/// @brief The tape: how knob records operations and plays them backwards to get gradients.
///
/// Every op whose inputs require grad appends a Node to the current thread's tape. A node keeps
/// the op's inputs and a *backward function*: given dL/d(output) it returns dL/d(input) for each
/// input. `backward(loss)` walks the tape from the newest node to the oldest; a node that has
/// received a gradient calls its backward function and passes the results on to the nodes that
/// produced its inputs, or, for leaves, adds them into `leaf.grad()`. Because ops are appended in
/// the order they ran, the reverse of the tape is always a valid order for the chain rule.
///
/// Backward functions are written with the same differentiable ops as the forward pass. Normally
/// they run with recording switched off; with `create_graph` they are recorded too, so the
/// gradient is itself differentiable and second derivatives work.
///
/// Ownership: the tape holds nodes weakly; a node lives as long as a tensor computed from it (or
/// a later node that uses that tensor). Drop the outputs and the graph is freed, used or not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "autograd/object_pool.h"
#include "autograd/tensor.h"

namespace knob {

/// @brief A list of tensors (op inputs, gradients). Every recorded op makes two (its inputs,
/// its gradients), so their blocks come from the object pool (object_pool.h).
using TensorList = std::vector<Tensor, PoolAllocator<Tensor>>;

/// @brief A backward rule: dL/d(output) → one dL/d(input) per input (an undefined Tensor for
/// "no gradient").
///
/// Works like `std::function<TensorList(const Tensor&)>` (any callable of that signature
/// converts to it), but keeps a closure of up to kInlineBytes bytes inside itself instead of on
/// the heap: every recorded op makes one, and the captures of knob's rules (a few tensors and
/// sizes) fit. Larger closures still work; they are allocated. Move-only.
class BackwardFn {
 public:
  /// Closures up to this size (and alignment up to max_align_t) are stored inline.
  static constexpr std::size_t kInlineBytes = 160;

  /// @brief An empty rule (converts to false).
  BackwardFn() = default;
  /// @brief An empty rule, as `nullptr` for std::function.
  BackwardFn(std::nullptr_t) {}  // NOLINT: implicit, like std::function
  /// @brief Wrap a callable `TensorList f(const Tensor&)` (copied or moved in).
  /// @param f the closure.
  template <class F, class = std::enable_if_t<
                         !std::is_same_v<std::decay_t<F>, BackwardFn> &&
                         std::is_invocable_r_v<TensorList, std::decay_t<F>&, const Tensor&>>>
  BackwardFn(F&& f) {  // NOLINT: implicit, like std::function
    using Closure = std::decay_t<F>;
    if constexpr (fits_inline<Closure>()) {
      target_ = ::new (static_cast<void*>(inline_)) Closure(std::forward<F>(f));
    } else {
      target_ = new Closure(std::forward<F>(f));
    }
    ops_ = &ops_for<Closure>;
  }
  /// @brief Take over another rule (which becomes empty). @param other the rule.
  BackwardFn(BackwardFn&& other) noexcept { take(other); }
  /// @brief Replace this rule by another (which becomes empty). @param other the rule.
  /// @return *this.
  BackwardFn& operator=(BackwardFn&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  /// @brief Drop the rule and what it captured. @return *this, now empty.
  BackwardFn& operator=(std::nullptr_t) noexcept {
    reset();
    return *this;
  }
  BackwardFn(const BackwardFn&) = delete;
  BackwardFn& operator=(const BackwardFn&) = delete;
  ~BackwardFn() { reset(); }

  /// @brief Is there a rule? @return false when empty.
  explicit operator bool() const noexcept { return ops_ != nullptr; }
  /// @brief Run the rule. @param grad_output dL/d(output). @return one gradient per input.
  TensorList operator()(const Tensor& grad_output) const {
    return ops_->call(target_, grad_output);
  }

 private:
  // What a stored closure type can do, one table per type.
  struct Ops {
    TensorList (*call)(void* closure, const Tensor& grad_output);
    void (*move_to)(void* closure, void* inline_buffer);  // inline only: move, destroy source
    void (*destroy)(void* closure, bool is_inline);
    bool is_inline;
  };
  template <class Closure>
  static constexpr bool fits_inline() {
    return sizeof(Closure) <= kInlineBytes && alignof(Closure) <= alignof(std::max_align_t) &&
           std::is_nothrow_move_constructible_v<Closure>;
  }
  template <class Closure>
  static constexpr Ops ops_for = {
      [](void* c, const Tensor& g) -> TensorList { return (*static_cast<Closure*>(c))(g); },
      [](void* c, void* buffer) {
        if constexpr (fits_inline<Closure>()) {
          ::new (buffer) Closure(std::move(*static_cast<Closure*>(c)));
          static_cast<Closure*>(c)->~Closure();
        }
      },
      [](void* c, bool is_inline) {
        if (is_inline) {
          static_cast<Closure*>(c)->~Closure();
        } else {
          delete static_cast<Closure*>(c);
        }
      },
      fits_inline<Closure>()};

  void take(BackwardFn& other) noexcept {
    ops_ = other.ops_;
    if (ops_ == nullptr) return;
    if (ops_->is_inline) {
      ops_->move_to(other.target_, inline_);
      target_ = inline_;
    } else {
      target_ = other.target_;
    }
    other.ops_ = nullptr;
    other.target_ = nullptr;
  }
  void reset() noexcept {
    if (ops_ == nullptr) return;
    const Ops* ops = ops_;
    void* target = target_;
    ops_ = nullptr;  // the closure's destructor may free tensors whose nodes hold rules too
    target_ = nullptr;
    ops->destroy(target, ops->is_inline);
  }

  alignas(std::max_align_t) unsigned char inline_[kInlineBytes];
  void* target_ = nullptr;    // the closure: inside inline_ or on the heap
  const Ops* ops_ = nullptr;  // null when empty
};

/// @brief One recorded operation.
class Node {
 public:
  std::string op;                    ///< the op's name, e.g. "matmul"
  std::uint64_t sequence = 0;        ///< position on the tape (increasing in time)
  TensorList inputs;                 ///< the op's inputs, in order
  BackwardFn backward;               ///< the backward rule; null once the graph is freed
  std::weak_ptr<TensorImpl> output;  ///< the op's result (weak: the result owns this node)
  Shape shape;                       ///< the output's shape
  DType dtype = DType::f32;          ///< the output's dtype
  bool freed = false;                ///< true after a backward() without retain_graph
  Tensor pending_grad;               ///< dL/d(output) gathered during a backward walk
};

/// @brief Is recording enabled on this thread? (true unless a NoGradGuard is active)
/// @return the calling thread's recording flag.
bool grad_enabled();

/// @brief Switch recording off for this thread while the guard lives (restores on destruction).
///
/// Use it for inference, parameter initialisation and optimizer updates.
/// \code
/// { NoGradGuard no_grad; Tensor y = model.forward(x); }  // nothing recorded
/// \endcode
class NoGradGuard {
 public:
  /// @brief Remember the current state and switch recording off.
  NoGradGuard();
  /// @brief Restore the state found at construction.
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

/// @brief Set recording to a given state while the guard lives.
class GradModeGuard {
 public:
  /// @brief Remember the current state and set recording to `enabled`.
  /// @param enabled true to record, false not to.
  explicit GradModeGuard(bool enabled);
  /// @brief Restore the state found at construction.
  ~GradModeGuard();
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool previous_;
};

/// @brief Record `output = op(inputs)` on the tape if recording is on and any input requires
/// grad; then `output` becomes a non-leaf whose grad_fn is the new node.
///
/// Every differentiable op ends with this call, right after its forward computation:
/// \code
/// Tensor y = ...forward...;
/// return record("exp", y, {x}, [y_saved = SavedTensor::output(y)](const Tensor& gy) {
///   return TensorList{mul(gy, y_saved.get())};   // d e^x / dx = e^x
/// });
/// \endcode
/// @param op the op's name (shown by tape_listing(), graph pictures and error messages).
/// @param output the result of the forward computation.
/// @param inputs the op's inputs, in the order the backward function returns their gradients.
/// @param backward the rule: dL/d(output) → one dL/d(input) per input.
/// @return `output` (now carrying its grad_fn when recorded).
Tensor record(const std::string& op, Tensor output, TensorList inputs, BackwardFn backward);

/// @brief How a tensor is kept for the backward pass.
///
/// Inputs are saved as ordinary (strong) handles. An op's own *output* must be saved weakly:
/// the output owns its node, the node owns the backward function, and a strong handle in there
/// would close a reference cycle and leak the whole graph. The output is always alive while its
/// node runs backward (whoever passed it the gradient holds it).
class SavedTensor {
 public:
  /// @brief Keep a weak reference to an op's output.
  /// @param t the output. @return the weak handle.
  static SavedTensor output(const Tensor& t);
  /// @brief The saved tensor. @return a strong handle to it.
  /// @throws AutogradError if it was freed.
  Tensor get() const;

 private:
  std::weak_ptr<TensorImpl> weak_;
};

/// @brief Options of a backward pass.
struct BackwardOptions {
  /// Keep the graph after this pass so backward can run through it again.
  bool retain_graph = false;
  /// Record the backward pass itself, so the gradients can be differentiated (implies
  /// retain_graph).
  bool create_graph = false;
};

/// @brief Accumulate d root / d leaf into `leaf.grad()` for every leaf that requires grad.
/// @param root the value to differentiate; a scalar unless `grad_output` is given.
/// @param grad_output dL/d root, same shape as root (default: 1 for a scalar root).
/// @param options retain_graph to walk the graph again later, create_graph to record this pass.
/// @throws AutogradError for a non-scalar root without grad_output, a root that does not require
///         grad, or a graph already freed by an earlier backward.
void backward(const Tensor& root, const Tensor& grad_output = Tensor(),
              BackwardOptions options = {});

/// @brief Gradients of `outputs` with respect to `inputs`, returned instead of accumulated.
///
/// Like `torch.autograd.grad`: nothing is written to any `.grad()`. With
/// `options.create_graph` the returned gradients are themselves on the tape.
/// @param outputs the values to differentiate.
/// @param inputs the tensors to differentiate with respect to (leaves or intermediate values;
///        each must require grad).
/// @param grad_outputs one per output (default: ones for scalar outputs).
/// @param options retain_graph / create_graph, as for backward().
/// @return one gradient per input; an input the outputs do not depend on gets zeros.
TensorList grad(const TensorList& outputs, const TensorList& inputs,
                const TensorList& grad_outputs = {}, BackwardOptions options = {});

/// @brief Number of live nodes on this thread's tape (for tests and teaching).
/// @return the count of nodes still owned by some tensor.
std::size_t tape_size();

/// @brief A printable listing of this thread's live tape, oldest first: "#seq op shape <- inputs".
/// @return one line per live node; inputs are `#seq` of their producer, or `param`/`const`
///         with name and shape for leaves; freed nodes are marked "(freed)".
std::string tape_listing();

}  // namespace knob
