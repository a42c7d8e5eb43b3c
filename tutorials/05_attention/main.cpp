// Lesson 05: attention from scratch. Why scores are divided by sqrt(d), one head as a soft
// lookup, the causal mask, several heads at once, the same numbers as nn::MultiHeadAttention,
// the backward derived by hand and gradchecked, and attention heat maps.
// Read tutorials/05_attention/README.md alongside. Exits 1 if anything the lesson claims is false.
//
// Usage: tutorial_05 [--quick] [OUT_DIR]
//   --quick   time section 5 over 3 runs instead of 20 (what ctest runs)
//   OUT_DIR   where the two heat maps (*.svg) go (default: the current folder)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "autograd/error.h"
#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "nn/layers/attention.h"
#include "nn/train/svg_plot.h"
#include "tutorials/common/lesson.h"

using namespace knob;
using namespace knob::lesson;  // claim, heading, max_abs_difference, finish

namespace {

// Print a [T,S] matrix with two decimals, one row per line, with row and column labels.
void print_matrix(const Tensor& m, const std::vector<std::string>& labels) {
  const std::int64_t rows = m.size(0), cols = m.size(1);
  fmt::print("{:>8}", "");
  for (std::int64_t s = 0; s < cols; ++s) fmt::print("{:>6}", labels[static_cast<std::size_t>(s)]);
  fmt::print("\n");
  for (std::int64_t t = 0; t < rows; ++t) {
    fmt::print("{:>8}", labels[static_cast<std::size_t>(t)]);
    for (std::int64_t s = 0; s < cols; ++s) fmt::print("{:>6.2f}", m.at({t, s}));
    fmt::print("\n");
  }
}

// ---- the one function this lesson is about ---------------------------------------------------
struct AttentionOut {
  Tensor output;   // [..., T, Dv]
  Tensor weights;  // [..., T, S]
};

// Scaled dot-product attention: softmax(q kᵀ / √D + M) v, where M is -∞ above the diagonal
// (key s after query t) when causal and 0 elsewhere. knob's attention_softmax does the scale,
// the mask and the softmax in one pass; writing them as separate ops is exercise ex10.
// q [..., T, D], k [..., S, D], v [..., S, Dv] (S = T when causal).
AttentionOut attention(const Tensor& q, const Tensor& k, const Tensor& v, bool causal) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  Tensor weights = attention_softmax(matmul_nt(q, k), scale, causal);  // rows sum to 1: [..., T, S]
  return {matmul(weights, v), weights};  // a weighted average of the values: [..., T, Dv]
}

// ---- 1. why divide by √D -----------------------------------------------------------------------
void why_scale() {
  heading(1, "Why divide by sqrt(D): dot products of random vectors grow like sqrt(D)");
  Generator gen(1);
  fmt::print("  {:>4}  {:>10}  {:>14}  {:>18}  {:>18}\n", "D", "std(q.k)", "std(q.k/sqrtD)",
             "max weight q.k", "max weight scaled");
  for (std::int64_t d : {4, 16, 64, 256}) {
    // 500 queries, each against 8 keys, entries N(0,1).
    Tensor q = randn({500, 1, d}, gen, DType::f64);  // [500,1,D]
    Tensor k = randn({500, 8, d}, gen, DType::f64);  // [500,8,D]
    Tensor raw = matmul_nt(q, k);                    // [500,1,8]
    Tensor scaled = raw / std::sqrt(static_cast<double>(d));
    auto std_of = [](const Tensor& x) {
      const double m = mean(x).item();
      return std::sqrt(mean(pow(x - m, 2.0)).item());
    };
    auto mean_max_weight = [](const Tensor& s) { return mean(max(softmax(s, -1), {-1})).item(); };
    const double max_raw = mean_max_weight(raw), max_scaled = mean_max_weight(scaled);
    fmt::print("  {:>4}  {:>10.2f}  {:>14.2f}  {:>18.2f}  {:>18.2f}\n", d, std_of(raw),
               std_of(scaled), max_raw, max_scaled);
    if (d == 256) claim(max_raw > 0.9 && max_scaled < 0.7, "unscaled softmax saturates at D = 256");
  }
}

// ---- 2. one head: a soft lookup -----------------------------------------------------------------
// A head built by hand: every key says "I am position s", every query asks for "position t-1". So
// each word attends to the word before it — a "previous-token head".
Tensor previous_token_head(const std::vector<std::string>& words, bool causal) {
  const std::int64_t T = static_cast<std::int64_t>(words.size());
  Tensor k = zeros({T, T}, DType::f64);  // key s = onehot(s): [T,D] with D = T
  Tensor q = zeros({T, T}, DType::f64);  // query t = 10 * onehot(t-1) (nothing for t = 0)
  for (std::int64_t s = 0; s < T; ++s) k.set({s, s}, 1.0);
  for (std::int64_t t = 1; t < T; ++t) q.set({t, t - 1}, 10.0);
  Tensor v = k.clone();  // value s = onehot(s): the output row t shows where t looked
  return attention(q, k, v, causal).weights;  // [T,T]
}

Tensor one_head(const std::vector<std::string>& words) {
  heading(2, "One head: a soft lookup (query t asks for position t-1)");
  fmt::print("without a mask, weights [T,T] (row = query, column = key):\n");
  const Tensor open = previous_token_head(words, false);
  print_matrix(open, words);
  fmt::print("with the causal mask (no query may look at a later key):\n");
  const Tensor masked = previous_token_head(words, true);
  print_matrix(masked, words);
  const std::int64_t T = masked.size(0);
  double above_diagonal = 0.0;
  for (std::int64_t t = 0; t < T; ++t) {
    for (std::int64_t s = t + 1; s < T; ++s) above_diagonal += masked.at({t, s});
    claim(std::fabs(sum(slice(masked, 0, t, 1)).item() - 1.0) < 1e-12, "every row sums to 1");
  }
  fmt::print("sum of the weights above the diagonal: {}\n", above_diagonal);
  claim(above_diagonal == 0.0, "the masked weights are exactly 0");
  claim(masked.at({0, 0}) == 1.0, "the first word can only look at itself");
  return masked;
}

// ---- 3. several heads, and the same numbers as nn::MultiHeadAttention ---------------------------
// [B,T,C] → [B,H,T,D]: cut the channels into H groups of D, then bring the head axis forward.
Tensor split_heads(const Tensor& x, std::int64_t heads) {
  const std::int64_t B = x.size(0), T = x.size(1), C = x.size(2);
  return permute(reshape(x, {B, T, heads, C / heads}), {0, 2, 1, 3});
}

// [B,H,T,D] → [B,T,C]: the inverse.
Tensor merge_heads(const Tensor& x) {
  const std::int64_t B = x.size(0), H = x.size(1), T = x.size(2), D = x.size(3);
  return reshape(permute(x, {0, 2, 1, 3}), {B, T, H * D});
}

// y = x Wᵀ + b, written out (this is what nn::Linear::forward does).
Tensor affine(const Tensor& x, const nn::Linear& layer) {
  return matmul_nt(x, layer.weight()) + layer.bias();  // [..., in] → [..., out]
}

// Multi-head causal self-attention from the weights of an nn::MultiHeadAttention.
AttentionOut my_multi_head_attention(const nn::MultiHeadAttention& mha, const Tensor& x) {
  const std::int64_t H = mha.n_heads();
  Tensor q = split_heads(affine(x, mha.q_proj()), H);  // [B,H,T,D]
  Tensor k = split_heads(affine(x, mha.k_proj()), H);  // [B,H,T,D]
  Tensor v = split_heads(affine(x, mha.v_proj()), H);  // [B,H,T,D]
  // One call for all heads: matmul and attention_softmax treat [B,H] as batch axes.
  AttentionOut heads = attention(q, k, v, /*causal=*/true);                   // output [B,H,T,D]
  return {affine(merge_heads(heads.output), mha.out_proj()), heads.weights};  // [B,T,C]
}

void against_the_module() {
  heading(3, "Several heads, and the same numbers as nn::MultiHeadAttention");
  Generator gen(5);
  nn::MultiHeadAttention mha(/*d_model=*/8, /*n_heads=*/2, gen, DType::f64);
  const Tensor x = randn({2, 5, 8}, gen, DType::f64);  // [B,T,C]
  const AttentionOut mine = my_multi_head_attention(mha, x);
  const nn::AttentionResult theirs = mha.forward(x, {.causal = true, .return_weights = true});
  fmt::print("x {} → q, k, v {} (H = 2 heads of D = 4) → weights {} → output {}\n",
             shape_str(x.shape()), shape_str(split_heads(x, 2).shape()),
             shape_str(mine.weights.shape()), shape_str(mine.output.shape()));
  const double d_out = max_abs_difference(mine.output, theirs.output);
  const double d_weights = max_abs_difference(mine.weights, theirs.weights);
  fmt::print("max |mine - nn::MultiHeadAttention|: output {:.1e}, weights {:.1e}\n", d_out,
             d_weights);
  claim(d_out < 1e-14 && d_weights < 1e-14, "the hand-written attention equals the module's");
}

// ---- 4. the backward, by hand and by gradcheck --------------------------------------------------
struct AttentionGrads {
  Tensor q, k, v;
};

// The chain rule through O = A V, A = softmax(S), S = Q Kᵀ/√D, given Ō = g (no tape).
AttentionGrads attention_backward_by_hand(const Tensor& q, const Tensor& k, const Tensor& v,
                                          bool causal, const Tensor& g) {
  NoGradGuard no_grad;
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  const Tensor a = attention(q, k, v, causal).weights;  // A: [..., T, S]
  AttentionGrads grads;
  grads.v = matmul_tn(a, g);                       // V̄ = Aᵀ Ō: [..., S, Dv]
  const Tensor da = matmul_nt(g, v);               // Ā = Ō Vᵀ: [..., T, S]
  const Tensor row_dot = sum(da * a, {-1}, true);  // Σ_s Ā_ts A_ts: [..., T, 1]
  const Tensor ds = a * (da - row_dot);            // S̄ (softmax backward): [..., T, S]
  grads.q = matmul(ds, k) * scale;                 // Q̄ = S̄ K / √D: [..., T, D]
  grads.k = matmul_tn(ds, q) * scale;              // K̄ = S̄ᵀ Q / √D: [..., S, D]
  return grads;
}

void check_the_backward() {
  heading(4, "The backward: by hand against the tape, then gradcheck (float64)");
  Generator gen(11);
  const Shape shape = {1, 2, 4, 3};  // [B,H,T,D]
  Tensor q = randn(shape, gen, DType::f64).requires_grad_();
  Tensor k = randn(shape, gen, DType::f64).requires_grad_();
  Tensor v = randn(shape, gen, DType::f64).requires_grad_();
  const bool causal = true;
  const Tensor g = randn(shape, gen, DType::f64);        // some gradient arriving at the output
  backward(sum(attention(q, k, v, causal).output * g));  // d(Σ O ⊙ g)/dO = g
  const AttentionGrads hand = attention_backward_by_hand(q, k, v, causal, g);
  const double dq = max_abs_difference(q.grad(), hand.q);
  const double dk = max_abs_difference(k.grad(), hand.k);
  const double dv = max_abs_difference(v.grad(), hand.v);
  fmt::print("max |tape - hand|: q {:.1e}, k {:.1e}, v {:.1e}\n", dq, dk, dv);
  claim(std::max({dq, dk, dv}) < 1e-13, "the hand-derived attention backward equals the tape's");

  const GradcheckResult r =
      gradcheck([&](const TensorList& in) { return attention(in[0], in[1], in[2], causal).output; },
                {q, k, v});
  fmt::print(
      "gradcheck of attention(q, k, v) with the causal mask, shapes {}: {} entries, "
      "max abs error {:.1e}: {}\n",
      shape_str(shape), r.compared, r.max_abs_error, r.passed ? "pass" : "FAIL");
  claim(r.passed, "gradcheck passes");

  // Causality in the gradient: output row 1 cannot depend on inputs at positions 2 and 3.
  Generator gen2(5);
  nn::MultiHeadAttention mha(8, 2, gen2, DType::f64);
  Tensor x = randn({1, 4, 8}, gen2, DType::f64).requires_grad_();  // [B,T,C]
  backward(sum(slice(mha.forward(x).output, 1, 1, 1)));            // Σ of output row t = 1
  const Tensor gx = x.grad();                                      // [1,4,8]
  const double past = sum(pow(slice(gx, 1, 0, 2), 2.0)).item();
  const double future = sum(pow(slice(gx, 1, 2, 2), 2.0)).item();
  fmt::print(
      "d(output row 1)/dx: squared norm over positions 0-1 = {:.3f}, over positions 2-3 = "
      "{}\n",
      past, future);
  claim(past > 0.0 && future == 0.0, "the future gets exactly zero gradient");
}

// ---- 5. the fast version: all heads in one batched matmul --------------------------------------
template <class F>
double best_microseconds(int repeats, F f) {
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    f();
    const std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - start;
    best = std::min(best, took.count());
  }
  return best;
}

// The same as attention() on [B,H,T,D], but one head at a time.
Tensor attention_head_by_head(const Tensor& q, const Tensor& k, const Tensor& v, bool causal) {
  TensorList outputs;
  for (std::int64_t h = 0; h < q.size(1); ++h) {
    outputs.push_back(
        attention(slice(q, 1, h, 1), slice(k, 1, h, 1), slice(v, 1, h, 1), causal).output);
  }
  return concat(outputs, 1);  // [B,H,T,D]
}

// Time the forward pass both ways for one shape [B,H,T,D]; returns the speed-up of batching.
double time_both(const Shape& shape, int repeats, Generator& gen) {
  const Tensor q = randn(shape, gen), k = randn(shape, gen), v = randn(shape, gen);  // f32
  const bool causal = true;
  const double difference = max_abs_difference(attention(q, k, v, causal).output,
                                               attention_head_by_head(q, k, v, causal));
  claim(difference == 0.0, "batched and head-by-head give bit-identical results");
  NoGradGuard no_grad;
  const double batched = best_microseconds(repeats, [&] { (void)attention(q, k, v, causal); });
  const double looped =
      best_microseconds(repeats, [&] { (void)attention_head_by_head(q, k, v, causal); });
  fmt::print("  {:<14} {:>12.0f} us {:>12.0f} us {:>8.1f}x   {:.0e}\n", shape_str(shape), batched,
             looped, looped / batched, difference);
  return looped / batched;
}

void all_heads_at_once(int repeats) {
  heading(5, "The fast version: every head in one batched matmul");
  Generator gen(3);
  fmt::print("forward pass, best of {} runs:\n", repeats);
  fmt::print("  {:<14} {:>15} {:>15} {:>9}   {}\n", "[B,H,T,D]", "batched", "head by head",
             "speed-up", "max difference");
  time_both({1, 4, 17, 16}, repeats, gen);   // lesson 07's model on one example
  time_both({16, 8, 32, 16}, repeats, gen);  // a bigger batch, more heads
}

// ---- 6. pictures --------------------------------------------------------------------------------
void heat_maps(const Tensor& hand_built, const std::vector<std::string>& words,
               const std::string& out_dir) {
  heading(6, "Attention heat maps");
  std::filesystem::create_directories(out_dir);
  const std::string first =
      (std::filesystem::path(out_dir) / "attention_previous_token.svg").string();
  nn::heatmap(first, "a hand-built previous-token head (causal)", hand_built, words, words);
  fmt::print("wrote {}\n", first);

  // An untrained module's head 0 on random input: no pattern yet, spread over the allowed keys.
  Generator gen(5);
  nn::MultiHeadAttention mha(64, 4, gen);
  const Tensor x = randn({1, 8, 64}, gen);                                  // [B,T,C]
  const Tensor weights = mha.forward(x, {.return_weights = true}).weights;  // [1,4,8,8]
  const Tensor head0 = reshape(slice(slice(weights, 0, 0, 1), 1, 0, 1), {8, 8});
  const std::string second =
      (std::filesystem::path(out_dir) / "attention_untrained_head.svg").string();
  nn::heatmap(second, "untrained MultiHeadAttention, head 0 (causal)", head0);
  fmt::print("wrote {}\n", second);
  fmt::print("untrained head 0, row 7 (query 7 over keys 0..7):");
  for (std::int64_t s = 0; s < 8; ++s) fmt::print(" {:.2f}", head0.at({7, s}));
  fmt::print("   (1/8 = 0.125 each would be uniform)\n");
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::string out_dir = ".";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      quick = true;
    } else {
      out_dir = arg;
    }
  }
  try {
    why_scale();
    const std::vector<std::string> words = {"the", "cat", "sat", "on", "the", "mat"};
    const Tensor hand_built = one_head(words);
    against_the_module();
    check_the_backward();
    all_heads_at_once(quick ? 3 : 20);
    heat_maps(hand_built, words, out_dir);
  } catch (const Error& e) {
    fmt::print("error: {}\n", e.what());
    return 1;
  }
  return finish(5);
}
