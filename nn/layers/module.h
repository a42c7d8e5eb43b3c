/// @file
/// @brief nn::Module: the base of every layer, with parameters and submodules registered by name.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autograd/random.h"
#include "autograd/tensor.h"

namespace knob::nn {

/// @brief An ordered list of (dotted name, tensor) pairs, e.g. a state dict.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
/// @brief (name, shape) pairs: what a module expects of a state dict.
using NamedShapes = std::vector<std::pair<std::string, Shape>>;

/// @brief The names and shapes of some tensors (what state_dict_problems() compares).
/// @param tensors (name, tensor) pairs. @return (name, shape) pairs in the same order.
NamedShapes shapes_of(const NamedTensors& tensors);

/// @brief What is wrong with the names and shapes of a state dict, compared with those a model
/// expects: "" when nothing is.
///
/// Every problem is collected, on one line: names that are missing, unexpected (when
/// `strict`), or of the wrong shape, e.g. `missing: ln_f.bias; unexpected: extra; wrong shape:
/// head.weight (expected [7,8], got [8,7])`. Each list shows at most 10 names (then
/// "... (N more)"), each name cut to a printable excerpt, so the line stays short whatever a
/// file holds. Time is O((|expected| + |given|) log) in the number of names.
/// @param expected the parameters the model has.
/// @param given the names and shapes offered.
/// @param strict whether names not in `expected` are a problem.
/// @return the problems, or "".
std::string state_dict_problems(const NamedShapes& expected, const NamedShapes& given, bool strict);

/// @brief Check the names and shapes of a state dict against those a model expects, before
/// touching any data.
/// @param expected the parameters the model has.
/// @param given the names and shapes offered.
/// @param strict whether names not in `expected` are an error.
/// @throws ShapeError `load_state_dict: <state_dict_problems()>` when there is a problem.
void check_state_dict_shapes(const NamedShapes& expected, const NamedShapes& given, bool strict);

/// @brief check_state_dict_shapes() on the names and shapes of the tensors `given`.
/// @param expected the parameters the model has.
/// @param given the tensors offered.
/// @param strict whether names not in `expected` are an error.
/// @throws ShapeError listing every problem.
void check_state_dict(const NamedShapes& expected, const NamedTensors& given, bool strict);

/// @brief Base class of layers and models.
///
/// A module owns named parameters (trainable tensors) and named submodules. Registration by
/// name is what gives every parameter its dotted path, `blocks.0.attn.k_proj.weight`, which is
/// the key used by state dicts, by freezing, and by adapters to find the layers they change.
///
/// Modules are held by `std::shared_ptr`; a parameter is a Tensor handle, so the member a
/// layer keeps (`weight_`) and the registered entry are the same tensor.
/// \code
/// class Affine : public Module {
///  public:
///   Affine() { scale_ = register_parameter("scale", ones({4}, DType::f32)); }
///   std::string type_name() const override { return "Affine"; }
///   Tensor forward(const Tensor& x) const { return mul(x, scale_); }
///  private:
///   Tensor scale_;
/// };
/// \endcode
class Module : public std::enable_shared_from_this<Module> {
 public:
  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  /// @brief The class name shown in summaries ("Linear", "LayerNorm", ...).
  /// @return the name.
  virtual std::string type_name() const = 0;
  /// @brief Extra text for summaries, e.g. "in=64, out=256".
  /// @return the text ("" by default).
  virtual std::string extra_repr() const { return ""; }

  // ---- traversal ----
  /// @brief Every parameter with its dotted name, depth first in registration order.
  /// @return (path, tensor) pairs; the tensors are the parameters themselves, not copies.
  NamedTensors named_parameters() const;
  /// @brief Every parameter (same order as named_parameters()).
  /// @return the parameter handles.
  std::vector<Tensor> parameters() const;
  /// @brief Parameters that currently require grad.
  /// @return (path, tensor) pairs, in the order of named_parameters().
  NamedTensors trainable_parameters() const;
  /// @brief This module ("" ) and every descendant with its dotted path.
  /// @return (path, module) pairs, depth first; the module must be owned by a std::shared_ptr.
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_modules();
  /// @brief Direct submodules with their names.
  /// @return (name, module) pairs in registration order.
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const {
    return children_;
  }
  /// @brief The submodule at a dotted path ("blocks.0.attn"), or null.
  /// @param path the dotted path; "" is this module.
  /// @return the module, or nullptr when there is none at that path.
  std::shared_ptr<Module> find_module(const std::string& path);
  /// @brief The parameter at a dotted path. @throws ValueError naming the path if absent.
  /// @param path e.g. "blocks.0.attn.k_proj.weight". @return the parameter itself.
  Tensor parameter(const std::string& path) const;

  // ---- modes and gradients ----
  /// @brief Training mode (dropout active) for this module and all descendants.
  /// @param on true for training, false for evaluation.
  void train(bool on = true);
  /// @brief Evaluation mode: train(false).
  void eval() { train(false); }
  /// @brief Is this module in training mode? @return the flag set by train() (true at first).
  bool is_training() const { return training_; }
  /// @brief Clear the accumulated gradient of every parameter.
  void zero_grad();
  /// @brief Freeze (false) or unfreeze (true) every parameter of this subtree.
  /// @param trainable the new requires_grad flag of every parameter.
  void requires_grad(bool trainable);
  /// @brief Number of parameter elements (all, or only those that require grad).
  /// @param trainable_only count only parameters that require grad.
  /// @return the total number of elements.
  std::int64_t num_parameters(bool trainable_only = false) const;
  /// @brief Convert every parameter to `dtype` in place.
  /// @param dtype f32 or f64; handles held elsewhere see the change (Tensor::set_data).
  void to(DType dtype);

  // ---- state ----
  /// @brief The parameters as (name, tensor) pairs sharing data with the module.
  /// @return named_parameters().
  NamedTensors state_dict() const { return named_parameters(); }
  /// @brief Copy values into the parameters by name.
  ///
  /// Every problem is collected and reported at once in one knob::ShapeError: names that are
  /// missing, unexpected (when `strict`), or of the wrong shape. Values are converted to each
  /// parameter's dtype. Nothing is modified unless everything matches.
  /// @param state (name, tensor) pairs, e.g. read from a safetensors file.
  /// @param strict whether names the module does not have are an error.
  /// @throws ShapeError listing every problem.
  void load_state_dict(const NamedTensors& state, bool strict = true);

  /// @brief Add a parameter to a module that already exists, as its constructor would have
  /// (register_parameter()): how an extension that does not own the class (an adapter's vectors)
  /// gives a layer a new trainable tensor, which then appears in named_parameters(), state
  /// dicts and summaries under `<module path>.<name>`.
  /// @param name the parameter's name within this module (unique, no '.').
  /// @param value the tensor (f32 or f64); marked requires_grad.
  /// @return `value`, a handle sharing the parameter.
  /// @throws ValueError for an empty, dotted or repeated name.
  Tensor attach_parameter(const std::string& name, Tensor value) {
    return register_parameter(name, std::move(value));
  }

  /// @brief The module's own random generator, if it draws random numbers in forward (Dropout's
  /// masks); checkpoints save and restore its state so that a resumed run draws the same.
  /// @return the generator, or null (the default) for a module that draws nothing.
  virtual Generator* own_generator() const { return nullptr; }

  /// @brief A multi-line tree of modules with their parameter counts.
  /// @return one indented line per module (type, extra_repr, its own parameter count), then a
  ///         line with the total and trainable counts.
  std::string summary() const;

 protected:
  /// @brief Register a parameter under `name`; returns the same tensor (store it in a member).
  /// The tensor is marked requires_grad. Names must be unique and contain no '.'.
  /// @param name the parameter's name within this module.
  /// @param value the tensor (f32 or f64); it is also given `name` as its label.
  /// @return `value`.
  /// @throws ValueError for an empty, dotted or repeated name.
  Tensor register_parameter(const std::string& name, Tensor value);
  /// @brief Register a submodule under `name`; returns it.
  /// @tparam M the submodule's class.
  /// @param name the submodule's name within this module.
  /// @param module the submodule (not null).
  /// @return `module`.
  /// @throws ValueError for an empty, dotted or repeated name, or a null module.
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> module);
  void collect_parameters(const std::string& prefix, NamedTensors& out) const;
  void summary_lines(const std::string& name, int depth, std::string& out) const;

  NamedTensors params_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace knob::nn
