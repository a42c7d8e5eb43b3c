// Lesson 06: the transformer block. LayerNorm from its formula, the pre-LN block rebuilt from its
// parts with every shape printed, the backward of LayerNorm's centering step by hand (the method
// for exercise ex08) and gradcheck of LayerNorm, one gradient checked by central differences, why
// residuals keep gradients alive, the parameter count by formula against the module's own count,
// and where the time goes.
// Read tutorials/06_transformer_block/README.md alongside. Exits 1 if a claim is false.
//
// Usage: tutorial_06 [--quick]   (--quick: a shorter timing in section 7; what ctest runs)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "autograd/error.h"
#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "nn/layers/transformer.h"
#include "nn/layers/transformer_block.h"
#include "tutorials/common/lesson.h"

using namespace knob;
using namespace knob::lesson;  // claim, heading, max_abs_difference, finish

namespace {

double norm(const Tensor& x) { return std::sqrt(sum(pow(x, 2.0)).item()); }

// Mean and (biased) variance of every row of the last axis, summarised.
struct RowStats {
  double largest_abs_mean = 0.0, smallest_var = 1e30, largest_var = 0.0;
};

RowStats row_stats(const Tensor& x) {
  const std::vector<double> v = x.to_vector();
  const auto c = static_cast<std::size_t>(x.size(-1));
  RowStats stats;
  for (std::size_t row = 0; row < v.size() / c; ++row) {
    double m = 0.0, var = 0.0;
    for (std::size_t i = 0; i < c; ++i) m += v[row * c + i] / static_cast<double>(c);
    for (std::size_t i = 0; i < c; ++i)
      var += std::pow(v[row * c + i] - m, 2) / static_cast<double>(c);
    stats.largest_abs_mean = std::max(stats.largest_abs_mean, std::fabs(m));
    stats.smallest_var = std::min(stats.smallest_var, var);
    stats.largest_var = std::max(stats.largest_var, var);
  }
  return stats;
}

// ---- 1. LayerNorm from its formula --------------------------------------------------------------
// y = (x - μ) / sqrt(σ² + ε) ⊙ w + b, over the last axis.
Tensor my_layer_norm(const Tensor& x, const nn::LayerNorm& ln) {
  Tensor mu = mean(x, {-1}, true);                  // μ: [..., 1]
  Tensor var = mean(pow(x - mu, 2.0), {-1}, true);  // σ², dividing by C: [..., 1]
  Tensor x_hat = (x - mu) / sqrt(var + ln.eps());   // x̂: [..., C]
  return x_hat * ln.weight() + ln.bias();           // [..., C]
}

void layer_norm_from_its_formula() {
  heading(1, "LayerNorm from its formula");
  Generator gen(2);
  nn::LayerNorm ln(16, 1e-5, DType::f64);
  const Tensor x = randn({2, 4, 16}, gen, DType::f64) * 3.0 + 5.0;  // 8 rows of 16, far from N(0,1)
  const Tensor y = ln.forward(x);
  const RowStats before = row_stats(x), after = row_stats(y);
  fmt::print("8 rows of 16 features   largest |row mean|   row variances\n");
  fmt::print("x                       {:>18.3f}   {:.3f} … {:.3f}\n", before.largest_abs_mean,
             before.smallest_var, before.largest_var);
  fmt::print("LayerNorm(x)            {:>18.1e}   {:.6f} … {:.6f}\n", after.largest_abs_mean,
             after.smallest_var, after.largest_var);
  const double diff = max_abs_difference(y, my_layer_norm(x, ln));
  fmt::print("max |nn::LayerNorm - the formula| = {:.1e}\n", diff);
  claim(after.largest_abs_mean < 1e-12 && after.largest_var < 1.0 && after.smallest_var > 0.999,
        "every row of LayerNorm(x) has mean 0 and variance just under 1");
  claim(diff < 1e-14, "nn::LayerNorm is the formula");
}

// ---- 2. the block rebuilt from its parts --------------------------------------------------------
void print_stage(const char* name, const char* formula, const Tensor& t) {
  fmt::print("  {:<8} {:<29} {}\n", name, formula, shape_str(t.shape()));
}

void block_from_its_parts() {
  heading(2, "The pre-LN block, rebuilt from its parts (the reference config: C 64, H 4, F 256)");
  Generator gen(4);
  const nn::TransformerConfig config;  // docs/spec.md's tiny config
  nn::TransformerBlock block(config, gen);
  const Tensor x = randn({2, 5, config.d_model}, gen);  // [B,T,C] = [2,5,64]

  print_stage("x", "the residual stream", x);
  const Tensor h = block.ln1().forward(x);
  print_stage("h", "ln1(x)", h);
  const nn::AttentionResult attended = block.attn().forward(h, {.return_weights = true});
  print_stage("weights", "softmax(q kᵀ/√D + mask)", attended.weights);
  print_stage("attn", "attn(h)", attended.output);
  const Tensor x1 = x + attended.output;
  print_stage("x1", "x + attn(h)       (residual)", x1);
  const Tensor h2 = block.ln2().forward(x1);
  print_stage("h2", "ln2(x1)", h2);
  const Tensor hidden = gelu(block.ffn().up().forward(h2));
  print_stage("hidden", "gelu(h2 W_upᵀ + b_up)", hidden);
  const Tensor fed = block.ffn().down().forward(hidden);
  print_stage("ffn", "hidden W_downᵀ + b_down", fed);
  const Tensor y = x1 + fed;
  print_stage("y", "x1 + ffn(h2)      (residual)", y);

  const double diff = max_abs_difference(y, block.forward(x));
  fmt::print("max |rebuilt - TransformerBlock::forward| = {:.1e}\n", diff);
  claim(diff == 0.0 && y.shape() == x.shape(),
        "the rebuilt block is the module, and y has x's shape");
}

// ---- 3. the method on LayerNorm's first step: the backward of centering -------------------------
// c = x - μ with μ the mean of x's row: ∂c_i/∂x_j = δ_ij - 1/C, since μ depends on every x_j.
// Contracting with the gradient h arriving at c: x̄_j = Σ_i h_i (δ_ij - 1/C) = h_j - mean(h).
// (LayerNorm's whole backward is exercise ex08; docs/gradients.md derives it.)
Tensor centered(const Tensor& x) { return x - mean(x, {-1}, true); }  // c: [..., C]

Tensor centering_backward_by_hand(const Tensor& h) {  // h = dL/dc: [..., C]
  NoGradGuard no_grad;
  return h - mean(h, {-1}, true);  // dL/dx: [..., C]
}

void centering_backward_and_layer_norm_gradcheck() {
  heading(3, "The method on LayerNorm's first step: centering by hand, then gradcheck");
  Generator gen(6);
  nn::LayerNorm ln(16, 1e-5, DType::f64);
  // Give the gain and shift values other than 1 and 0, so that their gradients matter.
  ln.load_state_dict({{"weight", randn({16}, gen, DType::f64) * 0.5 + 1.0},
                      {"bias", randn({16}, gen, DType::f64) * 0.5}});
  Tensor x = randn({3, 16}, gen, DType::f64).requires_grad_();  // [3,16]
  const Tensor h = randn({3, 16}, gen, DType::f64);             // gradient arriving at c
  backward(sum(centered(x) * h));
  const double dx = max_abs_difference(x.grad(), centering_backward_by_hand(h));
  fmt::print("centering c = x - mean(x): max |tape - hand| in x = {:.1e}\n", dx);
  claim(dx < 1e-14, "the hand-derived backward of centering equals the tape's");

  const GradcheckResult r = gradcheck([&](const TensorList& in) { return ln.forward(in[0]); },
                                      {x, ln.weight(), ln.bias()});
  fmt::print("gradcheck of LayerNorm in x, weight and bias: {} entries, max abs error {:.1e}: {}\n",
             r.compared, r.max_abs_error, r.passed ? "pass" : "FAIL");
  claim(r.passed, "gradcheck passes on LayerNorm");
}

// ---- 4. one gradient of the whole block, by central differences ---------------------------------
// A small config so that float64 checks stay quick: C 16, H 2, F 64.
nn::TransformerConfig small_config() {
  nn::TransformerConfig config;
  config.d_model = 16;
  config.n_heads = 2;
  config.d_ff = 64;
  config.max_seq_len = 8;
  return config;
}

void one_gradient_of_the_block() {
  heading(4, "One gradient of the whole block, by central differences (float64)");
  Generator gen(8);
  nn::TransformerBlock block(small_config(), gen, DType::f64);
  const Tensor x = randn({2, 6, 16}, gen, DType::f64);  // [B,T,C]
  const Tensor g = randn({2, 6, 16}, gen, DType::f64);  // L = Σ y ⊙ g
  auto loss = [&] { return sum(block.forward(x) * g); };
  backward(loss());
  const double eps = 1e-6;
  fmt::print("  {:<24} {:<8} {:>15} {:>15} {:>9}\n", "parameter", "element", "tape", "numeric",
             "|diff|");
  struct Probe {
    const char* name;
    std::vector<std::int64_t> index;
  };
  for (const Probe& p : {Probe{"attn.q_proj.weight", {3, 5}}, Probe{"attn.k_proj.bias", {2}},
                         Probe{"ffn.up.weight", {40, 7}}, Probe{"ln1.weight", {0}}}) {
    Tensor param = block.parameter(p.name);
    const double analytic = param.grad().at(p.index);
    const double original = param.at(p.index);
    NoGradGuard no_grad;
    param.set(p.index, original + eps);
    const double plus = loss().item();
    param.set(p.index, original - eps);
    const double minus = loss().item();
    param.set(p.index, original);  // put it back exactly
    const double numeric = (plus - minus) / (2 * eps);
    fmt::print("  {:<24} {:<8} {:>15.9f} {:>15.9f} {:>9.1e}\n", p.name, shape_str(p.index),
               analytic, numeric, std::fabs(analytic - numeric));
    claim(std::fabs(analytic - numeric) <= 1e-5 + 1e-3 * std::fabs(numeric),
          fmt::format("the tape's d L / d {} matches central differences", p.name));
  }
  // The key bias adds q_t · b_k to every score of query t's row, and softmax ignores a constant
  // added to a whole row: the key bias cannot change the output, so its gradient is zero.
  const double key_bias_grad = norm(block.parameter("attn.k_proj.bias").grad());
  fmt::print("|dL/d attn.k_proj.bias| over all {} entries = {:.1e}\n", small_config().d_model,
             key_bias_grad);
  claim(key_bias_grad < 1e-12, "the key bias gets no gradient");
}

// ---- 5. why residuals: the gradient highway -----------------------------------------------------
// The gradient that reaches the input of a stack of blocks, with and without the residual adds.
Tensor input_gradient(const std::vector<std::shared_ptr<nn::TransformerBlock>>& blocks,
                      bool residual, const Tensor& x0, const Tensor& g) {
  Tensor x = x0.detach().requires_grad_();
  Tensor h = x;
  for (const auto& block : blocks) {
    if (residual) {
      h = block->forward(h);  // h + attn(ln1 h), then + ffn(ln2 ·)
    } else {
      h = block->attn().forward(block->ln1().forward(h)).output;  // attn(ln1 h), nothing added
      h = block->ffn().forward(block->ln2().forward(h));          // ffn(ln2 ·), nothing added
    }
  }
  backward(sum(h * g));  // the gradient arriving at the top is g
  return x.grad();       // [B,T,C]
}

// cos of the angle between two tensors seen as long vectors: 1 = same direction, 0 = unrelated.
double cosine(const Tensor& a, const Tensor& b) { return sum(a * b).item() / (norm(a) * norm(b)); }

void why_residuals() {
  heading(5, "Why residuals: the gradient from the top reaches the bottom");
  Generator gen(10);
  const nn::TransformerConfig config;
  std::vector<std::shared_ptr<nn::TransformerBlock>> blocks;
  const Tensor x = randn({2, 8, config.d_model}, gen);  // [B,T,C]
  const Tensor g = randn({2, 8, config.d_model}, gen);  // gradient arriving at the top
  fmt::print("g = dL/d(top), |g| = {:.1f}. At the input x of the stack:\n", norm(g));
  fmt::print("  {:>6}  {:>24}  {:>24}\n", "blocks", "with residuals", "without");
  fmt::print("  {:>6}  {:>10}  {:>12}  {:>10}  {:>12}\n", "", "|dL/dx|", "cos(dL/dx,g)", "|dL/dx|",
             "cos(dL/dx,g)");
  double cos_with = 0.0, cos_without = 0.0;
  for (int depth : {1, 2, 4, 8, 16}) {
    while (static_cast<int>(blocks.size()) < depth) {
      blocks.push_back(std::make_shared<nn::TransformerBlock>(config, gen));
    }
    const Tensor with = input_gradient(blocks, true, x, g);
    const Tensor without = input_gradient(blocks, false, x, g);
    cos_with = cosine(with, g);
    cos_without = cosine(without, g);
    fmt::print("  {:>6}  {:>10.1f}  {:>12.2f}  {:>10.1f}  {:>12.2f}\n", depth, norm(with), cos_with,
               norm(without), cos_without);
  }
  claim(cos_with > 0.5 && std::fabs(cos_without) < 0.1,
        "after 16 blocks the gradient still points along g with residuals, and not without");
}

// ---- 6. counting parameters, and where the time goes --------------------------------------------
void count_parameters() {
  heading(6, "Counting parameters by formula (the reference config)");
  const nn::TransformerConfig c;
  const std::int64_t C = c.d_model, F = c.d_ff, V = c.vocab_size, T = c.max_seq_len;
  const std::int64_t attention = 4 * (C * C + C);  // q, k, v, out: C×C weight + C bias
  const std::int64_t feed_forward = (C * F + F) + (F * C + C);  // up, down
  const std::int64_t layer_norms = 2 * (2 * C);                 // ln1, ln2: weight + bias
  const std::int64_t block = attention + feed_forward + layer_norms;
  const std::int64_t model = V * C + T * C + c.n_layers * block + 2 * C + (C * V + V);
  Generator gen(0);
  const nn::TransformerBlock block_module(c, gen);
  const nn::Transformer model_module(c, gen);
  fmt::print("attention     4(C² + C)        = {}\n", attention);
  fmt::print("feed-forward  2CF + F + C      = {}\n", feed_forward);
  fmt::print("layer norms   2 · 2C           = {}\n", layer_norms);
  fmt::print("one block                      = {}   module: {}\n", block,
             block_module.num_parameters());
  fmt::print("model  VC + T_max C + L·block + 2C + (CV + V) = {}   module: {}\n", model,
             model_module.num_parameters());
  claim(block == block_module.num_parameters() && model == model_module.num_parameters(),
        "the formula counts exactly the module's parameters");
  fmt::print("the block's own summary:\n{}", block_module.summary());
}

// FLOPs of one forward pass of a block over B·T tokens (a multiply-add counts 2).
double block_forward_flops(const nn::TransformerConfig& c, std::int64_t B, std::int64_t T) {
  const double tokens = static_cast<double>(B * T);
  const double C = static_cast<double>(c.d_model), F = static_cast<double>(c.d_ff);
  const double projections = 2.0 * tokens * 4.0 * C * C;     // q, k, v, out
  const double scores_and_mix = 2.0 * 2.0 * tokens * T * C;  // q kᵀ and a v, every head
  const double feed_forward = 2.0 * tokens * 2.0 * C * F;    // up and down
  return projections + scores_and_mix + feed_forward;
}

// Time forward + backward of one block on [B,32,64], best of `repeats` runs.
void where_the_time_goes(std::int64_t B, int repeats) {
  heading(7, "The fast version: FLOPs by formula, and the measured rate");
  Generator gen(12);
  const nn::TransformerConfig c;
  nn::TransformerBlock block(c, gen);
  const std::int64_t T = 32;
  const Tensor x = randn({B, T, c.d_model}, gen);
  const double flops = block_forward_flops(c, B, T);
  const double matmul_share =
      (flops - 2.0 * 2.0 * static_cast<double>(B * T * T * c.d_model)) / flops;
  fmt::print(
      "forward of one block on [B,T,C] = [{},{},{}]: {:.1f} MFLOP, {:.0f}% in the four "
      "projections and the FFN\n",
      B, T, c.d_model, flops / 1e6, 100 * matmul_share);
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    block.zero_grad();
    const auto start = std::chrono::steady_clock::now();
    backward(sum(block.forward(x)));  // forward + backward ≈ 3 × the forward's FLOPs
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    best = std::min(best, took.count());
  }
  fmt::print("forward + backward, best of {}: {:.2f} ms ≈ {:.1f} GFLOP/s\n", repeats, best * 1e3,
             3 * flops / best / 1e9);
}

}  // namespace

int main(int argc, char** argv) {
  // --quick (what ctest runs): time section 7 twice instead of five times; everything else, and
  // every line of the output but that number and the timing, is the same as without it.
  const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  try {
    layer_norm_from_its_formula();
    block_from_its_parts();
    centering_backward_and_layer_norm_gradcheck();
    one_gradient_of_the_block();
    why_residuals();
    count_parameters();
    where_the_time_goes(32, quick ? 2 : 5);
  } catch (const Error& e) {
    fmt::print("error: {}\n", e.what());
    return 1;
  }
  return finish(6);
}
