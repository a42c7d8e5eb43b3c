// run_grader: the tests, then the failure count and the hints (see grader_main.h).
#include "exercises/common/grader_main.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

#include "exercises/common/grader.h"
#include "exercises/common/hints.h"

namespace knob::exercises {

namespace {

namespace fs = std::filesystem;

constexpr int kFailuresBeforeFirstHint = 2;  // the 2nd failure in a row shows hint 1

bool hints_enabled() {
  const char* value = std::getenv("KNOB_EXERCISE_HINTS");
  return value == nullptr || std::string(value) != "off";
}

fs::path state_folder(const GraderSetup& setup) {
  const char* value = std::getenv("KNOB_EXERCISE_STATE_DIR");
  return (value != nullptr && *value != '\0') ? fs::path(value) : fs::path(setup.state_dir);
}

int read_count(const fs::path& file) {
  std::ifstream in(file);
  int count = 0;
  if (!(in >> count) || count < 0) return 0;
  return count;
}

// Best effort: a grader must still report its result when the build tree is read-only.
void write_count(const fs::path& file, int count) {
  std::error_code error;
  fs::create_directories(file.parent_path(), error);
  if (count == 0) {
    fs::remove(file, error);
    return;
  }
  std::ofstream out(file, std::ios::trunc);
  out << count << "\n";
}

void report_failure(const GraderSetup& setup, const fs::path& count_file) {
  const std::string id = setup.exercise_id;
  if (stub_seen()) {
    std::cout << "\n"
              << id << " is still the stub: write it in exercises/" << id
              << "/stub.cpp.\n(`exercises/run hint " << id << "` shows a first hint.)\n";
    return;
  }
  const int failures = read_count(count_file) + 1;
  write_count(count_file, failures);
  if (failures < kFailuresBeforeFirstHint) {
    std::cout << "\n"
              << id << " failed. Read the messages above, fix, and check again; if it "
              << "fails again the grader will show hint 1\n(or ask now: `exercises/run hint " << id
              << "`).\n";
    return;
  }
  const int level = failures - kFailuresBeforeFirstHint + 1;
  std::cout << "\n"
            << id << " has failed " << failures << " times in a row. "
            << format_hint(read_hints(setup.hints_path), level);
}

}  // namespace

int run_grader(int argc, char** argv, const GraderSetup& setup) {
  ::testing::InitGoogleTest(&argc, argv);
  const int status = RUN_ALL_TESTS();
  const bool full_run = GTEST_FLAG_GET(filter) == "*" && !GTEST_FLAG_GET(list_tests);
  if (!full_run || !hints_enabled()) return status;

  const fs::path count_file = state_folder(setup) / (std::string(setup.exercise_id) + ".failures");
  if (status == 0) {
    write_count(count_file, 0);
    std::cout << "\n" << setup.exercise_id << ": every test passed.\n";
  } else {
    report_failure(setup, count_file);
  }
  return status;
}

}  // namespace knob::exercises
