#include "tasks/distributions.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "autograd/error.h"

namespace knob::tasks {

double portable_exp(double x) {
  if (std::isnan(x)) return x;
  if (x > 709.79) return std::numeric_limits<double>::infinity();
  if (x < -745.2) return 0.0;
  // Cody–Waite reduction: ln 2 = kLn2Hi + kLn2Lo where kLn2Hi has few enough mantissa bits that
  // k · kLn2Hi is exact for every |k| ≤ 1100, so r = x − k ln 2 loses nothing to rounding.
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kInvLn2 = 1.44269504088896338700e+00;
  const double k = std::floor(x * kInvLn2 + 0.5);  // nearest integer to x / ln 2
  const double r = (x - k * kLn2Hi) - k * kLn2Lo;  // |r| ≤ ½ ln 2 ≈ 0.347
  // e^r = 1 + r(1 + r/2(1 + r/3(1 + …))), 18 terms: the first omitted one is < 1e-22.
  double series = 1.0;
  for (int i = 18; i >= 1; --i) series = 1.0 + series * r / i;
  return std::ldexp(series, static_cast<int>(k));  // exact scaling by 2^k
}

double sample_gamma(double shape, Generator& gen) {
  if (!(shape > 0.0) || !std::isfinite(shape)) {
    throw ValueError(fmt::format("sample_gamma: shape must be a finite number > 0, got {}", shape));
  }
  if (shape < 1.0) {
    // Boost: if G ~ Gamma(a+1) and U ~ Uniform(0,1], then G · U^{1/a} ~ Gamma(a).
    const double g = sample_gamma(shape + 1.0, gen);
    const double u = 1.0 - gen.uniform();  // in (0, 1], so the log is finite
    return g * portable_exp(portable_log(u) / shape);
  }
  // Marsaglia & Tsang: a transformed normal, accepted by a squeeze test or the exact log test.
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x = 0.0;
    double v = 0.0;
    do {
      x = gen.normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = 1.0 - gen.uniform();  // in (0, 1]
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2) return d * v;  // cheap squeeze, accepts ~98%
    if (portable_log(u) < 0.5 * x2 + d * (1.0 - v + portable_log(v))) return d * v;
  }
}

std::vector<double> sample_dirichlet(const std::vector<double>& alpha, Generator& gen) {
  if (alpha.empty()) throw ValueError("sample_dirichlet: needs at least one concentration");
  std::vector<double> p(alpha.size());
  double total = 0.0;
  for (std::size_t i = 0; i < alpha.size(); ++i) {
    if (!(alpha[i] > 0.0)) {
      throw ValueError(fmt::format("sample_dirichlet: alpha[{}] = {} must be > 0", i, alpha[i]));
    }
    p[i] = sample_gamma(alpha[i], gen);
    total += p[i];
  }
  if (!(total > 0.0)) {
    throw ValueError(
        "sample_dirichlet: every gamma draw underflowed to 0 (concentrations too "
        "small)");
  }
  for (double& value : p) value /= total;
  return p;
}

std::vector<double> sample_dirichlet(int k, double alpha, Generator& gen) {
  if (k < 1) throw ValueError(fmt::format("sample_dirichlet: k = {} must be >= 1", k));
  return sample_dirichlet(std::vector<double>(static_cast<std::size_t>(k), alpha), gen);
}

}  // namespace knob::tasks
