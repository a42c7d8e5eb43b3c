/// @file
/// @brief The one exception hierarchy of knob: every failure a user can cause is a knob::Error.
#pragma once

#include <stdexcept>
#include <string>

namespace knob {

/// @brief Base class of every error knob reports.
///
/// Messages name the operation (or file) first and then the offending shapes or values, e.g.
/// `matmul: [2,3] @ [4,5]: inner dimensions 3 and 4 differ`.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// @brief Two tensors (or a tensor and an argument) have incompatible shapes.
class ShapeError : public Error {
 public:
  using Error::Error;
};

/// @brief An operation got a dtype it does not support, or tensors of mixed dtypes.
class DTypeError : public Error {
 public:
  using Error::Error;
};

/// @brief Autograd was used in a way that cannot give a gradient (freed graph, non-scalar root...).
class AutogradError : public Error {
 public:
  using Error::Error;
};

/// @brief An argument is out of its valid range (an axis, an index, a size, an option).
class ValueError : public Error {
 public:
  using Error::Error;
};

}  // namespace knob
