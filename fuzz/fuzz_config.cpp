// Fuzz target: the config.json reader, nn::TransformerConfig::from_json().
//
// Any input must either give a valid config or throw knob::Error; anything else is a finding.
// An accepted config must pass validate() and survive a round trip through to_json().
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "autograd/error.h"
#include "nn/layers/transformer_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  knob::nn::TransformerConfig config;
  try {
    config = knob::nn::TransformerConfig::from_json(text, "fuzz/config.json");
  } catch (const knob::Error&) {
    return 0;  // rejected with a knob error: expected
  }
  config.validate();  // from_json promised a valid config: a throw here escapes as a finding
  const knob::nn::TransformerConfig again =
      knob::nn::TransformerConfig::from_json(config.to_json(), "round-trip");
  if (!(again == config)) {
    std::fprintf(stderr, "fuzz_config: the config changed in a to_json/from_json round trip\n");
    std::abort();
  }
  return 0;
}
