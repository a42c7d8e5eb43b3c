/// @file
/// @brief knob::Tensor: an N-d, contiguous, row-major array that can take part in autograd.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "autograd/dtype.h"
#include "autograd/shape.h"

namespace knob {

class Node;

/// @brief A 64-byte aligned, reference-counted block of memory that tensors view.
///
/// Several tensors may share one Storage (a reshape is a new tensor over the same bytes).
class Storage {
 public:
  /// @brief Allocate `bytes` bytes, aligned to 64 (a cache line, and an AVX-512 register).
  /// @param bytes the usable size; the block is rounded up to whole cache lines plus one, and
  ///        comes from the thread's buffer cache (buffer_pool.h) when one of that size is free.
  explicit Storage(std::size_t bytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  /// @brief Start of the buffer. @return the 64-byte aligned address.
  void* data() const { return data_; }
  /// @brief Size of the buffer in bytes. @return the size asked for at construction.
  std::size_t bytes() const { return bytes_; }

 private:
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
};

/// @brief What a Tensor handle points at: the data view plus its autograd state.
struct TensorImpl {
  std::shared_ptr<Storage> storage;  ///< the bytes (shared between views)
  std::int64_t offset = 0;           ///< first element, counted in elements of dtype
  Shape shape;                       ///< extents, outermost first
  DType dtype = DType::f32;          ///< element type
  bool requires_grad = false;        ///< leaves: does backward() fill grad?
  std::shared_ptr<TensorImpl> grad;  ///< leaves: accumulated gradient (same shape and dtype)
  std::shared_ptr<Node> grad_fn;     ///< non-leaves: the tape node that produced this tensor
  std::string name;                  ///< optional label (graph pictures, error messages)
};

/// @brief A new, default TensorImpl whose block comes from the object pool (object_pool.h):
/// how ops make the object behind a new handle.
/// @return the shared implementation object.
std::shared_ptr<TensorImpl> new_tensor_impl();

/// @brief An N-dimensional array of f32, f64 or i64 with reverse-mode autograd.
///
/// A Tensor is a cheap handle: copying it shares the data (like a `std::shared_ptr`), and
/// `clone()` makes a deep copy. Storage is always contiguous and row-major; `reshape`/`view`
/// return a new tensor over the same bytes, other shape ops copy.
///
/// A tensor with `requires_grad()` takes part in autograd: every op applied to it is recorded on
/// the thread's tape (see tape.h), and `backward(loss)` accumulates d loss / d x into `x.grad()`
/// for every leaf x that requires grad.
///
/// \code
/// Tensor x = tensor({1.0, 2.0, 3.0}, {3}, DType::f64).requires_grad_();
/// Tensor y = sum(mul(x, x));   // y = Σ x²
/// backward(y);                 // x.grad() == 2x == [2, 4, 6]
/// \endcode
class Tensor {
 public:
  /// @brief An undefined tensor (no data); `defined()` is false.
  Tensor() = default;
  /// @brief Wrap an implementation object (used by ops; most code never calls this).
  /// @param impl the object to share.
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  /// @brief Whether this handle refers to a tensor. @return false for `Tensor()`.
  bool defined() const { return impl_ != nullptr; }

  // ---- shape and type ----
  /// @brief Extents, outermost first. @return the shape ([] for a scalar).
  const Shape& shape() const;
  /// @brief Number of dimensions. @return `shape().size()` (0 for a scalar).
  std::int64_t dim() const { return static_cast<std::int64_t>(shape().size()); }
  /// @brief Extent along `axis` (negative counts from the end).
  /// @param axis in [-dim(), dim()). @return the extent.
  /// @throws ValueError when the axis is out of range.
  std::int64_t size(std::int64_t axis) const;
  /// @brief Number of elements. @return the product of the extents (1 for a scalar).
  std::int64_t numel() const { return shape_numel(shape()); }
  /// @brief Element type. @return f32, f64 or i64.
  DType dtype() const;

  // ---- data access ----
  /// @brief Pointer to the first element.
  /// @tparam T float, double or std::int64_t, matching dtype().
  /// @return the address of element 0; the numel() elements follow contiguously.
  /// @throws DTypeError if T does not match dtype().
  template <class T>
  T* data() const;
  /// @brief The value of a one-element tensor, as double.
  /// @return the element. @throws ValueError when numel() != 1.
  double item() const;
  /// @brief Element at a multi-index, as double (any dtype).
  /// @param index one entry per axis. @return the element.
  /// @throws ValueError when the index has the wrong length or is out of range.
  double at(const std::vector<std::int64_t>& index) const;
  /// @brief Overwrite one element (converted from double). Not recorded by autograd.
  /// @param index one entry per axis. @param value the new value.
  /// @throws ValueError when the index has the wrong length or is out of range.
  void set(const std::vector<std::int64_t>& index, double value);
  /// @brief All elements in row-major order, as doubles. @return numel() values (any dtype).
  std::vector<double> to_vector() const;
  /// @brief All elements of an i64 tensor. @return numel() values in row-major order.
  /// @throws DTypeError for other dtypes.
  std::vector<std::int64_t> to_int_vector() const;

  // ---- autograd ----
  /// @brief Does this tensor take part in autograd (a trainable leaf, or computed from one)?
  /// @return the flag.
  bool requires_grad() const;
  /// @brief Mark a leaf as trainable (or frozen). Returns *this for chaining.
  /// @param enabled true for trainable, false for frozen.
  /// @return `*this`.
  /// @throws AutogradError on a non-leaf, or when enabling it on an i64 tensor.
  Tensor& requires_grad_(bool enabled = true);
  /// @brief A leaf has no grad_fn: created by the user, not computed by a recorded op.
  /// @return true for a leaf.
  bool is_leaf() const;
  /// @brief The accumulated gradient of a leaf.
  /// @return the gradient (same shape and dtype), shared, not copied.
  /// @throws AutogradError if the tensor does not require grad, or no backward has reached it.
  Tensor grad() const;
  /// @brief Whether a gradient has been accumulated into this leaf.
  /// @return true once a backward pass (or set_grad) gave it one.
  bool has_grad() const;
  /// @brief Forget the accumulated gradient (the next backward starts from zero).
  void zero_grad();
  /// @brief Set (or clear, with an undefined tensor) the accumulated gradient.
  /// @param grad the new gradient, shared, not copied.
  /// @throws ShapeError when its shape or dtype differs from this tensor's.
  void set_grad(const Tensor& grad);
  /// @brief The tape node that produced this tensor (null for leaves).
  /// @return the node, or nullptr.
  std::shared_ptr<Node> grad_fn() const;

  // ---- copies and views ----
  /// @brief A new leaf sharing this tensor's data, cut off from the graph.
  /// @return a leaf with requires_grad() false, over the same Storage.
  Tensor detach() const;
  /// @brief A deep copy of the data (not recorded by autograd; the copy is a leaf).
  /// @return a new tensor with its own Storage.
  Tensor clone() const;
  /// @brief A tensor over the same bytes with a new shape (one extent may be -1).
  /// Differentiable: this is `knob::reshape`.
  /// @param shape the new extents; their product must equal numel().
  /// @return the reshaped tensor.
  /// @throws ShapeError when the element counts differ.
  Tensor reshape(const Shape& shape) const;
  /// @brief Same as reshape: knob tensors are always contiguous, so a view never copies.
  /// @param shape the new extents. @return reshape(shape).
  Tensor view(const Shape& shape) const { return reshape(shape); }
  /// @brief Do the two tensors view the same Storage?
  /// @param other the other tensor.
  /// @return true when both are defined and share one Storage.
  bool shares_storage(const Tensor& other) const;
  /// @brief A copy converted to another dtype (not differentiable).
  /// @param dtype the target type (values go through double; to i64 they are truncated).
  /// @return a new leaf, even when dtype equals dtype().
  Tensor to(DType dtype) const;
  /// @brief Make this leaf hold `source`'s data, shape and dtype (a copy), in place: every handle
  /// to this tensor sees the change. For loading weights and converting a model's dtype.
  /// @param source the data to copy in.
  /// @throws AutogradError on a non-leaf.
  /// @throws DTypeError when a tensor that requires grad would get i64 data.
  void set_data(const Tensor& source);

  /// @brief Optional label shown in graph pictures. @return the label ("" when unset).
  const std::string& name() const;
  /// @brief Set the label. Returns *this.
  /// @param name the new label. @return `*this`.
  Tensor& set_name(std::string name);

  /// @brief The implementation object (for ops and the tape). @return it, or nullptr.
  TensorImpl* impl() const { return impl_.get(); }
  /// @brief Shared ownership of the implementation object. @return the shared pointer.
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

 private:
  const TensorImpl& checked() const;
  std::shared_ptr<TensorImpl> impl_;
};

// ---------------------------------------------------------------------------------------------
// Creation. Every factory returns a leaf with requires_grad() == false.
// ---------------------------------------------------------------------------------------------

/// @brief Uninitialised tensor of the given shape and dtype.
/// @param shape the extents. @param dtype the element type.
/// @return a new tensor whose contents are unspecified.
/// @throws ValueError for a negative extent.
Tensor empty(const Shape& shape, DType dtype = DType::f32);
/// @brief All zeros.
/// @param shape the extents. @param dtype the element type. @return a new tensor.
Tensor zeros(const Shape& shape, DType dtype = DType::f32);
/// @brief All ones.
/// @param shape the extents. @param dtype the element type. @return a new tensor.
Tensor ones(const Shape& shape, DType dtype = DType::f32);
/// @brief Every element equal to `value`.
/// @param shape the extents. @param value the fill value (converted to dtype).
/// @param dtype the element type. @return a new tensor.
Tensor full(const Shape& shape, double value, DType dtype = DType::f32);
/// @brief Zeros with the shape and dtype of `like`.
/// @param like the tensor to copy the shape and dtype from. @return a new tensor.
Tensor zeros_like(const Tensor& like);
/// @brief Ones with the shape and dtype of `like`.
/// @param like the tensor to copy the shape and dtype from. @return a new tensor.
Tensor ones_like(const Tensor& like);
/// @brief 1-D tensor [start, start+step, ...) stopping before `stop`.
/// @param start the first value. @param stop the bound, not reached.
/// @param step the spacing (may be negative). @param dtype the element type.
/// @return \f$ \max(0, \lceil (stop - start) / step \rceil) \f$ values.
/// @throws ValueError when step is 0 or a bound is not finite.
Tensor arange(double start, double stop, double step = 1.0, DType dtype = DType::f32);
/// @brief A tensor holding `values` (row-major) with the given shape.
/// @param values the elements, row-major. @param shape the extents.
/// @param dtype the element type the values are converted to.
/// @return a new tensor.
/// @throws ShapeError when values.size() differs from the shape's element count.
Tensor tensor(const std::vector<double>& values, const Shape& shape, DType dtype = DType::f32);
/// @brief An i64 tensor (token ids, targets) holding `values`.
/// @param values the elements, row-major. @param shape the extents.
/// @return a new i64 tensor.
/// @throws ShapeError when values.size() differs from the shape's element count.
Tensor int_tensor(const std::vector<std::int64_t>& values, const Shape& shape);
/// @brief The causal mask of attention over T positions: an i64 [T, T] tensor with
/// \f$ M_{ts} = 1 \f$ when key s lies in query t's future (s > t), else 0. Attention sets the
/// masked scores to \f$ -\infty \f$ (masked_fill) so that query t sees keys 0 … t only.
/// @param T the number of positions (≥ 0).
/// @return the mask, 1 strictly above the diagonal.
/// @throws ValueError when T is negative.
Tensor causal_mask(std::int64_t T);
/// @brief A zero-dimensional tensor holding one value.
/// @param value the value. @param dtype the element type. @return a tensor of shape [].
Tensor scalar(double value, DType dtype = DType::f32);

}  // namespace knob
