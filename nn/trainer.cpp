/// @file
/// @brief nn::train_loop: the loop, its clock, and the CSV / picture / progress bookkeeping.
#include "nn/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

#include <fmt/format.h>

#include "autograd/error.h"
#include "nn/metrics_log.h"
#include "nn/progress.h"
#include "nn/svg_plot.h"

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

  std::unique_ptr<ProgressDisplay> progress;
  if (!options.quiet) {
    ProgressOptions display;
    display.total_steps = options.steps;
    display.first_step = options.start_step;
    display.out = options.progress_out;
    display.force_tty = options.force_tty;
    display.plain_every = options.log_every;
    progress = std::make_unique<ProgressDisplay>(display);
  }
  std::unique_ptr<MetricsLog> csv;
  if (!options.csv_path.empty()) {
    csv = std::make_unique<MetricsLog>(
        options.csv_path,
        std::vector<std::string>{"step", "loss", "loss_smoothed", "lr", "tokens_per_s", "seconds"},
        /*append=*/options.start_step > 0, static_cast<double>(options.start_step));
  }

  const double beta = options.smoothing;
  double average = 0.0, beta_power = 1.0;  // the EMA of ema_smooth(), kept incrementally
  double window_loss_sum = 0.0;            // since the last CSV row
  std::int64_t window_steps = 0, window_tokens = 0;
  double window_start_seconds = 0.0;

  for (std::int64_t step = options.start_step; step < options.steps; ++step) {
    const StepResult result = step_fn(step);
    const double elapsed = seconds_since(start);
    const std::int64_t done = step + 1;

    report.losses.push_back(result.loss);
    report.tokens += result.tokens;
    ++report.steps;
    const bool finite = std::isfinite(result.loss);
    if (finite) {
      average = beta * average + (1.0 - beta) * result.loss;
      beta_power *= beta;
    }
    const double smoothed = beta_power < 1.0 ? average / (1.0 - beta_power) : result.loss;
    report.final_smoothed_loss = smoothed;
    const bool stop = (!finite || result.diverged) && options.stop_on_nonfinite;
    const bool last = done == options.steps || stop;

    window_loss_sum += result.loss;
    window_tokens += result.tokens;
    ++window_steps;
    if (csv && (done % options.log_every == 0 || last)) {
      const double window_seconds = elapsed - window_start_seconds;
      const double window_rate =
          window_seconds > 0.0 ? static_cast<double>(window_tokens) / window_seconds : 0.0;
      csv->log({static_cast<double>(done), window_loss_sum / static_cast<double>(window_steps),
                smoothed, result.lr, window_rate, elapsed});
    }
    if (done % options.log_every == 0 || last) {
      window_loss_sum = 0.0;
      window_tokens = 0;
      window_steps = 0;
      window_start_seconds = elapsed;
    }

    if (progress) {
      ProgressStatus status;
      status.step = done;
      status.loss = finite ? smoothed : result.loss;
      status.tokens_per_s = elapsed > 0.0 ? static_cast<double>(report.tokens) / elapsed : 0.0;
      status.elapsed_seconds = elapsed;
      if (std::isfinite(result.lr)) status.extra = fmt::format("lr {:.2e}", result.lr);
      progress->update(status);
    }
    if (!options.plot_path.empty() && options.plot_every > 0 && done % options.plot_every == 0 &&
        !last) {
      draw_loss_curve(options, report.losses);
    }
    if (stop) {
      report.diverged = true;
      if (progress) {
        progress->finish();
        fmt::print(options.progress_out,
                   "training stopped at step {}: {} (try a smaller learning rate or gradient "
                   "clipping)\n",
                   done,
                   finite ? "the weights became NaN or infinite"
                          : fmt::format("the loss is {}", result.loss));
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
