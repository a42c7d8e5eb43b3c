/// @file
/// @brief A seeded random generator that gives the same numbers on every machine.
///
/// `std::mt19937` is portable but `std::normal_distribution` is not (each standard library
/// implements it differently), so knob draws its own: xoshiro256** for bits, 53-bit uniforms,
/// and normals by Marsaglia's polar method with a logarithm computed from + - * / only, which
/// IEEE 754 makes identical everywhere.
#pragma once

#include <cstdint>

#include "autograd/tensor.h"

namespace knob {

/// @brief xoshiro256** (Blackman & Vigna), seeded through splitmix64.
class Generator {
 public:
  /// @brief A generator whose whole sequence is fixed by `seed`.
  /// @param seed any value; the four state words are drawn from it with splitmix64.
  explicit Generator(std::uint64_t seed = 0);
  /// @brief Next 64 random bits. @return a uniformly distributed 64-bit word.
  std::uint64_t next_u64();
  /// @brief Uniform double in [0, 1) with 53 random bits. @return the sample.
  double uniform();
  /// @brief Uniform double in [low, high).
  /// @param low the smallest value. @param high the bound, not reached.
  /// @return \f$ low + (high - low)\,u \f$ for u = uniform().
  double uniform(double low, double high);
  /// @brief Standard normal N(0, 1) (polar method). @return the sample.
  double normal();
  /// @brief Uniform integer in [low, high).
  /// @param low the smallest value. @param high the bound, not reached.
  /// @return the sample.
  /// @throws ValueError when high <= low.
  std::int64_t integer(std::int64_t low, std::int64_t high);

  /// @brief The four state words (for checkpoints).
  /// @return a pointer to the 4 words, valid while the generator lives.
  const std::uint64_t* state() const { return state_; }
  /// @brief Restore a state saved with state().
  /// @param words the four words to copy in.
  void set_state(const std::uint64_t words[4]);

 private:
  std::uint64_t state_[4];
  bool has_spare_ = false;  // the polar method makes normals in pairs
  double spare_ = 0.0;
};

/// @brief ln(x) for x > 0 from basic arithmetic only (bit-identical on every IEEE machine).
/// @param x a positive number. @return \f$ \ln x \f$.
double portable_log(double x);

/// @brief Uniform [0, 1) samples, one Generator::uniform() per element in row-major order.
/// @param shape the shape. @param gen the generator (advanced). @param dtype f32 or f64.
/// @return a new tensor.
/// @throws DTypeError for i64.
Tensor rand(const Shape& shape, Generator& gen, DType dtype = DType::f32);
/// @brief Standard normal samples, one Generator::normal() per element in row-major order.
/// @param shape the shape. @param gen the generator (advanced). @param dtype f32 or f64.
/// @return a new tensor.
/// @throws DTypeError for i64.
Tensor randn(const Shape& shape, Generator& gen, DType dtype = DType::f32);
/// @brief Uniform [low, high) samples.
/// @param shape the shape. @param low the smallest value. @param high the bound.
/// @param gen the generator (advanced). @param dtype f32 or f64.
/// @return a new tensor.
/// @throws DTypeError for i64.
Tensor uniform(const Shape& shape, double low, double high, Generator& gen,
               DType dtype = DType::f32);
/// @brief Uniform integers in [low, high), dtype i64.
/// @param shape the shape. @param low the smallest value. @param high the bound, not reached.
/// @param gen the generator (advanced).
/// @return a new i64 tensor.
/// @throws ValueError when high <= low and the shape is not empty.
Tensor randint(const Shape& shape, std::int64_t low, std::int64_t high, Generator& gen);

}  // namespace knob
