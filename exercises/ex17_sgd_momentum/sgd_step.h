/// @file
/// @brief Exercise ex17 (lesson 04): one step of SGD with momentum as PyTorch defines it —
/// dampening, Nesterov momentum, L2 weight decay, and the first step of the buffer.
#pragma once

#include <string>
#include <vector>

#include "autograd/tensor.h"
#include "nn/layers/module.h"

namespace knob::exercises {

/// @brief The hyper-parameters of SGD (torch.optim.SGD's names).
struct SgdOptions {
  double lr = 1e-2;                   ///< learning rate η
  double momentum = 0.0;              ///< μ (0: no momentum, no buffer)
  double dampening = 0.0;             ///< τ: how much of each new gradient the buffer leaves out
  double weight_decay = 0.0;          ///< λ: L2 decay, added to the gradient
  bool nesterov = false;              ///< Nesterov momentum (only with μ > 0)
  std::vector<std::string> no_decay;  ///< exact parameter names that get λ = 0
};

/// @brief What SGD remembers about one parameter between steps.
struct SgdState {
  Tensor
      momentum_buffer;  ///< b, shape and dtype of the parameter; undefined until its first update
};

/// @brief One SGD step for every parameter that requires grad and has a gradient (the others
/// are skipped and their state is untouched), exactly as torch.optim.SGD and nn::SGD.
///
/// For a parameter p with gradient g:
/// - the gradient used is d = g + λp (L2 decay goes through the gradient, unlike AdamW's);
///   λ = 0 for names in no_decay;
/// - without momentum (μ = 0) the step is along d, and no buffer is kept;
/// - with momentum, the buffer b holds a running sum of past d's: on the parameter's first
///   update it is d itself (no dampening yet); on later updates it decays by μ and takes in
///   (1 − τ) of the new d. The step is along b, or, with Nesterov, along d plus μ times the
///   new b;
/// - the parameter moves by the learning rate times the step, against it.
///
/// Update the parameters in place through `param.data<T>()` (f32 and f64, e.g. with
/// knob::dispatch_floating). Do not use nn::SGD.
/// @param params the parameters with their names (handles: writing their data changes the model)
/// @param states one entry per parameter, in the same order
/// @param options the hyper-parameters
/// @throws ValueError when states.size() != params.size(), or nesterov is set with μ = 0 or
///         τ ≠ 0 (PyTorch refuses that too)
void sgd_step(const nn::NamedTensors& params, std::vector<SgdState>& states,
              const SgdOptions& options);

}  // namespace knob::exercises
