/// @file
/// @brief Helpers shared by the exercise autograders: comparisons whose failure messages teach.
///
/// A grader never hard-codes an answer. It computes the expected value with knob itself (the op's
/// forward and the tape's backward, a kernel from the scalar reference table, or gradcheck) and
/// compares the student's result with it. On a mismatch the message names what was compared, the
/// first wrong element (multi-index and flat position), expected vs got, the tolerance, and a
/// hint about the usual mistake.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "autograd/tensor.h"
#include "exercises/common/todo.h"

namespace knob::exercises {

/// @brief Tolerances of a comparison: an element passes when \f$ |got - expected| \le atol +
/// rtol\,|expected| \f$.
struct Tolerance {
  double atol = 1e-9;  ///< absolute tolerance
  double rtol = 1e-7;  ///< relative tolerance
};

/// @brief Compare a student's tensor with the reference: defined, same shape, same dtype, every
/// element within tolerance.
/// @param what what the tensor is, e.g. "grad_a (dL/da)"
/// @param got the student's result
/// @param expected the reference computed with knob
/// @param hint one sentence on the usual mistake, printed on failure
/// @param tolerance how close is close enough
/// @return success, or a failure whose message names the first wrong element
::testing::AssertionResult tensors_match(std::string_view what, const Tensor& got,
                                         const Tensor& expected, std::string_view hint,
                                         Tolerance tolerance = {});

/// @brief Compare two raw arrays element by element (for kernels on plain buffers).
/// @param what what the array is, e.g. "y after scale_add (n = 7)"
/// @param got the student's values, `n` of them
/// @param expected the reference values, `n` of them
/// @param n number of elements
/// @param hint printed on failure
/// @param tolerance how close is close enough
/// @return success, or a failure naming the first wrong index
::testing::AssertionResult arrays_match(std::string_view what, const double* got,
                                        const double* expected, std::size_t n,
                                        std::string_view hint, Tolerance tolerance = {});

/// @brief Run the student's code; turn a TodoError (the untouched stub) or any other knob::Error
/// into a failure that says so, instead of an unexplained exception.
/// @param exercise_id the exercise being graded
/// @param student_code a call of the student's function
/// @return success if the code returned normally
::testing::AssertionResult runs_without_error(std::string_view exercise_id,
                                              const std::function<void()>& student_code);

/// @brief Run the student's code and require that it throws `Expected` (a knob::Error type).
///
/// Returning normally, throwing another knob::Error, or still being the stub (TodoError) are
/// failures whose message says which, with `call` (what was called, e.g. "f(x [2,3])") and `hint`.
/// @tparam Expected the error the contract promises, e.g. ShapeError
/// @param call a description of the call, used in the message
/// @param student_code a call of the student's function
/// @param hint printed on failure
/// @return success when `Expected` was thrown
template <class Expected>
::testing::AssertionResult throws_error(std::string_view call,
                                        const std::function<void()>& student_code,
                                        std::string_view hint);

/// @brief Whether some student code of this run threw TodoError (it is still the stub).
/// @return true once runs_without_error() or throws_error() met a TodoError.
bool stub_seen();

/// @brief Record that the stub was met (for grader_main's failure count).
void note_stub_seen();

template <class Expected>
::testing::AssertionResult throws_error(std::string_view call,
                                        const std::function<void()>& student_code,
                                        std::string_view hint) {
  try {
    student_code();
  } catch (const TodoError& e) {
    note_stub_seen();
    return ::testing::AssertionFailure() << call << ": not implemented yet:\n  " << e.what();
  } catch (const Expected&) {
    return ::testing::AssertionSuccess();
  } catch (const Error& e) {
    return ::testing::AssertionFailure()
           << call << " threw \"" << e.what() << "\", which is not the error the contract asks for."
           << "\n  Hint: " << hint;
  }
  return ::testing::AssertionFailure() << call << " returned normally; it must throw."
                                       << "\n  Hint: " << hint;
}

}  // namespace knob::exercises
