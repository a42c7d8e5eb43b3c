/// @file
/// @brief Exercise ex13 (lesson 07): one step of AdamW — moments, bias correction, decoupled
/// weight decay, and parameters that are never decayed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "autograd/tensor.h"
#include "nn/layers/module.h"

namespace knob::exercises {

/// @brief The hyper-parameters of AdamW (PyTorch's defaults).
struct AdamWOptions {
  double lr = 1e-3;                   ///< learning rate \f$ \eta \f$
  double beta1 = 0.9;                 ///< \f$ \beta_1 \f$: decay of the first moment
  double beta2 = 0.999;               ///< \f$ \beta_2 \f$: decay of the second moment
  double eps = 1e-8;                  ///< \f$ \epsilon \f$, added after the square root
  double weight_decay = 1e-2;         ///< \f$ \lambda \f$ (decoupled)
  std::vector<std::string> no_decay;  ///< exact parameter names that get \f$ \lambda = 0 \f$
};

/// @brief What AdamW remembers about one parameter between steps.
struct AdamWState {
  Tensor exp_avg;         ///< m, shape and dtype of the parameter (undefined before its 1st update)
  Tensor exp_avg_sq;      ///< v, shape and dtype of the parameter (undefined before its 1st update)
  std::int64_t step = 0;  ///< t: how many updates this parameter has had
};

/// @brief One AdamW step (Loshchilov & Hutter 2019, as torch.optim.AdamW) for every parameter
/// that requires grad and has a gradient; the others are skipped and their state is untouched.
///
/// For a parameter p with gradient g, at its own t-th update (t = 1, 2, ...; m, v start at 0):
/// \f[ p \leftarrow p\,(1 - \eta\lambda) \quad (\lambda = 0 \text{ for names in no\_decay}) \f]
/// \f[ m \leftarrow \beta_1 m + (1 - \beta_1)\,g,\qquad v \leftarrow \beta_2 v + (1 - \beta_2)\,g^2
/// \f] \f[ \hat m = \frac{m}{1 - \beta_1^t},\qquad \hat v = \frac{v}{1 - \beta_2^t},\qquad
///     p \leftarrow p - \eta\,\frac{\hat m}{\sqrt{\hat v} + \epsilon} \f]
/// The bias corrections undo the pull of the zero start: at t = 1, \f$ \hat m = g \f$ and
/// \f$ \hat v = g^2 \f$, so the first step is \f$ \approx \eta\,\mathrm{sign}(g) \f$. The decay
/// is *decoupled*: it shrinks p directly and never enters m or v (plain Adam with L2 would add
/// \f$ \lambda p \f$ to g instead, and then the decay gets divided by \f$ \sqrt{\hat v} \f$).
/// Biases, LayerNorm gains and IA³ vectors are usually listed in no_decay.
///
/// Update the parameters in place, through `param.data<T>()` (f32 and f64, e.g. with
/// knob::dispatch_floating); create m and v as zeros of the parameter's shape on its first
/// update. Do not use nn::AdamW or nn::Adam.
/// @param params the parameters with their names (handles: writing their data changes the model)
/// @param states one entry per parameter, in the same order (start with
///        `std::vector<AdamWState>(params.size())`)
/// @param options the hyper-parameters
/// @throws ValueError when states.size() != params.size()
void adamw_step(const nn::NamedTensors& params, std::vector<AdamWState>& states,
                const AdamWOptions& options);

}  // namespace knob::exercises
