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
#include "nn/base/atomic_file.h"
#include "nn/io/model_dir.h"
#include "nn/train/svg_plot.h"
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

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

// ---- the steps of the demo -----------------------------------------------------------------
void shorten_for_quick(MarkovDemoOptions& o) {
  o.pretrain_steps = std::min<std::int64_t>(o.pretrain_steps, 40);
  o.finetune_steps = std::min<std::int64_t>(o.finetune_steps, 20);
  o.pretrain_batch = std::min(o.pretrain_batch, 16);
  o.batch = std::min(o.batch, 16);
  o.eval_rows = std::min(o.eval_rows, 64);
}

void check_options(const MarkovDemoOptions& o, const nn::TransformerConfig& config) {
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
}

// The two domains. G2 keeps G1's successors and tilts their probabilities by e^{z_j}.
struct Domains {
  tasks::MarkovChain g1, g2;
  double floor = 0;                    // G2's entropy rate: the best possible cross-entropy
  std::vector<tasks::Batch> held_out;  // G2 sequences never trained on, in batches of 256
  double true_chain_nll = 0;           // what G2 itself scores on exactly these sequences
};

Domains make_domains(const MarkovDemoOptions& o) {
  Generator chain_gen(o.seed ^ 0x3a7c0ffeeULL);
  tasks::MarkovChain g1 = tasks::random_sparse_chain(chain_gen, 20, 5, 1.0);
  tasks::MarkovChain g2 = g1.reweighted(tasks::random_signs(20, chain_gen));
  Domains d{std::move(g1), std::move(g2), 0.0, {}, 0.0};
  d.floor = d.g2.entropy_rate();
  // The training streams use other seeds.
  Generator held_out_gen(o.seed ^ 0x4e1d0ULL);
  for (int done = 0; done < o.eval_rows; done += 256) {
    d.held_out.push_back(
        d.g2.sample_batch(std::min(256, o.eval_rows - done), o.seq_len, held_out_gen));
  }
  for (const tasks::Batch& b : d.held_out) {
    d.true_chain_nll += d.g2.mean_negative_log_likelihood(b) * static_cast<double>(b.batch_size());
  }
  d.true_chain_nll /= static_cast<double>(o.eval_rows);
  return d;
}

// Everything the report prints, filled in step by step by run_markov_demo().
struct MarkovReport {
  double pretrain_seconds = 0;
  double base_on_g1 = 0;  // the pretrained base's cross-entropy on held-out G1 sequences
  std::int64_t total_params = 0;
  std::vector<MarkovResult> results;   // frozen, ia3, full
  std::vector<MarkovResult> ablation;  // empty without --ablation
  std::string plot;
};

// 1. Pretraining on G1 (`knob train`'s recipe on another data source).
std::shared_ptr<nn::Transformer> pretrain_on_g1(const MarkovDemoOptions& o,
                                                const nn::TransformerConfig& config,
                                                const Domains& d, MarkovReport& report) {
  Generator init(o.seed);
  auto base = std::make_shared<nn::Transformer>(config, init);
  DigitTraining pre;
  pre.source = [&](Generator& data) {
    return d.g1.sample_batch(o.pretrain_batch, o.seq_len, data);
  };
  pre.steps = o.pretrain_steps;
  pre.warmup = std::min<std::int64_t>(50, o.pretrain_steps / 10);
  pre.seed = o.seed + 1;
  pre.quiet = o.json;
  const auto start = Clock::now();
  train_digits(*base, pre);
  report.pretrain_seconds = seconds_since(start);
  Generator g1_gen(o.seed ^ 0x61d0ULL);
  const std::vector<tasks::Batch> held_out_g1 = {
      d.g1.sample_batch(std::min(256, o.eval_rows), o.seq_len, g1_gen)};
  report.base_on_g1 = cross_entropy_on(*base, held_out_g1);
  report.total_params = base->num_parameters();
  return base;
}

// 2. One way of adapting the base to G2: IA³ with the given kinds of vector, or full
// fine-tuning (vectors unused).
MarkovResult adapt(const MarkovDemoOptions& o, const Domains& d, const nn::Transformer& base,
                   const std::string& method, ia3::Trainable trainable,
                   const std::vector<std::string>& vectors) {
  MarkovResult r;
  r.method = method;
  auto model = copy_of_base(base);
  const double lr = trainable == ia3::Trainable::ia3 ? o.ia3_lr : o.full_lr;
  DigitTraining t =
      demo_finetune_recipe(trainable, lr, o.finetune_steps, o.batch, o.seed + 2, o.ia3_optimizer);
  t.source = [&](Generator& data) { return d.g2.sample_batch(o.batch, o.seq_len, data); };
  t.quiet = o.json;
  if (trainable == ia3::Trainable::ia3) {
    t.ia3_vectors = vectors;
    r.vectors = join(vectors);
  }
  const auto start = Clock::now();
  r.losses = train_digits(*model, t).losses;
  r.seconds = seconds_since(start);
  r.trainable_params = model->num_parameters(true);
  r.cross_entropy = cross_entropy_on(*model, d.held_out);
  return r;
}

// Each row's share of full fine-tuning's gain: (frozen − row) / (frozen − full).
void fill_gain_recovered(MarkovReport& report) {
  const double base_ce = report.results[0].cross_entropy;
  const double full_gain = base_ce - report.results[2].cross_entropy;
  auto recovered = [&](double ce) { return full_gain != 0.0 ? (base_ce - ce) / full_gain : 0.0; };
  for (MarkovResult& r : report.results) r.gain_recovered = recovered(r.cross_entropy);
  for (MarkovResult& r : report.ablation) r.gain_recovered = recovered(r.cross_entropy);
}

// 3. Loss curves against the floor.
std::string plot_markov_curves(const MarkovDemoOptions& o, const Domains& d,
                               const std::vector<MarkovResult>& results) {
  const std::string plot = o.out_dir + "/markov_loss_curves.svg";
  std::vector<nn::PlotSeries> series;
  auto constant = [&](const std::string& name, double y) {
    nn::PlotSeries s;
    s.name = name;
    s.xs = {1.0, static_cast<double>(o.finetune_steps)};
    s.ys = {y, y};
    return s;
  };
  series.push_back(constant("frozen (held-out)", results[0].cross_entropy));
  for (std::size_t i = 1; i < results.size(); ++i) {
    nn::PlotSeries s;
    s.name = results[i].method;
    s.ys = nn::ema_smooth(results[i].losses, 0.9);
    for (std::size_t step = 0; step < s.ys.size(); ++step) {
      s.xs.push_back(static_cast<double>(step + 1));
    }
    series.push_back(std::move(s));
  }
  series.push_back(constant("floor: G2's entropy rate", d.floor));
  nn::line_chart(plot, "adapting to G2 (training loss, smoothed)", "step",
                 "cross-entropy (nats per symbol)", series, false);
  return plot;
}

// 4. The report, as JSON (--json) ...
void print_markov_json(const MarkovDemoOptions& o, const Domains& d, const MarkovReport& report) {
  auto row = [&](const MarkovResult& r) {
    nlohmann::json j = {{"method", r.method},
                        {"cross_entropy", r.cross_entropy},
                        {"excess", r.cross_entropy - d.floor},
                        {"gain_recovered", r.gain_recovered},
                        {"trainable_params", r.trainable_params},
                        {"trainable_share", static_cast<double>(r.trainable_params) /
                                                static_cast<double>(report.total_params)},
                        {"seconds", r.seconds}};
    if (!r.vectors.empty()) j["vectors"] = r.vectors;
    return j;
  };
  nlohmann::json out;
  out["task"] = "markov";
  out["seed"] = o.seed;
  out["floor"] = d.floor;
  out["true_chain_cross_entropy"] = d.true_chain_nll;
  out["results"] = nlohmann::json::array();
  for (const MarkovResult& r : report.results) out["results"].push_back(row(r));
  if (o.ablation) {
    out["ablation"] = nlohmann::json::array();
    for (const MarkovResult& r : report.ablation) out["ablation"].push_back(row(r));
  }
  out["pretrain"] = {{"steps", o.pretrain_steps},
                     {"batch", o.pretrain_batch},
                     {"seconds", report.pretrain_seconds},
                     {"cross_entropy_g1", report.base_on_g1},
                     {"floor_g1", d.g1.entropy_rate()}};
  out["finetune_steps"] = o.finetune_steps;
  out["ia3_recipe"] = {{"lr", o.ia3_lr},
                       {"beta2", o.ia3_optimizer.beta2},
                       {"lr_floor", o.ia3_optimizer.lr_floor},
                       {"clip", o.ia3_optimizer.clip_norm}};
  out["batch"] = o.batch;
  out["seq_len"] = o.seq_len;
  out["eval_rows"] = o.eval_rows;
  out["total_params"] = report.total_params;
  out["plot"] = report.plot;
  fmt::print("{}\n", out.dump(2));
}

// ... or as tables.
void print_markov_table(const std::vector<MarkovResult>& rows, bool with_vectors, double floor,
                        std::int64_t total_params) {
  fmt::print("{:<8} {:<12} {:>13} {:>10} {:>15} {:>10} {:>9} {:>8}\n", "method",
             with_vectors ? "vectors" : "", "cross-entropy", "excess", "gain recovered",
             "trainable", "share", "seconds");
  for (const MarkovResult& r : rows) {
    fmt::print("{:<8} {:<12} {:>13.4f} {:>10.4f} {:>14.1f}% {:>10} {:>8.3f}% {:>8.1f}\n", r.method,
               with_vectors ? r.vectors : "", r.cross_entropy, r.cross_entropy - floor,
               100 * r.gain_recovered, r.trainable_params,
               100 * static_cast<double>(r.trainable_params) / static_cast<double>(total_params),
               r.seconds);
  }
}

void print_markov_tables(const MarkovDemoOptions& o, const Domains& d, const MarkovReport& report) {
  fmt::print("\nG2, {} held-out sequences of {} symbols; cross-entropy in nats per symbol\n",
             o.eval_rows, o.seq_len);
  fmt::print("floor (G2's entropy rate): {:.4f}   (G2 itself on these sequences: {:.4f})\n",
             d.floor, d.true_chain_nll);
  print_markov_table(report.results, false, d.floor, report.total_params);
  fmt::print(
      "(excess = cross-entropy − floor; gain recovered = (frozen − method) / (frozen − "
      "full))\n");
  if (o.ablation) {
    fmt::print("\nablation: IA3 with some of its vectors\n");
    print_markov_table(report.ablation, true, d.floor, report.total_params);
  }
  fmt::print("\nloss curves: {}\n", report.plot);
}

}  // namespace

void run_markov_demo(MarkovDemoOptions o) {
  if (o.quick) shorten_for_quick(o);
  nn::TransformerConfig config;  // docs/spec.md's sizes, one token per symbol
  config.vocab_size = 20;
  check_options(o, config);
  nn::ensure_directory(o.out_dir);
  auto say = [&](const std::string& line) {
    if (!o.json) fmt::print("{}\n", line);
  };
  const Domains d = make_domains(o);
  MarkovReport report;

  say(fmt::format("== pretraining on G1 ({} steps, {} sequences of {} symbols) ==",
                  o.pretrain_steps, o.pretrain_batch, o.seq_len));
  const auto base = pretrain_on_g1(o, config, d, report);
  say(fmt::format("pretrained in {:.1f} s: cross-entropy on G1 {:.4f} nats (G1's floor {:.4f})",
                  report.pretrain_seconds, report.base_on_g1, d.g1.entropy_rate()));

  // 2. The three methods on G2, from the same base.
  MarkovResult frozen;
  frozen.method = "frozen";
  frozen.cross_entropy = cross_entropy_on(*base, d.held_out);
  report.results.push_back(frozen);
  say("== IA3 on G2 ==");
  report.results.push_back(adapt(o, d, *base, "ia3", ia3::Trainable::ia3, {"l_k", "l_v", "l_ff"}));
  say("== full fine-tuning on G2 ==");
  report.results.push_back(adapt(o, d, *base, "full", ia3::Trainable::full, {}));
  if (o.ablation) {
    say("== ablation: IA3 with only l_ff, then only l_k and l_v ==");
    report.ablation.push_back(adapt(o, d, *base, "ia3", ia3::Trainable::ia3, {"l_ff"}));
    report.ablation.push_back(adapt(o, d, *base, "ia3", ia3::Trainable::ia3, {"l_k", "l_v"}));
    report.ablation.push_back(report.results[1]);
  }
  fill_gain_recovered(report);
  report.plot = plot_markov_curves(o, d, report.results);

  if (o.json) {
    print_markov_json(o, d, report);
  } else {
    print_markov_tables(o, d, report);
  }
}

}  // namespace knob::cli
