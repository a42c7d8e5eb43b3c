// The properties that make knob's bit-for-bit claims true by construction, on every instruction
// set this CPU has (autograd/kernels/simd_kernels.h explains them):
//  - an elementwise kernel gives an element the same bits wherever it sits: in the vector body of
//    a long vector, in the tail of a short row, or alone (the tail runs through the same vector
//    code on a padded register);
//  - a sum, and a softmax's denominator, do not change when exact zeros (masked entries) are
//    appended: lane l only ever adds elements l, l + W, l + 2W, ..., so a zero adds nothing.
// The fused ops (bias_activation row by row, the causal attention_softmax that never looks at
// masked entries) agree bit for bit with their compositions because of these two facts.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/kernels/kernels.h"

namespace knob::kernels {
namespace {

template <class T>
std::vector<T> random_values(std::size_t n, double lo, double hi, std::uint64_t seed) {
  std::vector<T> v(n);
  std::uint64_t state = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (T& x : v) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    x = static_cast<T>(lo + (hi - lo) * static_cast<double>(state >> 11) * 0x1.0p-53);
  }
  return v;
}

// Exact equality of the bit patterns (so -0 differs from +0, and a NaN equals itself).
template <class T>
bool same_bits(T a, T b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

template <class T>
using Unary = void (*KernelTable<T>::*)(const T*, T*, std::size_t);
template <class T>
using Binary = void (*KernelTable<T>::*)(const T*, const T*, T*, std::size_t);

class PositionIndependence : public ::testing::TestWithParam<Isa> {};

// The row lengths a fused kernel may cut a tensor into: tails of every size, and whole registers.
std::vector<std::size_t> row_lengths(std::size_t W) {
  return {1, 2, W - 1 > 0 ? W - 1 : 1, W, W + 1, 2 * W + 3, 24, 37};
}

// f over the whole vector, then f over rows of each length: every element must keep its bits.
template <class T, class Apply>
void check_rows(const std::string& what, std::size_t n, std::size_t W, Apply apply) {
  std::vector<T> whole(n);
  apply(0, n, whole.data());
  for (std::size_t cols : row_lengths(W)) {
    std::vector<T> by_rows(n);
    for (std::size_t start = 0; start < n; start += cols) {
      apply(start, std::min(cols, n - start), by_rows.data() + start);
    }
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_TRUE(same_bits(whole[i], by_rows[i]))
          << what << ": element " << i << " is " << whole[i] << " in one pass of " << n << " but "
          << by_rows[i] << " in rows of " << cols;
    }
  }
}

template <class T>
void check_elementwise(Isa isa) {
  const KernelTable<T>& k = table_for<T>(isa);
  const std::size_t n = 101;  // not a multiple of any width: the one-pass run has a tail too
  const std::vector<T> a = random_values<T>(n, -5, 5, 1);
  const std::vector<T> b = random_values<T>(n, 0.5, 3, 2);
  const std::vector<T> positive = random_values<T>(n, 1e-3, 50, 3);
  const std::string where = std::string(isa_name(isa)) + (sizeof(T) == 4 ? " float " : " double ");
  const std::vector<std::pair<const char*, Unary<T>>> unary = {
      {"neg", &KernelTable<T>::neg},           {"exp", &KernelTable<T>::exp},
      {"tanh", &KernelTable<T>::tanh},         {"sigmoid", &KernelTable<T>::sigmoid},
      {"relu", &KernelTable<T>::relu},         {"erf", &KernelTable<T>::erf},
      {"gelu_erf", &KernelTable<T>::gelu_erf}, {"gelu_tanh", &KernelTable<T>::gelu_tanh}};
  const std::vector<std::pair<const char*, Unary<T>>> positive_only = {
      {"log", &KernelTable<T>::log}, {"sqrt", &KernelTable<T>::sqrt}};
  const std::vector<std::pair<const char*, Binary<T>>> binary = {{"add", &KernelTable<T>::add},
                                                                 {"sub", &KernelTable<T>::sub},
                                                                 {"mul", &KernelTable<T>::mul},
                                                                 {"div", &KernelTable<T>::div}};
  // (Plain pairs, not structured bindings: clang 14 cannot capture a binding in a lambda.)
  for (const auto& entry : unary) {
    const Unary<T> kernel = entry.second;
    check_rows<T>(where + entry.first, n, k.width, [&](std::size_t at, std::size_t len, T* out) {
      (k.*kernel)(a.data() + at, out, len);
    });
  }
  for (const auto& entry : positive_only) {
    const Unary<T> kernel = entry.second;
    check_rows<T>(where + entry.first, n, k.width, [&](std::size_t at, std::size_t len, T* out) {
      (k.*kernel)(positive.data() + at, out, len);
    });
  }
  for (const auto& entry : binary) {
    const Binary<T> kernel = entry.second;
    check_rows<T>(where + entry.first, n, k.width, [&](std::size_t at, std::size_t len, T* out) {
      (k.*kernel)(a.data() + at, b.data() + at, out, len);
    });
  }
  check_rows<T>(where + "pow_scalar(1.5)", n, k.width,
                [&](std::size_t at, std::size_t len, T* out) {
                  k.pow_scalar(positive.data() + at, T(1.5), out, len);
                });
  check_rows<T>(where + "axpy", n, k.width, [&](std::size_t at, std::size_t len, T* out) {
    std::copy(b.begin() + static_cast<std::ptrdiff_t>(at),
              b.begin() + static_cast<std::ptrdiff_t>(at + len), out);
    k.axpy(T(0.3), a.data() + at, out, len);
  });
}

TEST_P(PositionIndependence, ElementwiseFloat) { check_elementwise<float>(GetParam()); }
TEST_P(PositionIndependence, ElementwiseDouble) { check_elementwise<double>(GetParam()); }

// A causal softmax row sees only its first `visible` entries; the composition masks the rest with
// -inf and runs the softmax over the whole row. Both must give the same bits.
template <class T>
void check_masked_rows(Isa isa) {
  const KernelTable<T>& k = table_for<T>(isa);
  const T minus_inf = -std::numeric_limits<T>::infinity();
  for (std::size_t cols : {std::size_t{5}, std::size_t{17}, std::size_t{33}, std::size_t{64}}) {
    const std::vector<T> x = random_values<T>(cols, -4, 4, cols);
    for (std::size_t visible = 1; visible <= cols; ++visible) {
      std::vector<T> masked = x;
      std::fill(masked.begin() + static_cast<std::ptrdiff_t>(visible), masked.end(), minus_inf);
      std::vector<T> full(cols), prefix(visible), log_full(cols), log_prefix(visible);
      k.softmax_rows(masked.data(), full.data(), 1, cols);
      k.softmax_rows(x.data(), prefix.data(), 1, visible);
      k.log_softmax_rows(masked.data(), log_full.data(), 1, cols);
      k.log_softmax_rows(x.data(), log_prefix.data(), 1, visible);
      for (std::size_t j = 0; j < cols; ++j) {
        const std::string at = std::string(isa_name(isa)) + " cols " + std::to_string(cols) +
                               " visible " + std::to_string(visible) + " j " + std::to_string(j);
        if (j < visible) {
          ASSERT_TRUE(same_bits(full[j], prefix[j])) << "softmax " << at;
          ASSERT_TRUE(same_bits(log_full[j], log_prefix[j])) << "log_softmax " << at;
        } else {
          ASSERT_TRUE(same_bits(full[j], T(0))) << "softmax of a masked entry " << at;
        }
      }
      // The same fact for a plain sum with the masked entries set to zero.
      std::vector<T> zeros_appended = x;
      std::fill(zeros_appended.begin() + static_cast<std::ptrdiff_t>(visible), zeros_appended.end(),
                T(0));
      ASSERT_TRUE(same_bits(k.sum(zeros_appended.data(), cols), k.sum(x.data(), visible)))
          << "sum " << isa_name(isa) << " cols " << cols << " visible " << visible;
    }
  }
}

TEST_P(PositionIndependence, MaskedSoftmaxRowsFloat) { check_masked_rows<float>(GetParam()); }
TEST_P(PositionIndependence, MaskedSoftmaxRowsDouble) { check_masked_rows<double>(GetParam()); }

INSTANTIATE_TEST_SUITE_P(AllIsas, PositionIndependence, ::testing::ValuesIn(available_isas()),
                         [](const ::testing::TestParamInfo<Isa>& info) {
                           return std::string(isa_name(info.param));
                         });

}  // namespace
}  // namespace knob::kernels
