// The activation trace behind `knob grads --trace` (nn/layers/trace.h, nn::gradient_trace): the
// names and their order as docs/gradient_trace.md lists them, gradients of the right shapes, the
// same parameter gradients as gradient_reference(), and no recording at all when not tracing.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "ia3/model_map.h"
#include "ia3/trainable.h"
#include "nn/io/model_dir.h"
#include "nn/io/safetensors.h"
#include "nn/layers/trace.h"
#include "nn/train/gradient_reference.h"

namespace knob::nn {
namespace {

const std::string kTiny = std::string(KNOB_SOURCE_DIR) + "/tests/golden/tiny";

std::vector<std::string> expected_order(int layers) {
  std::vector<std::string> names = {"tok_emb.out", "pos_emb.out", "embeddings"};
  for (int i = 0; i < layers; ++i) {
    for (const char* n :
         {"ln1.out", "attn.q", "attn.k", "attn.v", "attn.scores", "attn.probs", "attn.context",
          "attn.out", "resid_mid", "ln2.out", "ffn.hidden", "ffn.out", "out"}) {
      names.push_back("blocks." + std::to_string(i) + "." + n);
    }
  }
  for (const char* n : {"ln_f.out", "logits", "loss"}) names.push_back(n);
  return names;
}

const Tensor& find(const NamedTensors& tensors, const std::string& name) {
  for (const auto& [n, t] : tensors) {
    if (n == name) return t;
  }
  throw ValueError("no tensor " + name);
}

class GradientTrace : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = load_model_dir(kTiny, DType::f64);
    const SafetensorsFile batch = read_safetensors(kTiny + "/batch.safetensors");
    ids_ = batch.at("input_ids");
    targets_ = batch.at("targets");
  }
  // The pass of `knob grads --trace`: flags set as the mode says, then the trace.
  nn::GradientTrace trace_in(ia3::Trainable mode) {
    ia3::set_trainable(*model_, mode);
    return gradient_trace(*model_, ids_, targets_);
  }
  std::shared_ptr<Transformer> model_;
  Tensor ids_, targets_;
};

TEST_F(GradientTrace, NamesEveryActivationInForwardOrder) {
  const nn::GradientTrace t = trace_in(ia3::Trainable::full);
  EXPECT_EQ(t.order, expected_order(2));
  const std::int64_t B = ids_.size(0), T = ids_.size(1);
  EXPECT_EQ(find(t.tensors, "blocks.1.attn.probs").shape(), (Shape{B, 2, T, T}));
  EXPECT_EQ(find(t.tensors, "blocks.0.ffn.hidden").shape(), (Shape{B, T, 16}));
  EXPECT_EQ(find(t.tensors, "pos_emb.out").shape(), (Shape{T, 8}));
  for (const std::string& name : t.order) {
    EXPECT_EQ(find(t.tensors, "grad." + name).shape(), find(t.tensors, name).shape()) << name;
  }
  EXPECT_EQ(find(t.tensors, "grad.loss").item(), 1.0);
}

TEST_F(GradientTrace, GradientsAreThoseOfTheLossAndMatchGradientReference) {
  ia3::set_trainable(*model_, ia3::Trainable::full);
  const NamedTensors reference = gradient_reference(*model_, ids_, targets_);
  const nn::GradientTrace t = trace_in(ia3::Trainable::full);
  for (const auto& [name, tensor] : reference) {
    EXPECT_EQ(find(t.tensors, name).to_vector(), tensor.to_vector()) << name;  // same pass
  }
  // The logits' gradient is the cross-entropy's: (softmax - onehot) / |P|, 0 on ignored rows.
  const Tensor logits = find(t.tensors, "logits").clone().requires_grad_();
  const Tensor expected = grad({cross_entropy(logits, targets_, -100)}, {logits})[0];
  EXPECT_EQ(find(t.tensors, "grad.logits").to_vector(), expected.to_vector());
  // A block's output feeds the next block: its gradient is the next block's input gradient.
  const std::vector<double> into_ln = find(t.tensors, "grad.blocks.1.out").to_vector();
  EXPECT_GT(*std::max_element(into_ln.begin(), into_ln.end()), 0.0);
  EXPECT_EQ(model_->named_parameters().front().second.has_grad(), false);  // left cleared
}

TEST_F(GradientTrace, IA3ModeStillGivesEveryActivationAGradient) {
  const nn::GradientTrace full = trace_in(ia3::Trainable::full);
  const nn::GradientTrace ia3 = trace_in(ia3::Trainable::ia3);
  EXPECT_EQ(ia3.parameters.size(), 6u);  // l_k, l_v, l_ff in each of two blocks
  EXPECT_EQ(ia3.order, full.order);
  // IA³ vectors at 1 change nothing in the activations or their gradients.
  for (const char* name : {"grad.tok_emb.out", "grad.blocks.0.attn.scores"}) {
    EXPECT_EQ(find(ia3.tensors, name).to_vector(), find(full.tensors, name).to_vector()) << name;
  }
  for (const auto& [name, t] : model_->named_parameters()) {  // flags as the mode sets them
    EXPECT_EQ(t.requires_grad(), ia3::is_vector_name(name)) << name;
  }
}

TEST(ActivationTraceHooks, RecordNothingWithoutATraceAndRefuseNesting) {
  EXPECT_FALSE(tracing());
  trace("ignored", ones({2}, DType::f64));  // no trace alive: nothing happens
  {
    TraceScope scope("blocks", 3);
    ActivationTrace recording;
    EXPECT_TRUE(tracing());
    {
      TraceScope inner("attn");
      trace("q", ones({1}, DType::f64));
    }
    trace("out", ones({1}, DType::f64));
    ASSERT_EQ(recording.tensors().size(), 2u);
    EXPECT_EQ(recording.tensors()[0].first, "attn.q");  // the outer scope began before it
    EXPECT_EQ(recording.tensors()[1].first, "out");
    EXPECT_THROW(trace("out", ones({1}, DType::f64)), ValueError);  // recorded twice
    EXPECT_THROW(ActivationTrace second, ValueError);
  }
  EXPECT_FALSE(tracing());
}

}  // namespace
}  // namespace knob::nn
