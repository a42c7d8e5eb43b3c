#include "autograd/shape.h"

#include <fmt/format.h>

#include "autograd/error.h"

namespace knob {

std::string shape_str(const Shape& shape) { return fmt::format("[{}]", fmt::join(shape, ",")); }

std::int64_t shape_numel(const Shape& shape) {
  std::int64_t n = 1;
  for (std::int64_t extent : shape) n *= extent;
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size(), 1);
  for (std::int64_t i = static_cast<std::int64_t>(shape.size()) - 2; i >= 0; --i) {
    strides[i] = strides[i + 1] * shape[i + 1];
  }
  return strides;
}

std::int64_t normalize_axis(std::int64_t axis, std::int64_t ndim, std::string_view op) {
  const std::int64_t normalized = axis < 0 ? axis + ndim : axis;
  if (normalized < 0 || normalized >= ndim) {
    throw ValueError(fmt::format("{}: axis {} is out of range for a tensor with {} dimension(s)",
                                 op, axis, ndim));
  }
  return normalized;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, std::string_view op) {
  const std::size_t ndim = std::max(a.size(), b.size());
  Shape out(ndim);
  for (std::size_t i = 0; i < ndim; ++i) {
    // Align from the right: a missing leading axis behaves as extent 1.
    const std::int64_t ea = i < ndim - a.size() ? 1 : a[i - (ndim - a.size())];
    const std::int64_t eb = i < ndim - b.size() ? 1 : b[i - (ndim - b.size())];
    if (ea != eb && ea != 1 && eb != 1) {
      throw ShapeError(fmt::format("{}: cannot broadcast {} with {} (axis {}: {} vs {})", op,
                                   shape_str(a), shape_str(b), i, ea, eb));
    }
    out[i] = ea == 1 ? eb : ea;
  }
  return out;
}

void check_valid_shape(const Shape& shape, std::string_view op) {
  for (std::int64_t extent : shape) {
    if (extent < 0) {
      throw ValueError(fmt::format("{}: negative extent in shape {}", op, shape_str(shape)));
    }
  }
}

}  // namespace knob
