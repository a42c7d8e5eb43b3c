/// @file
/// @brief nn::Dropout: randomly zero activations while training (inverted dropout).
#pragma once

#include <cstdint>
#include <string>

#include "autograd/random.h"
#include "nn/layers/module.h"

namespace knob::nn {

/// @brief Inverted dropout with probability p.
///
/// In training mode each element is kept with probability \f$ 1 - p \f$ and scaled by
/// \f$ 1/(1-p) \f$, so the expected output equals the input:
/// \f$ y = x \odot m \f$, \f$ m_i \in \{0, 1/(1-p)\} \f$. In evaluation mode, or when p = 0,
/// forward returns x itself (no copy, no random draw). Backward: \f$ \bar x = g \odot m \f$
/// (the mask is a constant of the multiplication).
///
/// The module owns its Generator, so a run is reproducible from the seed. Drawing a mask
/// advances that generator; `forward` is `const` like every layer's, so the generator is a
/// `mutable` member. A Dropout has no parameters.
/// \code
/// auto drop = std::make_shared<Dropout>(/*p=*/0.1, /*seed=*/7);
/// Tensor y = drop->forward(x);  // training: ~10% zeros, the rest × 1/0.9
/// drop->eval();
/// Tensor z = drop->forward(x);  // evaluation: z is x
/// \endcode
class Dropout : public Module {
 public:
  /// @brief A dropout layer.
  /// @param p probability of zeroing an element, in [0, 1).
  /// @param seed seed of the module's own mask generator.
  /// @throws ValueError when p is outside [0, 1).
  explicit Dropout(double p = 0.0, std::uint64_t seed = 0);

  /// @brief The class name. @return "Dropout".
  std::string type_name() const override { return "Dropout"; }
  /// @brief The setting, for summaries. @return "p=…".
  std::string extra_repr() const override;

  /// @brief x ⊙ mask in training mode (p > 0), otherwise x unchanged.
  /// @param x any floating tensor.
  /// @return a tensor of x's shape.
  Tensor forward(const Tensor& x) const;

  /// @brief The drop probability p. @return p.
  double p() const { return p_; }

  /// @brief The mask generator (checkpoints save and restore its state).
  /// @return the module's own generator.
  Generator& generator() const { return gen_; }
  /// @brief The mask generator, for checkpoints. @return &generator().
  Generator* own_generator() const override { return &gen_; }

 private:
  double p_;
  mutable Generator gen_;  // advanced by every mask drawn
};

}  // namespace knob::nn
