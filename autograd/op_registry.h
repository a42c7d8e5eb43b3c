/// @file
/// @brief The list of differentiable ops with a small test problem each: one list drives the
/// gradcheck tests, the gradgradcheck tests and `knob gradcheck`.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "autograd/gradcheck.h"
#include "autograd/random.h"

namespace knob {

/// @brief One gradient-check problem for one op.
struct OpCase {
  std::string op;         ///< the op's name, as in ops.h ("matmul")
  std::string case_name;  ///< what this case exercises ("batched, broadcast batch axes")
  std::function<TensorList(Generator&)> make_inputs;  ///< f64 inputs, differentiable ones marked
  GradcheckFn fn;                                     ///< inputs → output
  bool second_order = true;                           ///< also run gradgradcheck
};

/// @brief Every case, grouped by op in the order of ops.h.
/// @return the list, built once on first use.
const std::vector<OpCase>& op_cases();

/// @brief The result of checking one op over all of its cases.
struct OpCheckReport {
  std::string op;               ///< op name
  int cases = 0;                ///< number of cases run
  GradcheckResult first;        ///< worst first-order result (max errors, all passed?)
  bool second_checked = false;  ///< whether any case ran gradgradcheck
  GradcheckResult second;       ///< worst second-order result
  /// @brief Whether the op passed. @return first-order passed, and second-order where checked.
  bool passed() const { return first.passed && (!second_checked || second.passed); }
};

/// @brief Run gradcheck (and gradgradcheck where the case asks) for every case of the given
/// ops (all ops when `ops` is empty), one report per op.
/// @param ops op names to check, e.g. {"matmul"}; empty for every op.
/// @param options tolerances and step for every check.
/// @return one report per op, in the order of op_cases().
/// @throws ValueError for an op name with no cases.
std::vector<OpCheckReport> check_ops(const std::vector<std::string>& ops = {},
                                     const GradcheckOptions& options = {});

}  // namespace knob
