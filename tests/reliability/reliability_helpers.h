/// @file
/// @brief Helpers shared by the reliability tests: a scratch directory per test, a tiny model
/// directory on disk, and small file utilities.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "autograd/random.h"
#include "common/tiny_model.h"
#include "nn/io/model_dir.h"
#include "nn/layers/transformer.h"

namespace knob::reliability {

namespace fs = std::filesystem;

/// @brief A fresh, empty directory for the current test, removed afterwards.
class ScratchDir : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("knob_reliability_" + std::to_string(::getpid()) + "_" +
                                        info->test_suite_name() + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// @brief The path of `name` inside the scratch directory.
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

using test::tiny_config;  // tests/common/tiny_model.h: V=7, C=8, H=2, L=1, F=16, T=5
using test::tiny_model;

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
