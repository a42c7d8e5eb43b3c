/// @file
/// @brief nn::ProgressDisplay: a redrawn progress bar on a terminal, plain lines otherwise.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace knob::nn {

/// @brief How a ProgressDisplay shows itself.
struct ProgressOptions {
  std::int64_t total_steps = 0;   ///< steps in the whole run (> 0)
  std::int64_t first_step = 0;    ///< steps already done before this display started (resume)
  std::FILE* out = stderr;        ///< where to write (stderr keeps stdout free for --json)
  bool force_tty = false;         ///< draw the bar even when `out` is not a terminal
  std::int64_t plain_every = 10;  ///< not a terminal: one line every this many steps (and the last)
  double redraw_seconds = 0.1;    ///< terminal: redraw at most this often (and at the last step)
  int bar_width = 30;             ///< characters between the brackets
};

/// @brief What to show for the current step.
struct ProgressStatus {
  std::int64_t step = 0;         ///< steps done so far (1 … total_steps)
  double loss = 0.0;             ///< the loss to show
  double tokens_per_s = 0.0;     ///< throughput; shown only when > 0
  double elapsed_seconds = 0.0;  ///< time since the run started (gives the ETA)
  std::string extra;             ///< optional text appended to the line, e.g. "lr 3.0e-04"
};

/// @brief Shows a training run's progress.
///
/// On a terminal (`isatty(fileno(out))`, or `force_tty`) one line is redrawn in place with a
/// carriage return and an erase-to-end-of-line escape:
/// \code
/// step 120/1000 [===>                          ] 12% loss 1.234 tok/s 53,210 ETA 0:07
/// \endcode
/// Elsewhere (a log file, a pipe, CI) it prints a plain line every `plain_every` steps and at the
/// last step, without the bar or escapes:
/// \code
/// step 120/1000 (12%) loss 1.234 tok/s 53,210 elapsed 0:01 ETA 0:07
/// \endcode
/// The ETA is elapsed / (step − first_step) × (total − step), printed as M:SS or H:MM:SS.
class ProgressDisplay {
 public:
  /// @brief Prepare the display (nothing is written yet).
  /// @param options where and how to draw. @throws ValueError when total_steps < 1,
  /// first_step is outside [0, total_steps), plain_every < 1, bar_width < 1, or out is null.
  explicit ProgressDisplay(const ProgressOptions& options);

  /// @brief Show the status of a step (drawn or skipped according to the rules above).
  /// @param status the step just finished and its numbers.
  void update(const ProgressStatus& status);

  /// @brief End the display: show the latest status if it was skipped (a run may stop early) and,
  /// on a terminal, move to a new line. Called by the destructor if not called before.
  void finish();

  /// @brief Calls finish().
  ~ProgressDisplay();
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  /// @brief Is the redrawn bar in use (a terminal or force_tty)?
  /// @return true for bar mode, false for plain lines.
  bool bar_mode() const { return bar_mode_; }

  /// @brief The bar-mode line for a status (without "\r" and escapes).
  /// @param status the numbers to show. @return e.g. "step 1/4 [==>  ] 25% loss 2.000 ETA 0:03".
  std::string bar_line(const ProgressStatus& status) const;
  /// @brief The plain-mode line for a status (without the newline).
  /// @param status the numbers to show. @return e.g. "step 1/4 (25%) loss 2.000 elapsed 0:01 ETA
  /// 0:03".
  std::string plain_line(const ProgressStatus& status) const;

 private:
  ProgressOptions options_;
  bool bar_mode_;
  bool finished_ = false;
  bool drawn_any_ = false;
  bool has_status_ = false;
  bool last_drawn_ = true;  // was the latest status drawn?
  double last_draw_seconds_ = 0.0;
  ProgressStatus last_status_;
};

/// @brief A duration as "M:SS" (under an hour) or "H:MM:SS"; "?" when negative or not finite.
/// @param seconds the duration. @return the text.
std::string format_duration(double seconds);

/// @brief A number rounded to an integer with thousands separators: 53210.4 → "53,210".
/// @param value the number. @return the text ("nan"/"inf" when not finite).
std::string format_thousands(double value);

}  // namespace knob::nn
