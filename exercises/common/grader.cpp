// The comparisons behind every exercise autograder (see grader.h).
#include "exercises/common/grader.h"

#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "autograd/error.h"
#include "exercises/common/todo.h"

namespace knob::exercises {

namespace {

// Flat row-major position → "[i,j,k]".
std::string multi_index(std::int64_t flat, const Shape& shape) {
  std::vector<std::int64_t> index(shape.size());
  for (std::size_t axis = shape.size(); axis-- > 0;) {
    index[axis] = flat % shape[axis];
    flat /= shape[axis];
  }
  return fmt::format("[{}]", fmt::join(index, ","));
}

bool close(double got, double expected, Tolerance tolerance) {
  if (std::isnan(expected)) return std::isnan(got);
  return std::fabs(got - expected) <= tolerance.atol + tolerance.rtol * std::fabs(expected);
}

std::string mismatch_text(double got, double expected, Tolerance tolerance) {
  // 10 digits are enough to read; when they hide the difference, show all 17.
  std::string expected_text = fmt::format("{:.10g}", expected);
  std::string got_text = fmt::format("{:.10g}", got);
  if (expected_text == got_text) {
    expected_text = fmt::format("{:.17g}", expected);
    got_text = fmt::format("{:.17g}", got);
  }
  return fmt::format("expected {}, got {} (|difference| {:.3g}, allowed {:.3g})", expected_text,
                     got_text, std::fabs(got - expected),
                     tolerance.atol + tolerance.rtol * std::fabs(expected));
}

}  // namespace

::testing::AssertionResult tensors_match(std::string_view what, const Tensor& got,
                                         const Tensor& expected, std::string_view hint,
                                         Tolerance tolerance) {
  if (!got.defined()) {
    return ::testing::AssertionFailure()
           << what << ": you returned an undefined Tensor (Tensor{}); expected shape "
           << shape_str(expected.shape()) << ".\n  Hint: " << hint;
  }
  if (got.shape() != expected.shape()) {
    return ::testing::AssertionFailure()
           << what << ": wrong shape: expected " << shape_str(expected.shape()) << ", got "
           << shape_str(got.shape()) << ".\n  Hint: " << hint;
  }
  if (got.dtype() != expected.dtype()) {
    return ::testing::AssertionFailure()
           << what << ": wrong dtype: expected " << dtype_name(expected.dtype()) << ", got "
           << dtype_name(got.dtype()) << " (keep the dtype of the inputs).\n  Hint: " << hint;
  }
  const std::vector<double> g = got.to_vector();
  const std::vector<double> e = expected.to_vector();
  std::int64_t wrong = 0;
  std::int64_t first_wrong = -1;
  for (std::size_t i = 0; i < e.size(); ++i) {
    if (close(g[i], e[i], tolerance)) continue;
    if (first_wrong < 0) first_wrong = static_cast<std::int64_t>(i);
    ++wrong;
  }
  if (first_wrong < 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << what << " (shape " << shape_str(expected.shape()) << "): " << wrong << " of "
         << e.size() << " elements are wrong; the first is element "
         << multi_index(first_wrong, expected.shape()) << " (flat index " << first_wrong
         << "): " << mismatch_text(g[first_wrong], e[first_wrong], tolerance)
         << ".\n  Hint: " << hint;
}

::testing::AssertionResult arrays_match(std::string_view what, const double* got,
                                        const double* expected, std::size_t n,
                                        std::string_view hint, Tolerance tolerance) {
  std::size_t wrong = 0;
  std::size_t first_wrong = n;
  for (std::size_t i = 0; i < n; ++i) {
    if (close(got[i], expected[i], tolerance)) continue;
    if (first_wrong == n) first_wrong = i;
    ++wrong;
  }
  if (first_wrong == n) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << what << ": " << wrong << " of " << n << " elements are wrong; the first is index "
         << first_wrong << ": " << mismatch_text(got[first_wrong], expected[first_wrong], tolerance)
         << ".\n  Hint: " << hint;
}

namespace {
bool g_stub_seen = false;  // a TodoError was met during this run
}  // namespace

bool stub_seen() { return g_stub_seen; }
void note_stub_seen() { g_stub_seen = true; }

::testing::AssertionResult runs_without_error(std::string_view exercise_id,
                                              const std::function<void()>& student_code) {
  try {
    student_code();
    return ::testing::AssertionSuccess();
  } catch (const TodoError& e) {
    note_stub_seen();
    return ::testing::AssertionFailure()
           << exercise_id << " is not implemented yet (the stub is still in place):\n  "
           << e.what();
  } catch (const Error& e) {
    return ::testing::AssertionFailure()
           << exercise_id << ": your code threw a knob error:\n  " << e.what()
           << "\n  (a knob::Error names the op and the shapes: check the shapes you passed it)";
  }
}

}  // namespace knob::exercises
