/// @file
/// @brief nn::train_loop: runs a step function many times and takes care of everything around
/// it — timing, the progress display, the metrics CSV and the loss-curve picture.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace knob::nn {

/// @brief What one training step reports back to the loop.
struct StepResult {
  double loss = 0.0;        ///< the step's training loss
  std::int64_t tokens = 0;  ///< tokens (or examples) processed, for throughput; 0 if meaningless
  double lr = std::numeric_limits<double>::quiet_NaN();  ///< the rate used (NaN: not reported)
  /// The step left the model in a state that cannot go on (e.g. a NaN or infinite weight after
  /// an update from a finite loss): the loop stops as for a non-finite loss.
  bool diverged = false;
};

/// @brief How train_loop() runs and what it writes.
struct TrainOptions {
  std::int64_t steps = 0;       ///< total steps of the run; step indices are 0 … steps − 1
  std::int64_t start_step = 0;  ///< first index to run (> 0 when resuming from a checkpoint)
  std::int64_t log_every = 10;  ///< a CSV row (and a plain progress line) every this many steps
  std::string csv_path;         ///< metrics CSV ("" for none); appended to when start_step > 0
  std::string plot_path;        ///< loss-curve SVG ("" for none), drawn at the end
  std::int64_t plot_every = 0;  ///< also redraw the picture every this many steps (0: only at end)
  std::string title = "training loss";  ///< the picture's title
  bool quiet = false;                   ///< no progress display at all
  bool force_tty = false;  ///< draw the redrawn bar even when the output is not a terminal
  std::FILE* progress_out = stderr;  ///< where the progress display goes
  double smoothing = 0.9;            ///< EMA factor β of the smoothed loss, in [0, 1)
  std::optional<bool> plot_log_y;    ///< log-scale loss axis; unset: automatic (see train_loop)
  bool stop_on_nonfinite = true;     ///< stop when the loss becomes NaN or infinite
  /// Called after each step that did not diverge, once its CSV row is written, with the number
  /// of steps done (e.g. to write a checkpoint: a checkpoint then never runs ahead of the CSV).
  std::function<void(std::int64_t steps_done)> after_step;
};

/// @brief What happened in a train_loop() call.
struct TrainReport {
  std::int64_t steps = 0;                                        ///< steps run by this call
  double final_loss = std::numeric_limits<double>::quiet_NaN();  ///< the last step's loss
  double final_smoothed_loss =
      std::numeric_limits<double>::quiet_NaN();  ///< EMA of the finite losses
  double seconds = 0.0;                          ///< wall-clock time of the loop
  std::int64_t tokens = 0;                       ///< tokens processed
  double tokens_per_s = 0.0;                     ///< tokens / seconds
  std::vector<double> losses;                    ///< every step's loss, in order
  bool diverged = false;                         ///< stopped early because the loss was not finite
};

/// @brief The loss smoothed by a bias-corrected exponential moving average, step by step.
///
/// \f$e_t = \beta e_{t-1} + (1-\beta) x_t\f$ with \f$e_0 = 0\f$, reported as
/// \f$\hat e_t = e_t / (1 - \beta^t)\f$ so that the first values are not pulled towards 0.
/// @param values the raw series. @param beta \f$\beta \in [0, 1)\f$ (0: no smoothing).
/// @return \f$\hat e_1 \dots \hat e_n\f$.
/// @throws ValueError when beta is outside [0, 1).
std::vector<double> ema_smooth(const std::vector<double>& values, double beta);

/// @brief Run `step_fn(step)` for step = start_step … steps − 1, showing and recording progress.
///
/// The step function does one whole training step (zero_grad, forward, backward, clip,
/// optimizer step) and returns its loss, the tokens it processed and the learning rate:
/// \code
/// TrainOptions options;
/// options.steps = 2000;
/// options.csv_path = "run/metrics.csv";
/// options.plot_path = "run/loss.svg";
/// TrainReport report = train_loop(options, [&](std::int64_t step) {
///   optimizer.set_lr(schedule.lr_at(step));
///   optimizer.zero_grad();
///   Tensor loss = model->loss(batches.next());
///   backward(loss);
///   clip_grad_norm(optimizer.params(), 1.0);
///   optimizer.step();
///   return StepResult{loss.item(), batch_tokens, optimizer.lr()};
/// });
/// \endcode
/// Around it the loop
/// - shows a ProgressDisplay (progress.h) with the smoothed loss, tokens/s (average since the
///   start), the lr and the ETA — unless `quiet`;
/// - writes the metrics CSV (metrics_log.h) with columns
///   `step,loss,loss_smoothed,lr,tokens_per_s,seconds`: one row every `log_every` steps and after
///   the last step, where `step` counts steps done (index + 1), `loss` is the mean loss of the
///   steps since the previous row, `loss_smoothed` the EMA, `tokens_per_s` the throughput since
///   the previous row and `seconds` the time since the loop started;
/// - draws the loss curve (svg_plot.h) to `plot_path` at the end (and every `plot_every` steps):
///   the raw loss per step, faint, and its EMA on top, against steps done. The y axis is
///   logarithmic when `plot_log_y` says so or, if unset, when every loss is positive and the
///   largest is over 30 times the smallest.
///
/// When a loss is NaN or infinite or the step says it `diverged` (and `stop_on_nonfinite`), the
/// loop stops after recording it, says so on the progress stream (unless quiet), still writes the
/// CSV row and the picture, skips `after_step`, and returns with `diverged` set. Exceptions from
/// `step_fn` propagate (rows already written stay). A resumed loop (start_step > 0) appends to
/// the CSV after dropping its rows beyond start_step, so every step has exactly one row.
/// @param options what to run and where to write.
/// @param step_fn one training step, given its 0-based index.
/// @return the report.
/// @throws ValueError on inconsistent options (steps < 0, start_step outside [0, steps],
/// log_every < 1, plot_every < 0, smoothing outside [0, 1)); FileError when the CSV or the picture
/// cannot be written.
TrainReport train_loop(const TrainOptions& options,
                       const std::function<StepResult(std::int64_t step)>& step_fn);

}  // namespace knob::nn
