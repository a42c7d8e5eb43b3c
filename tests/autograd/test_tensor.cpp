// Tensor basics: creation, shapes, views, element access, dtype conversion, random numbers.
#include <cmath>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "autograd/tensor.h"

namespace knob {
namespace {

TEST(Tensor, FactoriesFillShapesAndValues) {
  Tensor z = zeros({2, 3}, DType::f64);
  EXPECT_EQ(z.shape(), (Shape{2, 3}));
  EXPECT_EQ(z.numel(), 6);
  EXPECT_EQ(z.dim(), 2);
  EXPECT_EQ(z.size(-1), 3);
  EXPECT_EQ(z.to_vector(), std::vector<double>(6, 0.0));
  EXPECT_EQ(ones({4}).to_vector(), std::vector<double>(4, 1.0));
  EXPECT_EQ(full({2}, 2.5, DType::f32).to_vector(), (std::vector<double>{2.5, 2.5}));
  EXPECT_EQ(arange(0, 5).to_vector(), (std::vector<double>{0, 1, 2, 3, 4}));
  EXPECT_EQ(arange(1, 2, 0.25, DType::f64).to_vector(), (std::vector<double>{1, 1.25, 1.5, 1.75}));
  EXPECT_EQ(scalar(3.0).dim(), 0);
  EXPECT_EQ(scalar(3.0).item(), 3.0);
  EXPECT_EQ(zeros({0, 4}).numel(), 0);
}

TEST(Tensor, ElementAccessIsRowMajor) {
  Tensor t = tensor({1, 2, 3, 4, 5, 6}, {2, 3}, DType::f64);
  EXPECT_EQ(t.at({0, 2}), 3.0);
  EXPECT_EQ(t.at({1, 0}), 4.0);
  t.set({1, 1}, -7.0);
  EXPECT_EQ(t.data<double>()[4], -7.0);
  EXPECT_THROW(t.at({2, 0}), ValueError);
  EXPECT_THROW(t.at({0}), ValueError);
  EXPECT_THROW(t.item(), ValueError);
  EXPECT_THROW(t.data<float>(), DTypeError);
}

TEST(Tensor, ReshapeIsAViewSharingStorage) {
  Tensor t = arange(0, 12, 1, DType::f64);
  Tensor v = t.reshape({3, -1});
  EXPECT_EQ(v.shape(), (Shape{3, 4}));
  EXPECT_TRUE(v.shares_storage(t));
  v.set({2, 3}, 100.0);  // writes through to the original
  EXPECT_EQ(t.at({11}), 100.0);
  EXPECT_TRUE(t.view({2, 2, 3}).shares_storage(t));
  EXPECT_THROW(t.reshape({5, -1}), ShapeError);
  EXPECT_THROW(t.reshape({-1, -1}), ValueError);
}

TEST(Tensor, CloneDetachAndConvert) {
  Tensor t = tensor({1.5, -2.25}, {2}, DType::f64);
  Tensor c = t.clone();
  EXPECT_FALSE(c.shares_storage(t));
  EXPECT_TRUE(t.detach().shares_storage(t));
  Tensor f = t.to(DType::f32);
  EXPECT_EQ(f.dtype(), DType::f32);
  EXPECT_EQ(f.to_vector(), t.to_vector());
  Tensor ids = int_tensor({3, 1, 2}, {3});
  EXPECT_EQ(ids.to_int_vector(), (std::vector<std::int64_t>{3, 1, 2}));
  EXPECT_EQ(ids.to(DType::f64).to_vector(), (std::vector<double>{3, 1, 2}));
}

TEST(Tensor, SetDataReplacesInPlaceForEveryHandle) {
  Tensor w = zeros({2}, DType::f32).requires_grad_();
  Tensor alias = w;
  w.set_data(tensor({1, 2, 3}, {3}, DType::f64));
  EXPECT_EQ(alias.shape(), (Shape{3}));
  EXPECT_EQ(alias.dtype(), DType::f64);
  EXPECT_EQ(alias.at({2}), 3.0);
}

TEST(Tensor, StorageIsAligned) {
  for (std::int64_t n : {1, 3, 17, 1000}) {
    Tensor t = empty({n}, DType::f32);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.data<float>()) % 64, 0u);
  }
}

TEST(Tensor, BadCreationArgumentsAreErrors) {
  EXPECT_THROW(tensor({1, 2, 3}, {2, 2}), ShapeError);
  EXPECT_THROW(zeros({-1}), ValueError);
  EXPECT_THROW(arange(0, 1, 0), ValueError);
  EXPECT_THROW(int_tensor({1}, {2}), ShapeError);
  EXPECT_THROW(Tensor().shape(), ValueError);
}

TEST(Random, GeneratorIsTheSameOnEveryMachine) {
  // xoshiro256** seeded by splitmix64: pure integer arithmetic, so these are fixed forever.
  Generator g(42);
  EXPECT_EQ(g.next_u64(), 1546998764402558742ULL);
  EXPECT_EQ(g.next_u64(), 6990951692964543102ULL);
  Generator u(42);
  EXPECT_EQ(u.uniform(), 0x1.5780b2e0c2ecp-4);
  // Normals use only + - * / and sqrt (all exactly rounded in IEEE 754).
  Generator n(7);
  EXPECT_EQ(n.normal(), 0x1.edc0d635eea0bp-1);
  EXPECT_EQ(n.normal(), -0x1.1052212a30fdep+0);
}

TEST(Random, PortableLogMatchesTheLibrary) {
  for (double x : {1e-300, 1e-10, 0.3, 0.5, 0.7071, 1.0, 1.5, 2.0, 10.0, 1e10, 1e300}) {
    EXPECT_NEAR(portable_log(x), std::log(x), 4e-16 * std::max(1.0, std::fabs(std::log(x))))
        << "x = " << x;
  }
}

TEST(Random, SamplesHaveTheRightMoments) {
  Generator g(1);
  Tensor n = randn({20000}, g, DType::f64);
  const double mean = sum(n).item() / 20000;
  const double var = sum(mul(n, n)).item() / 20000 - mean * mean;
  EXPECT_NEAR(mean, 0.0, 0.03);
  EXPECT_NEAR(var, 1.0, 0.05);
  Tensor u = uniform({10000}, -2.0, 3.0, g, DType::f64);
  EXPECT_LE(max(neg(u)).item(), 2.0);  // every sample >= -2
  EXPECT_LT(max(u).item(), 3.0);
  Tensor r = randint({1000}, 5, 8, g);
  for (std::int64_t v : r.to_int_vector()) {
    EXPECT_GE(v, 5);
    EXPECT_LT(v, 8);
  }
  EXPECT_THROW(randint({1}, 3, 3, g), ValueError);
}

TEST(Random, SameSeedSameTensor) {
  Generator a(5);
  Generator b(5);
  EXPECT_EQ(randn({7}, a).to_vector(), randn({7}, b).to_vector());
  Generator c(6);
  EXPECT_NE(randn({7}, a).to_vector(), randn({7}, c).to_vector());
}

TEST(Factories, CausalMaskIsOneStrictlyAboveTheDiagonal) {
  const Tensor mask = causal_mask(3);  // [3, 3] i64
  EXPECT_EQ(mask.dtype(), DType::i64);
  EXPECT_EQ(mask.shape(), (Shape{3, 3}));
  EXPECT_EQ(mask.to_int_vector(), (std::vector<std::int64_t>{0, 1, 1, 0, 0, 1, 0, 0, 0}));
  EXPECT_EQ(causal_mask(1).to_int_vector(), (std::vector<std::int64_t>{0}));
  EXPECT_EQ(causal_mask(0).numel(), 0);
  EXPECT_THROW(causal_mask(-1), ValueError);
}

}  // namespace
}  // namespace knob
