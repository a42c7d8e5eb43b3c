// Forward values of every op, on every SIMD path this CPU has, in f32 and f64.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "autograd/kernels/kernels.h"
#include "autograd/ops.h"
#include "autograd/random.h"

namespace knob {
namespace {

// Runs each test once per (instruction set, dtype).
class OpsForward : public ::testing::TestWithParam<std::tuple<kernels::Isa, DType>> {
 protected:
  void SetUp() override {
    previous_ = kernels::active_isa();
    kernels::set_active_isa(std::get<0>(GetParam()));
  }
  void TearDown() override { kernels::set_active_isa(previous_); }
  DType dt() const { return std::get<1>(GetParam()); }
  double tol() const { return dt() == DType::f32 ? 2e-6 : 1e-14; }
  Tensor t(std::vector<double> v, Shape s) const { return tensor(v, s, dt()); }
  void expect_near(const Tensor& got, const std::vector<double>& want, double scale = 1.0) const {
    const std::vector<double> g = got.to_vector();
    ASSERT_EQ(g.size(), want.size());
    for (std::size_t i = 0; i < g.size(); ++i) {
      EXPECT_NEAR(g[i], want[i], tol() * scale * std::max(1.0, std::fabs(want[i])))
          << "element " << i << " on " << kernels::isa_name(kernels::active_isa());
    }
  }

 private:
  kernels::Isa previous_ = kernels::Isa::scalar;
};

TEST_P(OpsForward, BroadcastingArithmetic) {
  Tensor a = t({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor row = t({10, 20, 30}, {3});
  Tensor col = t({2, 4}, {2, 1});
  expect_near(add(a, row), {11, 22, 33, 14, 25, 36});
  expect_near(sub(row, a), {9, 18, 27, 6, 15, 24});
  expect_near(mul(a, col), {2, 4, 6, 16, 20, 24});
  expect_near(div(col, a), {2, 1, 2.0 / 3, 1, 0.8, 4.0 / 6});
  expect_near(sub(col, row), {-8, -18, -28, -6, -16, -26});
  expect_near(mul(a, t({-1}, {})), {-1, -2, -3, -4, -5, -6});
  expect_near(add(t({1}, {1, 1}), t({2}, {1})), {3});
  expect_near(a + 1.0, {2, 3, 4, 5, 6, 7});
  expect_near(2.0 - a, {1, 0, -1, -2, -3, -4});
  expect_near(a / 2.0, {0.5, 1, 1.5, 2, 2.5, 3});
  EXPECT_EQ(add(t({1, 2, 3}, {3, 1}), t({1, 2}, {1, 2})).shape(), (Shape{3, 2}));
}

TEST_P(OpsForward, LongBroadcastRowsUseEveryKernelWidth) {
  Generator gen(3);
  for (std::int64_t n : {1, 3, 4, 7, 8, 9, 16, 17, 33, 101}) {
    Tensor a = randn({3, n}, gen, dt());
    Tensor b = randn({n}, gen, dt());
    Tensor c = randn({3, 1}, gen, dt());
    Tensor sum_ab = add(a, b);
    Tensor quot = div(c, add_scalar(mul(b, b), 1.0));
    for (std::int64_t i = 0; i < 3; ++i) {
      for (std::int64_t j = 0; j < n; ++j) {
        EXPECT_NEAR(sum_ab.at({i, j}), a.at({i, j}) + b.at({j}), 1e-5);
        EXPECT_NEAR(quot.at({i, j}), c.at({i, 0}) / (b.at({j}) * b.at({j}) + 1.0), 1e-5);
      }
    }
  }
}

TEST_P(OpsForward, UnaryFunctions) {
  const std::vector<double> xs = {-3.0, -0.5, 0.0, 0.25, 2.0};
  Tensor x = t(xs, {5});
  auto each = [&](double (*f)(double)) {
    std::vector<double> out;
    for (double v : xs) out.push_back(f(v));
    return out;
  };
  const double scale = dt() == DType::f32 ? 4.0 : 10.0;  // a few ulps for transcendental kernels
  expect_near(exp(x), each([](double v) { return std::exp(v); }), scale);
  expect_near(tanh(x), each([](double v) { return std::tanh(v); }), scale);
  expect_near(sigmoid(x), each([](double v) { return 1 / (1 + std::exp(-v)); }), scale);
  expect_near(erf(x), each([](double v) { return std::erf(v); }), scale);
  expect_near(relu(x), {0, 0, 0, 0.25, 2});
  expect_near(neg(x), {3, 0.5, 0, -0.25, -2});
  expect_near(gelu(x), each([](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); }),
              scale);
  expect_near(gelu_tanh(x), each([](double v) {
                return 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
              }),
              scale);
  Tensor p = t({0.25, 1, 4}, {3});
  expect_near(log(p), {std::log(0.25), 0, std::log(4.0)}, scale);
  expect_near(sqrt(p), {0.5, 1, 2}, scale);
  expect_near(pow(p, 1.5), {0.125, 1, 8}, scale);
  expect_near(pow(p, -1.0), {4, 1, 0.25}, scale);
}

TEST_P(OpsForward, Reductions) {
  Tensor x = t({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {2, 3, 2});
  expect_near(sum(x), {78});
  EXPECT_EQ(sum(x).dim(), 0);
  expect_near(sum(x, {1}), {9, 12, 27, 30});
  EXPECT_EQ(sum(x, {1}, true).shape(), (Shape{2, 1, 2}));
  expect_near(sum(x, {0, 2}), {1 + 2 + 7 + 8, 3 + 4 + 9 + 10, 5 + 6 + 11 + 12});
  expect_near(sum(x, {-1}), {3, 7, 11, 15, 19, 23});
  expect_near(mean(x, {0}), {4, 5, 6, 7, 8, 9});
  expect_near(max(x, {1}), {5, 6, 11, 12});
  expect_near(max(neg(x)), {-1});
  expect_near(max(x, {0, 2}, true), {8, 10, 12});
  expect_near(sum_to(x, {3, 1}), {1 + 2 + 7 + 8, 3 + 4 + 9 + 10, 5 + 6 + 11 + 12});
  expect_near(expand(t({1, 2}, {2, 1}), {2, 3}), {1, 1, 1, 2, 2, 2});
  EXPECT_EQ(mean(x, {0, 1, 2}, true).shape(), (Shape{1, 1, 1}));
}

TEST_P(OpsForward, MatmulMatchesANaiveLoop) {
  Tensor a = t({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = t({7, 8, 9, 10, 11, 12}, {3, 2});
  expect_near(matmul(a, b), {58, 64, 139, 154});
  Generator gen(11);
  Tensor p = randn({2, 1, 5, 7}, gen, dt());
  Tensor q = randn({3, 7, 4}, gen, dt());
  Tensor r = matmul(p, q);  // [2,3,5,4]
  ASSERT_EQ(r.shape(), (Shape{2, 3, 5, 4}));
  for (std::int64_t i = 0; i < 2; ++i)
    for (std::int64_t j = 0; j < 3; ++j)
      for (std::int64_t m = 0; m < 5; ++m)
        for (std::int64_t n = 0; n < 4; ++n) {
          double want = 0;
          for (std::int64_t k = 0; k < 7; ++k) want += p.at({i, 0, m, k}) * q.at({j, k, n});
          EXPECT_NEAR(r.at({i, j, m, n}), want, 1e-4);
        }
  Tensor shared = matmul(randn({2, 3, 7}, gen, dt()), randn({7, 5}, gen, dt()));
  EXPECT_EQ(shared.shape(), (Shape{2, 3, 5}));
  EXPECT_EQ(matmul(zeros({2, 0}, dt()), zeros({0, 3}, dt())).to_vector(),
            std::vector<double>(6, 0.0));
}

TEST_P(OpsForward, ShapeOps) {
  Tensor x = t({0, 1, 2, 3, 4, 5}, {2, 3});
  expect_near(transpose(x, 0, 1), {0, 3, 1, 4, 2, 5});
  Tensor y = arange(0, 24, 1, dt()).reshape({2, 3, 4});
  Tensor p = permute(y, {2, 0, 1});
  ASSERT_EQ(p.shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(p.at({3, 1, 2}), y.at({1, 2, 3}));
  expect_near(slice(x, 1, 1, 2), {1, 2, 4, 5});
  expect_near(slice(x, 0, 1, 1), {3, 4, 5});
  expect_near(slice_backward(t({7, 8}, {2, 1}), 1, 2, 3), {0, 0, 7, 0, 0, 8});
  expect_near(concat({x, t({9, 9}, {2, 1})}, 1), {0, 1, 2, 9, 3, 4, 5, 9});
  expect_near(concat({x, x}, 0), {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5});
  expect_near(masked_fill(x, int_tensor({1, 0, 1}, {3}), -1), {-1, 1, -1, -1, 4, -1});
  Tensor ids = int_tensor({0, 1, 2, 3}, {2, 2});
  EXPECT_EQ(permute(ids, {1, 0}).to_int_vector(), (std::vector<std::int64_t>{0, 2, 1, 3}));
}

TEST_P(OpsForward, SoftmaxFamily) {
  Tensor x = t({1, 2, 3, 1000, 1000, 1000}, {2, 3});
  Tensor s = softmax(x, -1);
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  expect_near(
      s, {std::exp(1.0) / z, std::exp(2.0) / z, std::exp(3.0) / z, 1.0 / 3, 1.0 / 3, 1.0 / 3}, 10);
  expect_near(log_softmax(x, -1),
              {1 - std::log(z), 2 - std::log(z), 3 - std::log(z), -std::log(3.0), -std::log(3.0),
               -std::log(3.0)},
              10);
  expect_near(sum(softmax(x, 0), {0}), {1, 1, 1}, 10);
  const double inf = std::numeric_limits<double>::infinity();
  Tensor masked = masked_fill(t({1, 2, 3}, {1, 3}), int_tensor({0, 0, 1}, {1, 3}), -inf);
  Tensor sm = softmax(masked, -1);
  const double z2 = std::exp(1.0) + std::exp(2.0);
  expect_near(sm, {std::exp(1.0) / z2, std::exp(2.0) / z2, 0}, 10);
}

TEST_P(OpsForward, EmbeddingAndLosses) {
  Tensor w = t({0, 1, 10, 11, 20, 21}, {3, 2});
  Tensor e = embedding(w, int_tensor({2, 0, 2}, {3}));
  EXPECT_EQ(e.shape(), (Shape{3, 2}));
  expect_near(e, {20, 21, 0, 1, 20, 21});
  expect_near(embedding_backward(t({1, 1, 2, 2, 3, 3}, {3, 2}), int_tensor({2, 0, 2}, {3}), 3),
              {2, 2, 0, 0, 4, 4});
  Tensor logits = t({1, 2, 3, 0, 0, 0, 5, 1, 1}, {3, 3});
  Tensor targets = int_tensor({2, -100, 0}, {3});
  auto nll = [](double a, double b, double c, int k) {
    const double lse = std::log(std::exp(a) + std::exp(b) + std::exp(c));
    return lse - (k == 0 ? a : k == 1 ? b : c);
  };
  expect_near(cross_entropy(logits, targets), {(nll(1, 2, 3, 2) + nll(5, 1, 1, 0)) / 2}, 10);
  EXPECT_TRUE(std::isnan(cross_entropy(logits, int_tensor({-100, -100, -100}, {3})).item()));
  expect_near(mse(t({1, 2}, {2}), t({0, 4}, {2})), {2.5});
}

std::vector<std::tuple<kernels::Isa, DType>> every_path() {
  std::vector<std::tuple<kernels::Isa, DType>> out;
  for (kernels::Isa isa : kernels::available_isas()) {
    out.emplace_back(isa, DType::f32);
    out.emplace_back(isa, DType::f64);
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(EveryIsaAndDtype, OpsForward, ::testing::ValuesIn(every_path()),
                         [](const ::testing::TestParamInfo<OpsForward::ParamType>& info) {
                           return std::string(kernels::isa_name(std::get<0>(info.param))) + "_" +
                                  std::string(dtype_name(std::get<1>(info.param)));
                         });

}  // namespace
}  // namespace knob
