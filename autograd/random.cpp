#include "autograd/random.h"

#include <cmath>

#include <fmt/format.h>

namespace knob {

namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Generator::Generator(std::uint64_t seed) {
  for (std::uint64_t& word : state_) word = splitmix64(seed);
}

std::uint64_t Generator::next_u64() {
  const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const std::uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

double Generator::uniform() {
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;  // top 53 bits / 2^53
}

double Generator::uniform(double low, double high) { return low + (high - low) * uniform(); }

double portable_log(double x) {
  // x = m · 2^e with m in [√½, √2); ln x = e ln 2 + ln m, and ln m = 2 atanh(s),
  // s = (m - 1)/(m + 1), |s| < 0.172: the series 2(s + s³/3 + s⁵/5 + ...) converges fast.
  int e = 0;
  double m = std::frexp(x, &e);  // m in [0.5, 1) — exact, no rounding
  if (m < 0.7071067811865476) {
    m *= 2.0;
    e -= 1;
  }
  const double s = (m - 1.0) / (m + 1.0);
  const double s2 = s * s;
  double term = s;
  double series = 0.0;
  for (int k = 1; k < 40; k += 2) {
    series += term / k;
    term *= s2;
  }
  return static_cast<double>(e) * 0.6931471805599453 + 2.0 * series;
}

double Generator::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  // Marsaglia's polar method: a uniform point in the unit disc gives two independent normals.
  double u = 0.0;
  double v = 0.0;
  double s = 0.0;
  do {
    u = uniform(-1.0, 1.0);
    v = uniform(-1.0, 1.0);
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double factor = std::sqrt(-2.0 * portable_log(s) / s);  // sqrt is exact in IEEE 754
  spare_ = v * factor;
  has_spare_ = true;
  return u * factor;
}

std::int64_t Generator::integer(std::int64_t low, std::int64_t high) {
  if (high <= low) {
    throw ValueError(fmt::format("randint: empty range [{}, {})", low, high));
  }
  const auto span = static_cast<std::uint64_t>(high - low);
  // Rejection sampling avoids the bias of a plain modulo.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % span;
  std::uint64_t r = next_u64();
  while (r >= limit) r = next_u64();
  return low + static_cast<std::int64_t>(r % span);
}

void Generator::set_state(const std::uint64_t words[4]) {
  for (int i = 0; i < 4; ++i) state_[i] = words[i];
  has_spare_ = false;
}

namespace {
template <class Draw>
Tensor fill_with(const Shape& shape, DType dtype, Draw draw) {
  Tensor out = empty(shape, dtype);
  const std::int64_t n = out.numel();
  dispatch_floating(dtype, "random", [&]<class T>() {
    T* p = out.data<T>();
    for (std::int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(draw());
  });
  return out;
}
}  // namespace

Tensor rand(const Shape& shape, Generator& gen, DType dtype) {
  return fill_with(shape, dtype, [&] { return gen.uniform(); });
}

Tensor randn(const Shape& shape, Generator& gen, DType dtype) {
  return fill_with(shape, dtype, [&] { return gen.normal(); });
}

Tensor uniform(const Shape& shape, double low, double high, Generator& gen, DType dtype) {
  return fill_with(shape, dtype, [&] { return gen.uniform(low, high); });
}

Tensor randint(const Shape& shape, std::int64_t low, std::int64_t high, Generator& gen) {
  Tensor out = empty(shape, DType::i64);
  std::int64_t* p = out.data<std::int64_t>();
  for (std::int64_t i = 0; i < out.numel(); ++i) p[i] = gen.integer(low, high);
  return out;
}

}  // namespace knob
