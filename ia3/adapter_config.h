/// @file
/// @brief ia3::AdapterConfig: which Linear layers an IA³ adapter scales, chosen by name with
/// PEFT's matching rules, and how (output or input).
#pragma once

#include <string>
#include <vector>

namespace knob::ia3 {

/// @brief A set of module paths described by names or by a regular expression (PEFT's rules).
///
/// With `names`, a module path matches when it equals a name or ends with "." + name, so
/// `k_proj` selects `blocks.0.attn.k_proj` and `blocks.1.attn.k_proj`, and `ffn.down` selects
/// `blocks.0.ffn.down` (but `down` alone also selects any other module called `down`). With
/// `regex` (non-empty), a path matches when the whole path matches the ECMAScript expression,
/// as PEFT does when `target_modules` is a string. Both may be given: either matches.
struct ModuleSelector {
  std::vector<std::string> names;  ///< exact paths or path suffixes
  std::string regex;               ///< a full-match regular expression ("" for none)

  /// @brief Does `path` match?
  /// @param path a dotted module path such as `blocks.0.attn.k_proj`.
  /// @return true when one of the names or the regex matches.
  /// @throws ValueError when the regex does not compile (naming it).
  bool matches(const std::string& path) const;
  /// @brief Whether the selector is empty. @return true when neither names nor a regex are given.
  bool empty() const { return names.empty() && regex.empty(); }
};

/// @brief What an IA³ adapter scales.
///
/// Every Linear layer selected by `target_modules` gets one vector \f$ l \f$:
/// - a plain target scales its **output**: \f$ y = l \odot (W x + b) \f$, \f$ l \f$ of size
///   out_features (this is how IA³ rescales keys and values);
/// - a target also selected by `feedforward_modules` scales its **input**:
///   \f$ y = W (l \odot x) + b \f$, \f$ l \f$ of size in_features (on a transformer's down
///   projection this is exactly the scaling of the FFN's hidden activation, \f$ l_{ff} \f$);
/// - a target also selected by `fused_qkv_modules` is a fused [q; k; v] projection
///   (out_features = 3 × width): only its K and V thirds are scaled, by a vector of size
///   2 × width (PEFT cannot express this; the paper's method needs it for such models).
/// Everything else in the model is frozen.
struct AdapterConfig {
  ModuleSelector target_modules;       ///< the Linear layers that get a vector
  ModuleSelector feedforward_modules;  ///< among them: those that scale their input
  ModuleSelector fused_qkv_modules;    ///< among them: fused q,k,v projections (K, V scaled)
  /// Start every vector at ones, so that the adapted model computes exactly the base model's
  /// outputs (PEFT's `init_ia3_weights=True`). False draws them from N(1, 0.02²) instead
  /// (useful in tests, where ones hide mistakes).
  bool init_ones = true;

  /// @brief docs/spec.md's default for the reference transformer: `k_proj`, `v_proj` and
  /// `ffn.down` (feedforward), which gives exactly the vectors `blocks.{i}.attn.l_k`,
  /// `blocks.{i}.attn.l_v` and `blocks.{i}.ffn.l_ff`.
  /// @return the config.
  static AdapterConfig spec_default();
};

}  // namespace knob::ia3
