// Fuzz target: the safetensors reader, nn::parse_safetensors().
//
// Any input must either parse or throw knob::Error (FileError); anything else (another
// exception, a crash, a sanitizer report, a leak, an allocation beyond -malloc_limit_mb) is a
// finding. A file that parses must also survive a round trip: writing its tensors and metadata
// and reading them back gives the same names, dtypes, shapes, bytes and metadata.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "autograd/error.h"
#include "nn/io/safetensors.h"

namespace {

std::size_t byte_size(const knob::Tensor& t) {
  return static_cast<std::size_t>(t.numel()) * knob::dtype_size(t.dtype());
}

const void* raw_bytes(const knob::Tensor& t) {
  switch (t.dtype()) {
    case knob::DType::f32:
      return t.data<float>();
    case knob::DType::f64:
      return t.data<double>();
    default:
      return t.data<std::int64_t>();
  }
}

bool same_tensor(const knob::Tensor& a, const knob::Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  return byte_size(a) == 0 || std::memcmp(raw_bytes(a), raw_bytes(b), byte_size(a)) == 0;
}

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "fuzz_safetensors: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  knob::nn::SafetensorsFile file;
  try {
    file = knob::nn::parse_safetensors(bytes, "fuzz.safetensors");
  } catch (const knob::Error&) {
    return 0;  // rejected with a knob error: the expected outcome for most inputs
  }
  // It parsed: the round trip must succeed and reproduce every tensor exactly.
  const std::string written = knob::nn::serialize_safetensors(file.tensors, file.metadata);
  const knob::nn::SafetensorsFile again = knob::nn::parse_safetensors(written, "round-trip");
  if (again.metadata != file.metadata) finding("metadata changed in a round trip");
  if (again.tensors.size() != file.tensors.size()) finding("tensor count changed in a round trip");
  for (const auto& [name, tensor] : file.tensors) {
    if (!again.contains(name)) finding("a tensor disappeared in a round trip");
    if (!same_tensor(tensor, again.at(name))) finding("a tensor changed in a round trip");
  }
  return 0;
}
