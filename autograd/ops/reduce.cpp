/// @file
/// @brief Reductions (sum, mean, max over axes) and their adjoints (sum_to, expand).

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "autograd/ops.h"
#include "autograd/ops/broadcast.h"
#include "autograd/ops/checks.h"

namespace knob {

namespace {

// Sorted, de-duplicated, non-negative axes; all axes when `axes` is empty.
Axes normalize_axes(const Axes& axes, std::int64_t ndim, std::string_view op) {
  Axes out;
  if (axes.empty()) {
    for (std::int64_t i = 0; i < ndim; ++i) out.push_back(i);
    return out;
  }
  for (std::int64_t axis : axes) out.push_back(normalize_axis(axis, ndim, op));
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end()) {
    throw ValueError(fmt::format("{}: axis listed twice in [{}]", op, fmt::join(axes, ",")));
  }
  return out;
}

// The shape with every reduced axis set to 1 (keepdim), or removed.
Shape reduced_shape(const Shape& shape, const Axes& axes, bool keepdim) {
  Shape out;
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(shape.size()); ++i) {
    const bool reduced = std::binary_search(axes.begin(), axes.end(), i);
    if (!reduced) {
      out.push_back(shape[i]);
    } else if (keepdim) {
      out.push_back(1);
    }
  }
  return out;
}

std::int64_t product(const Shape& shape, std::int64_t begin, std::int64_t end) {
  std::int64_t p = 1;
  for (std::int64_t i = begin; i < end; ++i) p *= shape[i];
  return p;
}

enum class Reduction { sum, max };

// Reduce the consecutive axes [first, last] of x, keeping them as extent 1. Seen as
// [A, R, C] with R the reduced block: out[a, c] = reduce_r x[a, r, c].
template <class T>
Tensor reduce_block(const Tensor& x, std::int64_t first, std::int64_t last, Reduction how) {
  const Shape& shape = x.shape();
  const std::int64_t A = product(shape, 0, first);
  const std::int64_t R = product(shape, first, last + 1);
  const std::int64_t C = product(shape, last + 1, static_cast<std::int64_t>(shape.size()));
  Shape out_shape = shape;
  for (std::int64_t i = first; i <= last; ++i) out_shape[i] = 1;
  Tensor out = empty(out_shape, x.dtype());
  const kernels::KernelTable<T>& k = kernels::active<T>();
  const T* in = x.data<T>();
  T* o = out.data<T>();
  for (std::int64_t a = 0; a < A; ++a) {
    const T* block = in + a * R * C;  // x[a, :, :] is [R, C]
    T* row = o + a * C;               // out[a, :] is [C]
    if (how == Reduction::sum) {
      if (C == 1) {
        row[0] = k.sum(block, static_cast<std::size_t>(R));
      } else {
        std::fill(row, row + C, T(0));
        for (std::int64_t r = 0; r < R; ++r)
          k.axpy(T(1), block + r * C, row, static_cast<std::size_t>(C));
      }
    } else if (C == 1) {
      row[0] = k.max(block, static_cast<std::size_t>(R));
    } else {
      std::copy(block, block + C, row);
      for (std::int64_t r = 1; r < R; ++r) {
        for (std::int64_t c = 0; c < C; ++c) row[c] = std::max(row[c], block[r * C + c]);
      }
    }
  }
  return out;
}

// Reduce over sorted `axes` with keepdim: one [A, R, C] pass per run of consecutive axes.
Tensor reduce(const Tensor& x, const Axes& axes, Reduction how, std::string_view op) {
  Tensor out = x;
  std::size_t end = axes.size();
  while (end > 0) {  // from the innermost run outwards
    std::size_t begin = end - 1;
    while (begin > 0 && axes[begin - 1] == axes[begin] - 1) --begin;
    const std::int64_t first = axes[begin];
    const std::int64_t last = axes[end - 1];
    out = dispatch_floating(x.dtype(), op,
                            [&]<class T>() { return reduce_block<T>(out, first, last, how); });
    end = begin;
  }
  return axes.empty() ? x.clone() : out;
}

}  // namespace

Tensor sum(const Tensor& x, const Axes& axes, bool keepdim) {
  detail::check_floating(x, "sum");
  const Axes ax = normalize_axes(axes, x.dim(), "sum");
  const Shape keep_shape = reduced_shape(x.shape(), ax, true);
  Tensor y = reduce(x, ax, Reduction::sum, "sum").reshape(reduced_shape(x.shape(), ax, keepdim));
  // reshape above was not recorded (y came from a raw kernel), so y is a fresh result.
  return record("sum", y, {x}, [keep_shape, x_shape = x.shape()](const Tensor& g) {
    // Every summed element contributed with slope 1: copy g back over the reduced axes.
    return TensorList{expand(reshape(g, keep_shape), x_shape)};
  });
}

Tensor mean(const Tensor& x, const Axes& axes, bool keepdim) {
  detail::check_floating(x, "mean");
  const Axes ax = normalize_axes(axes, x.dim(), "mean");
  const Shape keep_shape = reduced_shape(x.shape(), ax, true);
  const std::int64_t count = x.numel() / std::max<std::int64_t>(1, shape_numel(keep_shape));
  Tensor y;
  {
    NoGradGuard forward_only;
    y = mul_scalar(reduce(x, ax, Reduction::sum, "mean"), 1.0 / static_cast<double>(count))
            .reshape(reduced_shape(x.shape(), ax, keepdim));
  }
  return record("mean", y, {x}, [keep_shape, x_shape = x.shape(), count](const Tensor& g) {
    return TensorList{
        mul_scalar(expand(reshape(g, keep_shape), x_shape), 1.0 / static_cast<double>(count))};
  });
}

Tensor max(const Tensor& x, const Axes& axes, bool keepdim) {
  detail::check_floating(x, "max");
  const Axes ax = normalize_axes(axes, x.dim(), "max");
  for (std::int64_t axis : ax) {
    if (x.shape()[axis] == 0) {
      throw ValueError(fmt::format("max: cannot reduce axis {} of extent 0 (shape {})", axis,
                                   shape_str(x.shape())));
    }
  }
  const Shape keep_shape = reduced_shape(x.shape(), ax, true);
  Tensor kept = reduce(x, ax, Reduction::max, "max");  // [.., 1, ..] where reduced
  Tensor y = kept.detach().reshape(reduced_shape(x.shape(), ax, keepdim));
  return record("max", y, {x}, [x, kept, keep_shape](const Tensor& g) {
    // The gradient goes to the first maximal element of each reduced group: a constant mask.
    Tensor mask = zeros_like(x);
    std::vector<char> taken(static_cast<std::size_t>(kept.numel()), 0);
    dispatch_floating(x.dtype(), "max", [&]<class T>() {
      const T* in = x.data<T>();
      const T* best = kept.data<T>();
      T* m = mask.data<T>();
      detail::for_each_broadcast(x.shape(), keep_shape, [&](std::int64_t i, std::int64_t group) {
        if (!taken[group] && in[i] == best[group]) {
          taken[group] = 1;
          m[i] = T(1);
        }
      });
    });
    return TensorList{mul(expand(reshape(g, keep_shape), x.shape()), mask)};
  });
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  detail::check_floating(x, "sum_to");
  if (x.shape() == shape) return x;
  if (shape.size() > x.shape().size() ||
      broadcast_shapes(shape, x.shape(), "sum_to") != x.shape()) {
    throw ShapeError(
        fmt::format("sum_to: {} does not broadcast to {}", shape_str(shape), shape_str(x.shape())));
  }
  // Sum the leading axes broadcasting added, and the axes where `shape` has extent 1.
  const std::size_t lead = x.shape().size() - shape.size();
  Axes axes;
  for (std::size_t i = 0; i < x.shape().size(); ++i) {
    if (i < lead || (shape[i - lead] == 1 && x.shape()[i] != 1)) {
      axes.push_back(static_cast<std::int64_t>(i));
    }
  }
  if (axes.empty()) return reshape(x, shape);
  return reshape(sum(x, axes, true), shape);
}

Tensor expand(const Tensor& x, const Shape& shape) {
  detail::check_floating(x, "expand");
  if (x.shape() == shape) return x;
  if (broadcast_shapes(x.shape(), shape, "expand") != shape) {
    throw ShapeError(fmt::format("expand: {} cannot be broadcast to {}", shape_str(x.shape()),
                                 shape_str(shape)));
  }
  Tensor y = empty(shape, x.dtype());
  dispatch_floating(x.dtype(), "expand", [&]<class T>() {
    const T* in = x.data<T>();
    T* out = y.data<T>();
    detail::for_each_broadcast(shape, x.shape(),
                               [&](std::int64_t i, std::int64_t src) { out[i] = in[src]; });
  });
  return record("expand", y, {x}, [x_shape = x.shape()](const Tensor& g) {
    return TensorList{sum_to(g, x_shape)};  // each copy sends its gradient back to the source
  });
}

}  // namespace knob
