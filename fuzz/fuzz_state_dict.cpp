// Fuzz target: loading weights from a file into a model, the path of model directories and
// IA³ adapters: parse_safetensors(), then Module::load_state_dict() into a tiny Transformer and
// ia3::apply_vectors() into another, then one forward pass with whatever was loaded.
//
// Every knob::Error is an expected outcome; any other exception, crash, sanitizer report, leak
// or oversized allocation is a finding.
#include <cstdint>
#include <memory>
#include <string_view>

#include "autograd/error.h"
#include "autograd/tape.h"
#include "fixtures.h"
#include "ia3/model_map.h"
#include "nn/io/safetensors.h"
#include "nn/train/gradient_reference.h"

namespace {

// The same models for every input (building one per input would dominate the run time).
knob::nn::Transformer& base_model() {
  static const std::shared_ptr<knob::nn::Transformer> model = knob::fuzz::tiny_model(1);
  return *model;
}

knob::nn::Transformer& ia3_model() {
  static const std::shared_ptr<knob::nn::Transformer> model = [] {
    std::shared_ptr<knob::nn::Transformer> m = knob::fuzz::tiny_model(2);
    knob::ia3::add_vectors(*m);
    return m;
  }();
  return *model;
}

// One forward pass on a fixed batch: loaded NaNs or infinities must not crash anything.
void run_forward(const knob::nn::Transformer& model) {
  knob::NoGradGuard no_grad;
  const knob::nn::NamedTensors batch = knob::fuzz::tiny_batch();
  (void)model.loss(batch[0].second, batch[1].second);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  knob::nn::SafetensorsFile file;
  try {
    file = knob::nn::parse_safetensors(bytes, "fuzz/model.safetensors");
  } catch (const knob::Error&) {
    return 0;
  }
  for (const bool strict : {true, false}) {
    try {
      base_model().load_state_dict(file.tensors, strict);
      run_forward(base_model());
    } catch (const knob::Error&) {
    }
  }
  try {
    knob::ia3::apply_vectors(ia3_model(), file.tensors);
    run_forward(ia3_model());
  } catch (const knob::Error&) {
  }
  return 0;
}
