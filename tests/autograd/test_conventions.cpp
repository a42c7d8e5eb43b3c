// knob's gradients where a convention, not calculus, decides them, against PyTorch: the file
// tests/golden/conventions.safetensors was written by tests/golden/make_goldens.py (PyTorch,
// float64). Each case is run in float64 and float32, and with both backward paths (the plain
// pass, which runs the fused ops' row kernels, and create_graph, which runs their
// differentiable formulas). Rows are 37 long, so float32 SIMD kernels run their vector bodies
// (two AVX-512 registers of 16) and not only their tails.
//
// Tolerances: float64 agrees with PyTorch to rounding (1e-10 of the largest expected entry is
// loose for one pass of at most a few hundred operations); float32 to 2e-5 (a few ulps of
// float32, 6e-8 each, accumulated over rows of 37). The conventions themselves (which element
// gets a max's gradient, relu's slope at 0, which targets are ignored) show as differences of
// order 1, far outside either tolerance.
#include <cmath>
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "nn/io/safetensors.h"

namespace knob {
namespace {

const nn::SafetensorsFile& golden() {
  static const nn::SafetensorsFile file =
      nn::read_safetensors(std::string(KNOB_SOURCE_DIR) + "/tests/golden/conventions.safetensors");
  return file;
}

struct Mode {
  DType dtype;
  bool create_graph;
};

class Conventions : public ::testing::TestWithParam<Mode> {
 protected:
  double rtol() const { return GetParam().dtype == DType::f64 ? 1e-10 : 2e-5; }

  // max|a - e| <= rtol · max|e|, naming the first element outside.
  void expect_close(const Tensor& actual, const Tensor& expected, const std::string& what) {
    ASSERT_EQ(actual.shape(), expected.shape()) << what;
    const std::vector<double> a = actual.to_vector();
    const std::vector<double> e = expected.to_vector();
    double scale = 0.0;
    for (double v : e) scale = std::max(scale, std::fabs(v));
    const double tolerance = rtol() * std::max(scale, 1e-300);
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!(std::fabs(a[i] - e[i]) <= tolerance)) {
        ADD_FAILURE() << what << ": element " << i << " of " << shape_str(actual.shape()) << " is "
                      << a[i] << ", PyTorch gives " << e[i] << " (tolerance " << tolerance << ")";
        return;
      }
    }
  }

  // Run `fn` on the golden inputs `tag.<name>`, compare its output with `tag.out`, backpropagate
  // `tag.upstream` and compare each input's gradient with `tag.grad.<name>`.
  void check(const std::string& tag, const std::vector<std::string>& names,
             const std::function<Tensor(const TensorList&)>& fn) {
    SCOPED_TRACE(tag);
    const DType dtype = GetParam().dtype;
    TensorList inputs;
    for (const std::string& name : names) {
      inputs.push_back(golden().at(tag + "." + name).to(dtype).clone().requires_grad_());
    }
    Tensor y = fn(inputs);
    expect_close(y, golden().at(tag + ".out"), tag + ".out");
    const Tensor upstream = golden().at(tag + ".upstream").to(dtype);
    const TensorList grads =
        grad({y}, inputs, {upstream}, {.create_graph = GetParam().create_graph});
    for (std::size_t i = 0; i < names.size(); ++i) {
      expect_close(grads[i], golden().at(tag + ".grad." + names[i]), tag + ".grad." + names[i]);
    }
  }
};

TEST_P(Conventions, MaxWithTiesSendsTheGradientToTheFirstMaximum) {
  check("max_all", {"x"}, [](const TensorList& in) { return max(in[0]); });
  for (std::int64_t axis = 0; axis < 3; ++axis) {
    check("max_axis" + std::to_string(axis), {"x"},
          [axis](const TensorList& in) { return max(in[0], {axis}); });
  }
  // Two axes: the group is flattened in row-major order, the first maximum of it wins.
  check("max_axes02", {"x"}, [](const TensorList& in) { return max(in[0], {0, 2}); });
}

TEST_P(Conventions, EachMaxGroupPassesOnExactlyItsGradient) {
  // Every element of the group ties: the group's gradient still sums to the upstream 1, all on
  // one element (not 1 on each tie, not 1/k on each).
  const Tensor x = full({3, 4, 5}, 2.0, GetParam().dtype).requires_grad_();
  for (const Axes& axes : {Axes{}, Axes{1}, Axes{0, 2}}) {
    Tensor y = max(x, axes, true);
    const TensorList g =
        grad({y}, {x}, {ones(y.shape(), y.dtype())}, {.create_graph = GetParam().create_graph});
    const Tensor per_group = sum(g[0], axes, true);
    for (double s : per_group.to_vector()) EXPECT_EQ(s, 1.0);
    const std::vector<double> values = g[0].to_vector();
    const auto nonzero = std::count_if(values.begin(), values.end(), [](double v) { return v; });
    EXPECT_EQ(nonzero, per_group.numel());
  }
}

TEST_P(Conventions, ReluHasSlopeZeroAtExactlyZero) {
  check("relu_zero", {"x"}, [](const TensorList& in) { return relu(in[0]); });
  // Fused after a bias, where x + b is exactly 0, and the unfused composition.
  check("bias_relu_zero", {"x", "b"},
        [](const TensorList& in) { return bias_activation(in[0], in[1], Activation::relu); });
  check("bias_relu_zero", {"x", "b"}, [](const TensorList& in) { return relu(add(in[0], in[1])); });
}

TEST_P(Conventions, CrossEntropyIgnoresANonNegativeIgnoreIndex) {
  const Tensor targets = golden().at("ce_ignore0.targets");
  check("ce_ignore0", {"z"}, [targets](const TensorList& in) {
    return cross_entropy(reshape(in[0], {-1, in[0].size(-1)}), reshape(targets, {-1}), 0);
  });
  check("ce_ignore0", {"z"},
        [targets](const TensorList& in) { return cross_entropy(in[0], targets, 0); });
}

TEST_P(Conventions, ConcatAndSliceOnEveryAxis) {
  for (std::int64_t axis = 0; axis < 3; ++axis) {
    const std::string a = std::to_string(axis);
    check("concat_axis" + a, {"a", "b"}, [axis](const TensorList& in) {
      return concat({in[0], in[1]}, axis);
    });
    check("slice_axis" + a, {"x"},
          [axis](const TensorList& in) { return slice(in[0], axis, 1, in[0].size(axis) - 1); });
  }
}

TEST_P(Conventions, SoftmaxAndLogSoftmaxOnEveryAxis) {
  for (std::int64_t axis = 0; axis < 3; ++axis) {
    const std::string a = std::to_string(axis);
    check("softmax_axis" + a, {"x"}, [axis](const TensorList& in) { return softmax(in[0], axis); });
    check("log_softmax_axis" + a, {"x"},
          [axis](const TensorList& in) { return log_softmax(in[0], axis); });
  }
}

TEST_P(Conventions, BiasActivationWithOneScalePerBatchRow) {
  const std::pair<const char*, Activation> activations[] = {{"identity", Activation::identity},
                                                            {"relu", Activation::relu},
                                                            {"gelu", Activation::gelu},
                                                            {"gelu_tanh", Activation::gelu_tanh}};
  for (const auto& [name, activation] : activations) {
    const Activation f = activation;  // a variable a lambda can capture (clang 14)
    const std::string tag = std::string("bias_act_") + name;
    check(tag, {"x", "b", "s"},
          [f](const TensorList& in) { return bias_activation(in[0], in[1], f, in[2]); });
    check(tag, {"x", "b", "s"}, [f](const TensorList& in) {  // the composition it replaces
      return mul(apply_activation(f, add(in[0], in[1])), in[2]);
    });
  }
}

TEST_P(Conventions, LayerNormAndAttentionSoftmaxOnLongRows) {
  check("layer_norm", {"x", "w", "b"},
        [](const TensorList& in) { return layer_norm(in[0], in[1], in[2], 1e-5); });
  check("attention_softmax", {"x"},
        [](const TensorList& in) { return attention_softmax(in[0], 0.3, true); });
}

INSTANTIATE_TEST_SUITE_P(BothDtypesBothPaths, Conventions,
                         ::testing::Values(Mode{DType::f64, false}, Mode{DType::f64, true},
                                           Mode{DType::f32, false}, Mode{DType::f32, true}),
                         [](const ::testing::TestParamInfo<Mode>& info) {
                           return std::string(dtype_name(info.param.dtype)) +
                                  (info.param.create_graph ? "_create_graph" : "_plain");
                         });

}  // namespace
}  // namespace knob
