// matmul, matmul_nt and matmul_tn split between threads, forward and backward, against the
// naive triple loop (kernels::scalar::gemm).
//
// batched_gemm (autograd/ops/matmul.cpp) splits a product of at least 8 MFLOP three ways: by
// rows of C (whenever a is not transposed and b is one matrix, a's batch folded into the rows;
// and a single matmul_tn with N <= M), by columns of C (a single matmul_tn with N > M) and by
// batch entries. Every case below is large enough to split, N > M and N < M where the shape
// matters, and is run on 1 and on 2 threads: the two results must be bit-identical
// (each element is computed by the same operations whichever thread computes it) and both must
// agree with the naive loop to within the error bound of a length-K sum,
// |error| <= 2 K u Σ_p |a_ip b_pj| (u the unit roundoff), since the packed kernel adds in a
// different order.
#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "autograd/kernels/scalar_kernels.h"
#include "autograd/ops.h"
#include "autograd/parallel.h"
#include "autograd/random.h"

namespace knob {
namespace {

enum class Layout { nn, nt, tn };  // a b, a bᵀ, aᵀ b

Tensor product(const Tensor& a, const Tensor& b, Layout layout) {
  switch (layout) {
    case Layout::nn:
      return matmul(a, b);
    case Layout::nt:
      return matmul_nt(a, b);
    case Layout::tn:
      return matmul_tn(a, b);
  }
  return Tensor();
}

// The naive batched product op(a) op(b) with NumPy broadcasting of the batch axes.
template <class T>
Tensor naive_product(const Tensor& a, const Tensor& b, Layout layout) {
  const bool ta = layout == Layout::tn;
  const bool tb = layout == Layout::nt;
  const std::int64_t M = ta ? a.size(-1) : a.size(-2);
  const std::int64_t K = ta ? a.size(-2) : a.size(-1);
  const std::int64_t N = tb ? b.size(-2) : b.size(-1);
  const Shape batch_a(a.shape().begin(), a.shape().end() - 2);
  const Shape batch_b(b.shape().begin(), b.shape().end() - 2);
  const Shape batch = broadcast_shapes(batch_a, batch_b, "naive_product");
  Shape out_shape = batch;
  out_shape.push_back(M);
  out_shape.push_back(N);
  Tensor out = empty(out_shape, a.dtype());
  // Index of batch entry c in an operand with batch shape s (extent-1 axes broadcast).
  auto entry = [&batch](std::int64_t c, const Shape& s) {
    std::int64_t index = 0, stride = 1, rest = c;
    for (std::size_t axis = batch.size(); axis-- > 0;) {
      const std::int64_t i = rest % batch[axis];
      rest /= batch[axis];
      const std::size_t lead = batch.size() - s.size();
      if (axis < lead) continue;
      const std::int64_t extent = s[axis - lead];
      index += (extent == 1 ? 0 : i) * stride;
      stride *= extent;
    }
    return index;
  };
  for (std::int64_t c = 0; c < shape_numel(batch); ++c) {
    kernels::scalar::gemm<T>(ta, tb, static_cast<std::size_t>(M), static_cast<std::size_t>(N),
                             static_cast<std::size_t>(K), T(1),
                             a.data<T>() + entry(c, batch_a) * a.size(-1) * a.size(-2),
                             static_cast<std::size_t>(a.size(-1)),
                             b.data<T>() + entry(c, batch_b) * b.size(-1) * b.size(-2),
                             static_cast<std::size_t>(b.size(-1)), T(0), out.data<T>() + c * M * N,
                             static_cast<std::size_t>(N));
  }
  return out;
}

// The largest Euclidean norm of x along `axis` (a row or a column of an operand).
double max_norm(const Tensor& x, std::int64_t axis) {
  NoGradGuard no_grad;
  double m = 0.0;
  for (double v : sqrt(sum(mul(x, x), {axis})).to_vector()) m = std::max(m, v);
  return m;
}

// |got - want| <= 2 K u S for every element, S a bound on Σ_p |a_ip b_pj| (summed over any
// broadcast batch): the error bound of a length-K sum (K counting the batch too).
void expect_within_sum_bound(const Tensor& got, const Tensor& want, double sum_bound,
                             std::int64_t K, const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  const double u = got.dtype() == DType::f32 ? std::numeric_limits<float>::epsilon() / 2
                                             : std::numeric_limits<double>::epsilon() / 2;
  const double tolerance = 2.0 * static_cast<double>(K) * u * sum_bound;
  const std::vector<double> g = got.to_vector();
  const std::vector<double> w = want.to_vector();
  for (std::size_t i = 0; i < g.size(); ++i) {
    if (!(std::fabs(g[i] - w[i]) <= tolerance)) {
      ADD_FAILURE() << what << ": element " << i << " is " << g[i] << ", the naive loop gives "
                    << w[i] << " (tolerance " << tolerance << ")";
      return;
    }
  }
}

struct Case {
  std::string name;
  Layout layout;
  Shape a, b;
};

class ThreadCountGuard {
 public:
  ThreadCountGuard() : saved_(num_threads()) {}
  ~ThreadCountGuard() { set_num_threads(saved_); }
  ThreadCountGuard(const ThreadCountGuard&) = delete;
  ThreadCountGuard& operator=(const ThreadCountGuard&) = delete;

 private:
  int saved_;
};

struct Result {
  Tensor y, grad_a, grad_b;
};

Result run(const Case& c, const Tensor& a, const Tensor& b, const Tensor& g, int threads) {
  set_num_threads(threads);
  Tensor a_leaf = a.clone().requires_grad_();
  Tensor b_leaf = b.clone().requires_grad_();
  Tensor y = product(a_leaf, b_leaf, c.layout);
  const TensorList grads = grad({y}, {a_leaf, b_leaf}, {g});
  return {y.detach(), grads[0], grads[1]};
}

// The naive forward and both gradients, each with a bound on its Σ|terms|: by Cauchy-Schwarz,
// Σ_p |a_ip b_pj| <= |row i of op(a)| |column j of op(b)|, times the batch entries summed.
template <class T>
void check_against_naive(const Case& c, const Tensor& a, const Tensor& b, const Tensor& g,
                         const Result& r, const std::string& what) {
  const std::int64_t K = c.layout == Layout::tn ? a.size(-2) : a.size(-1);
  const std::int64_t M = r.y.size(-2), N = r.y.size(-1);
  const std::int64_t batch = r.y.numel() / (M * N);
  auto both = [](const Tensor& p, const Tensor& q, Layout l, const Shape& to) {
    const Tensor full = naive_product<T>(p, q, l);
    const double summed = static_cast<double>(full.numel()) / static_cast<double>(shape_numel(to));
    return std::pair{sum_to(full, to), summed * max_norm(p, l == Layout::tn ? -2 : -1) *
                                           max_norm(q, l == Layout::nt ? -1 : -2)};
  };
  const auto [y, y_bound] = both(a, b, c.layout, r.y.shape());
  expect_within_sum_bound(r.y, y, y_bound, K, what + " forward");
  // The gradients' own products: ā and b̄ contract over N (or over M, and the batch).
  std::pair<Tensor, double> ga, gb;
  switch (c.layout) {
    case Layout::nn:  // ā = g bᵀ, b̄ = aᵀ g
      ga = both(g, b, Layout::nt, a.shape());
      gb = both(a, g, Layout::tn, b.shape());
      break;
    case Layout::nt:  // ā = g b, b̄ = gᵀ a
      ga = both(g, b, Layout::nn, a.shape());
      gb = both(g, a, Layout::tn, b.shape());
      break;
    case Layout::tn:  // ā = b gᵀ, b̄ = a g
      ga = both(b, g, Layout::nt, a.shape());
      gb = both(a, g, Layout::nn, b.shape());
      break;
  }
  expect_within_sum_bound(r.grad_a, ga.first, ga.second, N * batch, what + " grad a");
  expect_within_sum_bound(r.grad_b, gb.first, gb.second, M * batch, what + " grad b");
}

template <class T>
void check_case(const Case& c) {
  ThreadCountGuard restore;
  Generator gen(11);
  const DType dtype = dtype_of<T>();
  const Tensor a = randn(c.a, gen, dtype);
  const Tensor b = randn(c.b, gen, dtype);
  Tensor g;
  {
    NoGradGuard shape_only;
    g = randn(product(a, b, c.layout).shape(), gen, dtype);
  }
  const Result one = run(c, a, b, g, 1);
  const Result two = run(c, a, b, g, 2);
  const std::string what = c.name + " " + std::string(dtype_name(dtype));
  EXPECT_EQ(one.y.to_vector(), two.y.to_vector()) << what << ": 1 vs 2 threads";
  EXPECT_EQ(one.grad_a.to_vector(), two.grad_a.to_vector()) << what << ": grad a, 1 vs 2";
  EXPECT_EQ(one.grad_b.to_vector(), two.grad_b.to_vector()) << what << ": grad b, 1 vs 2";
  check_against_naive<T>(c, a, b, g, two, what + " (2 threads)");
}

// M = 40, K = 200, N = 520 (or two batch entries of M = 20): 2·M·K·N = 8.3 MFLOP, above the
// 8 MFLOP threshold for splitting.
std::vector<Case> cases() {
  return {
      {"matmul, N above M: split by rows", Layout::nn, {40, 200}, {200, 520}},
      {"matmul, N below M: split by rows", Layout::nn, {520, 200}, {200, 40}},
      {"matmul, shared weight: batch folded into rows", Layout::nn, {4, 10, 200}, {200, 520}},
      {"matmul, batched: split by batch", Layout::nn, {2, 20, 200}, {2, 200, 520}},
      {"matmul, broadcast batch", Layout::nn, {2, 1, 20, 100}, {2, 100, 520}},
      {"matmul_nt, N above M: split by rows", Layout::nt, {40, 200}, {520, 200}},
      {"matmul_nt, N below M: split by rows", Layout::nt, {520, 200}, {40, 200}},
      {"matmul_nt, shared weight: batch folded into rows", Layout::nt, {4, 10, 200}, {520, 200}},
      {"matmul_nt, batched: split by batch", Layout::nt, {2, 20, 200}, {2, 520, 200}},
      {"matmul_tn, N above M: split by columns", Layout::tn, {200, 40}, {200, 520}},
      {"matmul_tn, N below M: split by rows", Layout::tn, {200, 520}, {200, 40}},
      {"matmul_tn, batched: split by batch", Layout::tn, {2, 200, 20}, {2, 200, 520}},
      {"matmul_tn, broadcast: one a for a batch of b", Layout::tn, {200, 20}, {2, 200, 520}},
  };
}

class ThreadedMatmul : public ::testing::TestWithParam<Case> {};

TEST_P(ThreadedMatmul, OneAndTwoThreadsAgreeBitForBitAndWithTheNaiveLoopFloat64) {
  check_case<double>(GetParam());
}

TEST_P(ThreadedMatmul, OneAndTwoThreadsAgreeBitForBitAndWithTheNaiveLoopFloat32) {
  check_case<float>(GetParam());
}

INSTANTIATE_TEST_SUITE_P(EverySplit, ThreadedMatmul, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string name = info.param.name;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace knob
