// Every differentiable op, first and second derivatives, against finite differences (float64).
// The cases come from one list (autograd/op_registry.cpp), the same one `knob gradcheck` runs.
//
// Passing is not enough: every case must pass with a margin (the worst error at most a tenth of
// its tolerance; observed: a few hundredths or less on every KNOB_SIMD path) and with a
// resolution under 1e-5 (no element's tolerance above 1e-5 of the Jacobian's largest entry), so
// that a rule 0.1% off cannot hide in a loose tolerance.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "autograd/op_registry.h"

namespace knob {
namespace {

class OpGradient : public ::testing::TestWithParam<std::size_t> {
 protected:
  const OpCase& op_case() const { return op_cases()[GetParam()]; }
};

TEST_P(OpGradient, FirstDerivativeMatchesFiniteDifferences) {
  Generator gen(100 + GetParam());
  const TensorList inputs = op_case().make_inputs(gen);
  const GradcheckResult r = gradcheck(op_case().fn, inputs);
  EXPECT_TRUE(r.passed) << op_case().op << " (" << op_case().case_name << "): " << r.message;
  EXPECT_GT(r.compared, 0);
  EXPECT_LT(r.worst_ratio, 0.1) << "margin below 10";
  EXPECT_LT(r.resolution, 1e-5);
}

TEST_P(OpGradient, FastModeAgrees) {
  Generator gen(200 + GetParam());
  const TensorList inputs = op_case().make_inputs(gen);
  const GradcheckResult r = gradcheck(op_case().fn, inputs, {.fast_mode = true, .seed = 3});
  EXPECT_TRUE(r.passed) << op_case().op << ": " << r.message;
}

TEST_P(OpGradient, SecondDerivativeMatchesFiniteDifferences) {
  if (!op_case().second_order) GTEST_SKIP() << "no second derivative";
  Generator gen(300 + GetParam());
  const TensorList inputs = op_case().make_inputs(gen);
  const GradcheckResult r = gradgradcheck(op_case().fn, inputs);
  EXPECT_TRUE(r.passed) << op_case().op << " (" << op_case().case_name << "): " << r.message;
  EXPECT_LT(r.worst_ratio, 0.1) << "margin below 10";
  EXPECT_LT(r.resolution, 1e-5);
  EXPECT_LT(r.path_difference, 1e-14);  // create_graph vs plain: rounding only
}

INSTANTIATE_TEST_SUITE_P(AllOps, OpGradient, ::testing::Range<std::size_t>(0, op_cases().size()),
                         [](const ::testing::TestParamInfo<std::size_t>& info) {
                           std::string name =
                               op_cases()[info.param].op + "_" + std::to_string(info.param);
                           std::replace_if(
                               name.begin(), name.end(), [](char c) { return !std::isalnum(c); },
                               '_');
                           return name;
                         });

TEST(OpRegistry, CoversEveryOpOfTheCore) {
  std::set<std::string> have;
  for (const OpCase& c : op_cases()) have.insert(c.op);
  for (const char* op :
       {"add",       "sub",         "mul",       "div",           "neg",     "pow",
        "exp",       "log",         "sqrt",      "tanh",          "sigmoid", "relu",
        "gelu",      "gelu_tanh",   "sum",       "mean",          "max",     "matmul",
        "transpose", "permute",     "reshape",   "slice",         "concat",  "masked_fill",
        "softmax",   "log_softmax", "embedding", "cross_entropy", "mse"}) {
    EXPECT_TRUE(have.count(op)) << op << " has no gradcheck case";
  }
}

TEST(OpRegistry, CheckOpsReportsPerOpAndRejectsUnknownNames) {
  const std::vector<OpCheckReport> reports = check_ops({"tanh", "matmul"});
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].op, "tanh");
  EXPECT_EQ(reports[1].op, "matmul");
  EXPECT_EQ(reports[1].cases, 4);
  EXPECT_TRUE(reports[1].passed());
  EXPECT_THROW(check_ops({"no_such_op"}), ValueError);
}

}  // namespace
}  // namespace knob
