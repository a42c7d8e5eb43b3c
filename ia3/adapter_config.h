/// @file
/// @brief ia3::AdapterConfig: which Linear layers an IA³ adapter scales, chosen by name with
/// PEFT's matching rules, and how (output or input).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}  // namespace re2

namespace knob::ia3 {

/// @brief The longest pattern (ModuleSelector::regex) accepted: PEFT's patterns are a few dozen
/// characters; a longer one is refused rather than compiled.
inline constexpr std::size_t kMaxPatternBytes = 4096;

/// @brief A set of module paths described by names or by a regular expression (PEFT's rules).
///
/// With `names`, a module path matches when it equals a name or ends with "." + name, so
/// `k_proj` selects `blocks.0.attn.k_proj` and `blocks.1.attn.k_proj`, and `ffn.down` selects
/// `blocks.0.ffn.down` (but `down` alone also selects any other module called `down`). With
/// `regex` (non-empty), a path matches when the whole path matches the expression, as PEFT does
/// with Python's `re.fullmatch` when `target_modules` is a string. Both may be given: either
/// matches.
///
/// Patterns come from files anyone can write, so they are matched with RE2, whose time is
/// linear in the path's length for every pattern (a backtracking engine takes exponential time
/// on `(a|aa)*c`, and recurses once per nested group). RE2 understands Python's syntax except
/// for what needs backtracking: backreferences (`\1`) and lookaround (`(?=...)`); a pattern using
/// those, longer than kMaxPatternBytes or invalid is refused with an error naming it.
struct ModuleSelector {
  std::vector<std::string> names;  ///< exact paths or path suffixes
  std::string regex;               ///< a full-match regular expression ("" for none)

  /// @brief Does `path` match? (Compiles the pattern on each call: to match many paths, use a
  /// SelectorMatcher.)
  /// @param path a dotted module path such as `blocks.0.attn.k_proj`.
  /// @return true when one of the names or the regex matches.
  /// @throws ValueError when the pattern cannot be used (see check_pattern()).
  bool matches(const std::string& path) const;
  /// @brief Whether the selector is empty. @return true when neither names nor a regex are given.
  bool empty() const { return names.empty() && regex.empty(); }
};

/// @brief Check that a pattern can be used by a ModuleSelector.
/// @param pattern the regular expression.
/// @throws ValueError naming the pattern (cut to an excerpt) and the reason: longer than
///         kMaxPatternBytes, a syntax error, a feature RE2 does not have (backreferences,
///         lookaround), or a compiled program larger than RE2's memory budget (nested counted
///         repetitions such as `((a{1000}){1000}){1000}`).
void check_pattern(const std::string& pattern);

/// @brief A ModuleSelector made ready to match many paths: the names in a search tree, the
/// pattern compiled once. Matching a path costs O(components · log names + length).
class SelectorMatcher {
 public:
  /// @brief Prepare `selector`.
  /// @param selector the names and pattern.
  /// @throws ValueError when the pattern cannot be used (see check_pattern()).
  explicit SelectorMatcher(const ModuleSelector& selector);
  /// @brief Does `path` match? @param path a dotted module path. @return as
  /// ModuleSelector::matches().
  bool matches(std::string_view path) const;

 private:
  std::set<std::string, std::less<>> names_;
  std::shared_ptr<const re2::RE2> pattern_;  // null when the selector has no pattern
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
