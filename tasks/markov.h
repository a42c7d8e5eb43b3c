/// @file
/// @brief A character source whose best possible cross-entropy is known exactly: a finite
/// Markov chain, its stationary distribution and entropy rate, a seeded random sparse chain,
/// and the reweighting used as a domain shift.
///
/// Sequences from a stationary Markov chain with transition matrix P and stationary
/// distribution π have entropy rate
/// \f$ H = -\sum_i \pi_i \sum_j P_{ij} \ln P_{ij} \f$ nats per symbol. No model can predict the
/// next symbol with a lower expected cross-entropy, and the true chain attains it: a model's
/// per-token loss minus H is exactly how much it has still to learn.
///
/// \code
/// Generator gen(0);
/// MarkovChain g1 = random_sparse_chain(gen);              // 20 symbols, 5 successors each
/// MarkovChain g2 = g1.reweighted(random_signs(20, gen));  // the shifted domain
/// Batch batch = g1.sample_batch(64, 32, gen);             // input_ids, targets [64,32]
/// double floor = g1.entropy_rate();                       // nats per token
/// \endcode
#pragma once

#include <vector>

#include "autograd/random.h"
#include "tasks/batch.h"

namespace knob::tasks {

/// @brief A Markov chain on the symbols 0 … n−1, given by its transition matrix.
///
/// `probability(i, j)` is \f$ P(s_{t+1} = j \mid s_t = i) \f$. The chain must be irreducible
/// (every symbol reachable from every other), so its stationary distribution is unique; it is
/// computed once, exactly, when the chain is built. The object is an immutable value.
class MarkovChain {
 public:
  /// @brief A chain from its transition matrix.
  /// @param transition n rows of n probabilities; each row ≥ 0 and summing to 1 (within 1e-9;
  /// rows are then renormalised exactly).
  /// @throws ValueError for an empty or non-square matrix, a negative or non-finite entry, a
  /// row whose sum is not 1, or a chain that is not irreducible.
  explicit MarkovChain(std::vector<std::vector<double>> transition);

  /// @brief Number of symbols n. @return n.
  int n_symbols() const { return static_cast<int>(transition_.size()); }
  /// @brief \f$ P_{ij} \f$. @param from i. @param to j. @return the probability.
  /// @throws ValueError when i or j is outside 0 … n−1.
  double probability(int from, int to) const;
  /// @brief Row i of P (the next-symbol distribution after i).
  /// @param from i. @return n probabilities summing to 1.
  /// @throws ValueError when i is outside 0 … n−1.
  const std::vector<double>& row(int from) const;
  /// @brief The successors of i: the j with \f$ P_{ij} > 0 \f$, ascending.
  /// @param from i. @return the successor symbols.
  /// @throws ValueError when i is outside 0 … n−1.
  std::vector<int> successors(int from) const;

  /// @brief The stationary distribution π: \f$ \pi P = \pi \f$, \f$ \sum_i \pi_i = 1 \f$.
  ///
  /// Solved exactly (Gaussian elimination with partial pivoting on \f$ (P^T - I)\pi = 0 \f$
  /// with one equation replaced by \f$ \sum_i \pi_i = 1 \f$), so \f$ \pi P = \pi \f$ holds to
  /// rounding error (≈1e-16), not to an iteration tolerance.
  /// @return π, n entries.
  const std::vector<double>& stationary_distribution() const { return stationary_; }

  /// @brief Entropy rate \f$ H = -\sum_i \pi_i \sum_j P_{ij} \ln P_{ij} \f$ in nats per symbol
  /// (terms with \f$ P_{ij} = 0 \f$ count 0): the lowest expected per-token cross-entropy any
  /// next-symbol model can reach on sequences of this chain.
  /// @return H ≥ 0.
  double entropy_rate() const;

  /// @brief The shifted chain \f$ P'_{ij} = P_{ij} e^{z_j} / \sum_k P_{ik} e^{z_k} \f$.
  ///
  /// Every row keeps its successors and tilts their probabilities towards symbols with larger
  /// \f$ z_j \f$ (random_signs() gives \f$ z_j = \pm 1 \f$).
  /// @param z one weight per symbol, n finite values.
  /// @return the new chain.
  /// @throws ValueError when z has the wrong size or a non-finite value.
  MarkovChain reweighted(const std::vector<double>& z) const;

  /// @brief Sample sequences: \f$ s_0 \sim \pi \f$, \f$ s_{t+1} \sim P_{s_t,\cdot} \f$.
  ///
  /// Row b holds a sequence \f$ s_0 \dots s_T \f$ as `input_ids[b] = s[0:T]`,
  /// `targets[b] = s[1:T+1]`; every position is scored (no -100) and `task` is empty. Each draw
  /// is one `gen.uniform()`, so the generator state fixes the batch.
  /// @param batch_size rows B ≥ 1.
  /// @param seq_len T ≥ 1.
  /// @param gen the random source (advanced).
  /// @return input_ids and targets [B,T] i64.
  /// @throws ValueError when B or T is < 1.
  Batch sample_batch(int batch_size, int seq_len, Generator& gen) const;

  /// @brief Mean negative log-likelihood per scored position of a batch under this chain:
  /// \f$ -\frac{1}{|P|} \sum_{(b,t) \in P} \ln P_{x_{bt}, y_{bt}} \f$ over targets ≠ -100 —
  /// the cross-entropy the true chain itself would score. On long samples it approaches
  /// entropy_rate().
  /// @param batch ids and targets in 0 … n−1 (or -100 for ignored targets).
  /// @return the mean NLL in nats (+inf if a transition of probability 0 occurs).
  /// @throws ValueError for an id outside 0 … n−1, or when no position is scored; DTypeError /
  /// ShapeError for tensors that are not i64 [B,T] of one shape.
  double mean_negative_log_likelihood(const Batch& batch) const;

 private:
  void check_symbol(int symbol, const char* op) const;
  std::vector<std::vector<double>> transition_;  // [n][n]
  std::vector<std::vector<int>> successors_;     // j with P_ij > 0, per i
  std::vector<double> stationary_;               // [n]
};

/// @brief A random sparse chain: each symbol has exactly `successors` distinct successors,
/// whose probabilities are drawn from a symmetric Dirichlet(α).
///
/// The chain is irreducible and aperiodic by construction:
/// - every symbol i has i+1 (mod n) among its successors, so the chain contains the cycle
///   0 → 1 → … → n−1 → 0 and every symbol reaches every other (irreducible);
/// - symbol 0 also has itself as a successor, a cycle of length 1, so the gcd of the cycle
///   lengths through 0 is 1 (aperiodic, so sampled sequences forget their start).
/// The remaining successors of each symbol are chosen uniformly among the other symbols, then
/// the successor list is sorted and Dirichlet probabilities are drawn for it (redrawn in the
/// rare case a probability underflows to 0, so the count stays exact).
/// @param gen the random source (advanced).
/// @param n_symbols n ≥ 1 (the lesson uses 20).
/// @param successors k, 2 ≤ k ≤ n (1 when n = 1).
/// @param dirichlet_alpha α > 0 (1 is uniform on the simplex; smaller is peakier).
/// @return the chain.
/// @throws ValueError for sizes out of range, α ≤ 0, or an α so small that probabilities
/// keep underflowing.
MarkovChain random_sparse_chain(Generator& gen, int n_symbols = 20, int successors = 5,
                                double dirichlet_alpha = 1.0);

/// @brief n independent signs \f$ z_j = \pm 1 \f$, each with probability ½ (for reweighted()).
/// @param n how many, ≥ 0.
/// @param gen the random source (advanced).
/// @return the signs as doubles.
/// @throws ValueError when n < 0.
std::vector<double> random_signs(int n, Generator& gen);

}  // namespace knob::tasks
