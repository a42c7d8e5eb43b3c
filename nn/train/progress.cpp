/// @file
/// @brief nn::ProgressDisplay: formatting the bar and the plain lines.
#include "nn/train/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "autograd/error.h"

namespace knob::nn {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0.0) return "?";
  const auto total = static_cast<std::int64_t>(std::llround(seconds));
  const std::int64_t hours = total / 3600;
  const std::int64_t minutes = (total / 60) % 60;
  const std::int64_t secs = total % 60;
  if (hours > 0) return fmt::format("{}:{:02}:{:02}", hours, minutes, secs);
  return fmt::format("{}:{:02}", minutes, secs);
}

std::string format_thousands(double value) {
  if (!std::isfinite(value)) return fmt::format("{}", value);
  const std::string digits = fmt::format("{}", std::llround(std::fabs(value)));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (value < 0.0 && out != "0" ? "-" : "") + out;
}

namespace {

/// The numbers after the bar: "loss 1.234 tok/s 53,210".
std::string loss_and_speed(const ProgressStatus& status) {
  std::string text = fmt::format("loss {:.4g}", status.loss);
  if (status.tokens_per_s > 0.0) text += " tok/s " + format_thousands(status.tokens_per_s);
  return text;
}

double eta_seconds(const ProgressStatus& status, const ProgressOptions& options) {
  const std::int64_t done_here = status.step - options.first_step;  // steps timed by elapsed
  if (done_here <= 0) return -1.0;
  const double per_step = status.elapsed_seconds / static_cast<double>(done_here);
  const std::int64_t remaining = std::max<std::int64_t>(options.total_steps - status.step, 0);
  return per_step * static_cast<double>(remaining);
}

int percent(std::int64_t step, std::int64_t total) {
  return static_cast<int>(100 * std::clamp<std::int64_t>(step, 0, total) / total);
}

}  // namespace

ProgressDisplay::ProgressDisplay(const ProgressOptions& options) : options_(options) {
  if (options.total_steps < 1 || options.first_step < 0 ||
      options.first_step >= options.total_steps || options.plain_every < 1 ||
      options.bar_width < 1 || options.out == nullptr) {
    throw ValueError(fmt::format(
        "ProgressDisplay: need total_steps >= 1, 0 <= first_step < total_steps, plain_every >= 1, "
        "bar_width >= 1 and an output stream; got total_steps {}, first_step {}, plain_every {}, "
        "bar_width {}{}",
        options.total_steps, options.first_step, options.plain_every, options.bar_width,
        options.out == nullptr ? ", no stream" : ""));
  }
  bar_mode_ = options.force_tty || isatty(fileno(options.out)) != 0;
}

ProgressDisplay::~ProgressDisplay() { finish(); }

std::string ProgressDisplay::bar_line(const ProgressStatus& status) const {
  // [=====>      ]: `filled` cells of '=', the last one drawn as '>' while not complete.
  const std::int64_t total = options_.total_steps;
  const int width = options_.bar_width;
  const auto filled =
      static_cast<int>(width * std::clamp<std::int64_t>(status.step, 0, total) / total);
  std::string bar(static_cast<std::size_t>(width), ' ');
  for (int i = 0; i < filled; ++i) bar[static_cast<std::size_t>(i)] = '=';
  if (filled > 0 && filled < width) bar[static_cast<std::size_t>(filled - 1)] = '>';
  std::string line = fmt::format("step {}/{} [{}] {}% {} ETA {}", status.step, total, bar,
                                 percent(status.step, total), loss_and_speed(status),
                                 format_duration(eta_seconds(status, options_)));
  if (!status.extra.empty()) line += " " + status.extra;
  return line;
}

std::string ProgressDisplay::plain_line(const ProgressStatus& status) const {
  const std::int64_t total = options_.total_steps;
  std::string line = fmt::format("step {}/{} ({}%) {} elapsed {} ETA {}", status.step, total,
                                 percent(status.step, total), loss_and_speed(status),
                                 format_duration(status.elapsed_seconds),
                                 format_duration(eta_seconds(status, options_)));
  if (!status.extra.empty()) line += " " + status.extra;
  return line;
}

void ProgressDisplay::update(const ProgressStatus& status) {
  if (finished_) return;
  last_status_ = status;
  has_status_ = true;
  const bool last_step = status.step >= options_.total_steps;
  if (bar_mode_) {
    const bool due = !drawn_any_ || last_step ||
                     status.elapsed_seconds - last_draw_seconds_ >= options_.redraw_seconds;
    last_drawn_ = due;
    if (!due) return;
    // "\r" returns to the start of the line, "\x1b[K" erases what a longer old line left behind.
    fmt::print(options_.out, "\r{}\x1b[K", bar_line(status));
    last_draw_seconds_ = status.elapsed_seconds;
  } else {
    const bool due = last_step || status.step % options_.plain_every == 0;
    last_drawn_ = due;
    if (!due) return;
    fmt::print(options_.out, "{}\n", plain_line(status));
  }
  drawn_any_ = true;
  std::fflush(options_.out);
}

void ProgressDisplay::finish() {
  if (finished_) return;
  finished_ = true;
  if (!has_status_) return;
  // Make sure the latest status is on screen (a run may stop between two scheduled draws).
  if (bar_mode_) {
    if (!last_drawn_) fmt::print(options_.out, "\r{}\x1b[K", bar_line(last_status_));
    fmt::print(options_.out, "\n");
  } else if (!last_drawn_) {
    fmt::print(options_.out, "{}\n", plain_line(last_status_));
  }
  std::fflush(options_.out);
}

}  // namespace knob::nn
