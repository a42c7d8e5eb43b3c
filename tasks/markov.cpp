#include "tasks/markov.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "autograd/error.h"
#include "autograd/shape.h"
#include "tasks/distributions.h"
#include "tasks/vocabulary.h"

namespace knob::tasks {

namespace {

// True when every symbol reaches every other along edges with P_ij > 0: all symbols are
// reachable from 0 in the graph and in the reversed graph.
bool is_irreducible(const std::vector<std::vector<int>>& successors) {
  const std::size_t n = successors.size();
  std::vector<std::vector<int>> predecessors(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (int j : successors[i]) predecessors[j].push_back(static_cast<int>(i));
  }
  const auto reaches_all = [n](const std::vector<std::vector<int>>& edges) {
    std::vector<bool> seen(n, false);
    std::vector<int> stack = {0};
    seen[0] = true;
    std::size_t count = 1;
    while (!stack.empty()) {
      const int i = stack.back();
      stack.pop_back();
      for (int j : edges[i]) {
        if (!seen[j]) {
          seen[j] = true;
          ++count;
          stack.push_back(j);
        }
      }
    }
    return count == n;
  };
  return reaches_all(successors) && reaches_all(predecessors);
}

// Solve (P^T − I) π = 0 with the last equation replaced by Σ π_i = 1. For an irreducible chain
// the system is non-singular; Gaussian elimination with partial pivoting.
std::vector<double> solve_stationary(const std::vector<std::vector<double>>& P) {
  const std::size_t n = P.size();
  std::vector<std::vector<double>> A(n, std::vector<double>(n + 1, 0.0));  // [A | rhs]
  for (std::size_t i = 0; i < n; ++i) {  // equation i: Σ_j π_j P_ji − π_i = 0
    for (std::size_t j = 0; j < n; ++j) A[i][j] = P[j][i];
    A[i][i] -= 1.0;
  }
  for (std::size_t j = 0; j < n; ++j) A[n - 1][j] = 1.0;  // Σ π = 1
  A[n - 1][n] = 1.0;

  for (std::size_t col = 0; col < n; ++col) {
    std::size_t pivot = col;
    for (std::size_t r = col + 1; r < n; ++r) {
      if (std::abs(A[r][col]) > std::abs(A[pivot][col])) pivot = r;
    }
    std::swap(A[col], A[pivot]);
    if (A[col][col] == 0.0) {
      throw ValueError("MarkovChain: the stationary system is singular (chain not irreducible)");
    }
    for (std::size_t r = 0; r < n; ++r) {
      if (r == col || A[r][col] == 0.0) continue;
      const double factor = A[r][col] / A[col][col];
      for (std::size_t c = col; c <= n; ++c) A[r][c] -= factor * A[col][c];
    }
  }
  std::vector<double> pi(n);
  double total = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    pi[i] = std::max(0.0, A[i][n] / A[i][i]);  // clip −1e-17-sized rounding
    total += pi[i];
  }
  for (double& p : pi) p /= total;
  return pi;
}

// Index j drawn with probability row[j] among `candidates`, from one uniform number.
int draw_from(const std::vector<double>& row, const std::vector<int>& candidates, double u) {
  double cumulative = 0.0;
  for (int j : candidates) {
    cumulative += row[j];
    if (u < cumulative) return j;
  }
  return candidates.back();  // u ≥ the rounded total: the last candidate
}

}  // namespace

// ---- MarkovChain ----

MarkovChain::MarkovChain(std::vector<std::vector<double>> transition)
    : transition_(std::move(transition)) {
  const std::size_t n = transition_.size();
  if (n == 0) throw ValueError("MarkovChain: the transition matrix is empty");
  successors_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<double>& row = transition_[i];
    if (row.size() != n) {
      throw ValueError(fmt::format("MarkovChain: row {} has {} entries, expected {} (square)", i,
                                   row.size(), n));
    }
    double total = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      if (!(row[j] >= 0.0) || !std::isfinite(row[j])) {
        throw ValueError(
            fmt::format("MarkovChain: P[{}][{}] = {} is not a probability", i, j, row[j]));
      }
      total += row[j];
      if (row[j] > 0.0) successors_[i].push_back(static_cast<int>(j));
    }
    if (std::abs(total - 1.0) > 1e-9) {
      throw ValueError(fmt::format("MarkovChain: row {} sums to {}, not 1", i, total));
    }
    for (double& p : row) p /= total;
  }
  if (!is_irreducible(successors_)) {
    throw ValueError(
        "MarkovChain: the chain is not irreducible (some symbol cannot reach "
        "another), so its stationary distribution is not unique");
  }
  stationary_ = solve_stationary(transition_);
}

void MarkovChain::check_symbol(int symbol, const char* op) const {
  if (symbol < 0 || symbol >= n_symbols()) {
    throw ValueError(
        fmt::format("MarkovChain::{}: symbol {} is outside 0 … {}", op, symbol, n_symbols() - 1));
  }
}

double MarkovChain::probability(int from, int to) const {
  check_symbol(from, "probability");
  check_symbol(to, "probability");
  return transition_[from][to];
}

const std::vector<double>& MarkovChain::row(int from) const {
  check_symbol(from, "row");
  return transition_[from];
}

std::vector<int> MarkovChain::successors(int from) const {
  check_symbol(from, "successors");
  return successors_[from];
}

double MarkovChain::entropy_rate() const {
  // H = −Σ_i π_i Σ_j P_ij ln P_ij  (a reported number: std::log is fine here)
  double rate = 0.0;
  for (int i = 0; i < n_symbols(); ++i) {
    double row_entropy = 0.0;
    for (int j : successors_[i]) row_entropy -= transition_[i][j] * std::log(transition_[i][j]);
    rate += stationary_[i] * row_entropy;
  }
  return rate;
}

MarkovChain MarkovChain::reweighted(const std::vector<double>& z) const {
  const int n = n_symbols();
  if (static_cast<int>(z.size()) != n) {
    throw ValueError(
        fmt::format("MarkovChain::reweighted: z has {} weights for {} symbols", z.size(), n));
  }
  std::vector<double> tilt(n);  // e^{z_j}
  for (int j = 0; j < n; ++j) {
    if (!std::isfinite(z[j])) {
      throw ValueError(fmt::format("MarkovChain::reweighted: z[{}] = {} is not finite", j, z[j]));
    }
    tilt[j] = portable_exp(z[j]);  // portable: sampled chains must agree on every machine
  }
  std::vector<std::vector<double>> shifted(n, std::vector<double>(n, 0.0));
  for (int i = 0; i < n; ++i) {
    double total = 0.0;  // Σ_k P_ik e^{z_k}
    for (int j : successors_[i]) total += transition_[i][j] * tilt[j];
    for (int j : successors_[i]) shifted[i][j] = transition_[i][j] * tilt[j] / total;
  }
  return MarkovChain(std::move(shifted));
}

Batch MarkovChain::sample_batch(int batch_size, int seq_len, Generator& gen) const {
  if (batch_size < 1 || seq_len < 1) {
    throw ValueError(
        fmt::format("MarkovChain::sample_batch: batch_size ({}) and seq_len ({}) "
                    "must be >= 1",
                    batch_size, seq_len));
  }
  std::vector<int> all_symbols(n_symbols());
  for (int i = 0; i < n_symbols(); ++i) all_symbols[i] = i;

  const std::int64_t B = batch_size;
  const std::int64_t T = seq_len;
  Batch batch;
  batch.input_ids = empty({B, T}, DType::i64);  // s[0:T]
  batch.targets = empty({B, T}, DType::i64);    // s[1:T+1]
  std::int64_t* ids = batch.input_ids.data<std::int64_t>();
  std::int64_t* targets = batch.targets.data<std::int64_t>();
  for (std::int64_t b = 0; b < B; ++b) {
    int symbol = draw_from(stationary_, all_symbols, gen.uniform());  // s_0 ~ π
    for (std::int64_t t = 0; t < T; ++t) {
      const int next = draw_from(transition_[symbol], successors_[symbol], gen.uniform());
      ids[b * T + t] = symbol;
      targets[b * T + t] = next;
      symbol = next;
    }
  }
  return batch;
}

double MarkovChain::mean_negative_log_likelihood(const Batch& batch) const {
  const Tensor& ids = batch.input_ids;
  const Tensor& targets = batch.targets;
  if (!ids.defined() || !targets.defined() || ids.dtype() != DType::i64 ||
      targets.dtype() != DType::i64) {
    throw DTypeError(
        "MarkovChain::mean_negative_log_likelihood: input_ids and targets must be "
        "defined i64 tensors");
  }
  if (ids.dim() != 2 || ids.shape() != targets.shape()) {
    throw ShapeError(
        fmt::format("MarkovChain::mean_negative_log_likelihood: input_ids {} and "
                    "targets {} must both be [B,T]",
                    shape_str(ids.shape()), shape_str(targets.shape())));
  }
  const std::int64_t* x = ids.data<std::int64_t>();
  const std::int64_t* y = targets.data<std::int64_t>();
  const auto check = [this](std::int64_t symbol) {
    if (symbol < 0 || symbol >= n_symbols()) {
      throw ValueError(
          fmt::format("MarkovChain::mean_negative_log_likelihood: symbol {} is "
                      "outside 0 … {}",
                      symbol, n_symbols() - 1));
    }
  };
  double total = 0.0;
  std::int64_t count = 0;
  for (std::int64_t p = 0; p < ids.numel(); ++p) {
    if (y[p] == kIgnore) continue;
    check(x[p]);
    check(y[p]);
    total -= std::log(transition_[x[p]][y[p]]);  // −ln 0 = +inf for an impossible step
    ++count;
  }
  if (count == 0) {
    throw ValueError("MarkovChain::mean_negative_log_likelihood: no scored position");
  }
  return total / static_cast<double>(count);
}

// ---- construction ----

MarkovChain random_sparse_chain(Generator& gen, int n_symbols, int successors,
                                double dirichlet_alpha) {
  const int min_successors = n_symbols == 1 ? 1 : 2;
  if (n_symbols < 1 || successors < min_successors || successors > n_symbols) {
    throw ValueError(
        fmt::format("random_sparse_chain: need n_symbols >= 1 and 2 <= successors "
                    "<= n_symbols (1 when n_symbols = 1), got n_symbols = {}, "
                    "successors = {}",
                    n_symbols, successors));
  }
  if (!(dirichlet_alpha > 0.0) || !std::isfinite(dirichlet_alpha)) {
    throw ValueError(
        fmt::format("random_sparse_chain: dirichlet_alpha must be > 0, got {}", dirichlet_alpha));
  }
  constexpr int kMaxRedraws = 1000;
  const int n = n_symbols;
  std::vector<std::vector<double>> P(n, std::vector<double>(n, 0.0));
  for (int i = 0; i < n; ++i) {
    // Forced successors: i+1 (the cycle through all symbols), and 0 → 0 (the self-loop).
    std::vector<int> chosen = {(i + 1) % n};
    if (i == 0 && n > 1) chosen.push_back(0);
    // The others: a uniformly random subset of the remaining symbols (partial Fisher–Yates).
    std::vector<int> pool;
    for (int j = 0; j < n; ++j) {
      if (std::find(chosen.begin(), chosen.end(), j) == chosen.end()) pool.push_back(j);
    }
    const int extra = successors - static_cast<int>(chosen.size());
    for (int k = 0; k < extra; ++k) {
      const auto pick = gen.integer(k, static_cast<std::int64_t>(pool.size()));
      std::swap(pool[k], pool[pick]);
      chosen.push_back(pool[k]);
    }
    std::sort(chosen.begin(), chosen.end());

    std::vector<double> probabilities;
    for (int attempt = 0;; ++attempt) {
      if (attempt == kMaxRedraws) {
        throw ValueError(
            fmt::format("random_sparse_chain: Dirichlet({}) probabilities keep "
                        "underflowing to 0; use a larger alpha",
                        dirichlet_alpha));
      }
      probabilities = sample_dirichlet(successors, dirichlet_alpha, gen);
      if (std::all_of(probabilities.begin(), probabilities.end(),
                      [](double p) { return p > 0.0; })) {
        break;
      }
    }
    for (int k = 0; k < successors; ++k) P[i][chosen[k]] = probabilities[k];
  }
  return MarkovChain(std::move(P));
}

std::vector<double> random_signs(int n, Generator& gen) {
  if (n < 0) throw ValueError(fmt::format("random_signs: n = {} must be >= 0", n));
  std::vector<double> z(static_cast<std::size_t>(n));
  for (double& sign : z) sign = gen.integer(0, 2) == 0 ? -1.0 : 1.0;
  return z;
}

}  // namespace knob::tasks
