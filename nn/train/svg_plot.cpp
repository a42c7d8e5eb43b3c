/// @file
/// @brief SVG line charts, heatmaps and decision regions, written as plain text.
///
/// An SVG picture is XML: a `<svg width height>` element holding shapes in pixel coordinates
/// whose origin is the *top-left* corner (y grows downwards). Each chart below maps data
/// coordinates to pixels with an Axis, then emits `<line>`, `<rect>`, `<path>`, `<circle>` and
/// `<text>` elements.
#include "nn/train/svg_plot.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "autograd/error.h"
#include "autograd/shape.h"
#include "nn/base/atomic_file.h"

namespace knob::nn {

namespace {

// ---------------------------------------------------------------------------------------------
// Small helpers: escaping, numbers, colours.
// ---------------------------------------------------------------------------------------------

/// Text placed inside XML must not contain raw &, <, >, or quotes (inside attributes).
std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

/// Pixel coordinates: one decimal is plenty and keeps files small.
std::string px(double value) { return fmt::format("{:.1f}", value); }

/// A tick label: "{:g}" with values that are zero up to rounding shown as "0".
std::string tick_text(double value, double step) {
  if (std::fabs(value) < std::fabs(step) * 1e-9) value = 0.0;
  return fmt::format("{:g}", value);
}

/// Ten colours that are easy to tell apart (the "Tableau 10" palette).
constexpr std::array<const char*, 10> kPalette = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                                  "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                                  "#bcbd22", "#17becf"};

const char* palette_colour(std::size_t index) { return kPalette[index % kPalette.size()]; }

/// A viridis-like colour scale: t = 0 dark purple → 1 yellow, interpolated between 5 anchors.
std::string scale_colour(double t) {
  static constexpr std::array<std::array<double, 3>, 5> kAnchors = {
      {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}}};
  if (!std::isfinite(t)) return "#bbbbbb";
  t = std::clamp(t, 0.0, 1.0) * static_cast<double>(kAnchors.size() - 1);
  const auto lower = std::min(static_cast<std::size_t>(t), kAnchors.size() - 2);
  const double fraction = t - static_cast<double>(lower);
  std::array<int, 3> rgb{};
  for (std::size_t c = 0; c < 3; ++c) {
    const double value =
        kAnchors[lower][c] + fraction * (kAnchors[lower + 1][c] - kAnchors[lower][c]);
    rgb[c] = static_cast<int>(std::lround(value));
  }
  return fmt::format("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2]);
}

std::string svg_open(double width, double height) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      px(width), px(height));
}

std::string text_element(double x, double y, const std::string& text, const char* anchor,
                         const std::string& extra = "") {
  return fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"{}\"{}>{}</text>\n", px(x), px(y),
                     anchor, extra, xml_escape(text));
}

// ---------------------------------------------------------------------------------------------
// Axes: data value ↔ fraction of the axis length, and where the ticks go.
// ---------------------------------------------------------------------------------------------

/// A "nice" tick spacing near `raw`: 1, 2 or 5 times a power of ten.
double nice_step(double raw) {
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  const double fraction = raw / power;
  const double nice = fraction < 1.5 ? 1.0 : fraction < 3.0 ? 2.0 : fraction < 7.0 ? 5.0 : 10.0;
  return nice * power;
}

/// One axis: its range (in log10 units when `log`), its ticks (data values) and their spacing.
struct Axis {
  double lo = 0.0;
  double hi = 1.0;
  bool log = false;
  std::vector<double> ticks;
  double tick_step = 1.0;

  /// Where `value` falls along the axis: 0 at lo, 1 at hi.
  double fraction(double value) const {
    const double v = log ? std::log10(value) : value;
    return (v - lo) / (hi - lo);
  }
};

/// A linear axis covering [lo, hi]. With `expand` the ends move out to the nearest ticks.
Axis linear_axis(double lo, double hi, bool expand) {
  if (!(hi > lo)) {  // a single value (or none): open a small window around it
    const double pad = lo == 0.0 ? 1.0 : std::fabs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  Axis axis;
  axis.tick_step = nice_step((hi - lo) / 5.0);
  const double step = axis.tick_step;
  axis.lo = expand ? std::floor(lo / step + 1e-9) * step : lo;
  axis.hi = expand ? std::ceil(hi / step - 1e-9) * step : hi;
  // (At most a few dozen ticks; the cap also stops the loop if rounding makes k + 1 == k.)
  const double first = std::ceil(axis.lo / step - 1e-9);
  for (int i = 0; i < 50 && (first + i) * step <= axis.hi + step * 1e-9; ++i) {
    axis.ticks.push_back((first + i) * step);
  }
  return axis;
}

/// A log10 axis over positive [lo, hi], expanded to whole decades; ticks at 10ᵏ, and also at
/// 2·10ᵏ and 5·10ᵏ when the range spans at most two decades.
Axis log_axis(double lo, double hi) {
  Axis axis;
  axis.log = true;
  axis.lo = std::floor(std::log10(lo));
  axis.hi = std::ceil(std::log10(hi));
  if (axis.hi <= axis.lo) axis.hi = axis.lo + 1.0;
  const double decades = axis.hi - axis.lo;
  const double every = std::max(1.0, std::ceil(decades / 8.0));  // at most ~8 decade labels
  for (double k = axis.lo; k <= axis.hi; k += every) {
    const double decade = std::pow(10.0, k);
    axis.ticks.push_back(decade);
    if (decades <= 2.0 && k < axis.hi) {
      axis.ticks.push_back(2.0 * decade);
      axis.ticks.push_back(5.0 * decade);
    }
  }
  std::sort(axis.ticks.begin(), axis.ticks.end());
  axis.tick_step = 0.0;
  return axis;
}

/// Is (x, y) drawable on these axes?
bool usable_point(double x, double y, bool log_y) {
  return std::isfinite(x) && std::isfinite(y) && (!log_y || y > 0.0);
}

/// The plot rectangle in pixels.
struct Frame {
  double left, top, right, bottom;
  double x_pixel(const Axis& axis, double value) const {
    return left + axis.fraction(value) * (right - left);
  }
  double y_pixel(const Axis& axis, double value) const {
    return bottom - axis.fraction(value) * (bottom - top);
  }
};

/// Grid lines, tick labels, the frame and the axis labels.
std::string draw_axes(const Frame& frame, const Axis& x_axis, const Axis& y_axis,
                      const std::string& x_label, const std::string& y_label) {
  std::string out = "<g class=\"axes\" stroke-linecap=\"square\">\n";
  for (const double tick : x_axis.ticks) {
    const double x = frame.x_pixel(x_axis, tick);
    out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#e6e6e6\"/>\n",
                       px(x), px(frame.top), px(frame.bottom));
    out += text_element(x, frame.bottom + 16, tick_text(tick, x_axis.tick_step), "middle");
  }
  for (const double tick : y_axis.ticks) {
    const double y = frame.y_pixel(y_axis, tick);
    out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#e6e6e6\"/>\n",
                       px(frame.left), px(y), px(frame.right));
    out += text_element(frame.left - 6, y + 4, tick_text(tick, y_axis.tick_step), "end");
  }
  out += fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#333333\"/>\n",
      px(frame.left), px(frame.top), px(frame.right - frame.left), px(frame.bottom - frame.top));
  out += text_element((frame.left + frame.right) / 2, frame.bottom + 40, x_label, "middle");
  const double y_middle = (frame.top + frame.bottom) / 2;
  out += text_element(
      frame.left - 58, y_middle, y_label, "middle",
      fmt::format(" transform=\"rotate(-90 {} {})\"", px(frame.left - 58), px(y_middle)));
  return out + "</g>\n";
}

std::string draw_title(double width, const std::string& title) {
  return text_element(width / 2, 28, title, "middle", R"( font-size="16" font-weight="bold")");
}

// ---------------------------------------------------------------------------------------------
// Output.
// ---------------------------------------------------------------------------------------------

void write_svg(const std::string& path, const std::string& svg) { atomic_write_bytes(path, svg); }

}  // namespace

// =============================================================================================
// Line chart
// =============================================================================================

namespace {

// The range of every drawable point of every series: [x_lo, x_hi] × [y_lo, y_hi].
struct DataRange {
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo;
  double y_lo = x_lo, y_hi = -x_lo;
  bool has_data = false;  // false: no drawable point, and the range is a unit box
};

DataRange data_range(const std::vector<PlotSeries>& series, bool log_y) {
  DataRange r;
  for (const PlotSeries& line : series) {
    if (line.xs.size() != line.ys.size()) {
      throw ValueError(fmt::format("line_chart: series '{}' has {} xs but {} ys", line.name,
                                   line.xs.size(), line.ys.size()));
    }
    for (std::size_t i = 0; i < line.xs.size(); ++i) {
      if (!usable_point(line.xs[i], line.ys[i], log_y)) continue;
      r.x_lo = std::min(r.x_lo, line.xs[i]);
      r.x_hi = std::max(r.x_hi, line.xs[i]);
      r.y_lo = std::min(r.y_lo, line.ys[i]);
      r.y_hi = std::max(r.y_hi, line.ys[i]);
    }
  }
  r.has_data = r.x_lo <= r.x_hi;
  if (!r.has_data) r = {0.0, 1.0, log_y ? 1.0 : 0.0, log_y ? 10.0 : 1.0, false};
  return r;
}

// One series as a <g>: a <path> where "M x y" starts a piece and "L x y" continues it; a point
// that cannot be drawn ends the piece. A piece of one point is drawn as a dot so it stays visible.
std::string draw_series(const PlotSeries& line, const char* colour, const Frame& frame,
                        const Axis& x_axis, const Axis& y_axis, bool log_y) {
  std::string path_data, dots;
  std::vector<std::pair<double, double>> piece;  // pixel coordinates of the current piece
  auto end_piece = [&] {
    if (piece.size() == 1) {
      dots += fmt::format(R"(<circle cx="{}" cy="{}" r="2.5"/>)", px(piece[0].first),
                          px(piece[0].second));
    } else {
      for (std::size_t i = 0; i < piece.size(); ++i) {
        path_data +=
            fmt::format("{}{} {} ", i == 0 ? "M" : "L", px(piece[i].first), px(piece[i].second));
      }
    }
    piece.clear();
  };
  for (std::size_t i = 0; i < line.xs.size(); ++i) {
    if (!usable_point(line.xs[i], line.ys[i], log_y)) {
      end_piece();
      continue;
    }
    piece.emplace_back(frame.x_pixel(x_axis, line.xs[i]), frame.y_pixel(y_axis, line.ys[i]));
  }
  end_piece();
  std::string svg =
      fmt::format(R"(<g class="series" opacity="{:g}">)", std::clamp(line.opacity, 0.0, 1.0));
  if (!path_data.empty()) {
    path_data.pop_back();
    svg += fmt::format(
        "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{:g}\" "
        "stroke-linejoin=\"round\"/>",
        path_data, colour, line.stroke_width);
  }
  if (!dots.empty()) svg += fmt::format("<g fill=\"{}\">{}</g>", colour, dots);
  return svg + "</g>\n";
}

// The legend: per series a short line in its colour, then its name, right of the frame.
std::string draw_legend(const std::vector<PlotSeries>& series, const Frame& frame) {
  std::string svg = "<g class=\"legend\">\n";
  for (std::size_t s = 0; s < series.size(); ++s) {
    const double y = frame.top + 12 + 20 * static_cast<double>(s);
    svg += fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"3\" "
        "opacity=\"{4:g}\"/>\n",
        px(frame.right + 14), px(y), px(frame.right + 38), palette_colour(s),
        std::max(0.4, std::clamp(series[s].opacity, 0.0, 1.0)));
    svg += text_element(frame.right + 44, y + 4, series[s].name, "start");
  }
  return svg + "</g>\n";
}

}  // namespace

std::string line_chart_svg(const std::string& title, const std::string& x_label,
                           const std::string& y_label, const std::vector<PlotSeries>& series,
                           bool log_y) {
  // 1. The data range over every drawable point of every series (a unit box without data).
  const DataRange range = data_range(series, log_y);

  // 2. Axes and the plot frame (the legend gets the strip on the right).
  const double width = 820, height = 480;
  const Frame frame{80, 50, width - 190, height - 60};
  const Axis x_axis = linear_axis(range.x_lo, range.x_hi, true);
  const Axis y_axis =
      log_y ? log_axis(range.y_lo, range.y_hi) : linear_axis(range.y_lo, range.y_hi, true);

  std::string svg = svg_open(width, height);
  svg += draw_title(width, title);
  svg += draw_axes(frame, x_axis, y_axis, x_label, y_label);
  if (!range.has_data) {
    svg += text_element((frame.left + frame.right) / 2, (frame.top + frame.bottom) / 2, "no data",
                        "middle", " fill=\"#888888\"");
  }

  // 3. One group per series, 4. the legend.
  for (std::size_t s = 0; s < series.size(); ++s) {
    svg += draw_series(series[s], palette_colour(s), frame, x_axis, y_axis, log_y);
  }
  svg += draw_legend(series, frame);
  return svg + "</svg>\n";
}

void line_chart(const std::string& path, const std::string& title, const std::string& x_label,
                const std::string& y_label, const std::vector<PlotSeries>& series, bool log_y) {
  write_svg(path, line_chart_svg(title, x_label, y_label, series, log_y));
}

// =============================================================================================
// Heatmap
// =============================================================================================

std::string heatmap_svg(const std::string& title, const std::vector<double>& values,
                        std::int64_t rows, std::int64_t cols,
                        const std::vector<std::string>& row_labels,
                        const std::vector<std::string>& col_labels) {
  if (rows < 1 || cols < 1 || values.size() != static_cast<std::size_t>(rows * cols)) {
    throw ShapeError(
        fmt::format("heatmap: {} values do not fill a [{},{}] matrix (need rows, "
                    "cols >= 1 and rows*cols values)",
                    values.size(), rows, cols));
  }
  if ((!row_labels.empty() && row_labels.size() != static_cast<std::size_t>(rows)) ||
      (!col_labels.empty() && col_labels.size() != static_cast<std::size_t>(cols))) {
    throw ValueError(
        fmt::format("heatmap: [{},{}] matrix with {} row labels and {} column labels "
                    "(give none, or one per row / column)",
                    rows, cols, row_labels.size(), col_labels.size()));
  }
  auto row_label = [&](std::int64_t r) {
    return row_labels.empty() ? std::to_string(r) : row_labels[static_cast<std::size_t>(r)];
  };
  auto col_label = [&](std::int64_t c) {
    return col_labels.empty() ? std::to_string(c) : col_labels[static_cast<std::size_t>(c)];
  };

  // The colour scale spans the finite values.
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const double v : values) {
    if (!std::isfinite(v)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (!(lo <= hi)) lo = hi = 0.0;
  auto scale_position = [&](double v) { return hi > lo ? (v - lo) / (hi - lo) : 0.5; };

  // Layout: square cells that fit ~560 px, labels left and above, a colour bar on the right.
  const double cell = std::clamp(560.0 / static_cast<double>(std::max(rows, cols)), 3.0, 48.0);
  const double left = 90, top = 100;
  const double grid_width = cell * static_cast<double>(cols);
  const double grid_height = cell * static_cast<double>(rows);
  const double width = std::max(left + grid_width + 110, 360.0);
  const double height = top + grid_height + 30;
  // Label only every `label_every`-th row/column so that labels (~12 px tall) never overlap.
  const auto label_every = static_cast<std::int64_t>(std::ceil(13.0 / cell));

  std::string svg = svg_open(width, height);
  svg += draw_title(width, title);
  svg += "<g class=\"cells\" shape-rendering=\"crispEdges\">\n";
  const bool print_values = cell >= 30;
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < cols; ++c) {
      const double v = values[static_cast<std::size_t>(r * cols + c)];
      const double x = left + cell * static_cast<double>(c);
      const double y = top + cell * static_cast<double>(r);
      svg += fmt::format(
          "<rect class=\"cell\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\">"
          "<title>{}, {}: {:.4g}</title></rect>\n",
          px(x), px(y), px(cell), px(cell), scale_colour(scale_position(v)),
          xml_escape(row_label(r)), xml_escape(col_label(c)), v);
      if (print_values) {
        const char* ink = scale_position(v) < 0.6 ? "white" : "black";
        svg += text_element(x + cell / 2, y + cell / 2 + 4, fmt::format("{:.2f}", v), "middle",
                            fmt::format(R"( font-size="10" fill="{}")", ink));
      }
    }
  }
  svg += "</g>\n<g class=\"labels\">\n";
  for (std::int64_t r = 0; r < rows; r += label_every) {
    svg += text_element(left - 6, top + cell * (static_cast<double>(r) + 0.5) + 4, row_label(r),
                        "end");
  }
  for (std::int64_t c = 0; c < cols; c += label_every) {
    const double x = left + cell * (static_cast<double>(c) + 0.5);
    svg += text_element(x, top - 8, col_label(c), "start",
                        fmt::format(" transform=\"rotate(-45 {} {})\"", px(x), px(top - 8)));
  }
  svg += "</g>\n";

  // The colour bar: a vertical gradient from the largest (top) to the smallest value.
  const double bar_x = left + grid_width + 30, bar_height = std::min(grid_height, 240.0);
  svg += R"(<defs><linearGradient id="scale" x1="0" y1="1" x2="0" y2="0">)";
  for (int i = 0; i <= 4; ++i) {
    svg += fmt::format(R"(<stop offset="{:g}" stop-color="{}"/>)", i / 4.0, scale_colour(i / 4.0));
  }
  svg += "</linearGradient></defs>\n";
  svg += fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"{}\" fill=\"url(#scale)\" "
      "stroke=\"#333333\"/>\n",
      px(bar_x), px(top), px(bar_height));
  svg += text_element(bar_x + 20, top + 10, fmt::format("{:.3g}", hi), "start");
  svg += text_element(bar_x + 20, top + bar_height, fmt::format("{:.3g}", lo), "start");
  svg += "</svg>\n";
  return svg;
}

void heatmap(const std::string& path, const std::string& title, const std::vector<double>& values,
             std::int64_t rows, std::int64_t cols, const std::vector<std::string>& row_labels,
             const std::vector<std::string>& col_labels) {
  write_svg(path, heatmap_svg(title, values, rows, cols, row_labels, col_labels));
}

void heatmap(const std::string& path, const std::string& title, const Tensor& matrix,
             const std::vector<std::string>& row_labels,
             const std::vector<std::string>& col_labels) {
  if (!matrix.defined() || matrix.dim() != 2) {
    throw ShapeError(fmt::format("heatmap {}: expected a 2-D tensor [rows, cols], got {}", path,
                                 matrix.defined() ? shape_str(matrix.shape()) : "undefined"));
  }
  heatmap(path, title, matrix.to_vector(), matrix.size(0), matrix.size(1), row_labels, col_labels);
}

// =============================================================================================
// Decision regions
// =============================================================================================

std::string scatter_regions_svg(const std::string& title, const RegionGrid& grid,
                                const LabeledPoints& points,
                                const std::vector<std::string>& class_names) {
  if (grid.nx < 1 || grid.ny < 1 ||
      grid.classes.size() != static_cast<std::size_t>(grid.nx * grid.ny)) {
    throw ShapeError(
        fmt::format("scatter_regions: grid of {} x {} cells needs nx*ny >= 1 class "
                    "ids, got {}",
                    grid.nx, grid.ny, grid.classes.size()));
  }
  if (!(grid.x_max > grid.x_min) || !(grid.y_max > grid.y_min) || !std::isfinite(grid.x_min) ||
      !std::isfinite(grid.x_max) || !std::isfinite(grid.y_min) || !std::isfinite(grid.y_max)) {
    throw ValueError(
        fmt::format("scatter_regions: the rectangle x [{}, {}], y [{}, {}] is empty "
                    "or not finite",
                    grid.x_min, grid.x_max, grid.y_min, grid.y_max));
  }
  if (points.xs.size() != points.ys.size() || points.xs.size() != points.labels.size()) {
    throw ShapeError(
        fmt::format("scatter_regions: {} xs, {} ys and {} labels (need one of each "
                    "per point)",
                    points.xs.size(), points.ys.size(), points.labels.size()));
  }
  std::int64_t max_class = -1;
  auto check_class = [&](std::int64_t id, const char* where) {
    if (id < 0 || (!class_names.empty() && static_cast<std::size_t>(id) >= class_names.size())) {
      throw ValueError(
          fmt::format("scatter_regions: {} class id {} is negative or has no name "
                      "({} names given)",
                      where, id, class_names.size()));
    }
    max_class = std::max(max_class, id);
  };
  for (const std::int64_t id : grid.classes) check_class(id, "grid");
  for (const std::int64_t id : points.labels) check_class(id, "point");

  const double width = 700, height = 580;
  const Frame frame{70, 50, 550, 530};
  const Axis x_axis = linear_axis(grid.x_min, grid.x_max, false);
  const Axis y_axis = linear_axis(grid.y_min, grid.y_max, false);
  const double cell_w = (frame.right - frame.left) / static_cast<double>(grid.nx);
  const double cell_h = (frame.bottom - frame.top) / static_cast<double>(grid.ny);

  std::string svg = svg_open(width, height);
  svg += draw_title(width, title);
  // Cells, one row at a time; a run of equal neighbours becomes one wide rectangle.
  svg += "<g class=\"regions\" shape-rendering=\"crispEdges\" fill-opacity=\"0.3\">\n";
  for (std::int64_t iy = 0; iy < grid.ny; ++iy) {
    const double y = frame.bottom - cell_h * static_cast<double>(iy + 1);  // iy = 0 at the bottom
    std::int64_t run_start = 0;
    for (std::int64_t ix = 1; ix <= grid.nx; ++ix) {
      const std::int64_t id = grid.classes[static_cast<std::size_t>(iy * grid.nx + run_start)];
      if (ix < grid.nx && grid.classes[static_cast<std::size_t>(iy * grid.nx + ix)] == id) {
        continue;
      }
      svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n",
                         px(frame.left + cell_w * static_cast<double>(run_start)), px(y),
                         px(cell_w * static_cast<double>(ix - run_start)), px(cell_h),
                         palette_colour(static_cast<std::size_t>(id)));
      run_start = ix;
    }
  }
  svg += "</g>\n";
  svg += draw_axes(frame, x_axis, y_axis, "x", "y");
  svg += "<g class=\"points\" stroke=\"white\" stroke-width=\"0.8\">\n";
  for (std::size_t i = 0; i < points.xs.size(); ++i) {
    const double x = points.xs[i], y = points.ys[i];
    if (!(x >= grid.x_min && x <= grid.x_max && y >= grid.y_min && y <= grid.y_max)) continue;
    svg += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{}\"/>\n",
                       px(frame.x_pixel(x_axis, x)), px(frame.y_pixel(y_axis, y)),
                       palette_colour(static_cast<std::size_t>(points.labels[i])));
  }
  svg += "</g>\n<g class=\"legend\">\n";
  for (std::int64_t id = 0; id <= max_class; ++id) {
    const double y = frame.top + 12 + 20 * static_cast<double>(id);
    const std::string name = class_names.empty() ? fmt::format("class {}", id)
                                                 : class_names[static_cast<std::size_t>(id)];
    svg += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"5\" fill=\"{}\"/>\n", px(frame.right + 22),
                       px(y), palette_colour(static_cast<std::size_t>(id)));
    svg += text_element(frame.right + 34, y + 4, name, "start");
  }
  svg += "</g>\n</svg>\n";
  return svg;
}

void scatter_regions(const std::string& path, const std::string& title, const RegionGrid& grid,
                     const LabeledPoints& points, const std::vector<std::string>& class_names) {
  write_svg(path, scatter_regions_svg(title, grid, points, class_names));
}

}  // namespace knob::nn
