#include "autograd/format.h"

#include <algorithm>
#include <cmath>

#include "autograd/tape.h"

namespace knob {

namespace {

constexpr std::int64_t kSummariseAbove = 1000;  // elements
constexpr std::int64_t kEdgeItems = 3;          // shown at each end of an axis when summarising

// Integers print without a decimal point when every value is integral (like NumPy).
struct Style {
  bool integral = true;
  int precision = 4;
  std::size_t width = 1;
};

std::string format_value(double v, const Style& style) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (style.integral) return fmt::format("{:.0f}", v);
  const double mag = std::fabs(v);
  if (mag != 0.0 && (mag >= 1e6 || mag < 1e-4)) return fmt::format("{:.{}e}", v, style.precision);
  return fmt::format("{:.{}f}", v, style.precision);
}

struct Printer {
  const std::vector<double>& values;
  const Shape& shape;
  Shape strides;
  bool summarise;
  Style style;

  // Indices shown along an axis of extent n (-1 stands for the "..." gap).
  std::vector<std::int64_t> shown(std::int64_t n) const {
    std::vector<std::int64_t> idx;
    if (!summarise || n <= 2 * kEdgeItems) {
      for (std::int64_t i = 0; i < n; ++i) idx.push_back(i);
    } else {
      for (std::int64_t i = 0; i < kEdgeItems; ++i) idx.push_back(i);
      idx.push_back(-1);
      for (std::int64_t i = n - kEdgeItems; i < n; ++i) idx.push_back(i);
    }
    return idx;
  }

  void print(std::string& out, std::size_t axis, std::int64_t offset, std::size_t indent) const {
    out += '[';
    const std::vector<std::int64_t> idx = shown(shape[axis]);
    const bool last_axis = axis + 1 == shape.size();
    for (std::size_t j = 0; j < idx.size(); ++j) {
      if (j > 0) {
        out += ',';
        if (last_axis) {
          out += ' ';
        } else {
          out += std::string(shape.size() - axis - 1, '\n') + std::string(indent + 1, ' ');
        }
      }
      if (idx[j] < 0) {
        out += "...";
        continue;
      }
      const std::int64_t at = offset + idx[j] * strides[axis];
      if (last_axis) {
        std::string text = format_value(values[at], style);
        out += std::string(style.width - std::min(style.width, text.size()), ' ') + text;
      } else {
        print(out, axis + 1, at, indent + 1);
      }
    }
    out += ']';
  }
};

}  // namespace

std::string to_string(const Tensor& t) {
  if (!t.defined()) return "tensor(undefined)";
  const std::vector<double> values = t.to_vector();
  Printer printer{values, t.shape(), contiguous_strides(t.shape()), t.numel() > kSummariseAbove,
                  Style{}};
  for (double v : values) {
    if (std::isfinite(v) && v != std::floor(v)) printer.style.integral = false;
  }
  if (t.dtype() == DType::i64) printer.style.integral = true;
  for (double v : values) {
    printer.style.width = std::max(printer.style.width, format_value(v, printer.style).size());
  }
  std::string body;
  if (t.dim() == 0) {
    body = format_value(values.at(0), printer.style);
  } else if (t.numel() == 0) {
    body = "[]";
  } else {
    printer.print(body, 0, 0, std::string("tensor(").size());
  }
  std::string extra;
  if (t.grad_fn()) {
    extra = ", grad_fn=" + t.grad_fn()->op;
  } else if (t.requires_grad()) {
    extra = ", requires_grad=true";
  }
  return fmt::format("tensor({}, shape={}, dtype={}{})", body, shape_str(t.shape()),
                     dtype_name(t.dtype()), extra);
}

}  // namespace knob
