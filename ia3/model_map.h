/// @file
/// @brief Where IA³'s vectors live in nn's modules: the one place in knob that knows nn's layer
/// classes and the names docs/spec.md gives IA³'s vectors.
///
/// nn knows nothing of IA³. Its Linear has an optional per-feature output scale
/// (nn::Linear::set_output_scale()) and any module can be given a parameter after construction
/// (nn::Module::attach_parameter()). IA³ on docs/spec.md's transformer is those two things put
/// together, as this table says (i = block index, C = d_model, F = d_ff):
///
/// | vector                    | parameter of      | output scale of          | PEFT scales     |
/// |---------------------------|-------------------|--------------------------|-----------------|
/// | `blocks.{i}.attn.l_k` [C] | `blocks.{i}.attn` | `blocks.{i}.attn.k_proj` | k_proj's output |
/// | `blocks.{i}.attn.l_v` [C] | `blocks.{i}.attn` | `blocks.{i}.attn.v_proj` | v_proj's output |
/// | `blocks.{i}.ffn.l_ff` [F] | `blocks.{i}.ffn`  | `blocks.{i}.ffn.up` (1)  | down's input    |
///
/// (1) after the activation.
///
/// The last row is the same product seen from two layers: \f$ (\mathrm{act}(x W_{up}^\top +
/// b_{up}) \odot l_{ff}) W_{down}^\top \f$ scales up's activated output, which is down's input.
/// A vector of any other layer (an ia3::Adapter on a model that is not docs/spec.md's) is named
/// `<module path>.ia3_l`, PEFT's name.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "nn/layers/attention.h"
#include "nn/layers/feed_forward.h"
#include "nn/layers/linear.h"
#include "nn/layers/module.h"
#include "nn/layers/transformer.h"

namespace knob::ia3 {

/// @brief Which side of a Linear layer an IA³ vector scales.
enum class ScaledSide {
  output,  ///< \f$ y = l \odot (W x + b) \f$: l has out_features entries
  input,   ///< \f$ y = W (l \odot x) + b \f$: l has in_features entries (feedforward modules)
};

// ------------------------------------------------------------------ the vectors of a model ----

/// @brief Give an attention layer the vectors `l_k` and `l_v` [C] (ones, the weights' dtype) as
/// parameters and make them the output scales of `k_proj` and `v_proj`. At ones the layer
/// computes exactly what it did before. Does nothing when it has them already.
/// @param attn the layer.
void add_vectors(nn::MultiHeadAttention& attn);
/// @brief Give a feed-forward layer the vector `l_ff` [F] (ones) as a parameter and make it the
/// output scale of `up` (applied after the activation). Does nothing when it has it already.
/// @param ffn the layer.
void add_vectors(nn::FeedForward& ffn);
/// @brief add_vectors() on every block: `blocks.{i}.attn.l_k`, `.l_v` [C], `blocks.{i}.ffn.l_ff`
/// [F], all ones, so the logits do not change. Idempotent.
/// @param model the model.
void add_vectors(nn::Transformer& model);

/// @brief Does the layer have its IA³ vectors? @param attn the layer. @return true after
/// add_vectors().
bool has_vectors(const nn::MultiHeadAttention& attn);
/// @brief Does every block of the model have its IA³ vectors?
/// @param model the model. @return true after add_vectors() (false for a model without blocks).
bool has_vectors(const nn::Transformer& model);

/// @brief The key scale \f$ l_k \f$ [C]. @param attn the layer.
/// @return the `l_k` parameter, or an undefined tensor before add_vectors().
const Tensor& l_k(const nn::MultiHeadAttention& attn);
/// @brief The value scale \f$ l_v \f$ [C]. @param attn the layer.
/// @return the `l_v` parameter, or an undefined tensor before add_vectors().
const Tensor& l_v(const nn::MultiHeadAttention& attn);
/// @brief The hidden scale \f$ l_{ff} \f$ [F]. @param ffn the layer.
/// @return the `l_ff` parameter, or an undefined tensor before add_vectors().
const Tensor& l_ff(const nn::FeedForward& ffn);

/// @brief Which of the table's vectors a parameter name is.
/// @param name a dotted parameter name (`blocks.0.attn.l_k`).
/// @return "l_k", "l_v" or "l_ff", or an empty view for any other name.
std::string_view vector_kind(const std::string& name);

/// @brief Is `kind` the short name of one of the table's vectors ("l_k", "l_v", "l_ff")?
/// @param kind the name to test. @return true for one of the three.
bool is_vector_kind(std::string_view kind);

/// @brief How many entries a vector of the table has in a model of this config.
/// @param name a vector name. @param config the model's sizes.
/// @return d_model for l_k and l_v, d_ff for l_ff; nothing for a name outside the table.
std::optional<std::int64_t> vector_size(const std::string& name,
                                        const nn::TransformerConfig& config);

/// @brief Is this parameter name one of the IA³ vectors of the table (a name ending in `.l_k`,
/// `.l_v` or `.l_ff`)? @param name a dotted parameter name. @return true for a vector's name.
bool is_vector_name(const std::string& name);

/// @brief The model's IA³ vectors by name, in named_parameters() order (empty before
/// add_vectors()). @param model the model. @return (name, handle) pairs.
nn::NamedTensors vectors_of(const nn::Transformer& model);

/// @brief Freeze every parameter except the IA³ vectors, which are made trainable.
/// @param model the model.
/// @throws ValueError when the model has no vectors (call add_vectors() first).
void freeze_all_but_vectors(nn::Transformer& model);

/// @brief Copy values into the model's vectors by name, adding the vectors first when needed.
/// Every vector of the model must be given, with its shape; nothing is copied otherwise.
/// @param model the model.
/// @param values (name, tensor) pairs, converted to the model's dtype.
/// @throws ShapeError listing every missing, unexpected or mis-shaped name.
void apply_vectors(nn::Transformer& model, const nn::NamedTensors& values);

// ------------------------------------------------------- any module tree (ia3::Adapter) ----

/// @brief A module as a Linear layer (the only layers IA³ scales).
/// @param module any module. @return the same module as an nn::Linear, or null when it is not.
std::shared_ptr<nn::Linear> as_linear(const std::shared_ptr<nn::Module>& module);

/// @brief A vector the model already multiplies by: a row of the table.
struct BuiltInVector {
  std::string name;  ///< e.g. `blocks.0.attn.l_k`
  Tensor vector;     ///< the parameter (a handle)
};

/// @brief When scaling the Linear at `linear_path` on `side` is a row of the table (the layer is
/// the `k_proj`/`v_proj` of an nn::MultiHeadAttention scaled on its output, or the `down` of an
/// nn::FeedForward scaled on its input), add that module's vectors (add_vectors()) and return
/// the one for this layer.
/// @param model the module tree. @param linear_path the layer's dotted path.
/// @param side the side an adapter scales.
/// @return the vector and its name, or nothing when the layer is not in the table.
std::optional<BuiltInVector> built_in_vector(nn::Module& model, const std::string& linear_path,
                                             ScaledSide side);

/// @brief The module a vector scales (PEFT's view): `blocks.0.attn.l_k` → `blocks.0.attn.k_proj`,
/// `…l_v` → `…v_proj`, `…ffn.l_ff` → `…ffn.down`, `<path>.ia3_l` → `<path>`.
/// @param vector_name a vector name.
/// @return the module path.
/// @throws ValueError for a name of none of these forms.
std::string module_path_of(const std::string& vector_name);

/// @brief The inverse of module_path_of(): the table's name where the layer has one (`k_proj`
/// under `attn` with output scaling, `v_proj` likewise, `down` under `ffn` with input scaling),
/// otherwise `<path>.ia3_l`.
/// @param module_path the dotted module path.
/// @param feedforward whether the module scales its input.
/// @return the vector name.
std::string vector_name_of(const std::string& module_path, bool feedforward);

/// @brief PEFT's suffix for a vector of a module outside the table: `<module path>.ia3_l`.
inline constexpr const char* kPeftVectorSuffix = ".ia3_l";

}  // namespace knob::ia3
