// The tape: recording, backward, accumulation, no-grad, retain_graph, create_graph, freeing.
#include <cmath>
#include <thread>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/tape.h"

namespace knob {
namespace {

Tensor param(std::vector<double> values, Shape shape) {
  return tensor(values, shape, DType::f64).requires_grad_();
}

TEST(Tape, BackwardGivesTheChainRule) {
  Tensor x = param({1, 2, 3}, {3});
  Tensor y = sum(x * x + 3.0 * x);  // dy/dx = 2x + 3
  backward(y);
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{5, 7, 9}));
}

TEST(Tape, ReusedValuesAccumulateAlongEveryPath) {
  Tensor x = param({2}, {1});
  Tensor a = x * x;           // x²
  Tensor y = sum(a * a + a);  // x⁴ + x²  → 4x³ + 2x = 36 at x = 2
  backward(y);
  EXPECT_DOUBLE_EQ(x.grad().item(), 36.0);
}

TEST(Tape, GradientsAccumulateAcrossCallsUntilZeroed) {
  Tensor x = param({1, -1}, {2});
  backward(sum(mul_scalar(x, 3.0)));
  backward(sum(mul_scalar(x, 3.0)));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{6, 6}));
  x.zero_grad();
  EXPECT_FALSE(x.has_grad());
  backward(sum(x));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{1, 1}));
}

TEST(Tape, LeafGradientsDoNotAliasEachOther) {
  // add's backward hands the same gradient tensor to both inputs; each leaf must own a copy.
  Tensor a = param({1}, {1});
  Tensor b = param({1}, {1});
  backward(sum(a + b));
  a.grad().set({0}, 100.0);
  EXPECT_EQ(b.grad().item(), 1.0);
}

TEST(Tape, NoGradGuardRecordsNothing) {
  Tensor x = param({1, 2}, {2});
  const std::size_t before = tape_size();
  Tensor y;
  {
    NoGradGuard no_grad;
    EXPECT_FALSE(grad_enabled());
    y = sum(x * x);
  }
  EXPECT_TRUE(grad_enabled());
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(tape_size(), before);
  EXPECT_THROW(backward(y), AutogradError);
}

TEST(Tape, ConstantsDoNotRecord) {
  Tensor c = tensor({1, 2}, {2}, DType::f64);
  const std::size_t before = tape_size();
  Tensor y = exp(c) * c;
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(tape_size(), before);
}

TEST(Tape, SecondBackwardNeedsRetainGraph) {
  Tensor x = param({3}, {1});
  Tensor y = sum(exp(x));
  backward(y);
  try {
    backward(y);
    FAIL() << "expected an error";
  } catch (const AutogradError& e) {
    EXPECT_NE(std::string(e.what()).find("already freed"), std::string::npos) << e.what();
  }
  Tensor z = sum(exp(x));
  x.zero_grad();
  backward(z, Tensor(), {.retain_graph = true});
  backward(z);
  EXPECT_DOUBLE_EQ(x.grad().item(), 2 * std::exp(3.0));
}

TEST(Tape, NonScalarRootNeedsAGradOutput) {
  Tensor x = param({1, 2}, {2});
  Tensor y = x * 2.0;
  EXPECT_THROW(backward(y), AutogradError);
  backward(y, tensor({1, 10}, {2}, DType::f64));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{2, 20}));
  EXPECT_THROW(backward(x * 2.0, tensor({1}, {1}, DType::f64)), AutogradError);
}

TEST(Tape, SecondDerivativesWithCreateGraph) {
  Tensor x = param({0.3, -1.2}, {2});
  Tensor y = sum(x * x * x);  // y' = 3x², y'' = 6x
  Tensor dy = grad({y}, {x}, {}, {.create_graph = true})[0];
  EXPECT_TRUE(dy.requires_grad());
  Tensor d2 = grad({sum(dy)}, {x})[0];
  EXPECT_NEAR(d2.at({0}), 6 * 0.3, 1e-12);
  EXPECT_NEAR(d2.at({1}), 6 * -1.2, 1e-12);
}

TEST(Tape, BackwardWithCreateGraphKeepsLeafGradientsDifferentiable) {
  Tensor x = param({2.0}, {1});
  backward(sum(pow(x, 3.0)), Tensor(), {.create_graph = true});  // x.grad = 3x² (on the tape)
  Tensor g = x.grad();
  EXPECT_TRUE(g.requires_grad());
  EXPECT_DOUBLE_EQ(grad({sum(g)}, {x})[0].item(), 12.0);  // d(3x²)/dx = 6x
}

TEST(Tape, GradOfIntermediateValues) {
  Tensor x = param({1, 2}, {2});
  Tensor h = x * 3.0;
  Tensor y = sum(h * h);  // dy/dh = 2h = [6, 12]
  TensorList g = grad({y}, {h, x});
  EXPECT_EQ(g[0].to_vector(), (std::vector<double>{6, 12}));
  EXPECT_EQ(g[1].to_vector(), (std::vector<double>{18, 36}));
  EXPECT_FALSE(x.has_grad());  // grad() writes nothing into .grad()
}

TEST(Tape, UnusedInputsGetZeros) {
  Tensor x = param({1}, {1});
  Tensor unused = param({5, 5}, {2});
  TensorList g = grad({sum(x * 2.0)}, {x, unused});
  EXPECT_EQ(g[1].to_vector(), (std::vector<double>{0, 0}));
}

TEST(Tape, DroppedGraphsAreFreed) {
  Tensor x = param({1, 2, 3}, {3});
  const std::size_t before = tape_size();
  {
    Tensor y = sum(tanh(exp(x) * x));
    EXPECT_EQ(tape_size(), before + 4);
  }
  EXPECT_EQ(tape_size(), before);  // no cycle kept the nodes alive
}

TEST(Tape, OutputsSavedByBackwardDoNotLeak) {
  // exp, tanh, sigmoid, sqrt, softmax save their own output; that must not form a cycle.
  std::weak_ptr<TensorImpl> watch;
  {
    Tensor x = param({0.5, 1.5}, {2});
    Tensor y = softmax(sqrt(sigmoid(tanh(exp(x)))), -1);
    watch = y.impl_ptr();
  }
  EXPECT_TRUE(watch.expired());
}

TEST(Tape, ListingShowsOpsInOrder) {
  Tensor x = param({1, 2}, {2}).set_name("x");
  Tensor y = sum(exp(x));
  const std::string listing = tape_listing();
  const auto at_exp = listing.rfind("exp");
  const auto at_sum = listing.rfind("sum");
  ASSERT_NE(at_exp, std::string::npos);
  ASSERT_NE(at_sum, std::string::npos);
  EXPECT_LT(at_exp, at_sum);
  EXPECT_NE(listing.find("param 'x'"), std::string::npos) << listing;
}

TEST(Tape, BackwardOnAnotherThreadIsAClearError) {
  Tensor x = param({1}, {1});
  Tensor y = sum(exp(x));
  std::string message;
  std::thread worker([&] {
    try {
      backward(y);
    } catch (const AutogradError& e) {
      message = e.what();
    }
  });
  worker.join();
  EXPECT_NE(message.find("another thread"), std::string::npos) << message;
}

TEST(Tape, GradOfANoGradTensorSaysSo) {
  Tensor c = tensor({1}, {1}, DType::f64);
  try {
    c.grad();
    FAIL();
  } catch (const AutogradError& e) {
    EXPECT_NE(std::string(e.what()).find("does not require grad"), std::string::npos);
  }
  Tensor x = param({1}, {1});
  EXPECT_THROW(x.grad(), AutogradError);  // no backward yet
  Tensor y = x * 2.0;
  EXPECT_THROW(y.grad(), AutogradError);  // not a leaf
  EXPECT_THROW(y.requires_grad_(false), AutogradError);
  EXPECT_THROW(int_tensor({1}, {1}).requires_grad_(), AutogradError);
}

}  // namespace
}  // namespace knob
