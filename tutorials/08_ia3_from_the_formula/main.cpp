// Lesson 08: IA³ from its formula. Attention with frozen W_Q, W_K, W_V and the two learned
// vectors l_k, l_v, and the feed-forward block with l_ff, built step by step with knob ops and
// compared with ia3::IA3Attention / ia3::IA3FeedForward; why vectors of ones are the identity, bit
// for bit; the gradient of l_ff derived by hand and compared with the tape, those of l_k, l_v,
// l_ff gradchecked in float64; the built-in fast path of the transformer; counting what trains.
// Read tutorials/08_ia3_from_the_formula/README.md alongside. Exits 1 if a claim is false.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "autograd/error.h"
#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "ia3/adapter.h"
#include "ia3/adapter_config.h"
#include "ia3/ia3_attention.h"
#include "ia3/ia3_feed_forward.h"
#include "ia3/model_map.h"
#include "nn/layers/attention.h"
#include "nn/layers/feed_forward.h"
#include "nn/layers/fusion.h"
#include "nn/layers/transformer.h"
#include "tutorials/common/lesson.h"

using namespace knob;
using namespace knob::lesson;  // claim, heading, max_abs_difference, finish

namespace {

double largest_magnitude(const Tensor& t) {
  double worst = 0.0;
  for (double v : t.to_vector()) worst = std::max(worst, std::fabs(v));
  return worst;
}

bool bit_identical(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() && a.to_vector() == b.to_vector();
}

// A vector that has moved away from ones, as a trained one would: 1 + 0.5 · N(0, 1).
Tensor moved_vector(std::int64_t size, Generator& gen, DType dtype) {
  return add_scalar(mul_scalar(randn({size}, gen, dtype), 0.5), 1.0);
}

// Copy `value` into a parameter, keeping its requires_grad flag.
void assign(Tensor parameter, const Tensor& value) {
  const bool trainable = parameter.requires_grad();
  parameter.set_data(value.to(parameter.dtype()));
  parameter.requires_grad_(trainable);
}

// [B,T,C] → [B,H,T,D] and back.
Tensor split_heads(const Tensor& x, std::int64_t H) {
  const std::int64_t B = x.size(0), T = x.size(1), D = x.size(2) / H;
  return permute(reshape(x, {B, T, H, D}), {0, 2, 1, 3});
}
Tensor merge_heads(const Tensor& x) {
  const std::int64_t B = x.size(0), H = x.size(1), T = x.size(2), D = x.size(3);
  return reshape(permute(x, {0, 2, 1, 3}), {B, T, H * D});
}

// ---- 1. attention, step by step -----------------------------------------------------------------
// Every intermediate of softmax(Q (K ⊙ l_k)ᵀ / √D + M) (V ⊙ l_v), kept for the backward by hand.
struct AttentionSteps {
  Tensor Q, K, V;   // the frozen projections: [B,T,C]
  Tensor K_scaled;  // K ⊙ l_k: [B,T,C]
  Tensor V_scaled;  // V ⊙ l_v: [B,T,C]
  Tensor q, k, v;   // heads of Q, K ⊙ l_k, V ⊙ l_v: [B,H,T,D]
  Tensor scores;    // q kᵀ / √D + M: [B,H,T,T]
  Tensor weights;   // A = softmax(scores): [B,H,T,T]
  Tensor heads;     // A v: [B,H,T,D]
  Tensor merged;    // heads side by side: [B,T,C]
  Tensor output;    // merged W_Oᵀ + b_O: [B,T,C]
};

AttentionSteps attention_by_hand(const ia3::IA3Attention& layer, std::int64_t H, const Tensor& x,
                                 const Tensor& l_k, const Tensor& l_v) {
  AttentionSteps s;
  const auto linear = [&x](const nn::Linear& p) {  // x Wᵀ + b
    return add(matmul_nt(x, p.weight()), p.bias());
  };
  s.Q = linear(layer.q_proj());  // frozen
  s.K = linear(layer.k_proj());  // frozen
  s.V = linear(layer.v_proj());  // frozen
  s.K_scaled = mul(s.K, l_k);    // [B,T,C] ⊙ [C]: feature c of every key times l_k[c]
  s.V_scaled = mul(s.V, l_v);    // [B,T,C] ⊙ [C]: feature c of every value times l_v[c]
  s.q = split_heads(s.Q, H);
  s.k = split_heads(s.K_scaled, H);
  s.v = split_heads(s.V_scaled, H);
  const std::int64_t T = x.size(1);
  const double inv_sqrt_d = 1.0 / std::sqrt(static_cast<double>(s.q.size(3)));
  s.scores = masked_fill(mul_scalar(matmul_nt(s.q, s.k), inv_sqrt_d), causal_mask(T),
                         -std::numeric_limits<double>::infinity());
  s.weights = softmax(s.scores, -1);
  s.heads = matmul(s.weights, s.v);
  s.merged = merge_heads(s.heads);
  s.output = add(matmul_nt(s.merged, layer.out_proj().weight()), layer.out_proj().bias());
  return s;
}

void attention_step_by_step() {
  heading(1,
          "IA3 attention, step by step with knob ops (the reference sizes of docs/spec.md: C 64, H "
          "4; float64)");
  Generator gen(8);
  const std::int64_t B = 2, T = 5, C = 64, H = 4;
  const ia3::IA3Attention layer(C, H, gen, DType::f64);
  fmt::print("ia3::IA3Attention's parameters:\n");
  for (const auto& [name, p] : layer.named_parameters()) {
    fmt::print("  {:<16} {:<8} {}\n", name, shape_str(p.shape()),
               p.requires_grad() ? "trainable" : "frozen");
  }
  const Tensor x = randn({B, T, C}, gen, DType::f64);
  const Tensor l_k = moved_vector(C, gen, DType::f64);
  const Tensor l_v = moved_vector(C, gen, DType::f64);
  const AttentionSteps s = attention_by_hand(layer, H, x, l_k, l_v);
  const auto row = [](std::string_view name, std::string_view what, const Tensor& t) {
    fmt::print("  {:<8} {:<30} {}\n", name, what, shape_str(t.shape()));
  };
  row("x", "the input", x);
  row("Q, K, V", "x W_Qᵀ + b_Q, ... (frozen)", s.Q);
  row("K'", "K ⊙ l_k  (l_k: [64])", s.K_scaled);
  row("V'", "V ⊙ l_v  (l_v: [64])", s.V_scaled);
  row("q, k, v", "heads of Q, K', V'", s.q);
  row("A", "softmax(q kᵀ/√D + M)", s.weights);
  row("A v", "every head's output", s.heads);
  row("merged", "heads side by side", s.merged);
  row("y", "merged W_Oᵀ + b_O", s.output);
  const Tensor theirs = layer.forward_with(x, l_k, l_v);
  const double diff = max_abs_difference(s.output, theirs);
  fmt::print("max |by hand - ia3::IA3Attention::forward_with| = {:.1e}\n", diff);
  claim(diff == 0.0, "the step-by-step attention equals IA3Attention exactly");
}

// ---- 2. the feed-forward block ------------------------------------------------------------------
struct FeedForwardSteps {
  Tensor hidden;         // act(x W_upᵀ + b_up): [B,T,F]
  Tensor hidden_scaled;  // hidden ⊙ l_ff: [B,T,F]
  Tensor output;         // hidden_scaled W_downᵀ + b_down: [B,T,C]
};

FeedForwardSteps feed_forward_by_hand(const ia3::IA3FeedForward& layer, const Tensor& x,
                                      const Tensor& l_ff) {
  FeedForwardSteps s;
  s.hidden = gelu(add(matmul_nt(x, layer.up().weight()), layer.up().bias()));
  s.hidden_scaled = mul(s.hidden, l_ff);  // [B,T,F] ⊙ [F]
  s.output = add(matmul_nt(s.hidden_scaled, layer.down().weight()), layer.down().bias());
  return s;
}

void feed_forward_step_by_step() {
  heading(2, "IA3 feed-forward: (gelu(x W_upᵀ + b_up) ⊙ l_ff) W_downᵀ + b_down (F 256; float64)");
  Generator gen(9);
  const std::int64_t B = 2, T = 5, C = 64, F = 256;
  const ia3::IA3FeedForward layer(C, F, Activation::gelu, gen, DType::f64);
  const Tensor x = randn({B, T, C}, gen, DType::f64);
  const Tensor l_ff = moved_vector(F, gen, DType::f64);
  const FeedForwardSteps s = feed_forward_by_hand(layer, x, l_ff);
  fmt::print("  hidden {}  ⊙ l_ff {}  → y {}\n", shape_str(s.hidden.shape()),
             shape_str(l_ff.shape()), shape_str(s.output.shape()));
  const double diff = max_abs_difference(s.output, layer.forward_with(x, l_ff));
  fmt::print("max |by hand - ia3::IA3FeedForward::forward_with| = {:.1e}\n", diff);
  claim(diff == 0.0, "the step-by-step feed-forward equals IA3FeedForward exactly");
}

// ---- 3. ones are the identity -------------------------------------------------------------------
void ones_are_the_identity() {
  heading(3, "Ones are the identity: bit-identical outputs at initialisation (float32)");
  Generator gen(10);
  const std::int64_t C = 64, H = 4, F = 256;
  const Tensor x = randn({4, 13, C}, gen);  // f32, as the model runs

  const nn::MultiHeadAttention attention(C, H, gen);  // a plain layer, no IA³
  const auto ia3_attention = ia3::IA3Attention::from_attention(attention);  // its weights, l = 1
  // Bit for bit needs the same ops in the same order: the plain layer without its fused softmax
  // (section 6 shows what fusion changes).
  Tensor plain;
  {
    const nn::FusionGuard unfused(false);
    plain = attention.forward(x).output;
  }
  const Tensor adapted = ia3_attention->forward(x);
  fmt::print("attention:    l_k = l_v = 1   max |difference| = {:.1e}   bit-identical: {}\n",
             max_abs_difference(plain, adapted), bit_identical(plain, adapted) ? "yes" : "no");
  claim(bit_identical(plain, adapted), "IA3Attention at ones equals the plain layer bit for bit");

  const nn::FeedForward ffn(C, F, Activation::gelu, gen);
  const auto ia3_ffn = ia3::IA3FeedForward::from_feed_forward(ffn);
  const Tensor ffn_plain = ffn.forward(x);
  const Tensor ffn_adapted = ia3_ffn->forward(x);
  fmt::print("feed-forward: l_ff = 1        max |difference| = {:.1e}   bit-identical: {}\n",
             max_abs_difference(ffn_plain, ffn_adapted),
             bit_identical(ffn_plain, ffn_adapted) ? "yes" : "no");
  claim(bit_identical(ffn_plain, ffn_adapted), "IA3FeedForward at ones equals the plain layer");

  Generator init(1234);
  nn::Transformer model(nn::TransformerConfig{}, init);
  const Tensor ids = randint({4, 13}, 0, 19, gen);
  const Tensor before = model.forward(ids);
  ia3::add_vectors(model);  // adds l_k, l_v, l_ff (ones) to both blocks
  const Tensor after = model.forward(ids);
  fmt::print("transformer:  logits before and after add_vectors()  bit-identical: {}\n",
             bit_identical(before, after) ? "yes" : "no");
  claim(bit_identical(before, after), "ia3::add_vectors() leaves the logits bit-identical");

  // The contrast: the smallest step away from one already changes the output.
  const float next_after_one = std::nextafter(1.0f, 2.0f);
  const Tensor nudged =
      ia3_attention->forward_with(x, full({C}, next_after_one), full({C}, next_after_one));
  fmt::print("attention:    l = {:.9f} (the next float after 1)   max |difference| = {:.1e}\n",
             next_after_one, max_abs_difference(plain, nudged));
  claim(!bit_identical(plain, nudged), "the next float after one changes the output");
}

// ---- 4. the backward, by hand ---------------------------------------------------------------
// With L = Σ y ⊙ G (so ∂L/∂y = G), the gradient of l_ff from the formula of the README, computed
// with knob ops but not recorded. (l_k's and l_v's, through the attention, are exercise ex23.)
Tensor feed_forward_vector_gradient(const ia3::IA3FeedForward& layer, const FeedForwardSteps& s,
                                    const Tensor& G) {
  NoGradGuard no_grad;
  const Tensor hidden_scaled_bar = matmul(G, layer.down().weight());  // G W_down: [B,T,F]
  return sum(mul(hidden_scaled_bar, s.hidden), {0, 1});               // Σ_{b,t} (G W_down) ⊙ h
}

void backward_by_hand() {
  heading(4, "The gradients of l_k, l_v, l_ff from the tape; l_ff by hand (float64)");
  Generator gen(11);
  const std::int64_t B = 2, T = 5, C = 64, H = 4, F = 256;
  const ia3::IA3Attention attention(C, H, gen, DType::f64);
  const ia3::IA3FeedForward ffn(C, F, Activation::gelu, gen, DType::f64);
  const Tensor x = randn({B, T, C}, gen, DType::f64);
  const Tensor G = randn({B, T, C}, gen, DType::f64);  // ∂L/∂y, any values
  Tensor l_k = moved_vector(C, gen, DType::f64).requires_grad_();
  Tensor l_v = moved_vector(C, gen, DType::f64).requires_grad_();
  Tensor l_ff = moved_vector(F, gen, DType::f64).requires_grad_();

  const AttentionSteps s = attention_by_hand(attention, H, x, l_k, l_v);
  const FeedForwardSteps f = feed_forward_by_hand(ffn, x, l_ff);
  backward(add(sum(mul(s.output, G)), sum(mul(f.output, G))));  // L = Σ y_attn G + Σ y_ffn G
  const Tensor hand_ff = feed_forward_vector_gradient(ffn, f, G);
  const double dff = max_abs_difference(l_ff.grad(), hand_ff);
  fmt::print(
      "  vector  by hand                                  largest |grad|   max |tape - hand|\n");
  fmt::print("  l_k     exercise ex23                           {:>14.3f}   {:>17}\n",
             largest_magnitude(l_k.grad()), "-");
  fmt::print("  l_v     exercise ex23                           {:>14.3f}   {:>17}\n",
             largest_magnitude(l_v.grad()), "-");
  fmt::print("  l_ff    Σ_bt (G W_down) ⊙ gelu(x W_upᵀ + b_up)  {:>14.3f}   {:>17.1e}\n",
             largest_magnitude(l_ff.grad()), dff);
  claim(dff < 1e-12, "the hand-derived gradient of l_ff equals the tape's");
}

// ---- 5. gradcheck ---------------------------------------------------------------------------
void check_with_gradcheck() {
  heading(5, "gradcheck: l_k, l_v, l_ff against central differences (float64)");
  Generator gen(12);
  const std::int64_t B = 2, T = 5, C = 64, H = 4, F = 256;
  const auto attention = std::make_shared<ia3::IA3Attention>(C, H, gen, DType::f64);
  const auto ffn = std::make_shared<ia3::IA3FeedForward>(C, F, Activation::gelu, gen, DType::f64);
  const Tensor x = randn({B, T, C}, gen, DType::f64);  // fixed input: not checked
  const Tensor l_k = moved_vector(C, gen, DType::f64).requires_grad_();
  const Tensor l_v = moved_vector(C, gen, DType::f64).requires_grad_();
  const Tensor l_ff = moved_vector(F, gen, DType::f64).requires_grad_();
  const GradcheckResult r_attention = gradcheck(
      [&](const TensorList& in) { return attention->forward_with(x, in[0], in[1]); }, {l_k, l_v});
  const GradcheckResult r_ffn =
      gradcheck([&](const TensorList& in) { return ffn->forward_with(x, in[0]); }, {l_ff});
  fmt::print("IA3Attention in l_k, l_v:  {} Jacobian entries, max abs error {:.1e}: {}\n",
             r_attention.compared, r_attention.max_abs_error, r_attention.passed ? "pass" : "FAIL");
  fmt::print("IA3FeedForward in l_ff:    {} Jacobian entries, max abs error {:.1e}: {}\n",
             r_ffn.compared, r_ffn.max_abs_error, r_ffn.passed ? "pass" : "FAIL");
  if (!r_attention.passed) fmt::print("{}\n", r_attention.message);
  if (!r_ffn.passed) fmt::print("{}\n", r_ffn.message);
  claim(r_attention.passed && r_ffn.passed, "gradcheck passes for l_k, l_v and l_ff");
  claim(r_attention.compared == B * T * C * 2 * C && r_ffn.compared == B * T * C * F,
        "every Jacobian entry is compared: [B·T·C] x [2C] and [B·T·C] x [F]");
}

// ---- 6. the fast version: the transformer's own layers ------------------------------------------
void built_in_path() {
  heading(6, "The fast version: IA3 as nn::Linear's output scale, inside nn's own layers");
  Generator gen(13);
  const std::int64_t C = 64, H = 4, F = 256;
  const Tensor x = randn({4, 13, C}, gen);  // f32

  nn::MultiHeadAttention attention(C, H, gen);
  ia3::add_vectors(attention);  // what ia3::add_vectors(model) does in every block
  assign(ia3::l_k(attention), moved_vector(C, gen, DType::f32));
  assign(ia3::l_v(attention), moved_vector(C, gen, DType::f32));
  const auto reference = ia3::IA3Attention::from_attention(attention);  // same weights, same l
  const Tensor slow = reference->forward(x);
  Tensor unfused_output;
  {
    const nn::FusionGuard unfused(false);  // the same ops as IA3Attention, in the same order
    unfused_output = attention.forward(x).output;
  }
  const Tensor fast = attention.forward(x).output;  // fused: l_k, l_v in the projections' epilogue
  fmt::print("nn::MultiHeadAttention with l_k, l_v  vs  ia3::IA3Attention:   bit-identical: {}\n",
             bit_identical(unfused_output, slow) ? "yes" : "no");
  claim(bit_identical(unfused_output, slow),
        "the built-in attention, unfused, computes exactly IA3Attention");
  const double fused_difference = max_abs_difference(fast, slow);
  fmt::print("  the same with the fused ops (the default): max |difference| = {:.1e}\n",
             fused_difference);
  claim(fused_difference < 1e-5,
        "the fused attention agrees with IA3Attention to float32 rounding");

  nn::FeedForward ffn(C, F, Activation::gelu, gen);
  ia3::add_vectors(ffn);
  assign(ia3::l_ff(ffn), moved_vector(F, gen, DType::f32));
  const auto ffn_reference = ia3::IA3FeedForward::from_feed_forward(ffn);
  const Tensor ffn_fast = ffn.forward(x);
  const Tensor ffn_slow = ffn_reference->forward(x);
  fmt::print("nn::FeedForward with l_ff             vs  ia3::IA3FeedForward: bit-identical: {}\n",
             bit_identical(ffn_fast, ffn_slow) ? "yes" : "no");
  claim(bit_identical(ffn_fast, ffn_slow),
        "the built-in feed-forward computes exactly IA3FeedForward");

  // What IA³ adds to a forward pass: one multiply per element of K, V and the hidden layer,
  // against the multiply-adds of the projections (4C² for q, k, v, out; 2CF for up, down).
  const std::int64_t extra = 2 * C + F;
  const std::int64_t matmul = 4 * C * C + 2 * C * F;
  fmt::print(
      "per position and block: IA3 adds 2C + F = {} multiplies to 4C² + 2CF = {} "
      "multiply-adds ({:.2f}%)\n",
      extra, matmul, 100.0 * static_cast<double>(extra) / static_cast<double>(matmul));
}

// ---- 7. counting what trains ------------------------------------------------------------------
void count_parameters() {
  heading(7,
          "What trains: the reference model with the default adapter (k_proj, v_proj, ffn.down)");
  Generator init(1234);
  auto model = std::make_shared<nn::Transformer>(nn::TransformerConfig{}, init);
  const std::int64_t base = model->num_parameters();
  const ia3::Adapter adapter(model, ia3::AdapterConfig::spec_default());  // enables, freezes
  for (const auto& [name, vector] : adapter.vectors()) {
    fmt::print("  {:<20} {:<6} trainable\n", name, shape_str(vector.shape()));
  }
  const ia3::AdapterReport report = adapter.report();
  const auto& c = model->config();
  const std::int64_t formula = c.n_layers * (c.d_model + c.d_model + c.d_ff);
  fmt::print("L · (C + C + F) = {} · ({} + {} + {}) = {}\n", c.n_layers, c.d_model, c.d_model,
             c.d_ff, formula);
  fmt::print("adapter report: {} trainable, {} frozen (the base: {}), {} bytes, share {:.2f}%\n",
             report.trainable, report.frozen, base, report.adapter_bytes, 100.0 * report.share());
  fmt::print("model.num_parameters(trainable only) = {}\n", model->num_parameters(true));
  claim(formula == 768 && report.trainable == 768 && model->num_parameters(true) == 768,
        "768 numbers train: 2 · (64 + 64 + 256)");
  claim(report.frozen == base && report.adapter_bytes == 768 * 4,
        "every base parameter is frozen and the adapter is 3072 bytes");
}

}  // namespace

int main() {
  try {
    attention_step_by_step();
    feed_forward_step_by_step();
    ones_are_the_identity();
    backward_by_hand();
    check_with_gradcheck();
    built_in_path();
    count_parameters();
  } catch (const Error& e) {
    fmt::print("error: {}\n", e.what());
    return 1;
  }
  return finish(8);
}
