// knob against PyTorch: the files in tests/golden/ were written by tests/golden/make_goldens.py
// (PyTorch, float64). The whole model (four sizes, full and IA³ gradients, f64 and f32), 20 AdamW
// steps, and each layer on its own so a failure points at the layer.
#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "ia3/model_map.h"
#include "ia3/trainable.h"
#include "nn/io/model_dir.h"
#include "nn/io/safetensors.h"
#include "nn/layers/attention.h"
#include "nn/layers/feed_forward.h"
#include "nn/layers/layer_norm.h"
#include "nn/optim/adam.h"
#include "nn/train/gradient_reference.h"

namespace knob::nn {
namespace {

const std::string kGolden = std::string(KNOB_SOURCE_DIR) + "/tests/golden/";

// max|a - e| <= atol + rtol * max|e|, reporting the first mismatching element.
void expect_close(const Tensor& actual, const Tensor& expected, double rtol,
                  const std::string& what) {
  ASSERT_EQ(actual.shape(), expected.shape()) << what;
  const std::vector<double> a = actual.to_vector();
  const std::vector<double> e = expected.to_vector();
  double scale = 0.0;
  for (double v : e) scale = std::max(scale, std::fabs(v));
  const double tolerance = rtol * 1e-3 + rtol * scale;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!(std::fabs(a[i] - e[i]) <= tolerance)) {
      ADD_FAILURE() << what << ": element " << i << " is " << a[i] << ", PyTorch says " << e[i]
                    << " (|diff| " << std::fabs(a[i] - e[i]) << " > " << tolerance << ")";
      return;
    }
  }
}

struct Case {
  std::string name;
  ia3::Trainable mode;
  DType dtype;
};

class GoldenModel : public ::testing::TestWithParam<Case> {};

TEST_P(GoldenModel, LossLogitsAndEveryGradientMatchPyTorch) {
  const Case& c = GetParam();
  const std::string dir = kGolden + c.name;
  auto model = load_model_dir(dir, c.dtype);
  if (c.mode == ia3::Trainable::ia3) {
    ia3::apply_vectors(*model, read_safetensors(dir + "/adapter.safetensors").tensors);
  }
  const SafetensorsFile batch = read_safetensors(dir + "/batch.safetensors");
  ia3::set_trainable(*model, c.mode);
  const NamedTensors got = gradient_reference(*model, batch.at("input_ids"), batch.at("targets"));
  const SafetensorsFile want =
      read_safetensors(dir + (c.mode == ia3::Trainable::full ? "/expected_full.safetensors"
                                                             : "/expected_ia3.safetensors"));
  const double rtol = c.dtype == DType::f64 ? 1e-9 : 1e-4;
  EXPECT_EQ(got.size(), want.tensors.size());
  for (const auto& [name, tensor] : got) {
    ASSERT_TRUE(want.contains(name)) << name << " is not in the golden file";
    expect_close(tensor, want.at(name), rtol, c.name + " " + name);
  }
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (const char* name : {"tiny", "odd", "tanh", "spec"}) {
    for (ia3::Trainable mode : {ia3::Trainable::full, ia3::Trainable::ia3}) {
      for (DType dtype : {DType::f64, DType::f32}) out.push_back({name, mode, dtype});
    }
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(AllSizes, GoldenModel, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name +
                                  (info.param.mode == ia3::Trainable::full ? "_full_" : "_ia3_") +
                                  std::string(dtype_name(info.param.dtype));
                         });

TEST(GoldenAdamW, TwentyStepsFollowPyTorchLossByLoss) {
  auto model = load_model_dir(kGolden + "tiny", DType::f64);
  model->load_state_dict(read_safetensors(kGolden + "tiny/adamw_start.safetensors").tensors);
  const SafetensorsFile run = read_safetensors(kGolden + "tiny/adamw_steps.safetensors");
  const double lr = std::stod(run.metadata.at("lr"));
  AdamW opt(model->named_parameters(), lr,
            {std::stod(run.metadata.at("beta1")), std::stod(run.metadata.at("beta2"))},
            std::stod(run.metadata.at("eps")), std::stod(run.metadata.at("weight_decay")));
  const std::vector<double> want = run.at("losses").to_vector();
  for (std::size_t step = 0; step < want.size(); ++step) {
    opt.zero_grad();
    Tensor loss = model->loss(run.at("input_ids"), run.at("targets"));
    EXPECT_NEAR(loss.item(), want[step], 1e-10 * std::fabs(want[step])) << "step " << step;
    backward(loss);
    opt.step();
  }
}

// ---- one layer at a time ----

class GoldenLayers : public ::testing::Test {
 protected:
  void SetUp() override { file_ = read_safetensors(kGolden + "layers.safetensors"); }
  Tensor at(const std::string& name) const { return file_.at(name); }
  std::int64_t meta(const char* key) const { return std::stoll(file_.metadata.at(key)); }

  // Run `forward` on the golden input, backprop the golden upstream gradient, compare the
  // output and the gradients of x and of every parameter listed (golden name → module param).
  void check(const std::string& tag, Module& layer, const std::string& prefix,
             const std::function<Tensor(const Tensor&)>& forward) {
    for (auto& [name, p] : layer.named_parameters()) {
      p.set_data(at("param." + prefix + name));
    }
    Tensor x = at("x").clone().requires_grad_();
    Tensor y = forward(x);
    backward(y, at("upstream"));
    expect_close(y, at(tag + ".out"), 1e-10, tag + " output");
    expect_close(x.grad(), at(tag + ".grad.x"), 1e-10, tag + " grad x");
    for (auto& [name, p] : layer.named_parameters()) {
      expect_close(p.grad(), at(tag + ".grad." + prefix + name), 1e-10, tag + " grad " + name);
    }
  }

  SafetensorsFile file_;
};

TEST_F(GoldenLayers, AttentionWithCausalAndPaddingMasks) {
  Generator gen(0);
  MultiHeadAttention attn(meta("C"), meta("n_heads"), gen, DType::f64);
  AttentionOptions options;
  options.key_padding_mask = at("key_padding_mask");
  check("attention", attn, "attn.",
        [&](const Tensor& x) { return attn.forward(x, options).output; });
}

TEST_F(GoldenLayers, LayerNorm) {
  LayerNorm ln(meta("C"), 1e-5, DType::f64);
  check("layernorm", ln, "ln.", [&](const Tensor& x) { return ln.forward(x); });
}

TEST_F(GoldenLayers, FeedForward) {
  Generator gen(0);
  FeedForward ffn(meta("C"), meta("d_ff"), Activation::gelu, gen, DType::f64);
  check("ffn", ffn, "ffn.", [&](const Tensor& x) { return ffn.forward(x); });
}

}  // namespace
}  // namespace knob::nn
