// `knob demo --task markov`: a domain shift whose best possible loss is known exactly. Pretrain a
// character model on a random sparse Markov chain G1, adapt it to G2 (every next-symbol
// probability tilted by e^{±1}), and compare frozen base, IA³ and full fine-tuning against G2's
// entropy rate, the floor of the cross-entropy.
#include "demo_markov.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "autograd/tape.h"
#include "digit_training.h"
#include "nn/model_dir.h"
#include "nn/svg_plot.h"
#include "tasks/markov.h"

namespace knob::cli {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// One row of the table: a way of adapting the base to G2.
struct MarkovResult {
  std::string method;
  std::string vectors;        // IA³: which kinds of vector trained ("" otherwise)
  double cross_entropy = 0;   // on held-out G2 sequences, nats per symbol
  double gain_recovered = 0;  // (base − this) / (base − full)
  std::int64_t trainable_params = 0;
  double seconds = 0;
  std::vector<double> losses;  // training loss per step (empty for frozen)
};

/// Mean cross-entropy per symbol of `model` on the held-out batches (every position scored).
double cross_entropy_on(const nn::Transformer& model, const std::vector<tasks::Batch>& held_out) {
  NoGradGuard no_grad;
  double sum = 0.0;
  std::int64_t rows = 0;
  for (const tasks::Batch& batch : held_out) {
    sum +=
        model.loss(batch.input_ids, batch.targets).item() * static_cast<double>(batch.batch_size());
    rows += batch.batch_size();
  }
  return sum / static_cast<double>(rows);
}

std::shared_ptr<nn::Transformer> copy_of(const nn::Transformer& base) {
  Generator unused(0);
  auto model = std::make_shared<nn::Transformer>(base.config(), unused);
  model->load_state_dict(nn::base_parameters(base));
  return model;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

}  // namespace

void run_markov_demo(MarkovDemoOptions o) {
  if (o.quick) {
    o.pretrain_steps = std::min<std::int64_t>(o.pretrain_steps, 40);
    o.finetune_steps = std::min<std::int64_t>(o.finetune_steps, 20);
    o.pretrain_batch = std::min(o.pretrain_batch, 16);
    o.batch = std::min(o.batch, 16);
    o.eval_rows = std::min(o.eval_rows, 64);
  }
  nn::TransformerConfig config;  // docs/spec.md's sizes, one token per symbol
  config.vocab_size = 20;
  if (o.seq_len < 1 || o.seq_len > config.max_seq_len) {
    throw ValueError(fmt::format("demo --task markov: sequence length {} must be in 1 … {}",
                                 o.seq_len, config.max_seq_len));
  }
  if (o.pretrain_batch < 1 || o.batch < 1 || o.eval_rows < 1 || o.pretrain_steps < 1 ||
      o.finetune_steps < 1) {
    throw ValueError(fmt::format(
        "demo --task markov: batches ({}, {}), eval rows ({}), pretraining steps ({}) and "
        "fine-tuning steps ({}) must all be >= 1",
        o.pretrain_batch, o.batch, o.eval_rows, o.pretrain_steps, o.finetune_steps));
  }
  std::filesystem::create_directories(o.out_dir);
  auto say = [&](const std::string& line) {
    if (!o.json) fmt::print("{}\n", line);
  };

  // The two domains. G2 keeps G1's successors and tilts their probabilities by e^{z_j}.
  Generator chain_gen(o.seed ^ 0x3a7c0ffeeULL);
  const tasks::MarkovChain g1 = tasks::random_sparse_chain(chain_gen, 20, 5, 1.0);
  const tasks::MarkovChain g2 = g1.reweighted(tasks::random_signs(20, chain_gen));
  const double floor = g2.entropy_rate();
  // Held-out sequences of G2 (never trained on: the training streams use other seeds), scored
  // in batches of 256.
  std::vector<tasks::Batch> held_out;
  Generator held_out_gen(o.seed ^ 0x4e1d0ULL);
  for (int done = 0; done < o.eval_rows; done += 256) {
    held_out.push_back(g2.sample_batch(std::min(256, o.eval_rows - done), o.seq_len, held_out_gen));
  }
  double true_chain_nll = 0.0;  // what G2 itself scores on exactly these sequences
  for (const tasks::Batch& b : held_out) {
    true_chain_nll += g2.mean_negative_log_likelihood(b) * static_cast<double>(b.batch_size());
  }
  true_chain_nll /= static_cast<double>(o.eval_rows);

  // 1. Pretraining on G1 (`knob train`'s recipe on another data source).
  say(fmt::format("== pretraining on G1 ({} steps, {} sequences of {} symbols) ==",
                  o.pretrain_steps, o.pretrain_batch, o.seq_len));
  Generator init(o.seed);
  auto base = std::make_shared<nn::Transformer>(config, init);
  DigitTraining pre;
  pre.source = [&](Generator& data) { return g1.sample_batch(o.pretrain_batch, o.seq_len, data); };
  pre.steps = o.pretrain_steps;
  pre.warmup = std::min<std::int64_t>(50, o.pretrain_steps / 10);
  pre.seed = o.seed + 1;
  pre.quiet = o.json;
  auto start = Clock::now();
  train_digits(*base, pre);
  const double pretrain_seconds = seconds_since(start);
  std::vector<tasks::Batch> held_out_g1;
  {
    Generator g1_gen(o.seed ^ 0x61d0ULL);
    held_out_g1.push_back(g1.sample_batch(std::min(256, o.eval_rows), o.seq_len, g1_gen));
  }
  const double base_on_g1 = cross_entropy_on(*base, held_out_g1);
  say(fmt::format("pretrained in {:.1f} s: cross-entropy on G1 {:.4f} nats (G1's floor {:.4f})",
                  pretrain_seconds, base_on_g1, g1.entropy_rate()));

  // 2. The three methods on G2, from the same base.
  const std::int64_t total_params = base->num_parameters();
  auto adapt = [&](const std::string& method, nn::Trainable trainable,
                   const std::vector<std::string>& vectors) {
    MarkovResult r;
    r.method = method;
    auto model = copy_of(*base);
    const double lr = trainable == nn::Trainable::ia3 ? o.ia3_lr : o.full_lr;
    DigitTraining t =
        demo_finetune_recipe(trainable, lr, o.finetune_steps, o.batch, o.seed + 2, o.ia3_optimizer);
    t.source = [&](Generator& data) { return g2.sample_batch(o.batch, o.seq_len, data); };
    t.quiet = o.json;
    if (trainable == nn::Trainable::ia3) {
      t.ia3_vectors = vectors;
      r.vectors = join(vectors);
    }
    start = Clock::now();
    r.losses = train_digits(*model, t).losses;
    r.seconds = seconds_since(start);
    r.trainable_params = model->num_parameters(true);
    r.cross_entropy = cross_entropy_on(*model, held_out);
    return r;
  };
  std::vector<MarkovResult> results;
  {
    MarkovResult frozen;
    frozen.method = "frozen";
    frozen.cross_entropy = cross_entropy_on(*base, held_out);
    results.push_back(frozen);
  }
  say("== IA3 on G2 ==");
  results.push_back(adapt("ia3", nn::Trainable::ia3, {"l_k", "l_v", "l_ff"}));
  say("== full fine-tuning on G2 ==");
  results.push_back(adapt("full", nn::Trainable::full, {}));
  std::vector<MarkovResult> ablation;
  if (o.ablation) {
    say("== ablation: IA3 with only l_ff, then only l_k and l_v ==");
    ablation.push_back(adapt("ia3", nn::Trainable::ia3, {"l_ff"}));
    ablation.push_back(adapt("ia3", nn::Trainable::ia3, {"l_k", "l_v"}));
    ablation.push_back(results[1]);
  }
  const double base_ce = results[0].cross_entropy;
  const double full_gain = base_ce - results[2].cross_entropy;
  auto recovered = [&](double ce) { return full_gain != 0.0 ? (base_ce - ce) / full_gain : 0.0; };
  for (MarkovResult& r : results) r.gain_recovered = recovered(r.cross_entropy);
  for (MarkovResult& r : ablation) r.gain_recovered = recovered(r.cross_entropy);

  // 3. Loss curves against the floor.
  const std::string plot = o.out_dir + "/markov_loss_curves.svg";
  {
    std::vector<nn::PlotSeries> series;
    auto constant = [&](const std::string& name, double y) {
      nn::PlotSeries s;
      s.name = name;
      s.xs = {1.0, static_cast<double>(o.finetune_steps)};
      s.ys = {y, y};
      return s;
    };
    series.push_back(constant("frozen (held-out)", base_ce));
    for (std::size_t i = 1; i < results.size(); ++i) {
      nn::PlotSeries s;
      s.name = results[i].method;
      s.ys = nn::ema_smooth(results[i].losses, 0.9);
      for (std::size_t step = 0; step < s.ys.size(); ++step) {
        s.xs.push_back(static_cast<double>(step + 1));
      }
      series.push_back(std::move(s));
    }
    series.push_back(constant("floor: G2's entropy rate", floor));
    nn::line_chart(plot, "adapting to G2 (training loss, smoothed)", "step",
                   "cross-entropy (nats per symbol)", series, false);
  }

  // 4. Report.
  if (o.json) {
    auto row = [&](const MarkovResult& r) {
      nlohmann::json j = {{"method", r.method},
                          {"cross_entropy", r.cross_entropy},
                          {"excess", r.cross_entropy - floor},
                          {"gain_recovered", r.gain_recovered},
                          {"trainable_params", r.trainable_params},
                          {"trainable_share", static_cast<double>(r.trainable_params) /
                                                  static_cast<double>(total_params)},
                          {"seconds", r.seconds}};
      if (!r.vectors.empty()) j["vectors"] = r.vectors;
      return j;
    };
    nlohmann::json out;
    out["task"] = "markov";
    out["seed"] = o.seed;
    out["floor"] = floor;
    out["true_chain_cross_entropy"] = true_chain_nll;
    out["results"] = nlohmann::json::array();
    for (const MarkovResult& r : results) out["results"].push_back(row(r));
    if (o.ablation) {
      out["ablation"] = nlohmann::json::array();
      for (const MarkovResult& r : ablation) out["ablation"].push_back(row(r));
    }
    out["pretrain"] = {{"steps", o.pretrain_steps},
                       {"batch", o.pretrain_batch},
                       {"seconds", pretrain_seconds},
                       {"cross_entropy_g1", base_on_g1},
                       {"floor_g1", g1.entropy_rate()}};
    out["finetune_steps"] = o.finetune_steps;
    out["ia3_recipe"] = {{"lr", o.ia3_lr},
                         {"beta2", o.ia3_optimizer.beta2},
                         {"lr_floor", o.ia3_optimizer.lr_floor},
                         {"clip", o.ia3_optimizer.clip_norm}};
    out["batch"] = o.batch;
    out["seq_len"] = o.seq_len;
    out["eval_rows"] = o.eval_rows;
    out["total_params"] = total_params;
    out["plot"] = plot;
    fmt::print("{}\n", out.dump(2));
    return;
  }
  fmt::print("\nG2, {} held-out sequences of {} symbols; cross-entropy in nats per symbol\n",
             o.eval_rows, o.seq_len);
  fmt::print("floor (G2's entropy rate): {:.4f}   (G2 itself on these sequences: {:.4f})\n", floor,
             true_chain_nll);
  auto print_table = [&](const std::vector<MarkovResult>& rows, bool with_vectors) {
    fmt::print("{:<8} {:<12} {:>13} {:>10} {:>15} {:>10} {:>9} {:>8}\n", "method",
               with_vectors ? "vectors" : "", "cross-entropy", "excess", "gain recovered",
               "trainable", "share", "seconds");
    for (const MarkovResult& r : rows) {
      fmt::print("{:<8} {:<12} {:>13.4f} {:>10.4f} {:>14.1f}% {:>10} {:>8.3f}% {:>8.1f}\n",
                 r.method, with_vectors ? r.vectors : "", r.cross_entropy, r.cross_entropy - floor,
                 100 * r.gain_recovered, r.trainable_params,
                 100 * static_cast<double>(r.trainable_params) / static_cast<double>(total_params),
                 r.seconds);
    }
  };
  print_table(results, false);
  fmt::print(
      "(excess = cross-entropy − floor; gain recovered = (frozen − method) / (frozen − "
      "full))\n");
  if (o.ablation) {
    fmt::print("\nablation: IA3 with some of its vectors\n");
    print_table(ablation, true);
  }
  fmt::print("\nloss curves: {}\n", plot);
}

}  // namespace knob::cli
