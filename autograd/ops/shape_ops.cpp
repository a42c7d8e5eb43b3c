/// @file
/// @brief Ops that move data without arithmetic: reshape, permute/transpose, slice, concat.
/// They work on every dtype (token ids get reshaped and sliced too).

#include <cstring>
#include <numeric>

#include <fmt/format.h>

#include "autograd/ops.h"
#include "autograd/ops/broadcast.h"
#include "autograd/ops/checks.h"

namespace knob {

namespace {

// Raw bytes of element `index` of a tensor.
char* byte_ptr(const Tensor& t, std::int64_t index = 0) {
  TensorImpl* impl = t.impl();
  return static_cast<char*>(impl->storage->data()) +
         (impl->offset + index) * static_cast<std::int64_t>(dtype_size(impl->dtype));
}

std::int64_t product(const Shape& shape, std::int64_t begin, std::int64_t end) {
  std::int64_t p = 1;
  for (std::int64_t i = begin; i < end; ++i) p *= shape[i];
  return p;
}

// Replace one -1 extent by what makes the element count match.
Shape infer_shape(const Shape& requested, std::int64_t numel, const Shape& from) {
  Shape shape = requested;
  std::int64_t known = 1;
  std::int64_t infer_at = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer_at >= 0) {
        throw ValueError(fmt::format("reshape: {} -> {}: only one extent can be -1",
                                     shape_str(from), shape_str(requested)));
      }
      infer_at = static_cast<std::int64_t>(i);
    } else if (shape[i] < 0) {
      throw ValueError(
          fmt::format("reshape: {} -> {}: negative extent", shape_str(from), shape_str(requested)));
    } else {
      known *= shape[i];
    }
  }
  if (infer_at >= 0) {
    if (known == 0 || numel % known != 0) {
      throw ShapeError(fmt::format("reshape: {} ({} elements) cannot be viewed as {}",
                                   shape_str(from), numel, shape_str(requested)));
    }
    shape[infer_at] = numel / known;
  } else if (known != numel) {
    throw ShapeError(fmt::format("reshape: {} ({} elements) cannot be viewed as {} ({} elements)",
                                 shape_str(from), numel, shape_str(requested), known));
  }
  return shape;
}

}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
  detail::check_defined(x, "reshape");
  const Shape new_shape = infer_shape(shape, x.numel(), x.shape());
  // Same bytes, new shape: a view. (knob tensors are always contiguous, so this never copies.)
  auto view = new_tensor_impl();
  view->storage = x.impl()->storage;
  view->offset = x.impl()->offset;
  view->shape = new_shape;
  view->dtype = x.dtype();
  Tensor y(std::move(view));
  return record("reshape", y, {x},
                [x_shape = x.shape()](const Tensor& g) { return TensorList{reshape(g, x_shape)}; });
}

Tensor permute(const Tensor& x, const Axes& perm) {
  detail::check_defined(x, "permute");
  const std::int64_t ndim = x.dim();
  Axes p;
  Axes seen(static_cast<std::size_t>(ndim), 0);
  for (std::int64_t axis : perm) {
    const std::int64_t a = normalize_axis(axis, ndim, "permute");
    if (seen[a]) break;
    seen[a] = 1;
    p.push_back(a);
  }
  if (static_cast<std::int64_t>(p.size()) != ndim ||
      static_cast<std::int64_t>(perm.size()) != ndim) {
    throw ValueError(fmt::format("permute: [{}] is not a permutation of the {} axes of {}",
                                 fmt::join(perm, ","), ndim, shape_str(x.shape())));
  }
  Shape out_shape(ndim);
  Shape in_strides = contiguous_strides(x.shape());
  Shape strides(ndim);  // stride in x of each output axis
  for (std::int64_t i = 0; i < ndim; ++i) {
    out_shape[i] = x.shape()[p[i]];
    strides[i] = in_strides[p[i]];
  }
  Tensor y = empty(out_shape, x.dtype());
  // Gather: walk y in order, following x's strides with an odometer. When the last axis stays
  // last (strides[-1] == 1) whole rows are contiguous in both, and are copied at once.
  const auto elem = static_cast<std::int64_t>(dtype_size(x.dtype()));
  const char* src = byte_ptr(x);
  char* dst = byte_ptr(y);
  const std::int64_t n = y.numel();
  const bool rows_contiguous = ndim > 0 && strides[ndim - 1] == 1;
  const std::int64_t run = rows_contiguous ? out_shape[ndim - 1] : 1;
  const std::int64_t outer_axes = rows_contiguous ? ndim - 1 : ndim;
  Shape index(static_cast<std::size_t>(ndim), 0);
  std::int64_t offset = 0;
  for (std::int64_t i = 0; i < n; i += run) {
    if (run > 1) {
      std::memcpy(dst + i * elem, src + offset * elem, static_cast<std::size_t>(run * elem));
    } else if (elem == 4) {
      std::memcpy(dst + i * 4, src + offset * 4, 4);  // a fixed size: compiled to one move
    } else {
      std::memcpy(dst + i * 8, src + offset * 8, 8);
    }
    for (std::int64_t axis = outer_axes - 1; axis >= 0; --axis) {
      ++index[axis];
      offset += strides[axis];
      if (index[axis] < out_shape[axis]) break;
      offset -= strides[axis] * out_shape[axis];
      index[axis] = 0;
    }
  }
  return record("permute", y, {x}, [p](const Tensor& g) {
    Axes inverse(p.size());
    for (std::size_t i = 0; i < p.size(); ++i) inverse[p[i]] = static_cast<std::int64_t>(i);
    return TensorList{permute(g, inverse)};  // undo the reordering
  });
}

Tensor transpose(const Tensor& x, std::int64_t axis0, std::int64_t axis1) {
  detail::check_defined(x, "transpose");
  Axes perm(static_cast<std::size_t>(x.dim()));
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[normalize_axis(axis0, x.dim(), "transpose")],
            perm[normalize_axis(axis1, x.dim(), "transpose")]);
  return permute(x, perm);
}

namespace {
// Copy `rows` blocks: dst[a] (dst_row elements) ← src[a] (src_row elements) for each of A blocks,
// at element offsets dst_at / src_at inside each block, `len` elements each.
void copy_blocks(const Tensor& src, std::int64_t src_row, std::int64_t src_at, const Tensor& dst,
                 std::int64_t dst_row, std::int64_t dst_at, std::int64_t blocks, std::int64_t len) {
  const auto elem = static_cast<std::int64_t>(dtype_size(src.dtype()));
  for (std::int64_t a = 0; a < blocks; ++a) {
    std::memcpy(byte_ptr(dst, a * dst_row + dst_at), byte_ptr(src, a * src_row + src_at),
                static_cast<std::size_t>(len * elem));
  }
}
}  // namespace

Tensor slice(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t length) {
  detail::check_defined(x, "slice");
  const std::int64_t ax = normalize_axis(axis, x.dim(), "slice");
  const std::int64_t extent = x.shape()[ax];
  if (start < 0 || length < 0 || start + length > extent) {
    throw ValueError(fmt::format("slice: [{}, {}) is outside axis {} of extent {} (shape {})",
                                 start, start + length, ax, extent, shape_str(x.shape())));
  }
  Shape out_shape = x.shape();
  out_shape[ax] = length;
  Tensor y = empty(out_shape, x.dtype());
  // View x as [A, extent, C]: each of the A blocks contributes rows [start, start+length).
  const std::int64_t A = product(x.shape(), 0, ax);
  const std::int64_t C = product(x.shape(), ax + 1, x.dim());
  copy_blocks(x, extent * C, start * C, y, length * C, 0, A, length * C);
  return record("slice", y, {x}, [ax, start, extent](const Tensor& g) {
    return TensorList{slice_backward(g, ax, start, extent)};  // zeros except the sliced range
  });
}

Tensor slice_backward(const Tensor& g, std::int64_t axis, std::int64_t start,
                      std::int64_t full_length) {
  detail::check_defined(g, "slice_backward");
  const std::int64_t ax = normalize_axis(axis, g.dim(), "slice_backward");
  const std::int64_t length = g.shape()[ax];
  if (start < 0 || start + length > full_length) {
    throw ValueError(fmt::format("slice_backward: [{}, {}) does not fit in extent {}", start,
                                 start + length, full_length));
  }
  Shape out_shape = g.shape();
  out_shape[ax] = full_length;
  Tensor y = zeros(out_shape, g.dtype());
  const std::int64_t A = product(g.shape(), 0, ax);
  const std::int64_t C = product(g.shape(), ax + 1, g.dim());
  copy_blocks(g, length * C, 0, y, full_length * C, start * C, A, length * C);
  return record("slice_backward", y, {g}, [ax, start, length](const Tensor& gg) {
    return TensorList{slice(gg, ax, start, length)};
  });
}

Tensor concat(const TensorList& xs, std::int64_t axis) {
  if (xs.empty()) throw ValueError("concat: needs at least one tensor");
  for (const Tensor& x : xs) detail::check_defined(x, "concat");
  const Tensor& first = xs.front();
  const std::int64_t ax = normalize_axis(axis, first.dim(), "concat");
  Shape out_shape = first.shape();
  out_shape[ax] = 0;
  for (const Tensor& x : xs) {
    bool same = x.dim() == first.dim() && x.dtype() == first.dtype();
    for (std::int64_t i = 0; same && i < x.dim(); ++i) {
      same = i == ax || x.shape()[i] == first.shape()[i];
    }
    if (!same) {
      throw ShapeError(fmt::format("concat: {} {} does not fit with {} {} along axis {}",
                                   shape_str(x.shape()), dtype_name(x.dtype()),
                                   shape_str(first.shape()), dtype_name(first.dtype()), ax));
    }
    out_shape[ax] += x.shape()[ax];
  }
  Tensor y = empty(out_shape, first.dtype());
  const std::int64_t A = product(out_shape, 0, ax);
  const std::int64_t C = product(out_shape, ax + 1, static_cast<std::int64_t>(out_shape.size()));
  std::vector<std::int64_t> starts;
  std::int64_t at = 0;
  for (const Tensor& x : xs) {
    const std::int64_t len = x.shape()[ax];
    copy_blocks(x, len * C, 0, y, out_shape[ax] * C, at * C, A, len * C);
    starts.push_back(at);
    at += len;
  }
  return record("concat", y, xs, [xs, ax, starts](const Tensor& g) {
    TensorList grads;  // each input gets back its own slice of g
    for (std::size_t i = 0; i < xs.size(); ++i) {
      grads.push_back(slice(g, ax, starts[i], xs[i].shape()[ax]));
    }
    return grads;
  });
}

}  // namespace knob
