// Printing tensors and drawing graphs.
#include <gtest/gtest.h>

#include "autograd/format.h"
#include "autograd/graphviz.h"
#include "autograd/ops.h"

namespace knob {
namespace {

TEST(Format, SmallTensorsPrintLikeNumpy) {
  EXPECT_EQ(fmt::format("{}", arange(0, 6).reshape({2, 3})),
            "tensor([[0, 1, 2],\n        [3, 4, 5]], shape=[2,3], dtype=f32)");
  EXPECT_EQ(fmt::format("{}", tensor({0.5, -1.25}, {2}, DType::f64)),
            "tensor([ 0.5000, -1.2500], shape=[2], dtype=f64)");
  EXPECT_EQ(fmt::format("{}", scalar(2.0)), "tensor(2, shape=[], dtype=f32)");
  EXPECT_EQ(fmt::format("{}", int_tensor({7, 8}, {2})), "tensor([7, 8], shape=[2], dtype=i64)");
}

TEST(Format, LargeTensorsAreSummarised) {
  const std::string text = fmt::format("{}", arange(0, 5000).reshape({50, 100}));
  EXPECT_NE(text.find("..."), std::string::npos);
  EXPECT_NE(text.find("4999"), std::string::npos);
  EXPECT_EQ(text.find("2500"), std::string::npos);  // a middle element is not printed
  EXPECT_LT(text.size(), 1000u);
}

TEST(Format, ShowsAutogradState) {
  Tensor x = ones({1}, DType::f64).requires_grad_();
  EXPECT_NE(fmt::format("{}", x).find("requires_grad=true"), std::string::npos);
  EXPECT_NE(fmt::format("{}", exp(x)).find("grad_fn=exp"), std::string::npos);
}

TEST(Graphviz, DrawsOpsLeavesAndEdges) {
  Tensor w = tensor({1, 2}, {1, 2}, DType::f64).set_name("W").requires_grad_();
  Tensor x = tensor({3, 4}, {2, 1}, DType::f64).set_name("x");
  Tensor loss = sum(relu(matmul(w, x)));
  backward(loss, Tensor(), {.retain_graph = true});
  const std::string dot = to_dot(loss);
  EXPECT_EQ(dot.rfind("digraph", 0), 0u);
  for (const char* part : {"matmul", "relu", "sum", "W", "(trainable)", "(frozen)", "->",
                           "grad [3, 4]", "data [11]"}) {
    EXPECT_NE(dot.find(part), std::string::npos) << part << " missing from\n" << dot;
  }
}

}  // namespace
}  // namespace knob
