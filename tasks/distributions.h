/// @file
/// @brief Gamma and Dirichlet sampling on knob::Generator, identical on every machine.
///
/// Only + − × ÷ and √ (all correctly rounded by IEEE 754) are used, together with knob's
/// portable_log and the portable_exp below, so a seed gives the same numbers everywhere —
/// unlike `std::gamma_distribution`, whose algorithm differs between standard libraries.
#pragma once

#include <vector>

#include "autograd/random.h"

namespace knob::tasks {

/// @brief \f$ e^x \f$ from basic arithmetic only (bit-identical on every IEEE machine).
///
/// \f$ x = k \ln 2 + r \f$ with integer k and \f$ |r| \le \frac{1}{2}\ln 2 \f$, then
/// \f$ e^x = 2^k e^r \f$, with \f$ e^r \f$ from its Taylor series. Relative error below 1e-15.
/// @param x any double (results over/underflow to inf / 0 as std::exp).
/// @return \f$ e^x \f$.
double portable_exp(double x);

/// @brief One sample of Gamma(shape, 1), density \f$ \propto x^{a-1} e^{-x} \f$.
///
/// For \f$ a \ge 1 \f$, Marsaglia & Tsang (2000): with \f$ d = a - \frac13 \f$,
/// \f$ c = 1/\sqrt{9d} \f$, draw \f$ x \sim N(0,1) \f$, \f$ v = (1 + c x)^3 \f$ and accept
/// \f$ d v \f$ when \f$ v > 0 \f$ and \f$ \ln u < \frac{x^2}{2} + d (1 - v + \ln v) \f$.
/// For \f$ a < 1 \f$ the boost \f$ G_a = G_{a+1} \, u^{1/a} \f$.
/// Mean and variance are both a.
/// @param shape a > 0.
/// @param gen the random source (advanced).
/// @return a sample ≥ 0 (it can underflow to 0 for tiny shapes).
/// @throws ValueError when shape is not > 0.
double sample_gamma(double shape, Generator& gen);

/// @brief One sample of Dirichlet(α_1, …, α_k): \f$ p_i = g_i / \sum_j g_j \f$ with
/// \f$ g_i \sim \text{Gamma}(\alpha_i, 1) \f$. Entries are ≥ 0 and sum to 1.
/// @param alpha the concentrations, each > 0, at least one.
/// @param gen the random source (advanced).
/// @return the probabilities.
/// @throws ValueError for an empty alpha, an α ≤ 0, or when every gamma draw underflows to 0.
std::vector<double> sample_dirichlet(const std::vector<double>& alpha, Generator& gen);

/// @brief Symmetric Dirichlet(α, …, α) with k entries.
/// @param k number of entries ≥ 1.
/// @param alpha the common concentration > 0 (1 is uniform on the simplex).
/// @param gen the random source (advanced).
/// @return the probabilities.
/// @throws ValueError as above, or for k < 1.
std::vector<double> sample_dirichlet(int k, double alpha, Generator& gen);

}  // namespace knob::tasks
