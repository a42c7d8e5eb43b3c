#include "ia3/trainable.h"

#include <algorithm>

#include <fmt/format.h>

#include "ia3/model_map.h"

namespace knob::ia3 {

Trainable parse_trainable(const std::string& text) {
  if (text == "full") return Trainable::full;
  if (text == "ia3") return Trainable::ia3;
  throw ValueError(fmt::format("trainable: expected 'full' or 'ia3', got '{}'", text));
}

void set_trainable(nn::Transformer& model, Trainable mode, const std::vector<std::string>& kinds) {
  for (const std::string& kind : kinds) {
    if (!is_vector_kind(kind)) {
      throw ValueError(
          fmt::format("trainable: '{}' is not an IA3 vector (l_k, l_v or l_ff)", kind));
    }
  }
  if (mode == Trainable::full) {
    for (auto& [name, t] : model.named_parameters()) t.requires_grad_(!is_vector_name(name));
    return;
  }
  add_vectors(model);
  freeze_all_but_vectors(model);
  if (kinds.empty()) return;
  for (auto& [name, t] : vectors_of(model)) {
    const bool listed = std::find(kinds.begin(), kinds.end(), vector_kind(name)) != kinds.end();
    t.requires_grad_(listed);
  }
}

}  // namespace knob::ia3
