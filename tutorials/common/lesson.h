/// @file tutorials/common/lesson.h
/// @brief What every lesson program shares: numbered section headings, checked claims, the
/// largest elementwise difference of two tensors, and the closing line with the exit status.
///
/// A lesson program prints what its README says it prints and checks every claim the README
/// makes. A claim that does not hold prints a line starting with `!!` and makes the program exit
/// with status 1, so that `ctest -L tutorial` fails. Header-only: each program includes it once.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "autograd/tensor.h"

namespace knob::lesson {

/// @brief The number of claims that did not hold so far in this program.
/// @return A reference to the program's single counter (one per program: the function is inline).
inline int& failures() {
  static int count = 0;
  return count;
}

/// @brief Checks one claim of the lesson: silent if it holds; otherwise prints
/// `  !! the lesson claims <what>, but it is not so` and counts a failure.
/// @param holds Whether the claim turned out true.
/// @param what The claim in words, as the README states it.
inline void claim(bool holds, std::string_view what) {
  if (!holds) {
    ++failures();
    fmt::print("  !! the lesson claims {}, but it is not so\n", what);
  }
}

/// @brief Prints the heading of a numbered section, `== <step>. <title> ==`, after a blank line.
/// @param step The section's number, as in the README.
/// @param title The section's title.
inline void heading(int step, std::string_view title) {
  fmt::print("\n== {}. {} ==\n", step, title);
}

/// @brief The largest elementwise difference \f$ \max_i |a_i - b_i| \f$ of two tensors of the
/// same number of elements, computed in double (f32 → double is exact, so 0 means equal bit for
/// bit, up to the sign of zero).
/// @param a The first tensor (any dtype, any layout).
/// @param b The second tensor, with as many elements as @p a.
/// @return The largest absolute difference; 0 for empty tensors.
inline double max_abs_difference(const Tensor& a, const Tensor& b) {
  const std::vector<double> va = a.to_vector(), vb = b.to_vector();
  double worst = 0.0;
  for (std::size_t i = 0; i < va.size(); ++i) worst = std::max(worst, std::fabs(va[i] - vb[i]));
  return worst;
}

/// @brief Prints the program's last line, `lesson <NN>: every claim checked` or
/// `lesson <NN>: FAILED`, after a blank line.
/// @param lesson_number The lesson's number, printed with two digits (7 → "07").
/// @return The program's exit status: 0 if every claim held, 1 otherwise.
inline int finish(int lesson_number) {
  const bool passed = failures() == 0;
  fmt::print("\n{}\n", passed ? fmt::format("lesson {:02}: every claim checked", lesson_number)
                              : fmt::format("lesson {:02}: FAILED", lesson_number));
  return passed ? 0 : 1;
}

}  // namespace knob::lesson
