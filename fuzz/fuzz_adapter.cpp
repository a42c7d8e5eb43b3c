// Fuzz target: the IA³ adapter readers, ia3::load_adapter() (knob's adapter file) and
// ia3::import_peft() (PEFT's directory), then attaching what was read to a tiny Transformer.
//
// Input format: without the separator line "\n----\n", the whole input is a knob adapter
// file (a safetensors file whose metadata holds JSON selectors and a base config). With it,
// the part before is PEFT's adapter_config.json and the part after its
// adapter_model.safetensors. The readers take paths, so the parts are written to a private
// scratch directory first.
//
// Every knob::Error is an expected outcome; any other exception, crash, sanitizer report,
// leak or oversized allocation (a regular expression in target_modules that expands to
// millions of states, say) is a finding.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "autograd/error.h"
#include "fixtures.h"
#include "ia3/adapter.h"
#include "ia3/adapter_file.h"

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSeparator = "\n----\n";

fs::path scratch_dir;

void remove_scratch_dir() {
  std::error_code ignored;
  fs::remove_all(scratch_dir, ignored);
}

void write_bytes(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::perror("fuzz_adapter: cannot write the scratch file");
    std::abort();
  }
}

// Attach the adapter to a fresh tiny model and load its vectors (what `knob import-peft
// --model` and `knob eval --adapter` do).
void attach(const knob::ia3::AdapterFile& adapter) {
  std::shared_ptr<knob::nn::Transformer> model = knob::fuzz::tiny_model(1);
  knob::ia3::Adapter attached(model, adapter.config);
  attached.load_vectors(adapter.vectors);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  std::string dir_template = (fs::temp_directory_path() / "knob-fuzz-adapter.XXXXXX").string();
  if (::mkdtemp(dir_template.data()) == nullptr) {
    std::perror("fuzz_adapter: mkdtemp");
    std::abort();
  }
  scratch_dir = dir_template;
  std::atexit(remove_scratch_dir);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = input.find(kSeparator);
  try {
    knob::ia3::AdapterFile adapter;
    if (split == std::string_view::npos) {
      const fs::path file = scratch_dir / "adapter.safetensors";
      write_bytes(file, input);
      adapter = knob::ia3::load_adapter(file.string());
    } else {
      write_bytes(scratch_dir / "adapter_config.json", input.substr(0, split));
      write_bytes(scratch_dir / "adapter_model.safetensors",
                  input.substr(split + kSeparator.size()));
      adapter = knob::ia3::import_peft(scratch_dir.string());
    }
    attach(adapter);
  } catch (const knob::Error&) {
  }
  return 0;
}
