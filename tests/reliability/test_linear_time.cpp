// Reading costs time linear in the input, and sizes are checked before data is read. Each test
// times the same work at n and 4n items (the best of three runs each, against a loaded
// machine's noise) and asks for a ratio below 8: linear work gives about 4, quadratic work 16.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include "autograd/error.h"
#include "ia3/adapter_file.h"
#include "nn/base/file_error.h"
#include "nn/io/model_dir.h"
#include "nn/io/safetensors.h"
#include "nn/layers/module.h"
#include "nn/layers/transformer_config.h"
#include "nn/train/gradient_reference.h"
#include "reliability_helpers.h"

namespace knob::reliability {
namespace {

using Clock = std::chrono::steady_clock;

// The best of three timings of `work(n)`, in seconds.
double best_time(const std::function<void(int)>& work, int n) {
  double best = 1e300;
  for (int run = 0; run < 3; ++run) {
    const Clock::time_point start = Clock::now();
    work(n);
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return best;
}

// Expect work(4n) to cost less than 8 times work(n). A loaded machine can stall one timing, so
// the pair is measured up to three times; quadratic work fails all three (a ratio near 16).
void expect_linear(const std::function<void(int)>& work, int n, const char* what) {
  std::string tries;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const double small = best_time(work, n);
    const double large = best_time(work, 4 * n);
    if (large < 8 * small) return;
    tries += fmt::format(" {} items: {:.4f} s, {} items: {:.4f} s;", n, small, 4 * n, large);
  }
  ADD_FAILURE() << what << " is not linear:" << tries;
}

std::string safetensors_bytes(const std::string& header, const std::string& data) {
  std::string out;
  const std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

// A file of n one-element F32 tensors, written by hand (as any other writer might).
std::string many_tensors(int n) {
  std::string header = "{";
  for (int i = 0; i < n; ++i) {
    header += fmt::format(R"({}"t{}":{{"dtype":"F32","shape":[1],"data_offsets":[{},{}]}})",
                          i > 0 ? "," : "", i, 4 * i, 4 * i + 4);
  }
  return safetensors_bytes(header + "}", std::string(4 * static_cast<std::size_t>(n), '\0'));
}

TEST(LinearTime, ASafetensorsHeaderWithManyEntries) {
  expect_linear([](int n) { nn::parse_safetensors(many_tensors(n), "many.safetensors"); }, 5000,
                "parse_safetensors");
}

TEST(LinearTime, WritingManyTensors) {
  auto work = [](int n) {
    nn::NamedTensors tensors;
    for (int i = 0; i < n; ++i) tensors.emplace_back(fmt::format("t{}", i), zeros({1}));
    nn::serialize_safetensors(tensors);
  };
  expect_linear(work, 5000, "serialize_safetensors");
}

TEST(LinearTime, AConfigWithManyUnknownKeys) {
  auto work = [](int n) {
    std::string text = tiny_config().to_json();
    text.pop_back();  // "\n"
    text.pop_back();  // "}"
    for (int i = 0; i < n; ++i) text += fmt::format(R"(,"unknown{}":0)", i);
    EXPECT_THROW(nn::TransformerConfig::from_json(text + "}"), ValueError);
  };
  expect_linear(work, 20000, "TransformerConfig::from_json");
}

TEST(LinearTime, CheckingAStateDictWithManyNames) {
  // The names are made once per n, so that only the check is timed (best of three).
  std::map<int, nn::NamedShapes> names;
  auto work = [&names](int n) {
    nn::NamedShapes& list = names[n];
    if (list.empty()) {
      for (int i = 0; i < n; ++i) list.emplace_back(fmt::format("p{}", i), Shape{1});
    }
    nn::check_state_dict_shapes(list, list, /*strict=*/true);
  };
  expect_linear(work, 10000, "check_state_dict_shapes");
}

class LinearTimeFiles : public ScratchDir {};

TEST_F(LinearTimeFiles, ImportingAPeftAdapterWithManyModules) {
  auto work = [this](int n) {
    fs::create_directories(path("peft"));
    std::string names;
    nn::NamedTensors tensors;
    for (int i = 0; i < n; ++i) {
      names += fmt::format(R"({}"m{}")", i > 0 ? "," : "", i);
      tensors.emplace_back(fmt::format("base_model.model.blocks.{}.m{}.ia3_l", i, i), ones({1, 1}));
    }
    write_text(path("peft/adapter_config.json"),
               R"({"peft_type":"IA3","target_modules":[)" + names + "]}");
    nn::write_safetensors(path("peft/adapter_model.safetensors"), tensors);
    ia3::import_peft(path("peft"));
  };
  expect_linear(work, 2000, "import_peft");
}

TEST_F(LinearTimeFiles, ModelWeightsAreCheckedAgainstTheConfigBeforeTheDataIsRead) {
  // A model directory whose model.safetensors claims a 4 GiB tok_emb.weight [2^29, 2] that the
  // config does not describe. The file is sparse: nothing is on disk, but reading it would still
  // allocate and copy 4 GiB. The mismatch must be found from the header alone.
  nn::save_model_dir(*tiny_model(), path("model"));
  const std::uint64_t bytes = std::uint64_t{1} << 32;
  const std::string header = R"({"tok_emb.weight":{"dtype":"F32","shape":[536870912,2],)"
                             R"("data_offsets":[0,)" +
                             fmt::format("{}", bytes) + "]}}";
  {
    std::ofstream out(path("model/model.safetensors"), std::ios::binary | std::ios::trunc);
    out << safetensors_bytes(header, "");
  }
  fs::resize_file(path("model/model.safetensors"), 8 + header.size() + bytes);

  const Clock::time_point start = Clock::now();
  try {
    nn::load_model_dir(path("model"));
    FAIL() << "the model loaded";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_TRUE(contains(message,
                         "wrong shape: tok_emb.weight (expected [7,8], got "
                         "[536870912,2])"))
        << message;
    EXPECT_LT(message.size(), 600u);
  }
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - start).count(), 5.0);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  EXPECT_LT(usage.ru_maxrss, 1 << 20) << "peak resident memory in KiB";  // under 1 GiB
}

TEST_F(LinearTimeFiles, Ia3VectorsAreCheckedAgainstTheModelBeforeTheDataIsRead) {
  // An adapter file (as eval --adapter and grads --adapter read it) whose l_k claims 2^30
  // entries: 4 GiB, sparse on disk. The model says 8; the header alone must tell.
  const std::uint64_t bytes = std::uint64_t{1} << 32;
  const std::string header = R"({"blocks.0.attn.l_k":{"dtype":"F32","shape":[1073741824],)"
                             R"("data_offsets":[0,)" +
                             fmt::format("{}", bytes) + "]}}";
  {
    std::ofstream out(path("adapter.safetensors"), std::ios::binary | std::ios::trunc);
    out << safetensors_bytes(header, "");
  }
  fs::resize_file(path("adapter.safetensors"), 8 + header.size() + bytes);

  const Clock::time_point start = Clock::now();
  std::shared_ptr<nn::Transformer> model = tiny_model();
  try {
    ia3::load_adapter_into(*model, path("adapter.safetensors"));
    FAIL() << "the vectors loaded";
  } catch (const FileError& e) {
    const std::string message = e.what();
    EXPECT_TRUE(contains(message, "missing: blocks.0.attn.l_v, blocks.0.ffn.l_ff")) << message;
    EXPECT_TRUE(contains(message,
                         "wrong shape: blocks.0.attn.l_k (expected [8], got "
                         "[1073741824])"))
        << message;
  }
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - start).count(), 5.0);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  EXPECT_LT(usage.ru_maxrss, 1 << 20) << "peak resident memory in KiB";  // under 1 GiB
}

TEST_F(LinearTimeFiles, AModelFileWithManySurplusTensorsGivesAShortError) {
  nn::save_model_dir(*tiny_model(), path("model"));
  nn::NamedTensors tensors = nn::read_safetensors(path("model/model.safetensors")).tensors;
  for (int i = 0; i < 200'000; ++i) tensors.emplace_back(fmt::format("surplus{}", i), zeros({0}));
  nn::write_safetensors(path("model/model.safetensors"), tensors);
  const Clock::time_point start = Clock::now();
  try {
    nn::load_model_dir(path("model"));
    FAIL() << "the model loaded";
  } catch (const FileError& e) {
    const std::string message = e.what();
    EXPECT_TRUE(contains(message, "unexpected: surplus0, surplus1")) << message.substr(0, 400);
    EXPECT_TRUE(contains(message, "(199990 more)")) << message.substr(0, 400);
    EXPECT_LT(message.size(), 600u);
  }
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - start).count(), 30.0);
}

}  // namespace
}  // namespace knob::reliability
