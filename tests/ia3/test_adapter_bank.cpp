// Several adapters on one base; a mixed batch served by per-example adapters in one pass.
#include <cstring>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "common/tiny_model.h"
#include "ia3/adapter_bank.h"
#include "ia3/model_map.h"
#include "nn/io/model_dir.h"
#include "tests/ia3/tensor_compare.h"

namespace knob::ia3 {
namespace {

struct Fixture {
  Generator gen{5};
  std::shared_ptr<nn::Transformer> model;
  Fixture() { model = std::make_shared<nn::Transformer>(test::tiny_config(test::kTwoBlocks), gen); }
  nn::NamedTensors random_adapter() {
    nn::NamedTensors out;
    ia3::add_vectors(*model);
    for (auto& [name, t] : model->named_parameters()) {
      if (ia3::is_vector_name(name)) {
        out.emplace_back(name, add_scalar(mul_scalar(randn(t.shape(), gen), 0.8), 1.0));
      }
    }
    return out;
  }
};

TEST(AdapterBank, MixedBatchEqualsSeparateRuns) {
  Fixture f;
  AdapterBank bank(f.model);
  bank.add("a", f.random_adapter());
  bank.add("b", f.random_adapter());
  Tensor ids = randint({5, 7}, 0, 13, f.gen);
  const std::vector<std::string> per_row = {"a", "", "b", "a", "b"};
  const Tensor mixed = bank.forward_mixed(ids, per_row);
  NoGradGuard no_grad;
  for (std::int64_t r = 0; r < 5; ++r) {
    bank.select(per_row[r]);
    const Tensor alone = f.model->forward(slice(ids, 0, r, 1));
    EXPECT_LT(max_abs_diff(slice(mixed, 0, r, 1), alone), 1e-5) << "row " << r;
  }
  // The adapters differ, so the rows really were served differently.
  bank.select("a");
  const Tensor with_a = f.model->forward(ids);
  EXPECT_GT(max_abs_diff(slice(mixed, 0, 2, 1), slice(with_a, 0, 2, 1)), 1e-3);
}

TEST(AdapterBank, MixedBatchLeavesTheSelectedVectorsInPlace) {
  Fixture f;
  AdapterBank bank(f.model);
  bank.add("a", f.random_adapter());
  bank.select("a");
  Tensor ids = randint({2, 4}, 0, 13, f.gen);
  NoGradGuard no_grad;
  const Tensor before = f.model->forward(ids);
  (void)bank.forward_mixed(ids, {"", "a"});
  EXPECT_TRUE(bit_identical(f.model->forward(ids), before));
  EXPECT_THROW(bank.forward_mixed(ids, {"a"}), ValueError);
  EXPECT_THROW(bank.forward_mixed(ids, {"a", "nope"}), ValueError);
  EXPECT_TRUE(bit_identical(f.model->forward(ids), before));
}

TEST(AdapterBank, SelectNoneIsTheBaseBitForBitAndRemoveWorks) {
  Fixture f;
  Tensor ids = randint({2, 6}, 0, 13, f.gen);
  Tensor base;
  {
    NoGradGuard no_grad;
    base = f.model->forward(ids);
  }
  AdapterBank bank(f.model);
  bank.add("a", f.random_adapter());
  bank.add("b", f.random_adapter());
  EXPECT_EQ(bank.names(), (std::vector<std::string>{"a", "b"}));
  bank.select("b");
  NoGradGuard no_grad;
  EXPECT_FALSE(bit_identical(f.model->forward(ids), base));
  bank.remove("b");
  EXPECT_EQ(bank.selected(), "");
  EXPECT_TRUE(bit_identical(f.model->forward(ids), base));
  EXPECT_FALSE(bank.contains("b"));
  EXPECT_THROW(bank.select("b"), ValueError);
  EXPECT_THROW(bank.remove("b"), ValueError);
  nn::NamedTensors short_one = f.random_adapter();
  short_one.pop_back();
  EXPECT_THROW(bank.add("c", short_one), ShapeError);
}

}  // namespace
}  // namespace knob::ia3
