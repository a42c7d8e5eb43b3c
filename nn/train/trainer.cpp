/// @file
/// @brief nn::train_loop: the loop, its clock, and the CSV / picture / progress bookkeeping.
#include "nn/train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

#include <fmt/format.h>

#include "autograd/error.h"
#include "nn/train/metrics_log.h"
#include "nn/train/progress.h"
#include "nn/train/svg_plot.h"

namespace knob::nn {

std::vector<double> ema_smooth(const std::vector<double>& values, double beta) {
  if (!(beta >= 0.0 && beta < 1.0)) {
    throw ValueError(fmt::format("ema_smooth: beta must be in [0, 1), got {}", beta));
  }
  std::vector<double> smoothed;
  smoothed.reserve(values.size());
  double average = 0.0;     // e_t
  double beta_power = 1.0;  // β^t
  for (const double value : values) {
    average = beta * average + (1.0 - beta) * value;
    beta_power *= beta;
    smoothed.push_back(average / (1.0 - beta_power));
  }
  return smoothed;
}

namespace {

void check_options(const TrainOptions& options) {
  if (options.steps < 0 || options.start_step < 0 || options.start_step > options.steps ||
      options.log_every < 1 || options.plot_every < 0) {
    throw ValueError(fmt::format(
        "train_loop: need steps >= 0, 0 <= start_step <= steps, log_every >= 1 and plot_every >= "
        "0; got steps {}, start_step {}, log_every {}, plot_every {}",
        options.steps, options.start_step, options.log_every, options.plot_every));
  }
  if (!(options.smoothing >= 0.0 && options.smoothing < 1.0)) {
    throw ValueError(
        fmt::format("train_loop: smoothing must be in [0, 1), got {}", options.smoothing));
  }
}

/// The loss-curve picture: the raw loss (faint) and its EMA against steps done.
void draw_loss_curve(const TrainOptions& options, const std::vector<double>& losses) {
  PlotSeries raw{"loss", {}, losses, 0.35, 1.0};
  for (std::size_t i = 0; i < losses.size(); ++i) {
    raw.xs.push_back(static_cast<double>(options.start_step + static_cast<std::int64_t>(i) + 1));
  }
  PlotSeries smoothed{fmt::format("smoothed (EMA {:g})", options.smoothing), raw.xs,
                      ema_smooth(losses, options.smoothing), 1.0, 2.0};
  bool log_y = false;
  if (options.plot_log_y.has_value()) {
    log_y = *options.plot_log_y;
  } else if (!losses.empty()) {
    double lo = losses.front(), hi = losses.front();
    bool all_positive = true;
    for (const double loss : losses) {
      if (!std::isfinite(loss)) continue;
      all_positive = all_positive && loss > 0.0;
      lo = std::min(lo, loss);
      hi = std::max(hi, loss);
    }
    log_y = all_positive && lo > 0.0 && hi > 30.0 * lo;
  }
  line_chart(options.plot_path, options.title, "step", log_y ? "loss (log scale)" : "loss",
             {raw, smoothed}, log_y);
}

std::unique_ptr<ProgressDisplay> make_progress(const TrainOptions& options) {
  if (options.quiet) return nullptr;
  ProgressOptions display;
  display.total_steps = options.steps;
  display.first_step = options.start_step;
  display.out = options.progress_out;
  display.force_tty = options.force_tty;
  display.plain_every = options.log_every;
  return std::make_unique<ProgressDisplay>(display);
}

std::unique_ptr<MetricsLog> make_csv(const TrainOptions& options) {
  if (options.csv_path.empty()) return nullptr;
  return std::make_unique<MetricsLog>(
      options.csv_path,
      std::vector<std::string>{"step", "loss", "loss_smoothed", "lr", "tokens_per_s", "seconds"},
      /*append=*/options.start_step > 0, static_cast<double>(options.start_step));
}

// The EMA of ema_smooth(), kept step by step: e_t = β e_{t−1} + (1 − β) x_t over the finite
// losses, reported bias-corrected as e_t / (1 − β^t) (the raw loss before any finite one).
class LossSmoother {
 public:
  explicit LossSmoother(double beta) : beta_(beta) {}
  double add(double loss) {
    if (std::isfinite(loss)) {
      average_ = beta_ * average_ + (1.0 - beta_) * loss;
      beta_power_ *= beta_;
    }
    return beta_power_ < 1.0 ? average_ / (1.0 - beta_power_) : loss;
  }

 private:
  double beta_;
  double average_ = 0.0;
  double beta_power_ = 1.0;
};

// The steps since the last CSV row: their mean loss and their throughput go into the next row.
struct CsvWindow {
  double loss_sum = 0.0;
  std::int64_t steps = 0;
  std::int64_t tokens = 0;
  double start_seconds = 0.0;

  void add(const StepResult& result) {
    loss_sum += result.loss;
    tokens += result.tokens;
    ++steps;
  }
  // Write the row of step `done` (if there is a CSV), then start a new window.
  void close(MetricsLog* csv, std::int64_t done, double smoothed, double lr, double elapsed) {
    if (csv) {
      const double seconds = elapsed - start_seconds;
      const double rate = seconds > 0.0 ? static_cast<double>(tokens) / seconds : 0.0;
      csv->log({static_cast<double>(done), loss_sum / static_cast<double>(steps), smoothed, lr,
                rate, elapsed});
    }
    *this = CsvWindow{};
    start_seconds = elapsed;
  }
};

void show_progress(ProgressDisplay& progress, std::int64_t done, const StepResult& result,
                   double smoothed, std::int64_t tokens, double elapsed) {
  ProgressStatus status;
  status.step = done;
  status.loss = std::isfinite(result.loss) ? smoothed : result.loss;
  status.tokens_per_s = elapsed > 0.0 ? static_cast<double>(tokens) / elapsed : 0.0;
  status.elapsed_seconds = elapsed;
  if (std::isfinite(result.lr)) status.extra = fmt::format("lr {:.2e}", result.lr);
  progress.update(status);
}

void say_stopped(const TrainOptions& options, std::int64_t done, const StepResult& result) {
  fmt::print(options.progress_out,
             "training stopped at step {}: {} (try a smaller learning rate or gradient "
             "clipping)\n",
             done,
             std::isfinite(result.loss) ? "the weights became NaN or infinite"
                                        : fmt::format("the loss is {}", result.loss));
}

}  // namespace

TrainReport train_loop(const TrainOptions& options,
                       const std::function<StepResult(std::int64_t step)>& step_fn) {
  check_options(options);
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  auto seconds_since = [](Clock::time_point from) {
    return std::chrono::duration<double>(Clock::now() - from).count();
  };

  TrainReport report;
  if (options.start_step == options.steps) return report;  // nothing left to run
  const std::unique_ptr<ProgressDisplay> progress = make_progress(options);
  const std::unique_ptr<MetricsLog> csv = make_csv(options);
  LossSmoother smoother(options.smoothing);
  CsvWindow window;

  for (std::int64_t step = options.start_step; step < options.steps; ++step) {
    const StepResult result = step_fn(step);
    const double elapsed = seconds_since(start);
    const std::int64_t done = step + 1;

    report.losses.push_back(result.loss);
    report.tokens += result.tokens;
    ++report.steps;
    const double smoothed = smoother.add(result.loss);
    report.final_smoothed_loss = smoothed;
    const bool stop = (!std::isfinite(result.loss) || result.diverged) && options.stop_on_nonfinite;
    const bool last = done == options.steps || stop;

    window.add(result);
    if (done % options.log_every == 0 || last) {
      window.close(csv.get(), done, smoothed, result.lr, elapsed);
    }
    if (progress) show_progress(*progress, done, result, smoothed, report.tokens, elapsed);
    if (!options.plot_path.empty() && options.plot_every > 0 && done % options.plot_every == 0 &&
        !last) {
      draw_loss_curve(options, report.losses);
    }
    if (stop) {
      report.diverged = true;
      if (progress) {
        progress->finish();
        say_stopped(options, done, result);
      }
      break;
    }
    if (options.after_step) options.after_step(done);
  }
  if (progress) progress->finish();

  report.seconds = seconds_since(start);
  report.final_loss = report.losses.back();
  report.tokens_per_s =
      report.seconds > 0.0 ? static_cast<double>(report.tokens) / report.seconds : 0.0;
  if (!options.plot_path.empty()) draw_loss_curve(options, report.losses);
  return report;
}

}  // namespace knob::nn
