/// @file
/// @brief Helpers shared by the reliability tests: the scratch directory and tiny model of
/// tests/common, both on disk for knob commands (ModelAndBatch), and small file utilities.
#pragma once

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "autograd/random.h"
#include "common/scratch_dir.h"
#include "common/tiny_model.h"
#include "nn/io/model_dir.h"
#include "nn/io/safetensors.h"
#include "nn/layers/transformer.h"

namespace knob::reliability {

namespace fs = std::filesystem;

using test::ScratchDir;  // tests/common/scratch_dir.h: an empty directory per test

using test::tiny_config;  // tests/common/tiny_model.h: V=7, C=8, H=2, L=1, F=16, T=5
using test::tiny_model;

/// @brief A scratch directory holding what most knob commands read: the tiny model in `model/`
/// and a batch of two rows of three tokens in `batch.safetensors` (its last target is -100).
class ModelAndBatch : public ScratchDir {
 protected:
  void SetUp() override {
    ScratchDir::SetUp();
    nn::save_model_dir(*tiny_model(), path("model"));
    nn::write_safetensors(path("batch.safetensors"),
                          {{"input_ids", int_tensor({1, 2, 3, 4, 5, 6}, {2, 3})},
                           {"targets", int_tensor({2, 3, 4, 5, 6, -100}, {2, 3})}});
  }
};

/// @brief Write `text` to `path` (replacing it).
inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

/// @brief Does `text` contain `part`?
inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace knob::reliability
