/// @file
/// @brief ia3::Adapter: IA³ attached to any module tree by name (PEFT's semantics), with
/// freezing, a parameter report, merge and exact unmerge.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "autograd/random.h"
#include "ia3/adapter_config.h"
#include "ia3/model_map.h"
#include "nn/layers/linear.h"
#include "nn/layers/module.h"

namespace knob::ia3 {

/// @brief One Linear layer scaled by an adapter.
///
/// Two mechanisms give the same function:
/// - **built in**: the layer is in ia3/model_map.h's table (the `k_proj` / `v_proj` of an
///   nn::MultiHeadAttention or the `down` of an nn::FeedForward, docs/spec.md's transformer).
///   The model then multiplies by the vectors `l_k`, `l_v`, `l_ff` itself (they are Linear
///   output scales, ia3::add_vectors()), so the adapter's vector *is* that parameter and the
///   layer's weights are never touched.
/// - **folded**: any other Linear. Since \f$ l \odot (W x + b) = (\mathrm{diag}(l) W) x +
///   l \odot b \f$ and \f$ W (l \odot x) = (W \mathrm{diag}(l)) x \f$, the adapter keeps the
///   original \f$ W_0, b_0 \f$ and writes the scaled weights into the layer, so the model's own
///   forward (whatever it is) computes the adapted function. The chain rule back to the vector
///   is done by route_gradients(): for output scaling
///   \f$ \bar l_i = \sum_j \bar W_{ij} (W_0)_{ij} + \bar b_i (b_0)_i \f$, for input scaling
///   \f$ \bar l_j = \sum_i \bar W_{ij} (W_0)_{ij} \f$.
struct AdaptedLayer {
  std::string module_path;  ///< e.g. `blocks.0.attn.k_proj`
  std::string vector_name;  ///< `blocks.0.attn.l_k` (built in) or `<module_path>.ia3_l`
  ScaledSide side = ScaledSide::output;  ///< what the vector multiplies
  bool built_in = false;                 ///< the vector is the model's own l_k / l_v / l_ff
  /// First scaled output row: 0, or the width of one third for a fused [q;k;v] projection
  /// (its q rows stay unscaled).
  std::int64_t first_scaled_row = 0;
  std::shared_ptr<nn::Linear> linear;  ///< the layer
  Tensor vector;                       ///< the trainable vector l (1-D)
  Tensor original_weight;              ///< a bit-exact copy of W taken when attaching
  Tensor original_bias;                ///< a bit-exact copy of b taken when attaching
};

/// @brief Trainable and frozen parameter counts of one module (its own parameters only).
struct ModuleParameterCount {
  std::string path;            ///< dotted module path ("" for the root)
  std::int64_t trainable = 0;  ///< elements that train (IA³ vectors attributed to their layer)
  std::int64_t frozen = 0;     ///< elements that do not
};

/// @brief What an adapter adds to a model: trainable and frozen counts, per module and in total.
struct AdapterReport {
  std::vector<ModuleParameterCount> modules;  ///< per module, in parameter order
  std::int64_t trainable = 0;                 ///< all trainable elements
  std::int64_t frozen = 0;                    ///< all frozen elements
  std::int64_t adapter_bytes = 0;  ///< bytes of the vectors' data (as saved, in their dtype)
  /// @brief trainable / (trainable + frozen).
  /// @return the fraction in [0, 1] (0 for a model without parameters).
  double share() const;
  /// @brief A table: module, trainable, frozen; then totals, bytes and share.
  /// @return the table as multi-line text.
  std::string to_string() const;
};

/// @brief IA³ on a module tree: one vector per selected Linear layer, everything else frozen.
///
/// States: *active* after construction (the model computes base + adapter), *merged*
/// (merge(): the vectors folded into the weights, zero overhead), *inactive* (deactivate():
/// the base model exactly as it was, bit for bit, while the adapter keeps its vectors).
/// \code
/// auto model = std::make_shared<nn::Transformer>(nn::TransformerConfig{}, gen);
/// ia3::Adapter adapter(model, ia3::AdapterConfig::spec_default());
/// nn::AdamW opt(adapter.vectors(), 3e-2, {0.9, 0.999}, 1e-8, 0.0);
/// for (int step = 0; step < 600; ++step) {
///   opt.zero_grad();
///   Tensor loss = adapter.forward_backward([&] { return model->loss(ids, targets); });
///   opt.step();
///   adapter.refresh();   // folded layers see the new vectors
/// }
/// \endcode
class Adapter {
 public:
  /// @brief Attach IA³ to every Linear of `model` that `config` selects and freeze the rest.
  /// @param model the module tree (kept alive by the adapter).
  /// @param config what to scale.
  /// @param gen generator for non-ones initial values (config.init_ones = false); may be null
  ///        when init_ones is true.
  /// @throws ValueError when nothing matches, a selected module is not an nn::Linear, a
  ///         feedforward or fused module is not also a target, a fused projection's output is
  ///         not divisible by 3, or init_ones is false without a generator.
  Adapter(std::shared_ptr<nn::Module> model, AdapterConfig config, Generator* gen = nullptr);

  /// @brief The scaled layers, in module order. @return one AdaptedLayer per scaled layer.
  const std::vector<AdaptedLayer>& layers() const { return layers_; }
  /// @brief The config it was built with. @return the config.
  const AdapterConfig& config() const { return config_; }
  /// @brief The vectors by name (handles sharing the trainable tensors): what an optimizer
  /// trains and what an adapter file holds.
  /// @return (vector name, tensor) pairs, in the order of layers().
  nn::NamedTensors vectors() const;
  /// @brief Copy values into the vectors by name (all must be given, with their sizes), then
  /// refresh(). @param values (name, tensor) pairs; converted to each vector's dtype.
  /// @throws ShapeError listing every missing, unexpected or mis-sized name.
  void load_vectors(const nn::NamedTensors& values);
  /// @brief Set every vector to ones (the identity), then refresh().
  void reset_to_ones();

  /// @brief Rewrite the weights of folded layers from the current vectors. Call after every
  /// change of the vectors (an optimizer step); built-in layers need nothing.
  void refresh();
  /// @brief After backward(): move the gradients of folded layers' weights into their vectors
  /// (the chain rule in the class comment) and clear them. Built-in layers need nothing.
  void route_gradients();
  /// @brief refresh(), `loss = loss_fn()`, backward(loss), route_gradients(); returns the loss.
  /// @param loss_fn computes a scalar loss with the model.
  /// @return the loss.
  Tensor forward_backward(const std::function<Tensor()>& loss_fn);

  /// @brief Fold every vector into its layer's weights and set built-in vectors to ones:
  /// output side \f$ W \leftarrow \mathrm{diag}(l) W,\ b \leftarrow l \odot b \f$, input side
  /// \f$ W \leftarrow W \mathrm{diag}(l) \f$. Does nothing when already merged.
  void merge();
  /// @brief Undo merge() exactly: the saved original weights and vectors are put back (no
  /// division by l, which PEFT does and which is inexact, or impossible where l = 0).
  void unmerge();
  /// @brief Is the adapter merged? @return true between merge() and unmerge().
  bool merged() const { return merged_; }

  /// @brief Make the model the base model again, bit for bit (built-in vectors at ones, folded
  /// layers at their original weights). The vectors keep their values for activate().
  void deactivate();
  /// @brief Undo deactivate().
  void activate();
  /// @brief Is the adapter active (its effect visible in the model's outputs)?
  /// @return false between deactivate() and activate().
  bool active() const { return active_; }

  /// @brief Is every base parameter (all but the vectors) equal, bit for bit, to its value
  /// when the adapter was attached? (Only meaningful while unmerged; folded layers are compared
  /// through their saved originals.)
  /// @return true when nothing of the base has changed.
  bool base_unchanged() const;

  /// @brief Trainable vs frozen parameters per module and in total, adapter bytes and share.
  /// @return the report, counted from the model's parameters now.
  AdapterReport report() const;

 private:
  void fold_layer(const AdaptedLayer& layer, const Tensor& vector) const;

  std::shared_ptr<nn::Module> model_;
  AdapterConfig config_;
  std::vector<AdaptedLayer> layers_;
  nn::NamedTensors base_snapshot_;        // every non-vector parameter at attach time
  std::vector<Tensor> vectors_at_merge_;  // saved by merge(), put back by unmerge()
  std::vector<Tensor> vectors_inactive_;  // saved by deactivate(), put back by activate()
  bool merged_ = false;
  bool active_ = true;
};

/// @brief Trainable vs frozen parameters of any module (no adapter), per module and in total.
/// @param model the module tree.
/// @param adapter_bytes what to report as adapter bytes (e.g. the IA³ vectors' size).
/// @return the report.
AdapterReport parameter_report(const nn::Module& model, std::int64_t adapter_bytes = 0);

}  // namespace knob::ia3
