/// @file
/// @brief The one scratch-directory fixture of the test suites: a fresh, empty directory per
/// test, removed afterwards.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace knob::test {

/// @brief A GoogleTest fixture that gives each test an empty directory of its own.
///
/// The directory is `<temp>/knob_<suite>_<test>_<pid>`: the process id keeps two runs of the
/// suite (say under two KNOB_SIMD paths at once) apart. Derive a fixture from it (overriding
/// TearDown() must call ScratchDir::TearDown()), then use `path("name")` or `dir_`.
class ScratchDir : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("knob_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" +
            std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;  // a test that made the directory unreadable must not throw here
    std::filesystem::remove_all(dir_, ignored);
  }

  /// @brief The path of `name` inside the scratch directory.
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

}  // namespace knob::test
