/// @file
/// @brief nn::TransformerConfig: the sizes of the reference transformer, and its `config.json`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "nn/activation.h"

namespace knob::nn {

/// @brief The hyper-parameters of the decoder-only transformer of SPEC.md §1.
///
/// The defaults are SPEC.md's tiny reference configuration. The JSON form (a model
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
  double dropout = 0.0;                      ///< dropout probability in [0, 1) (0 in SPEC.md)

  /// @brief Head size D = d_model / n_heads.
  /// @return d_model / n_heads (meaningful only for a valid config).
  std::int64_t head_dim() const { return n_heads > 0 ? d_model / n_heads : 0; }

  /// @brief Every problem with the values, one sentence each (empty when valid).
  /// @return e.g. {"d_model (36) must be divisible by n_heads (5)"}.
  std::vector<std::string> problems() const;

  /// @brief Check the values: positive sizes, d_model divisible by n_heads, layer_norm_eps > 0,
  /// dropout in [0, 1).
  /// @throws ValueError listing every bad value, one per line.
  void validate() const;

  /// @brief The config as JSON text with SPEC.md's keys (pretty-printed, ending in a newline).
  /// @return the text of a `config.json`.
  std::string to_json() const;

  /// @brief Parse and validate a config from JSON text.
  /// @param text the JSON object.
  /// @param source a name for error messages (normally the file path).
  /// @return the config.
  /// @throws ValueError naming `source` for malformed JSON, or listing at once every missing
  ///         key, unknown key, value of the wrong type, unknown activation and invalid value.
  static TransformerConfig from_json(std::string_view text,
                                     std::string_view source = "config.json");

  /// @brief Read, parse and validate a `config.json` file.
  /// @param path the file.
  /// @return the config.
  /// @throws ValueError naming the file when it cannot be read or is invalid (see from_json()).
  static TransformerConfig load(const std::filesystem::path& path);

  /// @brief Field-by-field equality.
  bool operator==(const TransformerConfig&) const = default;
};

}  // namespace knob::nn
