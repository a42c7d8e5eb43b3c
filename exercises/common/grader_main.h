/// @file
/// @brief The main function of every exercise grader: run the tests, then count failures and
/// print a hint when the same exercise keeps failing.
#pragma once

namespace knob::exercises {

/// @brief What a grader knows about its exercise (compile definitions, see CMakeLists.txt).
struct GraderSetup {
  const char* exercise_id;  ///< e.g. "ex05_softmax_backward"
  const char* hints_path;   ///< the exercise's hints.md
  const char* state_dir;    ///< where failure counts are kept (a folder of the build tree)
};

/// @brief Run every test, then keep the failure count of this exercise up to date.
///
/// A full run (no --gtest_filter) that fails adds one to `<state_dir>/<id>.failures`; the second
/// failure in a row prints hint 1, the third hint 2, later ones hint 3 (the formula). A full run
/// that passes resets the count. A run that met the untouched stub (TodoError) is not counted.
/// The environment can change this: KNOB_EXERCISE_HINTS=off turns counting and hints off (ctest,
/// CI, batch grading), KNOB_EXERCISE_STATE_DIR moves the state folder.
/// @param argc as given to main
/// @param argv as given to main (GoogleTest's flags are understood)
/// @param setup the exercise
/// @return 0 when every test passed, 1 otherwise (GoogleTest's convention)
int run_grader(int argc, char** argv, const GraderSetup& setup);

}  // namespace knob::exercises
