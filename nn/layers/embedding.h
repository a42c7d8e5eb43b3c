/// @file
/// @brief nn::Embedding: a learned lookup table from integer ids to vectors.
#pragma once

#include <cstdint>
#include <string>

#include "autograd/random.h"
#include "nn/layers/module.h"

namespace knob::nn {

/// @brief A table of `num_embeddings` vectors of size `embedding_dim`; row i is id i's vector.
///
/// Parameter: `weight` [num_embeddings, embedding_dim], initialised from \f$ N(0, 1) \f$ as
/// PyTorch's `nn.Embedding`. Forward gathers rows, \f$ y_s = W_{ids_s} \f$; backward
/// scatter-adds the incoming gradient into the rows that were used.
/// \code
/// Generator gen(0);
/// auto tok_emb = std::make_shared<Embedding>(/*num_embeddings=*/32, /*embedding_dim=*/64, gen);
/// Tensor x = tok_emb->forward(ids);  // ids: [B,T] i64 → x: [B,T,64]
/// \endcode
class Embedding : public Module {
 public:
  /// @brief An embedding table with freshly initialised rows.
  /// @param num_embeddings number of rows (ids are in [0, num_embeddings)).
  /// @param embedding_dim size of each vector.
  /// @param gen generator for the initial values.
  /// @param dtype f32 (default) or f64.
  /// @throws ValueError when a size is not positive.
  Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, Generator& gen,
            DType dtype = DType::f32);

  /// @brief The class name. @return "Embedding".
  std::string type_name() const override { return "Embedding"; }
  /// @brief The sizes, for summaries. @return "num=…, dim=…".
  std::string extra_repr() const override;

  /// @brief \f$ y_s = W_{ids_s} \f$ for every position s.
  /// Backward (by the op): \f$ \bar W_v = \sum_{s: ids_s = v} g_s \f$.
  /// @param ids integer ids (i64) of any shape S, each in [0, num_embeddings).
  /// @return y [S..., embedding_dim].
  /// @throws DTypeError when ids are not i64; ValueError naming the first id out of range.
  Tensor forward(const Tensor& ids) const;

  /// @brief The table [num_embeddings, embedding_dim]. @return the `weight` parameter.
  const Tensor& weight() const { return weight_; }
  /// @brief Number of rows. @return num_embeddings.
  std::int64_t num_embeddings() const { return num_embeddings_; }
  /// @brief Size of each vector. @return embedding_dim.
  std::int64_t embedding_dim() const { return embedding_dim_; }

 private:
  std::int64_t num_embeddings_;
  std::int64_t embedding_dim_;
  Tensor weight_;  // [num_embeddings, embedding_dim]
};

}  // namespace knob::nn
