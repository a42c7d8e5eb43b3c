// The reference transformer of docs/spec.md §1–§2: parameter names and counts, shapes at odd sizes
// and in float64, input errors, causality, IA³ at init, gradients of the whole model, the
// config file, and a small training run that must learn.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "common/tiny_model.h"
#include "ia3/model_map.h"
#include "nn/layers/transformer.h"
#include "nn/layers/transformer_config.h"

namespace knob::nn {
namespace {

TransformerConfig tiny_config() { return test::tiny_config({.max_seq_len = 3}); }

std::vector<std::string> names_of(const NamedTensors& params) {
  std::vector<std::string> names;
  for (const auto& [name, _] : params) names.push_back(name);
  return names;
}

// ------------------------------------------------------------------------------ structure ----

TEST(Transformer, ParameterNamesAndShapesAreSpecSection2) {
  Generator gen(0);
  TransformerConfig config;  // docs/spec.md's: V 32, C 64, H 4, L 2, F 256, max_seq_len 32
  Transformer model(config, gen);
  std::vector<std::string> expected = {"tok_emb.weight", "pos_emb.weight"};
  for (int i = 0; i < 2; ++i) {
    const std::string b = "blocks." + std::to_string(i) + ".";
    for (const char* name :
         {"ln1.weight", "ln1.bias", "attn.q_proj.weight", "attn.q_proj.bias", "attn.k_proj.weight",
          "attn.k_proj.bias", "attn.v_proj.weight", "attn.v_proj.bias", "attn.out_proj.weight",
          "attn.out_proj.bias", "ln2.weight", "ln2.bias", "ffn.up.weight", "ffn.up.bias",
          "ffn.down.weight", "ffn.down.bias"}) {
      expected.push_back(b + name);
    }
  }
  for (const char* name : {"ln_f.weight", "ln_f.bias", "head.weight", "head.bias"}) {
    expected.emplace_back(name);
  }
  EXPECT_EQ(names_of(model.named_parameters()), expected);

  EXPECT_EQ(model.parameter("tok_emb.weight").shape(), (Shape{32, 64}));
  EXPECT_EQ(model.parameter("pos_emb.weight").shape(), (Shape{32, 64}));
  EXPECT_EQ(model.parameter("blocks.1.attn.k_proj.weight").shape(), (Shape{64, 64}));
  EXPECT_EQ(model.parameter("blocks.1.ffn.up.weight").shape(), (Shape{256, 64}));
  EXPECT_EQ(model.parameter("blocks.1.ffn.up.bias").shape(), (Shape{256}));
  EXPECT_EQ(model.parameter("blocks.0.ffn.down.weight").shape(), (Shape{64, 256}));
  EXPECT_EQ(model.parameter("head.weight").shape(), (Shape{32, 64}));
  EXPECT_EQ(model.parameter("head.bias").shape(), (Shape{32}));
  EXPECT_EQ(model.dtype(), DType::f32);
}

TEST(Transformer, ParameterCountMatchesTheFormula) {
  Generator gen(0);
  TransformerConfig c;
  Transformer model(c, gen);
  const std::int64_t V = c.vocab_size, C = c.d_model, F = c.d_ff, S = c.max_seq_len;
  const std::int64_t per_block = 2 * C              // ln1
                                 + 4 * (C * C + C)  // q, k, v, out projections
                                 + 2 * C            // ln2
                                 + (F * C + F)      // up
                                 + (C * F + C);     // down
  const std::int64_t expected = V * C + S * C + c.n_layers * per_block + 2 * C + (V * C + V);
  EXPECT_EQ(expected, 106272);
  EXPECT_EQ(model.num_parameters(), expected);
  ia3::add_vectors(model);
  EXPECT_EQ(model.num_parameters(), expected + c.n_layers * (2 * C + F));
}

TEST(TransformerConfig, ParameterShapesAndCountDescribeTheBuiltModel) {
  // parameter_shapes() and parameter_count() are computed from the sizes alone (the loader
  // checks weight files with them before building): they must agree with a built model.
  TransformerConfig odd;
  odd.vocab_size = 11;
  odd.d_model = 12;
  odd.n_heads = 3;
  odd.n_layers = 3;
  odd.d_ff = 20;
  odd.max_seq_len = 9;
  for (const TransformerConfig& config : {TransformerConfig{}, odd}) {
    Generator gen(0);
    Transformer model(config, gen);
    NamedShapes built;
    for (const auto& [name, t] : model.named_parameters()) built.emplace_back(name, t.shape());
    EXPECT_EQ(config.parameter_shapes(), built);
    EXPECT_EQ(config.parameter_count(), model.num_parameters());
  }
}

TEST(Transformer, SameSeedSameModel) {
  Generator a(5);
  Generator b(5);
  Generator c(6);
  Transformer m1(tiny_config(), a);
  Transformer m2(tiny_config(), b);
  Transformer m3(tiny_config(), c);
  Tensor ids = int_tensor({1, 2, 3}, {1, 3});
  EXPECT_EQ(m1.forward(ids).to_vector(), m2.forward(ids).to_vector());
  EXPECT_NE(m1.forward(ids).to_vector(), m3.forward(ids).to_vector());
}

// ------------------------------------------------------------------------------ forward ----

TEST(Transformer, LogitsShapeAtOddSizesAndInFloat64) {
  Generator gen(1);
  TransformerConfig c;
  c.vocab_size = 11;
  c.d_model = 36;
  c.n_heads = 3;
  c.n_layers = 2;
  c.d_ff = 50;
  c.max_seq_len = 5;
  c.activation = Activation::gelu_tanh;
  Transformer model(c, gen);
  Tensor one_token = int_tensor({4}, {1, 1});
  Tensor logits32 = model.forward(one_token);
  EXPECT_EQ(logits32.shape(), (Shape{1, 1, 11}));
  EXPECT_EQ(logits32.dtype(), DType::f32);
  EXPECT_EQ(model.forward(int_tensor({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {2, 5})).shape(),
            (Shape{2, 5, 11}));

  model.to(DType::f64);
  EXPECT_EQ(model.dtype(), DType::f64);
  Tensor logits64 = model.forward(one_token);
  EXPECT_EQ(logits64.dtype(), DType::f64);
  for (std::int64_t v = 0; v < 11; ++v) {
    EXPECT_NEAR(logits64.at({0, 0, v}), logits32.at({0, 0, v}), 1e-4);
  }
  ia3::add_vectors(model);  // the vectors take the model's current dtype
  EXPECT_EQ(model.parameter("blocks.1.ffn.l_ff").dtype(), DType::f64);
  EXPECT_TRUE(std::isfinite(model.loss(one_token, int_tensor({3}, {1, 1})).item()));
}

TEST(Transformer, LogitsAtAPositionDoNotDependOnLaterTokens) {
  Generator gen(2);
  TransformerConfig c = tiny_config();
  c.max_seq_len = 4;
  Transformer model(c, gen, DType::f64);
  Tensor a = model.forward(int_tensor({1, 2, 3, 4}, {1, 4}));
  Tensor b = model.forward(int_tensor({1, 2, 6, 0}, {1, 4}));
  for (std::int64_t t = 0; t < 4; ++t) {
    for (std::int64_t v = 0; v < c.vocab_size; ++v) {
      if (t < 2) {
        EXPECT_EQ(a.at({0, t, v}), b.at({0, t, v})) << "t=" << t;
      }
    }
  }
  EXPECT_NE(a.at({0, 2, 0}), b.at({0, 2, 0}));  // the changed position itself does change
}

TEST(Transformer, RejectsBadIdsWithClearErrors) {
  Generator gen(3);
  Transformer model(tiny_config(), gen);  // V 7, max_seq_len 3
  EXPECT_THROW(model.forward(int_tensor({1, 2, 3, 4}, {1, 4})), ValueError);
  EXPECT_THROW(model.forward(int_tensor({1, 7}, {1, 2})), ValueError);
  EXPECT_THROW(model.forward(int_tensor({-1}, {1, 1})), ValueError);
  EXPECT_THROW(model.forward(zeros({1, 2})), DTypeError);
  EXPECT_THROW(model.forward(int_tensor({1, 2}, {2})), ShapeError);
  EXPECT_THROW(model.forward(int_tensor({}, {1, 0})), ValueError);
  try {
    model.forward(int_tensor({1, 2, 9}, {1, 3}));
    FAIL() << "no error";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("ids[0,2] = 9"), std::string::npos) << e.what();
  }
  try {
    model.forward(int_tensor({0, 0, 0, 0, 0}, {1, 5}));
    FAIL() << "no error";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("max_seq_len 3"), std::string::npos) << e.what();
  }
  Tensor ids = int_tensor({1, 2}, {1, 2});
  EXPECT_THROW(model.loss(ids, int_tensor({1, 2, 3}, {1, 3})), ShapeError);
  EXPECT_THROW(model.loss(ids, int_tensor({1, 7}, {1, 2})), ValueError);
  EXPECT_NO_THROW(model.loss(ids, int_tensor({-100, 6}, {1, 2})));
}

TEST(Transformer, LossIsMeanCrossEntropyOverKeptTargets) {
  Generator gen(4);
  Transformer model(tiny_config(), gen, DType::f64);
  Tensor ids = int_tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor targets = int_tensor({2, -100, 4, -100, 6, 0}, {2, 3});
  Tensor logits = model.forward(ids);
  double expected = 0.0;
  const std::vector<std::int64_t> t = targets.to_int_vector();
  int kept = 0;
  for (std::int64_t p = 0; p < 6; ++p) {
    if (t[p] == -100) continue;
    double norm = 0.0;
    for (std::int64_t v = 0; v < 7; ++v) norm += std::exp(logits.at({p / 3, p % 3, v}));
    expected += std::log(norm) - logits.at({p / 3, p % 3, t[p]});
    ++kept;
  }
  EXPECT_NEAR(model.loss(ids, targets).item(), expected / kept, 1e-12);
}

// ------------------------------------------------------------------------------ IA³ ----

TEST(Transformer, IA3AtOnesGivesBitIdenticalLogits) {
  Generator gen(5);
  TransformerConfig c = tiny_config();
  c.n_layers = 2;
  Transformer model(c, gen);
  Tensor ids = int_tensor({0, 3, 6, 2, 2, 1}, {2, 3});
  const std::vector<double> before = model.forward(ids).to_vector();
  EXPECT_FALSE(ia3::has_vectors(model));
  ia3::add_vectors(model);
  EXPECT_TRUE(ia3::has_vectors(model));
  EXPECT_EQ(model.forward(ids).to_vector(), before);
  // and the vectors do act once they move away from one
  Tensor l_v = model.parameter("blocks.0.attn.l_v");
  l_v.set_data(full({8}, 2.0));
  EXPECT_NE(model.forward(ids).to_vector(), before);
}

TEST(Transformer, FreezeAllButIA3LeavesOnlyTheVectorsTrainable) {
  Generator gen(6);
  TransformerConfig c = tiny_config();
  c.n_layers = 2;
  Transformer model(c, gen);
  EXPECT_THROW(ia3::freeze_all_but_vectors(model), ValueError);
  ia3::add_vectors(model);
  ia3::freeze_all_but_vectors(model);
  EXPECT_EQ(
      names_of(model.trainable_parameters()),
      (std::vector<std::string>{"blocks.0.attn.l_k", "blocks.0.attn.l_v", "blocks.0.ffn.l_ff",
                                "blocks.1.attn.l_k", "blocks.1.attn.l_v", "blocks.1.ffn.l_ff"}));
  EXPECT_EQ(model.num_parameters(/*trainable_only=*/true), 2 * (8 + 8 + 16));
  Tensor loss = model.loss(int_tensor({1, 2, 3}, {1, 3}), int_tensor({2, 3, 4}, {1, 3}));
  backward(loss);
  EXPECT_TRUE(model.parameter("blocks.1.ffn.l_ff").has_grad());
  EXPECT_FALSE(model.parameter("head.weight").has_grad());
}

// ------------------------------------------------------------------------------ gradients ----

TEST(Transformer, WholeModelGradientsMatchFiniteDifferences) {
  Generator gen(7);
  Transformer model(tiny_config(), gen, DType::f64);  // V 7, C 8, H 2, L 1, F 16, T 3
  ia3::add_vectors(model);
  // Move the IA³ vectors away from one so their gradients are not a special case.
  for (const char* name : {"blocks.0.attn.l_k", "blocks.0.attn.l_v", "blocks.0.ffn.l_ff"}) {
    Tensor p = model.parameter(name);
    p.set_data(uniform(p.shape(), 0.5, 1.5, gen, DType::f64));
  }
  Tensor ids = int_tensor({1, 5, 2, 0, 6, 6}, {2, 3});
  Tensor targets = int_tensor({5, 2, -100, 6, -100, 3}, {2, 3});
  auto fn = [&](const TensorList&) { return model.loss(ids, targets); };
  TensorList inputs;
  for (const char* name :
       {"tok_emb.weight", "pos_emb.weight", "blocks.0.ln1.weight", "blocks.0.attn.q_proj.weight",
        "blocks.0.attn.k_proj.bias", "blocks.0.attn.l_k", "blocks.0.attn.l_v",
        "blocks.0.ffn.up.weight", "blocks.0.ffn.l_ff", "blocks.0.ffn.down.bias", "ln_f.bias",
        "head.weight"}) {
    inputs.push_back(model.parameter(name));
  }
  GradcheckResult r = gradcheck(fn, inputs);
  EXPECT_TRUE(r.passed) << r.message;
  EXPECT_GT(r.compared, 200);
}

// ------------------------------------------------------------------------------ config ----

TEST(TransformerConfig, JsonRoundTripWithSpecKeys) {
  TransformerConfig c;
  c.d_model = 36;
  c.n_heads = 3;
  c.activation = Activation::relu;
  c.layer_norm_eps = 1e-6;
  const std::string text = c.to_json();
  for (const char* key : {"\"vocab_size\"", "\"d_model\"", "\"n_heads\"", "\"n_layers\"",
                          "\"d_ff\"", "\"max_seq_len\"", "\"activation\"", "\"layer_norm_eps\""}) {
    EXPECT_NE(text.find(key), std::string::npos) << key;
  }
  EXPECT_EQ(text.find("dropout"), std::string::npos);  // written only when nonzero
  EXPECT_EQ(TransformerConfig::from_json(text), c);
  c.dropout = 0.1;
  EXPECT_EQ(TransformerConfig::from_json(c.to_json()), c);
}

TEST(TransformerConfig, ReadsSpecExample) {
  const TransformerConfig c = TransformerConfig::from_json(
      R"({"vocab_size": 32, "d_model": 64, "n_heads": 4, "n_layers": 2, "d_ff": 256,
          "max_seq_len": 32, "activation": "gelu", "layer_norm_eps": 1e-5})");
  EXPECT_EQ(c, TransformerConfig{});
  EXPECT_EQ(c.head_dim(), 16);
}

TEST(TransformerConfig, ValidateListsEveryBadValue) {
  TransformerConfig c;
  EXPECT_NO_THROW(c.validate());
  c.vocab_size = 0;
  c.d_model = 36;
  c.n_heads = 5;
  c.layer_norm_eps = 0.0;
  c.dropout = 1.0;
  try {
    c.validate();
    FAIL() << "no error";
  } catch (const ValueError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("vocab_size must be positive, got 0"), std::string::npos) << msg;
    EXPECT_NE(msg.find("d_model (36) must be divisible by n_heads (5)"), std::string::npos);
    EXPECT_NE(msg.find("layer_norm_eps"), std::string::npos);
    EXPECT_NE(msg.find("dropout must be in [0, 1)"), std::string::npos);
    EXPECT_EQ(std::count(msg.begin(), msg.end(), '\n'), 4) << msg;  // one line per bad value
  }
  EXPECT_EQ(c.problems().size(), 4u);
  Generator gen(0);
  EXPECT_THROW(Transformer(c, gen), ValueError);
}

TEST(TransformerConfig, FromJsonReportsMissingUnknownAndMistypedKeys) {
  try {
    TransformerConfig::from_json(
        R"({"vocab_size": 32, "d_model": 64.5, "n_head": 4, "n_layers": 2, "d_ff": 256,
            "max_seq_len": 32, "activation": "swish", "layer_norm_eps": 1e-5})",
        "run/config.json");
    FAIL() << "no error";
  } catch (const ValueError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("run/config.json", 0), 0u) << msg;
    EXPECT_NE(msg.find("missing key \"n_heads\""), std::string::npos) << msg;
    EXPECT_NE(msg.find("unknown key \"n_head\""), std::string::npos) << msg;
    EXPECT_NE(msg.find("\"d_model\" must be an integer"), std::string::npos) << msg;
    EXPECT_NE(msg.find("\"swish\""), std::string::npos) << msg;
  }
  EXPECT_THROW(TransformerConfig::from_json("{\"vocab_size\": "), ValueError);
  EXPECT_THROW(TransformerConfig::from_json("[1, 2]"), ValueError);
  TransformerConfig bad;
  bad.n_layers = -1;
  EXPECT_THROW(TransformerConfig::from_json(bad.to_json()), ValueError);
}

TEST(TransformerConfig, LoadsAFileAndNamesAMissingOne) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  const std::filesystem::path path =
      dir / ("knob_test_config_" + std::to_string(::getpid()) + ".json");
  TransformerConfig c;
  c.n_layers = 3;
  {
    std::ofstream out(path);
    out << c.to_json();
  }
  EXPECT_EQ(TransformerConfig::load(path), c);
  std::filesystem::remove(path);
  try {
    TransformerConfig::load(path);
    FAIL() << "no error";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
}

// ------------------------------------------------------------------------------ training ----

// Copy task on a fixed batch: "d1 d2 d3 d4 SEP d1 d2 d3 d4", loss only on the copied half.
// 200 steps of plain SGD (written out here) must at least halve the loss.
TEST(Transformer, PlainSgdOnACopyTaskHalvesTheLoss) {
  constexpr std::int64_t kDigits = 5;  // tokens 0..4, separator 5
  constexpr std::int64_t kSep = kDigits;
  constexpr std::int64_t kLen = 4;
  constexpr std::int64_t B = 16;
  constexpr std::int64_t T = 2 * kLen;  // inputs are the sequence minus its last token
  Generator data_gen(42);
  std::vector<std::int64_t> ids;
  std::vector<std::int64_t> targets;
  for (std::int64_t b = 0; b < B; ++b) {
    std::vector<std::int64_t> seq;
    for (std::int64_t i = 0; i < kLen; ++i) seq.push_back(data_gen.integer(0, kDigits));
    seq.push_back(kSep);
    for (std::int64_t i = 0; i < kLen; ++i) seq.push_back(seq[i]);
    for (std::int64_t t = 0; t < T; ++t) {
      ids.push_back(seq[t]);
      targets.push_back(t >= kLen ? seq[t + 1] : -100);  // predict the copy only
    }
  }
  Tensor id_tensor = int_tensor(ids, {B, T});
  Tensor target_tensor = int_tensor(targets, {B, T});

  TransformerConfig c;
  c.vocab_size = kDigits + 1;
  c.d_model = 32;
  c.n_heads = 2;
  c.n_layers = 1;
  c.d_ff = 64;
  c.max_seq_len = T;
  Generator gen(1);
  Transformer model(c, gen);

  const double lr = 0.1;
  double first = 0.0;
  double last = 0.0;
  for (int step = 0; step < 200; ++step) {
    model.zero_grad();
    Tensor loss = model.loss(id_tensor, target_tensor);
    if (step == 0) first = loss.item();
    last = loss.item();
    backward(loss);
    NoGradGuard no_grad;
    for (Tensor& p : model.parameters()) {
      p.set_data(sub(p, mul_scalar(p.grad(), lr)));  // p ← p − lr·∇p
    }
  }
  EXPECT_TRUE(std::isfinite(last));
  EXPECT_LT(last, 0.5 * first) << "first " << first << ", last " << last;
}

}  // namespace
}  // namespace knob::nn
