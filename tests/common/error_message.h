/// @file
/// @brief The message of the error an action throws, for tests of error messages.
#pragma once

#include <exception>
#include <string>

namespace knob::test {

/// @brief Run `action` and return the what() of the `E` it throws.
///
/// An exception of another type gives "wrong exception type: <its message>", no exception at all
/// gives "no exception": both fail any test that looks for the expected words.
/// @tparam E the exception type expected (say knob::ShapeError).
/// @param action a callable taking no arguments.
/// @return the message, or one of the two texts above.
template <class E, class F>
std::string message_of(F&& action) {
  try {
    action();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("wrong exception type: ") + e.what();
  }
  return "no exception";
}

}  // namespace knob::test
