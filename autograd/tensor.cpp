#include "autograd/tensor.h"

#include <cmath>
#include <cstring>
#include <new>

#include <fmt/format.h>

#include "autograd/buffer_pool.h"
#include "autograd/object_pool.h"
#include "autograd/ops.h"
#include "autograd/tape.h"

namespace knob {

// ------------------------------------------------------------------------------ dtype ----

std::string_view dtype_name(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return "f32";
    case DType::f64:
      return "f64";
    case DType::i64:
      return "i64";
  }
  return "?";
}

std::size_t dtype_size(DType dtype) { return dtype == DType::f32 ? 4 : 8; }

// ------------------------------------------------------------------------------ storage ----

namespace {
constexpr std::size_t kAlignment = 64;
// Round up so the buffer is never empty and always a whole number of cache lines.
std::size_t rounded_bytes(std::size_t bytes) {
  return (bytes + kAlignment - 1) / kAlignment * kAlignment + kAlignment;
}
}  // namespace

Storage::Storage(std::size_t bytes) : bytes_(bytes) {
  // Blocks come from (and return to) the thread's buffer cache: see buffer_pool.h.
  data_ = pool_allocate(rounded_bytes(bytes));
}

Storage::~Storage() { pool_release(data_, rounded_bytes(bytes_)); }

// ------------------------------------------------------------------------------ tensor ----

std::shared_ptr<TensorImpl> new_tensor_impl() {
  return std::allocate_shared<TensorImpl>(PoolAllocator<TensorImpl>());
}

const TensorImpl& Tensor::checked() const {
  if (!impl_) throw ValueError("tensor: use of an undefined (empty) Tensor handle");
  return *impl_;
}

const Shape& Tensor::shape() const { return checked().shape; }

std::int64_t Tensor::size(std::int64_t axis) const {
  return shape()[normalize_axis(axis, dim(), "size")];
}

DType Tensor::dtype() const { return checked().dtype; }

template <class T>
T* Tensor::data() const {
  const TensorImpl& impl = checked();
  if (impl.dtype != dtype_of<T>()) {
    throw DTypeError(fmt::format("data<{}>(): the tensor's dtype is {}", dtype_name(dtype_of<T>()),
                                 dtype_name(impl.dtype)));
  }
  return static_cast<T*>(impl.storage->data()) + impl.offset;
}
template float* Tensor::data<float>() const;
template double* Tensor::data<double>() const;
template std::int64_t* Tensor::data<std::int64_t>() const;

namespace {

// Row-major linear position of a multi-index, checked against the shape.
std::int64_t linear_index(const Shape& shape, const std::vector<std::int64_t>& index,
                          std::string_view op) {
  if (index.size() != shape.size()) {
    throw ValueError(fmt::format("{}: index [{}] has {} entries for a tensor of shape {}", op,
                                 fmt::join(index, ","), index.size(), shape_str(shape)));
  }
  std::int64_t linear = 0;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (index[i] < 0 || index[i] >= shape[i]) {
      throw ValueError(fmt::format("{}: index [{}] is out of range for shape {}", op,
                                   fmt::join(index, ","), shape_str(shape)));
    }
    linear = linear * shape[i] + index[i];
  }
  return linear;
}

double read_element(const TensorImpl& impl, std::int64_t linear) {
  const void* base = impl.storage->data();
  switch (impl.dtype) {
    case DType::f32:
      return static_cast<const float*>(base)[impl.offset + linear];
    case DType::f64:
      return static_cast<const double*>(base)[impl.offset + linear];
    case DType::i64:
      return static_cast<double>(static_cast<const std::int64_t*>(base)[impl.offset + linear]);
  }
  return 0.0;
}

void write_element(TensorImpl& impl, std::int64_t linear, double value) {
  void* base = impl.storage->data();
  switch (impl.dtype) {
    case DType::f32:
      static_cast<float*>(base)[impl.offset + linear] = static_cast<float>(value);
      break;
    case DType::f64:
      static_cast<double*>(base)[impl.offset + linear] = value;
      break;
    case DType::i64:
      static_cast<std::int64_t*>(base)[impl.offset + linear] = static_cast<std::int64_t>(value);
      break;
  }
}

}  // namespace

double Tensor::item() const {
  if (numel() != 1) {
    throw ValueError(
        fmt::format("item: expected a tensor with one element, got shape {}", shape_str(shape())));
  }
  return read_element(*impl_, 0);
}

double Tensor::at(const std::vector<std::int64_t>& index) const {
  return read_element(checked(), linear_index(shape(), index, "at"));
}

void Tensor::set(const std::vector<std::int64_t>& index, double value) {
  write_element(*impl_, linear_index(shape(), index, "set"), value);
}

std::vector<double> Tensor::to_vector() const {
  const std::int64_t n = numel();
  std::vector<double> values(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) values[i] = read_element(*impl_, i);
  return values;
}

std::vector<std::int64_t> Tensor::to_int_vector() const {
  const std::int64_t* p = data<std::int64_t>();
  return std::vector<std::int64_t>(p, p + numel());
}

bool Tensor::requires_grad() const { return checked().requires_grad; }

Tensor& Tensor::requires_grad_(bool enabled) {
  const TensorImpl& impl = checked();
  if (impl.grad_fn) {
    throw AutogradError("requires_grad_: only leaves can be marked; this tensor was computed by '" +
                        impl.grad_fn->op + "' (call detach() first to make a new leaf)");
  }
  if (enabled && !is_floating(impl.dtype)) {
    throw AutogradError(
        fmt::format("requires_grad_: a {} tensor cannot require grad (only f32 "
                    "and f64 are differentiable)",
                    dtype_name(impl.dtype)));
  }
  impl_->requires_grad = enabled;
  return *this;
}

bool Tensor::is_leaf() const { return checked().grad_fn == nullptr; }

Tensor Tensor::grad() const {
  const TensorImpl& impl = checked();
  const std::string label = impl.name.empty() ? std::string("tensor") : "'" + impl.name + "'";
  if (!impl.requires_grad) {
    throw AutogradError(
        fmt::format("grad: {} of shape {} does not require grad, so it has no gradient (call "
                    "requires_grad_() before computing with it)",
                    label, shape_str(impl.shape)));
  }
  if (impl.grad_fn) {
    throw AutogradError(fmt::format(
        "grad: {} of shape {} is not a leaf (it was computed by '{}'); only leaves accumulate "
        ".grad() — use knob::grad() to get the gradient of an intermediate value",
        label, shape_str(impl.shape), impl.grad_fn->op));
  }
  if (!impl.grad) {
    throw AutogradError(
        fmt::format("grad: {} of shape {} has no gradient yet (no backward() has reached it)",
                    label, shape_str(impl.shape)));
  }
  return Tensor(impl.grad);
}

bool Tensor::has_grad() const { return checked().grad != nullptr; }

void Tensor::zero_grad() { impl_->grad.reset(); }

void Tensor::set_grad(const Tensor& grad) {
  if (grad.defined() && (grad.shape() != shape() || grad.dtype() != dtype())) {
    throw ShapeError(fmt::format("set_grad: gradient {} {} does not match tensor {} {}",
                                 shape_str(grad.shape()), dtype_name(grad.dtype()),
                                 shape_str(shape()), dtype_name(dtype())));
  }
  impl_->grad = grad.impl_ptr();
}

std::shared_ptr<Node> Tensor::grad_fn() const { return checked().grad_fn; }

Tensor Tensor::detach() const {
  const TensorImpl& impl = checked();
  auto out = new_tensor_impl();
  out->storage = impl.storage;
  out->offset = impl.offset;
  out->shape = impl.shape;
  out->dtype = impl.dtype;
  out->name = impl.name;
  return Tensor(std::move(out));
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape(), dtype());
  std::memcpy(
      out.impl()->storage->data(),
      static_cast<const char*>(impl_->storage->data()) + impl_->offset * dtype_size(dtype()),
      static_cast<std::size_t>(numel()) * dtype_size(dtype()));
  return out;
}

Tensor Tensor::reshape(const Shape& shape) const { return knob::reshape(*this, shape); }

bool Tensor::shares_storage(const Tensor& other) const {
  return defined() && other.defined() && impl_->storage == other.impl_->storage;
}

Tensor Tensor::to(DType dtype) const {
  Tensor out = empty(shape(), dtype);
  const std::int64_t n = numel();
  for (std::int64_t i = 0; i < n; ++i) write_element(*out.impl(), i, read_element(*impl_, i));
  return out;
}

void Tensor::set_data(const Tensor& source) {
  const TensorImpl& impl = checked();
  if (impl.grad_fn) {
    throw AutogradError("set_data: only leaves can be overwritten (this tensor was computed by '" +
                        impl.grad_fn->op + "')");
  }
  if (impl.requires_grad && !is_floating(source.dtype())) {
    throw DTypeError("set_data: a tensor that requires grad cannot hold i64 data");
  }
  Tensor copy = source.clone();
  impl_->storage = copy.impl()->storage;
  impl_->offset = 0;
  impl_->shape = copy.shape();
  impl_->dtype = copy.dtype();
  if (impl_->grad && (impl_->grad->shape != impl_->shape || impl_->grad->dtype != impl_->dtype)) {
    impl_->grad.reset();
  }
}

const std::string& Tensor::name() const { return checked().name; }

Tensor& Tensor::set_name(std::string name) {
  checked();
  impl_->name = std::move(name);
  return *this;
}

// ------------------------------------------------------------------------------ creation ----

Tensor empty(const Shape& shape, DType dtype) {
  check_valid_shape(shape, "empty");
  auto impl = new_tensor_impl();
  impl->storage = std::allocate_shared<Storage>(
      PoolAllocator<Storage>(), static_cast<std::size_t>(shape_numel(shape)) * dtype_size(dtype));
  impl->shape = shape;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor full(const Shape& shape, double value, DType dtype) {
  Tensor out = empty(shape, dtype);
  const std::int64_t n = out.numel();
  for (std::int64_t i = 0; i < n; ++i) write_element(*out.impl(), i, value);
  return out;
}

Tensor zeros(const Shape& shape, DType dtype) {
  Tensor out = empty(shape, dtype);
  std::memset(out.impl()->storage->data(), 0, out.impl()->storage->bytes());
  return out;
}

Tensor ones(const Shape& shape, DType dtype) { return full(shape, 1.0, dtype); }
Tensor zeros_like(const Tensor& like) { return zeros(like.shape(), like.dtype()); }
Tensor ones_like(const Tensor& like) { return ones(like.shape(), like.dtype()); }

Tensor arange(double start, double stop, double step, DType dtype) {
  if (step == 0.0 || !std::isfinite(start) || !std::isfinite(stop) || !std::isfinite(step)) {
    throw ValueError(
        fmt::format("arange: invalid range start={} stop={} step={}", start, stop, step));
  }
  const auto n = static_cast<std::int64_t>(std::max(0.0, std::ceil((stop - start) / step)));
  Tensor out = empty({n}, dtype);
  for (std::int64_t i = 0; i < n; ++i) write_element(*out.impl(), i, start + step * i);
  return out;
}

Tensor causal_mask(std::int64_t T) {
  if (T < 0) throw ValueError(fmt::format("causal_mask: T must be >= 0, got {}", T));
  Tensor mask = zeros({T, T}, DType::i64);  // [T, T]
  std::int64_t* m = mask.data<std::int64_t>();
  for (std::int64_t t = 0; t < T; ++t) {
    for (std::int64_t s = t + 1; s < T; ++s) m[t * T + s] = 1;  // key s after query t
  }
  return mask;
}

Tensor tensor(const std::vector<double>& values, const Shape& shape, DType dtype) {
  check_valid_shape(shape, "tensor");
  if (static_cast<std::int64_t>(values.size()) != shape_numel(shape)) {
    throw ShapeError(fmt::format("tensor: {} values do not fill shape {} ({} elements)",
                                 values.size(), shape_str(shape), shape_numel(shape)));
  }
  Tensor out = empty(shape, dtype);
  for (std::size_t i = 0; i < values.size(); ++i) {
    write_element(*out.impl(), static_cast<std::int64_t>(i), values[i]);
  }
  return out;
}

Tensor int_tensor(const std::vector<std::int64_t>& values, const Shape& shape) {
  check_valid_shape(shape, "int_tensor");
  if (static_cast<std::int64_t>(values.size()) != shape_numel(shape)) {
    throw ShapeError(fmt::format("int_tensor: {} values do not fill shape {} ({} elements)",
                                 values.size(), shape_str(shape), shape_numel(shape)));
  }
  Tensor out = empty(shape, DType::i64);
  std::copy(values.begin(), values.end(), out.data<std::int64_t>());
  return out;
}

Tensor scalar(double value, DType dtype) { return full({}, value, dtype); }

}  // namespace knob
