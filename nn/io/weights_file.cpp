#include "nn/io/weights_file.h"

#include <cmath>
#include <cstdint>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "autograd/error.h"
#include "nn/base/excerpt.h"
#include "nn/base/file_error.h"

namespace knob::nn {

namespace {

/// Where the first non-finite value of a tensor is, and how many there are.
struct NonFinite {
  std::int64_t first = -1;  ///< flat index, -1 when every value is finite
  std::int64_t count = 0;
  double value = 0.0;
};

template <class T>
NonFinite find_non_finite(const T* data, std::int64_t n) {
  NonFinite found;
  for (std::int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(data[i])) {
      if (found.first < 0) {
        found.first = i;
        found.value = static_cast<double>(data[i]);
      }
      ++found.count;
    }
  }
  return found;
}

/// Flat row-major index → "[i,j,k]".
std::string index_str(std::int64_t flat, const Shape& shape) {
  Shape index(shape.size(), 0);
  for (std::size_t axis = shape.size(); axis-- > 0;) {
    if (shape[axis] > 0) {
      index[axis] = flat % shape[axis];
      flat /= shape[axis];
    }
  }
  return fmt::format("[{}]", fmt::join(index, ","));
}

/// Refuse integer dtypes from the header, before any data is read.
void check_weight_dtypes(const std::vector<TensorHeader>& headers, const std::string& path) {
  for (const TensorHeader& header : headers) {
    if (header.dtype != "F32" && header.dtype != "F64") {
      throw FileError(path, fmt::format("tensor '{}' is {}, but weights are F32 or F64",
                                        excerpt(header.name), header.dtype));
    }
  }
}

}  // namespace

void check_weight_values(const NamedTensors& tensors, const std::string& source) {
  for (const auto& [name, t] : tensors) {
    NonFinite found;
    if (t.dtype() == DType::f32) {
      found = find_non_finite(t.data<float>(), t.numel());
    } else if (t.dtype() == DType::f64) {
      found = find_non_finite(t.data<double>(), t.numel());
    } else {
      throw FileError(source, fmt::format("tensor '{}' is {}, but weights are F32 or F64",
                                          excerpt(name), dtype_name(t.dtype())));
    }
    if (found.first >= 0) {
      throw FileError(source,
                      fmt::format("tensor '{}' {} holds {} at index {} ({} of {} values "
                                  "are not finite); weights must be finite",
                                  excerpt(name), shape_str(t.shape()), found.value,
                                  index_str(found.first, t.shape()), found.count, t.numel()));
    }
  }
}

SafetensorsFile read_weights_file(const std::string& path) {
  SafetensorsFile file = read_safetensors(
      path, [&](const std::vector<TensorHeader>& headers) { check_weight_dtypes(headers, path); });
  check_weight_values(file.tensors, path);
  return file;
}

SafetensorsFile read_weights_file(const std::string& path, const NamedShapes& expected,
                                  bool strict) {
  const auto check = [&](const std::vector<TensorHeader>& headers) {
    NamedShapes given;
    given.reserve(headers.size());
    for (const TensorHeader& header : headers) given.emplace_back(header.name, header.shape);
    if (const std::string problems = state_dict_problems(expected, given, strict);
        !problems.empty()) {
      throw FileError(path, problems);
    }
    check_weight_dtypes(headers, path);
  };
  SafetensorsFile file = read_safetensors(path, check);
  check_weight_values(file.tensors, path);
  return file;
}

}  // namespace knob::nn
