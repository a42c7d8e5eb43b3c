#include "nn/layers/embedding.h"

#include <fmt/format.h>

#include "autograd/ops.h"
#include "nn/layers/init.h"

namespace knob::nn {

Embedding::Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, Generator& gen,
                     DType dtype)
    : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {
  if (num_embeddings <= 0 || embedding_dim <= 0) {
    throw ValueError(fmt::format("Embedding: sizes must be positive, got num={}, dim={}",
                                 num_embeddings, embedding_dim));
  }
  weight_ = register_parameter("weight",
                               init::embedding_weight(num_embeddings, embedding_dim, gen, dtype));
}

std::string Embedding::extra_repr() const {
  return fmt::format("num={}, dim={}", num_embeddings_, embedding_dim_);
}

Tensor Embedding::forward(const Tensor& ids) const {
  if (!ids.defined() || ids.dtype() != DType::i64) {
    throw DTypeError(fmt::format(
        "Embedding(num={}, dim={}): ids must be i64, got {}", num_embeddings_, embedding_dim_,
        ids.defined() ? std::string(dtype_name(ids.dtype())) : std::string("an undefined tensor")));
  }
  return embedding(weight_, ids);  // W[ids]: [S...] → [S..., dim]
}

}  // namespace knob::nn
