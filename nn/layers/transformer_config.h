/// @file
/// @brief nn::TransformerConfig: the sizes of the reference transformer, and its `config.json`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "autograd/shape.h"
#include "nn/layers/activation.h"

namespace knob::nn {

/// @brief The hyper-parameters of the decoder-only transformer of docs/spec.md §1.
///
/// The defaults are docs/spec.md's tiny reference configuration. The JSON form (a model
/// directory's `config.json`) uses exactly these keys:
/// \code{.json}
/// {"vocab_size": 32, "d_model": 64, "n_heads": 4, "n_layers": 2, "d_ff": 256,
///  "max_seq_len": 32, "activation": "gelu", "layer_norm_eps": 1e-5}
/// \endcode
/// plus `"dropout"`, which is optional on reading (default 0) and written only when nonzero.
/// \code
/// TransformerConfig config = TransformerConfig::from_json(text, "model/config.json");
/// config.validate();               // from_json already did; after hand edits, call it again
/// std::string text2 = config.to_json();
/// \endcode
struct TransformerConfig {
  std::int64_t vocab_size = 32;              ///< V: number of token ids
  std::int64_t d_model = 64;                 ///< C: model width
  std::int64_t n_heads = 4;                  ///< H: attention heads (must divide d_model)
  std::int64_t n_layers = 2;                 ///< number of transformer blocks
  std::int64_t d_ff = 256;                   ///< F: feed-forward hidden width
  std::int64_t max_seq_len = 32;             ///< longest sequence T (rows of pos_emb)
  Activation activation = Activation::gelu;  ///< feed-forward non-linearity
  double layer_norm_eps = 1e-5;              ///< \f$ \epsilon \f$ of every LayerNorm
  double dropout = 0.0;                      ///< dropout probability in [0, 1) (0 in docs/spec.md)

  /// @brief Head size D = d_model / n_heads.
  /// @return d_model / n_heads (meaningful only for a valid config).
  std::int64_t head_dim() const { return n_heads > 0 ? d_model / n_heads : 0; }

  /// @brief The largest value knob accepts for vocab_size, d_model, d_ff and max_seq_len
  /// (2^24). Larger sizes are almost certainly a typo in a config file; the bound also keeps
  /// every size product below 2^63.
  static constexpr std::int64_t kMaxSize = std::int64_t{1} << 24;
  /// @brief The largest n_layers knob accepts.
  static constexpr std::int64_t kMaxLayers = 4096;
  /// @brief The largest model knob builds: 2^32 parameters (16 GiB of f32). A config asking
  /// for more is reported, never allocated.
  static constexpr std::int64_t kMaxParameters = std::int64_t{1} << 32;

  /// @brief The name and shape of every parameter of the model this config describes, in the
  /// order and with the names of docs/spec.md §2 (the base model: no parameter attached later):
  /// `tok_emb.weight` [V,C], `pos_emb.weight` [T_max,C], per block i `blocks.i.ln1.{weight,bias}`
  /// [C], `blocks.i.attn.{q,k,v,out}_proj.weight` [C,C] and `.bias` [C],
  /// `blocks.i.ln2.{weight,bias}` [C], `blocks.i.ffn.up.weight` [F,C], `.bias` [F],
  /// `blocks.i.ffn.down.weight` [C,F], `.bias` [C]; then `ln_f.{weight,bias}` [C],
  /// `head.weight` [V,C], `head.bias` [V].
  ///
  /// Computed from the sizes alone, so a loader can check a weight file against a config
  /// before allocating anything; tests check it against a built nn::Transformer.
  /// @return (name, shape) pairs.
  std::vector<std::pair<std::string, Shape>> parameter_shapes() const;

  /// @brief Number of parameters: \f$ 2VC + T_{max}C + 2C + V
  ///   + L\,(4C^2 + 2CF + 9C + F) \f$ (embeddings, ln_f, head, and per block four C×C
  /// projections with biases, two LayerNorms and the FFN).
  /// @return the count (meaningful for a valid config).
  std::int64_t parameter_count() const;

  /// @brief Every problem with the values, one sentence each (empty when valid).
  /// @return e.g. {"d_model (36) must be divisible by n_heads (5)"}.
  std::vector<std::string> problems() const;

  /// @brief Check the values: positive sizes no larger than kMaxSize (n_layers no larger than
  /// kMaxLayers), at most kMaxParameters parameters, d_model divisible by n_heads,
  /// layer_norm_eps > 0, dropout in [0, 1).
  /// @throws ValueError listing every bad value, one per line.
  void validate() const;

  /// @brief The config as JSON text with docs/spec.md's keys (pretty-printed, ending in a newline).
  /// @return the text of a `config.json`.
  std::string to_json() const;

  /// @brief Parse and validate a config from JSON text.
  /// @param text the JSON object.
  /// @param source a name for error messages (normally the file path).
  /// @return the config.
  /// @throws ValueError naming `source` for malformed JSON (nesting deeper than kMaxJsonDepth
  ///         and repeated keys included, see json_input.h), or listing at once every missing
  ///         key, unknown key (the first five), value of the wrong type, unknown activation and
  ///         invalid value; values from the file are quoted cut to a short excerpt.
  static TransformerConfig from_json(std::string_view text,
                                     std::string_view source = "config.json");

  /// @brief Read, parse and validate a `config.json` file.
  /// @param path the file.
  /// @return the config.
  /// @throws ValueError naming the file when it cannot be read, is larger than 1 MiB (a
  ///         config is a few hundred bytes) or is invalid (see from_json()).
  static TransformerConfig load(const std::filesystem::path& path);

  /// @brief Field-by-field equality. @return true when every field is equal.
  bool operator==(const TransformerConfig&) const = default;
};

}  // namespace knob::nn
