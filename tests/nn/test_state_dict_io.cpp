// Tests of state-dict files: a module's parameters saved as safetensors and loaded back by name,
// with every naming or shape problem reported in one error that names the file.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/tensor.h"
#include "common/scratch_dir.h"
#include "nn/base/atomic_file.h"
#include "nn/base/file_error.h"
#include "nn/io/safetensors.h"
#include "nn/io/state_dict_io.h"
#include "nn/layers/module.h"

namespace knob::nn {
namespace {

namespace fs = std::filesystem;

/// The smallest useful module: an affine map's weight [2,3] and bias [2].
class Affine : public Module {
 public:
  explicit Affine(DType dtype = DType::f32) {
    weight_ = register_parameter("weight", zeros({2, 3}, dtype));
    bias_ = register_parameter("bias", zeros({2}, dtype));
  }
  std::string type_name() const override { return "Affine"; }
  Tensor weight_;
  Tensor bias_;
};

/// A module with a submodule, so that saved names are dotted paths.
class Outer : public Module {
 public:
  explicit Outer(DType dtype = DType::f32) {
    layer_ = register_module("layer", std::make_shared<Affine>(dtype));
  }
  std::string type_name() const override { return "Outer"; }
  std::shared_ptr<Affine> layer_;
};

class StateDictFiles : public test::ScratchDir {};

TEST_F(StateDictFiles, RoundTripsThroughAFileWithDottedNames) {
  auto saved = std::make_shared<Outer>();
  saved->layer_->weight_.set_data(tensor({1, 2, 3, 4, 5, 6.5}, {2, 3}));
  saved->layer_->bias_.set_data(tensor({-1, 0.25}, {2}));
  save_state_dict(*saved, path("m.safetensors"), {{"note", "test"}});

  const SafetensorsFile file = read_safetensors(path("m.safetensors"));
  EXPECT_TRUE(file.contains("layer.weight"));
  EXPECT_TRUE(file.contains("layer.bias"));
  EXPECT_EQ(file.metadata.at("note"), "test");

  auto loaded = std::make_shared<Outer>();
  load_state_dict_file(*loaded, path("m.safetensors"));
  EXPECT_EQ(loaded->layer_->weight_.to_vector(), (std::vector<double>{1, 2, 3, 4, 5, 6.5}));
  EXPECT_EQ(loaded->layer_->bias_.to_vector(), (std::vector<double>{-1, 0.25}));
  EXPECT_TRUE(loaded->layer_->weight_.requires_grad());  // still a trainable parameter
}

TEST_F(StateDictFiles, ConvertsToTheParameterDtype) {
  auto saved = std::make_shared<Affine>(DType::f64);
  saved->bias_.set_data(tensor({0.5, -0.125}, {2}, DType::f64));
  save_state_dict(*saved, path("f64.safetensors"));
  auto loaded = std::make_shared<Affine>(DType::f32);
  load_state_dict_file(*loaded, path("f64.safetensors"));
  EXPECT_EQ(loaded->bias_.dtype(), DType::f32);
  EXPECT_EQ(loaded->bias_.to_vector(), (std::vector<double>{0.5, -0.125}));
}

TEST_F(StateDictFiles, StrictLoadReportsEveryProblemAtOnceAndChangesNothing) {
  // weight has the transposed shape, bias is missing, extra is unexpected.
  write_safetensors(path("bad.safetensors"), {{"weight", ones({3, 2})}, {"extra", ones({1})}});
  auto module = std::make_shared<Affine>();
  try {
    load_state_dict_file(*module, path("bad.safetensors"));
    FAIL() << "expected FileError";
  } catch (const FileError& e) {
    const std::string message = e.what();
    EXPECT_TRUE(message.starts_with(path("bad.safetensors") + ": ")) << message;
    EXPECT_NE(message.find("missing: bias"), std::string::npos) << message;
    EXPECT_NE(message.find("unexpected: extra"), std::string::npos) << message;
    EXPECT_NE(message.find("wrong shape: weight (expected [2,3], got [3,2])"), std::string::npos)
        << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
  EXPECT_EQ(module->weight_.shape(), (Shape{2, 3}));
  EXPECT_EQ(module->weight_.to_vector(), std::vector<double>(6, 0.0));
}

TEST_F(StateDictFiles, NonStrictLoadIgnoresUnexpectedNames) {
  write_safetensors(
      path("more.safetensors"),
      {{"weight", full({2, 3}, 2.0)}, {"bias", full({2}, 3.0)}, {"extra", ones({1})}});
  auto module = std::make_shared<Affine>();
  EXPECT_THROW(load_state_dict_file(*module, path("more.safetensors")), FileError);
  load_state_dict_file(*module, path("more.safetensors"), /*strict=*/false);
  EXPECT_EQ(module->bias_.to_vector(), (std::vector<double>{3.0, 3.0}));
}

TEST_F(StateDictFiles, MalformedOrMissingFileNamesThePath) {
  auto module = std::make_shared<Affine>();
  atomic_write_bytes(path("junk.safetensors"), "definitely not a safetensors file");
  try {
    load_state_dict_file(*module, path("junk.safetensors"));
    FAIL() << "expected FileError";
  } catch (const FileError& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with(path("junk.safetensors") + ": ")) << e.what();
  }
  EXPECT_THROW(load_state_dict_file(*module, path("absent.safetensors")), FileError);
}

TEST_F(StateDictFiles, FailedSaveKeepsThePreviousFile) {
  auto module = std::make_shared<Affine>();
  module->bias_.set_data(tensor({7, 8}, {2}));
  save_state_dict(*module, path("keep.safetensors"));
  module->bias_.set_data(tensor({9, 10}, {2}));
  testing::fail_next_write_after(16);
  EXPECT_THROW(save_state_dict(*module, path("keep.safetensors")), FileError);
  auto loaded = std::make_shared<Affine>();
  load_state_dict_file(*loaded, path("keep.safetensors"));
  EXPECT_EQ(loaded->bias_.to_vector(), (std::vector<double>{7, 8}));
}

}  // namespace
}  // namespace knob::nn
