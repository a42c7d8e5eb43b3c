// Weights are F32 or F64 (docs/spec.md §3) and finite. A model directory or an IA³ adapter with
// a NaN or an infinity, or with an I32/I64 tensor where a weight belongs, is refused on load
// with an error naming the tensor, by the library and by eval, grads and finetune — instead of
// NaN losses or a silent conversion.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ia3/adapter_file.h"
#include "ia3/model_map.h"
#include "knob_process.h"
#include "nn/base/file_error.h"
#include "nn/io/model_dir.h"
#include "nn/io/safetensors.h"
#include "nn/io/state_dict_io.h"
#include "nn/train/gradient_reference.h"
#include "reliability_helpers.h"

namespace knob::reliability {
namespace {

class WeightValues : public ScratchDir {
 protected:
  void SetUp() override {
    ScratchDir::SetUp();
    nn::TransformerConfig config = tiny_config();
    config.vocab_size = 20;  // the digit tasks' tokens, for the CLI tests
    config.max_seq_len = 24;
    Generator gen(1);
    model_ = std::make_shared<nn::Transformer>(config, gen);
    nn::save_model_dir(*model_, path("model"));
    nn::write_safetensors(path("batch.safetensors"), {{"input_ids", int_tensor({1, 2, 3}, {1, 3})},
                                                      {"targets", int_tensor({2, 3, 4}, {1, 3})}});
  }

  // Rewrite model/model.safetensors with `name` replaced by `value`.
  void replace_weight(const std::string& name, const Tensor& value) {
    nn::NamedTensors tensors = nn::read_safetensors(path("model/model.safetensors")).tensors;
    for (auto& [key, t] : tensors) {
      if (key == name) t = value;
    }
    nn::write_safetensors(path("model/model.safetensors"), tensors);
  }

  std::string load_error() {
    try {
      nn::load_model_dir(path("model"));
    } catch (const FileError& e) {
      return e.what();
    }
    ADD_FAILURE() << "the model loaded";
    return "";
  }

  std::shared_ptr<nn::Transformer> model_;
};

TEST_F(WeightValues, NonFiniteWeightsAreNamed) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> gamma(8, 1.0);
  gamma[2] = nan;
  replace_weight("blocks.0.ln1.weight", tensor(gamma, {8}));
  std::string message = load_error();
  EXPECT_TRUE(contains(message,
                       "model.safetensors: tensor 'blocks.0.ln1.weight' [8] holds nan "
                       "at index [2] (1 of 8 values are not finite)"))
      << message;

  replace_weight("blocks.0.ln1.weight", ones({8}));
  std::vector<double> head(20 * 8, 0.5);
  head[9] = -inf;
  replace_weight("head.weight", tensor(head, {20, 8}, DType::f64));
  message = load_error();
  EXPECT_TRUE(contains(message, "tensor 'head.weight' [20,8] holds -inf at index [1,1]"))
      << message;
}

TEST_F(WeightValues, IntegerWeightsAreRefusedWithTheirDtype) {
  replace_weight("ln_f.bias", int_tensor(std::vector<std::int64_t>(8, 0), {8}));
  EXPECT_TRUE(contains(load_error(), "tensor 'ln_f.bias' is I64, but weights are F32 or F64"));
  // I32, by hand: F32 [8] and I32 [8] both take 32 bytes, so only the dtype name changes.
  nn::save_model_dir(*model_, path("model"));
  std::string bytes = file_content(path("model/model.safetensors"));
  const std::string declared = R"("ln_f.bias":{"dtype":"F32")";
  const std::size_t at = bytes.find(declared);
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, declared.size(), R"("ln_f.bias":{"dtype":"I32")");
  write_text(path("model/model.safetensors"), bytes);
  EXPECT_TRUE(contains(load_error(), "tensor 'ln_f.bias' is I32, but weights are F32 or F64"));
}

TEST_F(WeightValues, NonFiniteIa3VectorsAreNamed) {
  std::vector<double> l_v(8, 1.0);
  l_v[5] = std::numeric_limits<double>::infinity();
  nn::NamedTensors vectors;
  ia3::add_vectors(*model_);
  for (const auto& [name, t] : model_->named_parameters()) {
    if (ia3::is_vector_name(name)) {
      vectors.emplace_back(name, name == "blocks.0.attn.l_v" ? tensor(l_v, {8}) : ones(t.shape()));
    }
  }
  nn::write_safetensors(path("adapter.safetensors"), vectors);
  try {
    ia3::load_adapter_into(*model_, path("adapter.safetensors"));
    FAIL() << "the vectors loaded";
  } catch (const FileError& e) {
    EXPECT_TRUE(contains(e.what(), "tensor 'blocks.0.attn.l_v' [8] holds inf at index [5]"))
        << e.what();
  }
}

TEST_F(WeightValues, EvalGradsAndFinetuneRefuseNonFiniteWeights) {
#ifndef KNOB_PROGRAM
  GTEST_SKIP() << "the knob program is not part of this build";
#else
  replace_weight("tok_emb.weight", full({20, 8}, std::numeric_limits<double>::quiet_NaN()));
  const std::vector<std::vector<std::string>> commands = {
      {"eval", "--model", path("model"), "--rows", "2", "--digits", "2"},
      {"grads", "--model", path("model"), "--batch", path("batch.safetensors"), "--out",
       path("g.safetensors")},
      {"finetune", "--model", path("model"), "--steps", "1", "-q", "--out", path("a.safetensors")},
  };
  for (const auto& command : commands) {
    SCOPED_TRACE(command.front());
    const KnobRun run = run_knob(command, path("knob"));
    EXPECT_TRUE(failed_cleanly(run,
                               "model.safetensors: tensor 'tok_emb.weight' [20,8] holds nan at "
                               "index [0,0] (160 of 160 values are not finite)"));
    EXPECT_LT(run.err.size(), 400u) << "an error line must stay short";
  }
  EXPECT_FALSE(fs::exists(path("g.safetensors")));
  EXPECT_FALSE(fs::exists(path("a.safetensors")));
#endif
}

}  // namespace
}  // namespace knob::reliability
