#include "autograd/ops/broadcast.h"

#include <algorithm>

#include <fmt/format.h>

#include "autograd/kernels/kernels.h"
#include "autograd/ops/checks.h"

namespace knob::detail {

// ------------------------------------------------------------------------------ checks ----

void check_defined(const Tensor& x, std::string_view op) {
  if (!x.defined()) throw ValueError(fmt::format("{}: got an undefined tensor", op));
}

void check_floating(const Tensor& x, std::string_view op) {
  check_defined(x, op);
  if (!is_floating(x.dtype())) {
    throw DTypeError(fmt::format("{}: expected a floating tensor (f32 or f64), got {} of shape {}",
                                 op, dtype_name(x.dtype()), shape_str(x.shape())));
  }
}

void check_same_dtype(const Tensor& a, const Tensor& b, std::string_view op) {
  check_floating(a, op);
  check_floating(b, op);
  if (a.dtype() != b.dtype()) {
    throw DTypeError(fmt::format("{}: mixed dtypes {} {} and {} {} (convert one with .to())", op,
                                 dtype_name(a.dtype()), shape_str(a.shape()), dtype_name(b.dtype()),
                                 shape_str(b.shape())));
  }
}

// ------------------------------------------------------------------------------ broadcasting ----

Shape broadcast_strides(const Shape& shape, const Shape& out_shape) {
  const Shape own = contiguous_strides(shape);
  const std::size_t lead = out_shape.size() - shape.size();
  Shape strides(out_shape.size(), 0);
  for (std::size_t i = 0; i < shape.size(); ++i) {
    strides[lead + i] = shape[i] == 1 ? 0 : own[i];
  }
  return strides;
}

namespace {

template <class T>
T apply_scalar(BinaryOp op, T x, T y) {
  switch (op) {
    case BinaryOp::add:
      return x + y;
    case BinaryOp::sub:
      return x - y;
    case BinaryOp::mul:
      return x * y;
    case BinaryOp::div:
      return x / y;
  }
  return T(0);
}

// One row of the output. a_step / b_step is 1 when that input runs along the row and 0 when it
// is broadcast along it (one value repeated).
template <class T>
void apply_row(const kernels::KernelTable<T>& k, BinaryOp op, const T* a, std::int64_t a_step,
               const T* b, std::int64_t b_step, T* out, std::size_t len) {
  if (a_step != 0 && b_step != 0) {  // vector (op) vector
    switch (op) {
      case BinaryOp::add:
        return k.add(a, b, out, len);
      case BinaryOp::sub:
        return k.sub(a, b, out, len);
      case BinaryOp::mul:
        return k.mul(a, b, out, len);
      case BinaryOp::div:
        return k.div(a, b, out, len);
    }
  } else if (a_step != 0) {  // vector (op) scalar
    switch (op) {
      case BinaryOp::add:
        return k.add_scalar(a, *b, out, len);
      case BinaryOp::sub:
        return k.add_scalar(a, -*b, out, len);
      case BinaryOp::mul:
        return k.mul_scalar(a, *b, out, len);
      case BinaryOp::div:
        return k.div_scalar(a, *b, out, len);
    }
  } else if (b_step != 0) {  // scalar (op) vector
    switch (op) {
      case BinaryOp::add:
        return k.add_scalar(b, *a, out, len);
      case BinaryOp::sub:
        return k.rsub_scalar(*a, b, out, len);
      case BinaryOp::mul:
        return k.mul_scalar(b, *a, out, len);
      case BinaryOp::div:
        return k.rdiv_scalar(*a, b, out, len);
    }
  } else {  // both broadcast along the row: one value
    std::fill(out, out + len, apply_scalar(op, *a, *b));
  }
}

template <class T>
void broadcast_binary_typed(const Tensor& a, const Tensor& b, Tensor& out, BinaryOp op) {
  const kernels::KernelTable<T>& k = kernels::active<T>();
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* po = out.data<T>();
  const Shape& out_shape = out.shape();
  const std::int64_t n = out.numel();
  if (n == 0) return;
  if (out_shape.empty() || a.shape() == b.shape()) {  // no broadcasting: one call over everything
    apply_row(k, op, pa, 1, pb, 1, po, static_cast<std::size_t>(n));
    return;
  }
  const std::size_t ndim = out_shape.size();
  const Shape sa = broadcast_strides(a.shape(), out_shape);
  const Shape sb = broadcast_strides(b.shape(), out_shape);
  const std::int64_t row = out_shape[ndim - 1];
  Shape index(ndim - 1, 0);  // odometer over the outer axes
  std::int64_t oa = 0;       // offset of the current row's first element in a
  std::int64_t ob = 0;       // ... and in b
  for (std::int64_t start = 0; start < n; start += row) {
    apply_row(k, op, pa + oa, sa[ndim - 1], pb + ob, sb[ndim - 1], po + start,
              static_cast<std::size_t>(row));
    // Odometer over the outer axes: bump the innermost, carry outwards.
    for (std::size_t axis = ndim - 1; axis-- > 0;) {
      ++index[axis];
      oa += sa[axis];
      ob += sb[axis];
      if (index[axis] < out_shape[axis]) break;
      oa -= sa[axis] * out_shape[axis];
      ob -= sb[axis] * out_shape[axis];
      index[axis] = 0;
    }
  }
}

}  // namespace

Tensor broadcast_binary(const Tensor& a, const Tensor& b, BinaryOp op, std::string_view name) {
  check_same_dtype(a, b, name);
  const Shape out_shape = broadcast_shapes(a.shape(), b.shape(), name);
  Tensor out = empty(out_shape, a.dtype());
  dispatch_floating(a.dtype(), name, [&]<class T>() { broadcast_binary_typed<T>(a, b, out, op); });
  return out;
}

}  // namespace knob::detail
