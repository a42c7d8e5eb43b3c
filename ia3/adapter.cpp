#include "ia3/adapter.h"

#include <cstring>
#include <map>

#include <fmt/format.h>

#include "autograd/ops.h"
#include "autograd/tape.h"
#include "nn/base/excerpt.h"

namespace knob::ia3 {

namespace {

std::string parent_of(const std::string& path) {
  const auto dot = path.rfind('.');
  return dot == std::string::npos ? "" : path.substr(0, dot);
}

bool bit_equal(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  const std::size_t element = dtype_size(a.dtype());
  const std::size_t bytes = static_cast<std::size_t>(a.numel()) * element;
  const char* pa = static_cast<const char*>(a.impl()->storage->data()) + a.impl()->offset * element;
  const char* pb = static_cast<const char*>(b.impl()->storage->data()) + b.impl()->offset * element;
  return bytes == 0 || std::memcmp(pa, pb, bytes) == 0;
}

// Copy `value` into the leaf `target` (keeping its requires_grad flag).
void assign(Tensor target, const Tensor& value) {
  const bool trainable = target.requires_grad();
  target.set_data(value.dtype() == target.dtype() ? value : value.to(target.dtype()));
  target.requires_grad_(trainable);
}

// The full per-row scale of an output-scaled layer: ones for unscaled rows (a fused projection's
// q rows), then l.  [out]
Tensor full_row_scale(const AdaptedLayer& layer, const Tensor& vector) {
  if (layer.first_scaled_row == 0) return vector;
  return concat({ones({layer.first_scaled_row}, vector.dtype()), vector}, 0);
}

}  // namespace

// ------------------------------------------------------------------------------ report ----

double AdapterReport::share() const {
  const std::int64_t total = trainable + frozen;
  return total > 0 ? static_cast<double>(trainable) / static_cast<double>(total) : 0.0;
}

std::string AdapterReport::to_string() const {
  std::size_t width = 6;
  for (const auto& m : modules) width = std::max(width, m.path.size());
  std::string out = fmt::format("{:<{}}  {:>10}  {:>10}\n", "module", width, "trainable", "frozen");
  for (const auto& m : modules) {
    out += fmt::format("{:<{}}  {:>10}  {:>10}\n", m.path.empty() ? "(root)" : m.path, width,
                       m.trainable, m.frozen);
  }
  out += fmt::format("{:<{}}  {:>10}  {:>10}\n", "total", width, trainable, frozen);
  out += fmt::format("adapter: {} bytes; trainable share {:.4f}% of {} parameters\n", adapter_bytes,
                     100.0 * share(), trainable + frozen);
  return out;
}

AdapterReport parameter_report(const nn::Module& model, std::int64_t adapter_bytes) {
  AdapterReport report;
  report.adapter_bytes = adapter_bytes;
  std::map<std::string, std::size_t> index;  // module path → position in report.modules
  for (const auto& [name, t] : model.named_parameters()) {
    const std::string path = parent_of(name);
    auto it = index.find(path);
    if (it == index.end()) {
      it = index.emplace(path, report.modules.size()).first;
      report.modules.push_back({path, 0, 0});
    }
    auto& entry = report.modules[it->second];
    (t.requires_grad() ? entry.trainable : entry.frozen) += t.numel();
    (t.requires_grad() ? report.trainable : report.frozen) += t.numel();
  }
  return report;
}

// ------------------------------------------------------------------------------ attach ----

Adapter::Adapter(std::shared_ptr<nn::Module> model, AdapterConfig config, Generator* gen)
    : model_(std::move(model)), config_(std::move(config)) {
  if (!model_) throw ValueError("IA3 adapter: the model is null");
  if (!config_.init_ones && gen == nullptr) {
    throw ValueError("IA3 adapter: init_ones = false needs a generator for the initial values");
  }
  NoGradGuard no_grad;
  const SelectorMatcher targets(config_.target_modules);
  const SelectorMatcher feedforward(config_.feedforward_modules);
  const SelectorMatcher fused_qkv(config_.fused_qkv_modules);
  std::vector<std::string> problems;
  for (auto& [path, module] : model_->named_modules()) {
    if (path.empty() || !targets.matches(path)) continue;
    const std::shared_ptr<nn::Linear> linear = as_linear(module);
    if (!linear) {
      problems.push_back(fmt::format("'{}' is a {}, not a Linear", path, module->type_name()));
      continue;
    }
    AdaptedLayer layer;
    layer.module_path = path;
    layer.linear = linear;
    layer.side = feedforward.matches(path) ? ScaledSide::input : ScaledSide::output;
    const bool fused = fused_qkv.matches(path);
    if (fused && (layer.side == ScaledSide::input || linear->out_features() % 3 != 0)) {
      problems.push_back(fmt::format(
          "'{}' is a fused q,k,v projection: it must scale its output and have out_features "
          "divisible by 3 (it has {})",
          path, linear->out_features()));
      continue;
    }
    layer.first_scaled_row = fused ? linear->out_features() / 3 : 0;
    layer.original_weight = linear->weight().clone();
    layer.original_bias = linear->bias().clone();

    // Built in: docs/spec.md's attention and feed-forward multiply by l_k, l_v, l_ff themselves.
    std::optional<BuiltInVector> built_in =
        fused ? std::nullopt : built_in_vector(*model_, path, layer.side);
    if (built_in) {
      layer.built_in = true;
      layer.vector = built_in->vector;
      layer.vector_name = built_in->name;
    } else {
      const std::int64_t size = layer.side == ScaledSide::input
                                    ? linear->in_features()
                                    : linear->out_features() - layer.first_scaled_row;
      layer.vector = ones({size}, linear->weight().dtype());
      layer.vector_name = path + kPeftVectorSuffix;
    }
    layers_.push_back(std::move(layer));
  }
  // Feedforward / fused names must select targets (PEFT's rule: they are subsets).
  for (auto& [path, module] : model_->named_modules()) {
    if (path.empty() || targets.matches(path)) continue;
    if (feedforward.matches(path) || fused_qkv.matches(path)) {
      problems.push_back(
          fmt::format("'{}' is selected as feedforward or fused but not as a target", path));
    }
  }
  if (layers_.empty() && problems.empty()) {
    problems.push_back("no module matches target_modules");
  }
  if (!problems.empty()) {
    throw ValueError(fmt::format("IA3 adapter on {}: {}", model_->type_name(),
                                 nn::bounded_list(problems, "; ")));
  }

  // Initial values, then: everything frozen except the vectors.
  for (AdaptedLayer& layer : layers_) {
    Tensor start = ones(layer.vector.shape(), layer.vector.dtype());
    if (!config_.init_ones) {
      start = add_scalar(mul_scalar(randn(layer.vector.shape(), *gen, layer.vector.dtype()), 0.02),
                         1.0);
    }
    assign(layer.vector, start);
  }
  model_->requires_grad(false);
  for (AdaptedLayer& layer : layers_) layer.vector.requires_grad_(true);
  for (const auto& [name, t] : model_->named_parameters()) {
    if (!t.requires_grad()) base_snapshot_.emplace_back(name, t.clone());
  }
  refresh();
}

nn::NamedTensors Adapter::vectors() const {
  nn::NamedTensors out;
  for (const AdaptedLayer& layer : layers_) out.emplace_back(layer.vector_name, layer.vector);
  return out;
}

void Adapter::load_vectors(const nn::NamedTensors& values) {
  if (const std::string problems =
          nn::state_dict_problems(nn::shapes_of(vectors()), nn::shapes_of(values), /*strict=*/true);
      !problems.empty()) {
    throw ShapeError(fmt::format("IA3 adapter: cannot load vectors: {}", problems));
  }
  const std::map<std::string, Tensor> given(values.begin(), values.end());
  NoGradGuard no_grad;
  for (AdaptedLayer& layer : layers_) assign(layer.vector, given.at(layer.vector_name));
  refresh();
}

void Adapter::reset_to_ones() {
  NoGradGuard no_grad;
  for (AdaptedLayer& layer : layers_) assign(layer.vector, ones_like(layer.vector));
  refresh();
}

// ------------------------------------------------------------------ folding and training ----

void Adapter::fold_layer(const AdaptedLayer& layer, const Tensor& vector) const {
  NoGradGuard no_grad;
  const Tensor& W0 = layer.original_weight;  // [out, in]
  const Tensor& b0 = layer.original_bias;    // [out]
  if (layer.side == ScaledSide::output) {
    const Tensor scale = full_row_scale(layer, vector);                // [out]
    assign(layer.linear->weight(), mul(W0, reshape(scale, {-1, 1})));  // diag(l) W0: rows
    assign(layer.linear->bias(), mul(b0, scale));                      // l ⊙ b0
  } else {
    assign(layer.linear->weight(), mul(W0, reshape(vector, {1, -1})));  // W0 diag(l): columns
    assign(layer.linear->bias(), b0);
  }
}

void Adapter::refresh() {
  if (!active_ || merged_) return;  // inactive: base weights; merged: folded already
  for (const AdaptedLayer& layer : layers_) {
    if (!layer.built_in) fold_layer(layer, layer.vector);
  }
}

void Adapter::route_gradients() {
  NoGradGuard no_grad;
  for (AdaptedLayer& layer : layers_) {
    if (layer.built_in) continue;
    Tensor weight = layer.linear->weight();
    Tensor bias = layer.linear->bias();
    if (weight.has_grad()) {
      const Tensor& W0 = layer.original_weight;
      Tensor g;
      if (layer.side == ScaledSide::output) {
        g = sum(mul(weight.grad(), W0), {1});  // Σ_j Ḡ_ij W0_ij: [out]
        if (bias.has_grad()) g = add(g, mul(bias.grad(), layer.original_bias));  // + ḡ_i b0_i
        if (layer.first_scaled_row > 0) {
          g = slice(g, 0, layer.first_scaled_row, g.size(0) - layer.first_scaled_row);
        }
      } else {
        g = sum(mul(weight.grad(), W0), {0});  // Σ_i Ḡ_ij W0_ij: [in]
      }
      layer.vector.set_grad(layer.vector.has_grad() ? add(layer.vector.grad(), g) : g);
    }
    weight.set_grad(Tensor());
    bias.set_grad(Tensor());
    weight.requires_grad_(false);
    bias.requires_grad_(false);
  }
}

Tensor Adapter::forward_backward(const std::function<Tensor()>& loss_fn) {
  refresh();
  // Folded layers need the gradient of their (frozen) weights for the chain rule.
  for (AdaptedLayer& layer : layers_) {
    if (layer.built_in || !active_ || merged_) continue;
    Tensor weight = layer.linear->weight();
    Tensor bias = layer.linear->bias();
    weight.requires_grad_(true);
    bias.requires_grad_(true);
  }
  Tensor loss = loss_fn();
  backward(loss);
  route_gradients();
  return loss;
}

// -------------------------------------------------------------------- merge and unmerge ----

void Adapter::merge() {
  if (merged_ || !active_) return;
  NoGradGuard no_grad;
  vectors_at_merge_.clear();
  for (AdaptedLayer& layer : layers_) {
    vectors_at_merge_.push_back(layer.vector.clone());
    if (layer.built_in) {
      fold_layer(layer, layer.vector);                // the weights take l ...
      assign(layer.vector, ones_like(layer.vector));  // ... and the model's l becomes 1
    }                                                 // folded layers already hold diag(l) W0
  }
  merged_ = true;
}

void Adapter::unmerge() {
  if (!merged_) return;
  NoGradGuard no_grad;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    AdaptedLayer& layer = layers_[i];
    assign(layer.vector, vectors_at_merge_[i]);
    if (layer.built_in) {
      assign(layer.linear->weight(), layer.original_weight);  // exact: the saved originals
      assign(layer.linear->bias(), layer.original_bias);
    }
  }
  vectors_at_merge_.clear();
  merged_ = false;
  refresh();
}

void Adapter::deactivate() {
  if (!active_) return;
  unmerge();
  NoGradGuard no_grad;
  vectors_inactive_.clear();
  for (AdaptedLayer& layer : layers_) {
    vectors_inactive_.push_back(layer.vector.clone());
    if (layer.built_in) {
      assign(layer.vector, ones_like(layer.vector));  // l = 1: multiplying by 1.0f is exact
    } else {
      assign(layer.linear->weight(), layer.original_weight);
      assign(layer.linear->bias(), layer.original_bias);
    }
  }
  active_ = false;
}

void Adapter::activate() {
  if (active_) return;
  NoGradGuard no_grad;
  for (std::size_t i = 0; i < layers_.size(); ++i) assign(layers_[i].vector, vectors_inactive_[i]);
  vectors_inactive_.clear();
  active_ = true;
  refresh();
}

bool Adapter::base_unchanged() const {
  std::map<std::string, Tensor> now;
  for (const auto& [name, t] : model_->named_parameters()) now[name] = t;
  for (const auto& [name, before] : base_snapshot_) {
    const Tensor* current = &now.at(name);
    for (const AdaptedLayer& layer : layers_) {
      // A folded layer's weights hold diag(l) W0 by design: compare its saved originals.
      if (layer.built_in) continue;
      if (name == layer.module_path + ".weight") current = &layer.original_weight;
      if (name == layer.module_path + ".bias") current = &layer.original_bias;
    }
    if (!bit_equal(*current, before)) return false;
  }
  return true;
}

AdapterReport Adapter::report() const {
  std::int64_t bytes = 0;
  for (const AdaptedLayer& layer : layers_) {
    bytes += layer.vector.numel() * static_cast<std::int64_t>(dtype_size(layer.vector.dtype()));
  }
  AdapterReport report = parameter_report(*model_, bytes);
  // Folded layers' vectors are not parameters of the model: add them to their layer's line.
  for (const AdaptedLayer& layer : layers_) {
    if (layer.built_in) continue;
    bool found = false;
    for (auto& m : report.modules) {
      if (m.path == layer.module_path) {
        m.trainable += layer.vector.numel();
        found = true;
      }
    }
    if (!found) report.modules.push_back({layer.module_path, layer.vector.numel(), 0});
    report.trainable += layer.vector.numel();
  }
  return report;
}

}  // namespace knob::ia3
