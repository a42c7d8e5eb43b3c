// Tests of the Markov character source (tasks/markov.h) and the Gamma/Dirichlet samplers it
// uses (tasks/distributions.h).
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/error.h"
#include "tasks/distributions.h"
#include "tasks/markov.h"

using namespace knob;
using namespace knob::tasks;

namespace {

// (πP)_j − π_j, largest in absolute value.
double stationarity_residual(const MarkovChain& chain) {
  const std::vector<double>& pi = chain.stationary_distribution();
  const int n = chain.n_symbols();
  double worst = 0.0;
  for (int j = 0; j < n; ++j) {
    double flow = 0.0;
    for (int i = 0; i < n; ++i) flow += pi[i] * chain.probability(i, j);
    worst = std::max(worst, std::abs(flow - pi[j]));
  }
  return worst;
}

// Is some power of the chain's 0/1 pattern all positive (a primitive matrix, i.e. the chain is
// irreducible and aperiodic)? By Wielandt's bound the power (n−1)²+1 suffices, so square
// ⌈log2((n−1)²+1)⌉ times (P^m positive implies every higher power is).
bool is_primitive(const MarkovChain& chain) {
  const int n = chain.n_symbols();
  std::vector<std::vector<bool>> reach(n, std::vector<bool>(n));
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) reach[i][j] = chain.probability(i, j) > 0.0;
  }
  for (int power = 1; power < (n - 1) * (n - 1) + 1; power *= 2) {
    std::vector<std::vector<bool>> squared(n, std::vector<bool>(n, false));
    for (int i = 0; i < n; ++i) {
      for (int k = 0; k < n; ++k) {
        if (!reach[i][k]) continue;
        for (int j = 0; j < n; ++j) squared[i][j] = squared[i][j] || reach[k][j];
      }
    }
    reach = squared;
  }
  for (const auto& row : reach) {
    for (bool positive : row) {
      if (!positive) return false;
    }
  }
  return true;
}

}  // namespace

// ---- the random sparse chain ----

TEST(MarkovChain, RandomSparseChainHasStochasticRowsWithExactlyKSuccessors) {
  Generator gen(0);
  const MarkovChain chain = random_sparse_chain(gen, 20, 5, 1.0);
  ASSERT_EQ(chain.n_symbols(), 20);
  for (int i = 0; i < 20; ++i) {
    double total = 0.0;
    for (double p : chain.row(i)) total += p;
    EXPECT_NEAR(total, 1.0, 1e-12) << "row " << i;
    const std::vector<int> next = chain.successors(i);
    EXPECT_EQ(next.size(), 5u) << "row " << i;
    int positive = 0;
    for (int j = 0; j < 20; ++j) positive += chain.probability(i, j) > 0.0 ? 1 : 0;
    EXPECT_EQ(positive, 5) << "row " << i;
    // The guarantee of irreducibility: i → i+1 (mod n).
    EXPECT_GT(chain.probability(i, (i + 1) % 20), 0.0);
  }
  EXPECT_GT(chain.probability(0, 0), 0.0);  // the self-loop that makes it aperiodic
  EXPECT_TRUE(is_primitive(chain));
}

TEST(MarkovChain, ManySeedsAndSizesGiveIrreducibleAperiodicChains) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    Generator gen(seed);
    const int n = 2 + static_cast<int>(seed % 19);
    const int k = 2 + static_cast<int>(seed % (n - 1));
    const MarkovChain chain = random_sparse_chain(gen, n, k, seed % 2 == 0 ? 1.0 : 0.3);
    EXPECT_TRUE(is_primitive(chain)) << "seed " << seed << " n " << n << " k " << k;
    for (int i = 0; i < n; ++i) EXPECT_EQ(chain.successors(i).size(), static_cast<std::size_t>(k));
  }
}

TEST(MarkovChain, SameSeedSameChain) {
  Generator a(7);
  Generator b(7);
  Generator c(8);
  const MarkovChain first = random_sparse_chain(a);
  const MarkovChain again = random_sparse_chain(b);
  const MarkovChain other = random_sparse_chain(c);
  bool all_equal = true;
  bool any_different = false;
  for (int i = 0; i < 20; ++i) {
    all_equal = all_equal && first.row(i) == again.row(i);
    any_different = any_different || first.row(i) != other.row(i);
  }
  EXPECT_TRUE(all_equal);
  EXPECT_TRUE(any_different);
}

TEST(MarkovChain, StationaryDistributionIsInvariant) {
  Generator gen(3);
  for (double alpha : {1.0, 0.2}) {
    const MarkovChain chain = random_sparse_chain(gen, 20, 5, alpha);
    const std::vector<double>& pi = chain.stationary_distribution();
    double total = 0.0;
    for (double p : pi) {
      EXPECT_GT(p, 0.0);
      total += p;
    }
    EXPECT_NEAR(total, 1.0, 1e-14);
    EXPECT_LT(stationarity_residual(chain), 1e-12);
  }
}

TEST(MarkovChain, TwoStateChainMatchesClosedForms) {
  // P = [[1−a, a], [b, 1−b]]: π = (b, a)/(a+b), H = π_0 h(a) + π_1 h(b), h the binary entropy.
  const double a = 0.3;
  const double b = 0.1;
  const MarkovChain chain({{1 - a, a}, {b, 1 - b}});
  const auto h = [](double p) { return -p * std::log(p) - (1 - p) * std::log(1 - p); };
  const double pi0 = b / (a + b);
  const double pi1 = a / (a + b);
  EXPECT_NEAR(chain.stationary_distribution()[0], pi0, 1e-15);
  EXPECT_NEAR(chain.stationary_distribution()[1], pi1, 1e-15);
  EXPECT_NEAR(chain.entropy_rate(), pi0 * h(a) + pi1 * h(b), 1e-15);

  // A deterministic cycle has entropy rate 0; a uniform chain ln n.
  EXPECT_DOUBLE_EQ(MarkovChain({{0, 1}, {1, 0}}).entropy_rate(), 0.0);
  const double third = 1.0 / 3.0;
  EXPECT_NEAR(MarkovChain({{third, third, third}, {third, third, third}, {third, third, third}})
                  .entropy_rate(),
              std::log(3.0), 1e-15);
}

// ---- sampling ----

TEST(MarkovChain, SampleBatchLayoutAndDeterminism) {
  Generator chain_gen(1);
  const MarkovChain chain = random_sparse_chain(chain_gen);
  Generator a(5);
  Generator b(5);
  const Batch batch = chain.sample_batch(8, 16, a);
  const Batch again = chain.sample_batch(8, 16, b);
  ASSERT_EQ(batch.input_ids.shape(), (Shape{8, 16}));
  ASSERT_EQ(batch.targets.shape(), (Shape{8, 16}));
  EXPECT_TRUE(batch.task.empty());
  EXPECT_EQ(batch.input_ids.to_int_vector(), again.input_ids.to_int_vector());
  EXPECT_EQ(batch.targets.to_int_vector(), again.targets.to_int_vector());
  const Batch next = chain.sample_batch(8, 16, a);
  EXPECT_NE(batch.input_ids.to_int_vector(), next.input_ids.to_int_vector());

  const std::vector<std::int64_t> ids = batch.input_ids.to_int_vector();
  const std::vector<std::int64_t> targets = batch.targets.to_int_vector();
  for (std::int64_t r = 0; r < 8; ++r) {
    for (std::int64_t t = 0; t < 16; ++t) {
      const std::int64_t x = ids[r * 16 + t];
      const std::int64_t y = targets[r * 16 + t];
      ASSERT_GE(y, 0);  // every position is scored
      EXPECT_GT(chain.probability(static_cast<int>(x), static_cast<int>(y)), 0.0);
      if (t + 1 < 16) {
        EXPECT_EQ(ids[r * 16 + t + 1], y);  // targets = s[1:T+1]
      }
    }
  }
  EXPECT_THROW(chain.sample_batch(0, 4, a), ValueError);
  EXPECT_THROW(chain.sample_batch(4, 0, a), ValueError);
}

TEST(MarkovChain, EmpiricalNllApproachesTheEntropyRate) {
  Generator gen(2);
  const MarkovChain chain = random_sparse_chain(gen);
  const Batch batch = chain.sample_batch(64, 2000, gen);  // 128k transitions
  const double nll = chain.mean_negative_log_likelihood(batch);
  const double h = chain.entropy_rate();
  EXPECT_GT(h, 0.3);
  EXPECT_LT(h, std::log(5.0));  // 5 successors: at most ln 5
  EXPECT_NEAR(nll, h, 0.03 * h);

  // Sequences start from π, so symbol frequencies match π at every position (here: the first).
  const Batch starts = chain.sample_batch(20000, 1, gen);
  std::vector<double> count(20, 0.0);
  for (std::int64_t s : starts.input_ids.to_int_vector()) count[s] += 1.0;
  const std::vector<double>& pi = chain.stationary_distribution();
  for (int i = 0; i < 20; ++i) {
    const double sd = std::sqrt(pi[i] * (1 - pi[i]) / 20000.0);
    EXPECT_NEAR(count[i] / 20000.0, pi[i], 5 * sd + 1e-4) << "symbol " << i;
  }
}

TEST(MarkovChain, NllOfAnImpossibleStepIsInfiniteAndBadIdsThrow) {
  const MarkovChain chain({{0.5, 0.5, 0.0}, {0.0, 0.5, 0.5}, {0.5, 0.0, 0.5}});
  Batch batch;
  batch.input_ids = int_tensor({0, 0}, {1, 2});
  batch.targets = int_tensor({1, 2}, {1, 2});  // 0 → 2 has probability 0
  EXPECT_TRUE(std::isinf(chain.mean_negative_log_likelihood(batch)));
  batch.targets = int_tensor({1, -100}, {1, 2});
  EXPECT_NEAR(chain.mean_negative_log_likelihood(batch), std::log(2.0), 1e-15);
  batch.targets = int_tensor({1, 3}, {1, 2});
  EXPECT_THROW(chain.mean_negative_log_likelihood(batch), ValueError);
}

// ---- the domain shift ----

TEST(MarkovChain, ReweightedChainFollowsTheFormula) {
  Generator gen(4);
  const MarkovChain g1 = random_sparse_chain(gen);
  const std::vector<double> z = random_signs(20, gen);
  const MarkovChain g2 = g1.reweighted(z);
  for (int i = 0; i < 20; ++i) {
    double normaliser = 0.0;  // Σ_k P1(k|i) e^{z_k}
    for (int k = 0; k < 20; ++k) normaliser += g1.probability(i, k) * std::exp(z[k]);
    double total = 0.0;
    for (int j = 0; j < 20; ++j) {
      const double expected = g1.probability(i, j) * std::exp(z[j]) / normaliser;
      EXPECT_NEAR(g2.probability(i, j), expected, 1e-14) << i << " → " << j;
      total += g2.probability(i, j);
    }
    EXPECT_NEAR(total, 1.0, 1e-12);
    EXPECT_EQ(g2.successors(i), g1.successors(i));
  }
  EXPECT_NE(g1.entropy_rate(), g2.entropy_rate());
  EXPECT_LT(stationarity_residual(g2), 1e-12);
  // Zero weights change nothing; a wrong size is refused.
  const MarkovChain same = g1.reweighted(std::vector<double>(20, 0.0));
  for (int i = 0; i < 20; ++i) {
    for (int j = 0; j < 20; ++j) EXPECT_NEAR(same.probability(i, j), g1.probability(i, j), 1e-15);
  }
  EXPECT_THROW(g1.reweighted(std::vector<double>(19, 1.0)), ValueError);
}

TEST(MarkovChain, RandomSignsArePlusOrMinusOne) {
  Generator a(9);
  Generator b(9);
  const std::vector<double> z = random_signs(200, a);
  EXPECT_EQ(z, random_signs(200, b));
  int plus = 0;
  for (double s : z) {
    ASSERT_TRUE(s == 1.0 || s == -1.0);
    plus += s > 0 ? 1 : 0;
  }
  EXPECT_GT(plus, 70);  // ~100 expected
  EXPECT_LT(plus, 130);
  EXPECT_TRUE(random_signs(0, a).empty());
  EXPECT_THROW(random_signs(-1, a), ValueError);
}

// ---- bad input ----

TEST(MarkovChain, RejectsInvalidMatrices) {
  EXPECT_THROW(MarkovChain({}), ValueError);
  EXPECT_THROW(MarkovChain({{0.5, 0.5}}), ValueError);               // not square
  EXPECT_THROW(MarkovChain({{1.5, -0.5}, {0.5, 0.5}}), ValueError);  // negative
  EXPECT_THROW(MarkovChain({{0.5, 0.4}, {0.5, 0.5}}), ValueError);   // row sums to 0.9
  EXPECT_THROW(MarkovChain({{1.0, 0.0}, {0.0, 1.0}}), ValueError);   // reducible
  EXPECT_THROW(MarkovChain({{NAN, 1.0}, {0.5, 0.5}}), ValueError);   // not a number
  Generator gen(0);
  EXPECT_THROW(random_sparse_chain(gen, 20, 1), ValueError);   // one successor: periodic
  EXPECT_THROW(random_sparse_chain(gen, 20, 21), ValueError);  // more successors than symbols
  EXPECT_THROW(random_sparse_chain(gen, 0, 1), ValueError);
  EXPECT_THROW(random_sparse_chain(gen, 20, 5, 0.0), ValueError);
  EXPECT_NO_THROW(random_sparse_chain(gen, 1, 1));
  EXPECT_NO_THROW(random_sparse_chain(gen, 20, 20));
  const MarkovChain chain({{0.5, 0.5}, {0.5, 0.5}});
  EXPECT_THROW(chain.probability(2, 0), ValueError);
  EXPECT_THROW(chain.row(-1), ValueError);
}

// ---- Gamma / Dirichlet ----

TEST(Distributions, PortableExpMatchesStdExp) {
  for (double x = -700.0; x <= 700.0; x += 0.37) {
    EXPECT_NEAR(portable_exp(x) / std::exp(x), 1.0, 2e-15) << x;
  }
  EXPECT_EQ(portable_exp(0.0), 1.0);
  EXPECT_EQ(portable_exp(-800.0), 0.0);
  EXPECT_TRUE(std::isinf(portable_exp(800.0)));
}

TEST(Distributions, GammaHasMeanAndVarianceEqualToItsShape) {
  Generator gen(12);
  for (double shape : {0.3, 1.0, 4.5}) {
    const int n = 40000;
    double sum = 0.0;
    double sum_sq = 0.0;
    for (int i = 0; i < n; ++i) {
      const double g = sample_gamma(shape, gen);
      ASSERT_GE(g, 0.0);
      sum += g;
      sum_sq += g * g;
    }
    const double mean = sum / n;
    const double variance = sum_sq / n - mean * mean;
    // Standard error of the mean is sqrt(shape/n); allow 5 of them. The variance within 6%.
    EXPECT_NEAR(mean, shape, 5 * std::sqrt(shape / n)) << "shape " << shape;
    EXPECT_NEAR(variance, shape, 0.06 * shape) << "shape " << shape;
  }
  EXPECT_THROW(sample_gamma(0.0, gen), ValueError);
  EXPECT_THROW(sample_gamma(-1.0, gen), ValueError);
}

TEST(Distributions, DirichletSumsToOneWithTheRightMeans) {
  Generator gen(13);
  const std::vector<double> alpha = {0.5, 1.0, 2.5};
  std::vector<double> mean(3, 0.0);
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const std::vector<double> p = sample_dirichlet(alpha, gen);
    EXPECT_NEAR(p[0] + p[1] + p[2], 1.0, 1e-15);
    for (int k = 0; k < 3; ++k) mean[k] += p[k] / n;
  }
  // E[p_k] = α_k / Σα = 0.125, 0.25, 0.625
  EXPECT_NEAR(mean[0], 0.125, 0.005);
  EXPECT_NEAR(mean[1], 0.25, 0.005);
  EXPECT_NEAR(mean[2], 0.625, 0.005);
  EXPECT_THROW(sample_dirichlet({}, gen), ValueError);
  EXPECT_THROW(sample_dirichlet({1.0, 0.0}, gen), ValueError);
  EXPECT_THROW(sample_dirichlet(0, 1.0, gen), ValueError);
}

TEST(Distributions, SameSeedSameSamples) {
  Generator a(99);
  Generator b(99);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(sample_gamma(0.7, a), sample_gamma(0.7, b));
  EXPECT_EQ(sample_dirichlet(5, 1.0, a), sample_dirichlet(5, 1.0, b));
}
