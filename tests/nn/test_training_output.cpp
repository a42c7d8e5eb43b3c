// What a training run shows and writes: the progress display (bar and plain lines), the metrics
// CSV, the SVG pictures (line chart, heatmap, decision regions) and train_loop() tying them up.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/error.h"
#include "autograd/tensor.h"
#include "common/scratch_dir.h"
#include "nn/base/file_error.h"
#include "nn/train/metrics_log.h"
#include "nn/train/progress.h"
#include "nn/train/svg_plot.h"
#include "nn/train/trainer.h"

namespace knob::nn {
namespace {

namespace fs = std::filesystem;

class TrainingOutput : public test::ScratchDir {};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

/// Everything written so far to a temporary FILE*.
std::string contents(std::FILE* file) {
  std::fflush(file);
  std::rewind(file);
  std::string out;
  char chunk[512];
  std::size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, file)) > 0) out.append(chunk, n);
  return out;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  return parts;
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

/// A small XML check: every element opened is closed in order, and the root is one <svg>.
void expect_well_formed_svg(const std::string& svg) {
  ASSERT_EQ(svg.rfind("<svg", 0), 0u) << "must start with <svg";
  std::string trimmed = svg;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) {
    trimmed.pop_back();
  }
  ASSERT_TRUE(trimmed.ends_with("</svg>"));
  std::vector<std::string> open;
  std::size_t roots = 0;
  for (std::size_t at = svg.find('<'); at != std::string::npos; at = svg.find('<', at + 1)) {
    const std::size_t end = svg.find('>', at);
    ASSERT_NE(end, std::string::npos) << "unterminated tag at " << at;
    const std::string tag = svg.substr(at + 1, end - at - 1);
    ASSERT_FALSE(tag.empty());
    ASSERT_EQ(tag.find('<'), std::string::npos) << "raw '<' inside a tag near " << at;
    if (tag.front() == '/') {
      ASSERT_FALSE(open.empty()) << "closing " << tag << " with nothing open";
      ASSERT_EQ("/" + open.back(), tag.substr(0, open.back().size() + 1));
      open.pop_back();
    } else if (tag.back() != '/') {
      const std::string name = tag.substr(0, tag.find_first_of(" \n"));
      if (open.empty()) ++roots;
      open.push_back(name);
    }
  }
  EXPECT_TRUE(open.empty()) << "unclosed <" << (open.empty() ? "" : open.back()) << ">";
  EXPECT_EQ(roots, 1u);
  // Text between tags must not hold a raw '&' that is not an entity.
  EXPECT_EQ(std::regex_search(svg, std::regex("&(?!amp;|lt;|gt;|quot;|apos;)")), false);
}

// ---------------------------------------------------------------------------------------------
// Progress display
// ---------------------------------------------------------------------------------------------

TEST(Progress, NumberFormats) {
  EXPECT_EQ(format_thousands(53210.4), "53,210");
  EXPECT_EQ(format_thousands(999), "999");
  EXPECT_EQ(format_thousands(1234567), "1,234,567");
  EXPECT_EQ(format_thousands(-1000), "-1,000");
  EXPECT_EQ(format_duration(7), "0:07");
  EXPECT_EQ(format_duration(125.4), "2:05");
  EXPECT_EQ(format_duration(3725), "1:02:05");
  EXPECT_EQ(format_duration(-1), "?");
}

TEST(Progress, PlainLinesEveryNStepsWhenNotATerminal) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  {
    ProgressDisplay display({.total_steps = 25, .out = out, .plain_every = 10});
    EXPECT_FALSE(display.bar_mode()) << "a temporary file is not a terminal";
    for (std::int64_t step = 1; step <= 25; ++step) {
      // 0.1 s per step, 1,000 tokens per second
      display.update({step, 3.0 / static_cast<double>(step), 1000.0, 0.1 * step, ""});
    }
  }
  const std::vector<std::string> lines = split(contents(out), '\n');
  std::fclose(out);
  ASSERT_EQ(lines.size(), 3u) << "steps 10, 20 and the last, 25";
  // step 10: ETA = 1.0 s / 10 steps × 15 steps left = 1.5 s → "0:02"
  EXPECT_EQ(lines[0], "step 10/25 (40%) loss 0.3 tok/s 1,000 elapsed 0:01 ETA 0:02");
  // step 25: elapsed 2.5 s, rounded to the nearest second
  EXPECT_EQ(lines[2], "step 25/25 (100%) loss 0.12 tok/s 1,000 elapsed 0:03 ETA 0:00");
  for (const std::string& line : lines) {
    EXPECT_EQ(line.find('\r'), std::string::npos);
    EXPECT_EQ(line.find('\x1b'), std::string::npos);
  }
}

TEST(Progress, PlainModeShowsTheLastStatusWhenARunStopsEarly) {
  std::FILE* out = std::tmpfile();
  {
    ProgressDisplay display({.total_steps = 100, .out = out, .plain_every = 10});
    for (std::int64_t step = 1; step <= 13; ++step) display.update({step, 1.0, 0.0, 0.0, ""});
  }
  const std::vector<std::string> lines = split(contents(out), '\n');
  std::fclose(out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[1].starts_with("step 13/100 (13%) loss 1 elapsed")) << lines[1];
  EXPECT_EQ(lines[1].find("tok/s"), std::string::npos) << "no throughput when it is 0";
}

TEST(Progress, BarLineFormat) {
  ProgressDisplay display({.total_steps = 1000, .out = stderr, .force_tty = true});
  EXPECT_TRUE(display.bar_mode());
  // 120 of 1000 steps in 120 × 7 / 880 s: ETA exactly 7 s. 30 × 12% = 3.6 → 3 cells "==>".
  const ProgressStatus status{120, 1.2344, 53210.4, 120.0 * 7.0 / 880.0, "lr 3.00e-04"};
  EXPECT_EQ(display.bar_line(status),
            "step 120/1000 [==>                           ] 12% loss 1.234 tok/s 53,210 ETA 0:07 "
            "lr 3.00e-04");
  EXPECT_EQ(display.bar_line({1000, 0.5, 0.0, 10.0, ""}),
            "step 1000/1000 [==============================] 100% loss 0.5 ETA 0:00");
  display.finish();  // nothing was drawn: finish() writes nothing to stderr
}

TEST(Progress, ForcedTerminalRedrawsOneLine) {
  std::FILE* out = std::tmpfile();
  {
    ProgressDisplay display(
        {.total_steps = 4, .out = out, .force_tty = true, .redraw_seconds = 0.0});
    for (std::int64_t step = 1; step <= 4; ++step) {
      display.update({step, 1.0, 0.0, static_cast<double>(step), ""});
    }
  }
  const std::string text = contents(out);
  std::fclose(out);
  EXPECT_EQ(count(text, "\r"), 4u);
  EXPECT_EQ(count(text, "\x1b[K"), 4u);
  EXPECT_EQ(count(text, "\n"), 1u) << "one line, ended once by finish()";
  EXPECT_NE(text.find("step 4/4 [" + std::string(30, '=') + "] 100%"), std::string::npos);
}

TEST(Progress, TerminalRedrawIsThrottled) {
  std::FILE* out = std::tmpfile();
  {
    ProgressDisplay display({.total_steps = 100, .out = out, .force_tty = true});
    // 100 steps in 0.05 s: the first draw, then nothing until the last step.
    for (std::int64_t step = 1; step <= 100; ++step) {
      display.update({step, 1.0, 0.0, 0.0005 * static_cast<double>(step), ""});
    }
  }
  const std::string text = contents(out);
  std::fclose(out);
  EXPECT_EQ(count(text, "\r"), 2u);
}

TEST(Progress, RejectsBadOptions) {
  EXPECT_THROW(ProgressDisplay({.total_steps = 0}), ValueError);
  EXPECT_THROW(ProgressDisplay({.total_steps = 10, .plain_every = 0}), ValueError);
  EXPECT_THROW(ProgressDisplay({.total_steps = 10, .out = nullptr}), ValueError);
}

// ---------------------------------------------------------------------------------------------
// Metrics CSV
// ---------------------------------------------------------------------------------------------

TEST_F(TrainingOutput, CsvHeaderAndRowsParseBack) {
  const std::string file = path("metrics.csv");
  const std::vector<std::vector<double>> rows = {{10, 2.5, 3e-4, 53210.25, 0.1},
                                                 {20, 0.1 + 0.2, 2.9e-4, 1e6 / 3.0, 0.2}};
  {
    MetricsLog log(file, {"step", "loss", "lr", "tokens_per_s", "seconds"});
    for (const auto& row : rows) log.log(row);
    EXPECT_EQ(log.rows_written(), 2u);
    // Rows are flushed at once: readable while the log is still open.
    EXPECT_EQ(split(read_file(file), '\n').size(), 3u);
  }
  const std::vector<std::string> lines = split(read_file(file), '\n');
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "step,loss,lr,tokens_per_s,seconds");
  EXPECT_EQ(lines[1], "10,2.5,0.0003,53210.25,0.1");
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const std::vector<std::string> cells = split(lines[r + 1], ',');
    ASSERT_EQ(cells.size(), 5u);
    for (std::size_t c = 0; c < cells.size(); ++c) {
      EXPECT_EQ(std::stod(cells[c]), rows[r][c]) << "row " << r << " column " << c;
    }
  }
}

TEST_F(TrainingOutput, CsvNonFiniteValues) {
  const std::string file = path("m.csv");
  {
    MetricsLog log(file, {"a", "b", "c"});
    log.log({std::nan(""), INFINITY, -INFINITY});
  }
  EXPECT_EQ(read_file(file), "a,b,c\nnan,inf,-inf\n");
}

TEST_F(TrainingOutput, CsvAppendKeepsRowsWithTheSameHeader) {
  const std::string file = path("m.csv");
  { MetricsLog(file, {"step", "loss"}).log({1, 2}); }
  { MetricsLog(file, {"step", "loss"}, /*append=*/true).log({2, 1}); }
  EXPECT_EQ(read_file(file), "step,loss\n1,2\n2,1\n");
  EXPECT_THROW(MetricsLog(file, {"step", "accuracy"}, true), FileError);
  { MetricsLog(file, {"step", "loss"}).log({5, 5}); }  // without append: a new file
  EXPECT_EQ(read_file(file), "step,loss\n5,5\n");
}

TEST_F(TrainingOutput, CsvErrors) {
  EXPECT_THROW(MetricsLog(path("x.csv"), {}), ValueError);
  EXPECT_THROW(MetricsLog(path("x.csv"), {"a", "a"}), ValueError);
  EXPECT_THROW(MetricsLog(path("x.csv"), {"a,b"}), ValueError);
  EXPECT_THROW(MetricsLog(path("no/such/dir/x.csv"), {"a"}), FileError);
  MetricsLog log(path("x.csv"), {"a", "b"});
  EXPECT_THROW(log.log({1.0}), ValueError);
}

// ---------------------------------------------------------------------------------------------
// SVG pictures
// ---------------------------------------------------------------------------------------------

TEST_F(TrainingOutput, LineChartIsWellFormedWithSeriesAndLegend) {
  const std::string file = path("loss.svg");
  PlotSeries train{"train loss", {1, 2, 3, 4, 5}, {3.0, 2.0, 1.5, 1.2, 1.0}};
  PlotSeries valid{"valid <loss> & more", {1, 3, 5}, {3.1, 1.8, 1.3}};
  line_chart(file, "Loss curve", "step", "loss", {train, valid});
  const std::string svg = read_file(file);
  expect_well_formed_svg(svg);
  EXPECT_NE(svg.find("train loss"), std::string::npos);
  EXPECT_NE(svg.find("valid &lt;loss&gt; &amp; more"), std::string::npos);
  EXPECT_NE(svg.find("Loss curve"), std::string::npos);
  EXPECT_EQ(count(svg, "<path"), 2u);
  EXPECT_NE(svg.find("#1f77b4"), std::string::npos);
  EXPECT_NE(svg.find("#ff7f0e"), std::string::npos) << "a second colour for the second series";
  EXPECT_NE(svg.find(">1.5<"), std::string::npos) << "a y tick label";
}

TEST_F(TrainingOutput, LineChartLogScaleSkipsNonPositiveAndBreaksLines) {
  const std::string svg = line_chart_svg(
      "t", "x", "y", {{"s", {1, 2, 3, 4, 5}, {10.0, 1.0, 0.0, 0.01, std::nan("")}}}, true);
  expect_well_formed_svg(svg);
  // Points 1–2 are one piece ("M … L …"), point 4 is alone (a dot), 3 and 5 are dropped.
  std::smatch path_data;
  ASSERT_TRUE(std::regex_search(svg, path_data, std::regex("<path d=\"([^\"]*)\"")));
  EXPECT_EQ(count(path_data[1].str(), "M"), 1u) << path_data[1];
  EXPECT_EQ(count(path_data[1].str(), "L"), 1u) << path_data[1];
  EXPECT_EQ(count(svg, "<circle"), 1u);
  EXPECT_NE(svg.find(">0.01<"), std::string::npos) << "decade ticks on the log axis";
  EXPECT_NE(svg.find(">10<"), std::string::npos);
}

TEST_F(TrainingOutput, LineChartEdgeCases) {
  expect_well_formed_svg(line_chart_svg("empty", "x", "y", {}));
  expect_well_formed_svg(line_chart_svg("one point", "x", "y", {{"s", {7}, {2.5}}}));
  expect_well_formed_svg(line_chart_svg("flat", "x", "y", {{"s", {0, 1, 2}, {1, 1, 1}}}));
  EXPECT_NE(line_chart_svg("empty", "x", "y", {}).find("no data"), std::string::npos);
  EXPECT_THROW(line_chart_svg("bad", "x", "y", {{"s", {1, 2}, {1}}}), ValueError);
  EXPECT_THROW(line_chart(path("missing/dir/x.svg"), "t", "x", "y", {}), FileError);
}

TEST_F(TrainingOutput, HeatmapHasOneCellPerEntry) {
  const std::string file = path("attention.svg");
  std::vector<double> values;
  for (int i = 0; i < 15; ++i) values.push_back(i / 14.0);
  heatmap(file, "head 0", values, 3, 5, {"q0", "q1", "q2"}, {"k0", "k1", "k2", "k3", "k4"});
  const std::string svg = read_file(file);
  expect_well_formed_svg(svg);
  EXPECT_EQ(count(svg, "class=\"cell\""), 15u);
  EXPECT_NE(svg.find(">q2<"), std::string::npos);
  EXPECT_NE(svg.find(">k4<"), std::string::npos);
  EXPECT_NE(svg.find("#440154"), std::string::npos) << "the smallest value is dark purple";
  EXPECT_NE(svg.find("#fde725"), std::string::npos) << "the largest is yellow";
}

TEST_F(TrainingOutput, HeatmapOfATensorAndErrors) {
  const std::string file = path("t.svg");
  heatmap(file, "causal", tensor({1, 0, 0, 0.5, 0.5, 0, 0.2, 0.3, 0.5}, {3, 3}, DType::f32));
  EXPECT_EQ(count(read_file(file), "class=\"cell\""), 9u);
  EXPECT_THROW(heatmap(file, "1-d", tensor({1, 2, 3}, {3})), ShapeError);
  EXPECT_THROW(heatmap_svg("bad", {1, 2, 3}, 2, 2), ShapeError);
  EXPECT_THROW(heatmap_svg("bad", {1, 2, 3, 4}, 2, 2, {"only one"}), ValueError);
}

TEST_F(TrainingOutput, ScatterRegionsDrawsCellsAndPoints) {
  // 4 × 2 grid: bottom row all class 0, top row 0 0 1 1 → three runs, so three rectangles.
  RegionGrid grid{-2.0, 2.0, -1.0, 1.0, 4, 2, {0, 0, 0, 0, 0, 0, 1, 1}};
  LabeledPoints points{{-1.5, 1.5, 0.5, 9.0}, {-0.5, 0.5, 0.9, 0.0}, {0, 1, 1, 0}};
  const std::string file = path("regions.svg");
  scatter_regions(file, "decision boundary", grid, points, {"inside", "outside"});
  const std::string svg = read_file(file);
  expect_well_formed_svg(svg);
  const std::size_t regions_start = svg.find("class=\"regions\"");
  const std::size_t regions_end = svg.find("</g>", regions_start);
  EXPECT_EQ(count(svg.substr(regions_start, regions_end - regions_start), "<rect"), 3u);
  const std::size_t points_start = svg.find("class=\"points\"");
  const std::size_t points_end = svg.find("</g>", points_start);
  EXPECT_EQ(count(svg.substr(points_start, points_end - points_start), "<circle"), 3u)
      << "the point at x = 9 is outside the rectangle";
  EXPECT_NE(svg.find(">outside<"), std::string::npos);
  EXPECT_THROW(scatter_regions_svg("bad", {0, 1, 0, 1, 2, 2, {0, 1, 0}}, {}), ShapeError);
  EXPECT_THROW(scatter_regions_svg("bad", {1, 0, 0, 1, 1, 1, {0}}, {}), ValueError);
  EXPECT_THROW(scatter_regions_svg("bad", {0, 1, 0, 1, 1, 1, {2}}, {}, {"a", "b"}), ValueError);
}

// ---------------------------------------------------------------------------------------------
// train_loop
// ---------------------------------------------------------------------------------------------

TEST(EmaSmooth, BiasCorrected) {
  // β = 0.5: e1 = 0.5·2 = 1 → 1/(1 − 0.5) = 2;  e2 = 0.5·1 + 0.5·4 = 2.5 → 2.5/0.75
  const std::vector<double> smoothed = ema_smooth({2.0, 4.0}, 0.5);
  ASSERT_EQ(smoothed.size(), 2u);
  EXPECT_DOUBLE_EQ(smoothed[0], 2.0);
  EXPECT_DOUBLE_EQ(smoothed[1], 2.5 / 0.75);
  EXPECT_EQ(ema_smooth({1.0, 5.0}, 0.0), (std::vector<double>{1.0, 5.0}));
  EXPECT_THROW(ema_smooth({1.0}, 1.0), ValueError);
}

TEST_F(TrainingOutput, TrainLoopWritesCsvPlotAndProgress) {
  std::FILE* out = std::tmpfile();
  TrainOptions options;
  options.steps = 25;
  options.log_every = 10;
  options.csv_path = path("metrics.csv");
  options.plot_path = path("loss.svg");
  options.title = "toy run";
  options.progress_out = out;
  std::vector<std::int64_t> seen;
  const TrainReport report = train_loop(options, [&](std::int64_t step) {
    seen.push_back(step);
    return StepResult{1.0 / static_cast<double>(step + 1), 100, 0.01};
  });

  ASSERT_EQ(seen.size(), 25u);
  EXPECT_EQ(seen.front(), 0);
  EXPECT_EQ(seen.back(), 24);
  EXPECT_EQ(report.steps, 25);
  EXPECT_EQ(report.losses.size(), 25u);
  EXPECT_DOUBLE_EQ(report.final_loss, 1.0 / 25.0);
  EXPECT_EQ(report.tokens, 2500);
  EXPECT_FALSE(report.diverged);
  EXPECT_GE(report.seconds, 0.0);

  // CSV: rows after 10, 20 and 25 steps; `loss` is the mean over the rows' window.
  const std::vector<std::string> lines = split(read_file(options.csv_path), '\n');
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "step,loss,loss_smoothed,lr,tokens_per_s,seconds");
  double first_window = 0.0;
  for (int s = 1; s <= 10; ++s) first_window += 1.0 / s;
  const std::vector<std::string> row1 = split(lines[1], ',');
  ASSERT_EQ(row1.size(), 6u);
  EXPECT_EQ(row1[0], "10");
  EXPECT_NEAR(std::stod(row1[1]), first_window / 10.0, 1e-15);
  EXPECT_EQ(row1[3], "0.01");
  EXPECT_EQ(split(lines[3], ',')[0], "25");
  double last_window = 0.0;
  for (int s = 21; s <= 25; ++s) last_window += 1.0 / s;
  EXPECT_NEAR(std::stod(split(lines[3], ',')[1]), last_window / 5.0, 1e-15);

  // The picture: raw and smoothed series.
  const std::string svg = read_file(options.plot_path);
  expect_well_formed_svg(svg);
  EXPECT_NE(svg.find("toy run"), std::string::npos);
  EXPECT_NE(svg.find(">loss<"), std::string::npos);
  EXPECT_NE(svg.find("smoothed (EMA 0.9)"), std::string::npos);
  EXPECT_EQ(count(svg, "<path"), 2u);

  // Progress (not a terminal): lines at steps 10, 20, 25.
  const std::vector<std::string> progress = split(contents(out), '\n');
  std::fclose(out);
  ASSERT_EQ(progress.size(), 3u);
  EXPECT_TRUE(progress[0].starts_with("step 10/25 (40%) loss ")) << progress[0];
  EXPECT_NE(progress[2].find("lr 1.00e-02"), std::string::npos) << progress[2];
}

TEST_F(TrainingOutput, TrainLoopStopsOnNanAndStillWritesEverything) {
  std::FILE* out = std::tmpfile();
  TrainOptions options;
  options.steps = 100;
  options.log_every = 4;
  options.csv_path = path("m.csv");
  options.plot_path = path("loss.svg");
  options.progress_out = out;
  const TrainReport report = train_loop(options, [](std::int64_t step) {
    return StepResult{step == 5 ? std::nan("") : 2.0, 10};
  });
  EXPECT_TRUE(report.diverged);
  EXPECT_EQ(report.steps, 6);
  EXPECT_TRUE(std::isnan(report.final_loss));
  EXPECT_DOUBLE_EQ(report.final_smoothed_loss, 2.0);
  const std::vector<std::string> lines = split(read_file(options.csv_path), '\n');
  ASSERT_EQ(lines.size(), 3u);  // header, step 4, step 6
  EXPECT_TRUE(lines[2].starts_with("6,nan,")) << lines[2];
  expect_well_formed_svg(read_file(options.plot_path));
  const std::string text = contents(out);
  std::fclose(out);
  EXPECT_NE(text.find("training stopped at step 6"), std::string::npos) << text;
}

TEST_F(TrainingOutput, TrainLoopResumeAppendsAndQuietPrintsNothing) {
  std::FILE* out = std::tmpfile();
  TrainOptions options;
  options.steps = 6;
  options.log_every = 2;
  options.csv_path = path("m.csv");
  options.quiet = true;
  options.progress_out = out;
  auto step_fn = [](std::int64_t step) { return StepResult{static_cast<double>(step), 0}; };
  train_loop(options, step_fn);
  options.steps = 10;
  options.start_step = 6;
  const TrainReport report = train_loop(options, step_fn);
  EXPECT_EQ(report.steps, 4);
  const std::vector<std::string> lines = split(read_file(options.csv_path), '\n');
  ASSERT_EQ(lines.size(), 6u);  // header + steps 2, 4, 6 + steps 8, 10
  EXPECT_TRUE(lines[5].starts_with("10,8.5,")) << lines[5];
  EXPECT_TRUE(contents(out).empty());
  std::fclose(out);
}

TEST(TrainLoop, RejectsBadOptions) {
  auto step_fn = [](std::int64_t) { return StepResult{}; };
  TrainOptions options;
  options.steps = 5;
  options.log_every = 0;
  EXPECT_THROW(train_loop(options, step_fn), ValueError);
  options.log_every = 1;
  options.start_step = 6;
  EXPECT_THROW(train_loop(options, step_fn), ValueError);
  options.start_step = 0;
  options.smoothing = 1.0;
  EXPECT_THROW(train_loop(options, step_fn), ValueError);
}

}  // namespace
}  // namespace knob::nn
