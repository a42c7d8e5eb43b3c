#include "nn/layers/init.h"

#include <cmath>
#include <string>

#include <fmt/format.h>

#include "autograd/error.h"

namespace knob::nn::init {

namespace {

void check_size(std::int64_t size, const char* what, const char* function) {
  if (size <= 0) {
    throw ValueError(fmt::format("init::{}: {} must be positive, got {}", function, what, size));
  }
}

void check_floating_dtype(DType dtype, const char* function) {
  if (!is_floating(dtype)) {
    throw DTypeError(fmt::format("init::{}: parameters must be f32 or f64, got {}", function,
                                 dtype_name(dtype)));
  }
}

}  // namespace

double linear_bound(std::int64_t fan_in) {
  check_size(fan_in, "fan_in", "linear_bound");
  return 1.0 / std::sqrt(static_cast<double>(fan_in));
}

Tensor linear_weight(std::int64_t out_features, std::int64_t in_features, Generator& gen,
                     DType dtype) {
  check_size(out_features, "out_features", "linear_weight");
  check_size(in_features, "in_features", "linear_weight");
  check_floating_dtype(dtype, "linear_weight");
  const double bound = linear_bound(in_features);
  return uniform({out_features, in_features}, -bound, bound, gen, dtype);  // [out, in]
}

Tensor linear_bias(std::int64_t out_features, std::int64_t in_features, Generator& gen,
                   DType dtype) {
  check_size(out_features, "out_features", "linear_bias");
  check_size(in_features, "in_features", "linear_bias");
  check_floating_dtype(dtype, "linear_bias");
  const double bound = linear_bound(in_features);
  return uniform({out_features}, -bound, bound, gen, dtype);  // [out]
}

Tensor embedding_weight(std::int64_t num_embeddings, std::int64_t embedding_dim, Generator& gen,
                        DType dtype) {
  check_size(num_embeddings, "num_embeddings", "embedding_weight");
  check_size(embedding_dim, "embedding_dim", "embedding_weight");
  check_floating_dtype(dtype, "embedding_weight");
  return randn({num_embeddings, embedding_dim}, gen, dtype);  // [n, d]
}

Tensor layer_norm_weight(std::int64_t features, DType dtype) {
  check_size(features, "features", "layer_norm_weight");
  check_floating_dtype(dtype, "layer_norm_weight");
  return ones({features}, dtype);  // [C]
}

Tensor layer_norm_bias(std::int64_t features, DType dtype) {
  check_size(features, "features", "layer_norm_bias");
  check_floating_dtype(dtype, "layer_norm_bias");
  return zeros({features}, dtype);  // [C]
}

}  // namespace knob::nn::init
