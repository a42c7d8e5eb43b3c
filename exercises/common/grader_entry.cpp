// The entry point of one exercise's grader: the exercise id, its hints file and the state
// folder come from compile definitions set by exercises/CMakeLists.txt.
#include "exercises/common/grader_main.h"

int main(int argc, char** argv) {
  return knob::exercises::run_grader(
      argc, argv, {KNOB_EXERCISE_ID, KNOB_EXERCISE_HINTS, KNOB_EXERCISE_STATE_DIR});
}
