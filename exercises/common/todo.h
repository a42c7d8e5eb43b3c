/// @file
/// @brief The "not written yet" error that every exercise stub throws.
#pragma once

#include <string>
#include <string_view>

#include "autograd/error.h"

namespace knob::exercises {

/// @brief Thrown by an exercise stub: the student has not written this function yet.
///
/// Graders recognise it and say "not implemented yet" instead of reporting a crash.
class TodoError : public Error {
 public:
  using Error::Error;
};

/// @brief Throw a TodoError naming the exercise and what is left to write.
/// @param exercise_id the exercise, e.g. "ex03_mul_broadcast_backward"
/// @param what one line on what the function must compute
/// @throws TodoError always
[[noreturn]] inline void todo(std::string_view exercise_id, std::string_view what) {
  throw TodoError("TODO(" + std::string(exercise_id) + "): " + std::string(what) +
                  " — open stub.cpp in exercises/" + std::string(exercise_id) + "/ and write it");
}

}  // namespace knob::exercises
