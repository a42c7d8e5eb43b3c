/// @file
/// @brief Tiny dependency-free SVG pictures: line charts (loss curves), heatmaps (attention
/// maps) and 2-D decision regions. Open the files in any web browser.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace knob::nn {

/// @brief One named line of a line chart.
struct PlotSeries {
  std::string name;           ///< shown in the legend
  std::vector<double> xs;     ///< x of each point
  std::vector<double> ys;     ///< y of each point (same count as xs)
  double opacity = 1.0;       ///< 0 … 1; e.g. 0.35 for a noisy raw curve under a smoothed one
  double stroke_width = 1.5;  ///< line width in pixels
};

/// @brief A line chart as SVG text.
///
/// Axes with "nice" ticks (1, 2, 5 × 10ᵏ; decades on a log axis), tick labels, axis labels, a
/// title, a legend, and one colour per series (a 10-colour palette, repeating after 10). Points
/// whose x or y is not finite (or y ≤ 0 on a log axis) are left out and break the line there.
/// @param title text above the chart.
/// @param x_label text under the x axis. @param y_label text beside the y axis.
/// @param series the lines to draw (may be empty: the chart then says "no data").
/// @param log_y use a logarithmic y axis.
/// @return the complete document, starting with `<svg` and ending with `</svg>`.
/// @throws ValueError when a series has different numbers of xs and ys.
std::string line_chart_svg(const std::string& title, const std::string& x_label,
                           const std::string& y_label, const std::vector<PlotSeries>& series,
                           bool log_y = false);

/// @brief Write line_chart_svg() to a file, atomically (the old file stays until the new one is
/// complete, so a viewer never sees half a picture).
/// @param path the .svg file to create or replace.
/// @param title,x_label,y_label,series,log_y as line_chart_svg().
/// @throws ValueError as line_chart_svg(); FileError when the file cannot be written.
void line_chart(const std::string& path, const std::string& title, const std::string& x_label,
                const std::string& y_label, const std::vector<PlotSeries>& series,
                bool log_y = false);

/// @brief A heatmap of a [rows, cols] matrix as SVG text, e.g. attention weights (rows =
/// queries, cols = keys).
///
/// One `<rect class="cell">` per entry, coloured from dark purple (smallest) to yellow (largest)
/// on a viridis-like scale, with a hover tooltip naming the cell and its value; the values are
/// printed inside the cells when they are large enough; a colour bar shows the scale.
/// @param title text above the map.
/// @param values the matrix, row-major, rows × cols entries.
/// @param rows number of rows (≥ 1). @param cols number of columns (≥ 1).
/// @param row_labels empty (then 0, 1, 2, ...) or one label per row.
/// @param col_labels empty (then 0, 1, 2, ...) or one label per column.
/// @return the complete document.
/// @throws ShapeError when values.size() ≠ rows × cols or a dimension is < 1;
/// ValueError when a label list has the wrong length.
std::string heatmap_svg(const std::string& title, const std::vector<double>& values,
                        std::int64_t rows, std::int64_t cols,
                        const std::vector<std::string>& row_labels = {},
                        const std::vector<std::string>& col_labels = {});

/// @brief Write heatmap_svg() to a file, atomically.
/// @param path the .svg file.
/// @param title,values,rows,cols,row_labels,col_labels as heatmap_svg().
/// @throws as heatmap_svg(); FileError when the file cannot be written.
void heatmap(const std::string& path, const std::string& title, const std::vector<double>& values,
             std::int64_t rows, std::int64_t cols, const std::vector<std::string>& row_labels = {},
             const std::vector<std::string>& col_labels = {});

/// @brief Write the heatmap of a 2-D tensor (any dtype), e.g. one head's attention [T, T].
/// @param path the .svg file. @param title text above the map.
/// @param matrix a tensor of shape [rows, cols].
/// @param row_labels,col_labels as heatmap_svg().
/// @throws ShapeError when matrix is not 2-D; otherwise as heatmap().
void heatmap(const std::string& path, const std::string& title, const Tensor& matrix,
             const std::vector<std::string>& row_labels = {},
             const std::vector<std::string>& col_labels = {});

/// @brief A classifier's answer on a regular grid over a rectangle of the plane.
///
/// Cell (ix, iy) covers x ∈ [x_min + ix·Δx, x_min + (ix+1)·Δx], Δx = (x_max − x_min)/nx, and
/// likewise in y, with iy = 0 at the *bottom* (y_min). Its predicted class is
/// `classes[iy * nx + ix]`.
struct RegionGrid {
  double x_min = -1.0;                ///< left edge
  double x_max = 1.0;                 ///< right edge (> x_min)
  double y_min = -1.0;                ///< bottom edge
  double y_max = 1.0;                 ///< top edge (> y_min)
  std::int64_t nx = 0;                ///< cells across (≥ 1)
  std::int64_t ny = 0;                ///< cells up (≥ 1)
  std::vector<std::int64_t> classes;  ///< nx × ny class ids (≥ 0), row iy = 0 first
};

/// @brief Labelled points of the plane (the data set).
struct LabeledPoints {
  std::vector<double> xs;            ///< x of each point
  std::vector<double> ys;            ///< y of each point
  std::vector<std::int64_t> labels;  ///< class id (≥ 0) of each point
};

/// @brief A 2-D decision-boundary picture as SVG text: the grid's cells tinted by predicted
/// class, the points drawn on top in the full colour of their true class, axes and a legend.
/// @param title text above the picture.
/// @param grid the predicted class over the plane.
/// @param points the data (may be empty); points outside the rectangle are not drawn.
/// @param class_names empty (then "class 0", "class 1", ...) or a name per class id.
/// @return the complete document.
/// @throws ShapeError / ValueError on inconsistent sizes, an empty or inverted rectangle, a
/// negative class id, or a class id without a name.
std::string scatter_regions_svg(const std::string& title, const RegionGrid& grid,
                                const LabeledPoints& points,
                                const std::vector<std::string>& class_names = {});

/// @brief Write scatter_regions_svg() to a file, atomically.
/// @param path the .svg file.
/// @param title,grid,points,class_names as scatter_regions_svg().
/// @throws as scatter_regions_svg(); FileError when the file cannot be written.
void scatter_regions(const std::string& path, const std::string& title, const RegionGrid& grid,
                     const LabeledPoints& points, const std::vector<std::string>& class_names = {});

}  // namespace knob::nn
