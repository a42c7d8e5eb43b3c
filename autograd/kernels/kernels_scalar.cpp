/// @file
/// @brief The `Isa::scalar` kernel table: the reference kernels of scalar_kernels.h, unchanged,
/// except for gemm, which is the packed, cache-blocked GEMM of gemm_packed.h with its plain C++
/// micro-kernel (the naive triple loop scalar::gemm stays as the reference the tests use).
///
/// Always built, on every CPU. It is what `KNOB_SIMD=scalar` runs and what the tests compare
/// every SIMD table against.
#include "autograd/kernels/gemm_packed.h"
#include "autograd/kernels/isa_tables.h"
#include "autograd/kernels/kernels.h"
#include "autograd/kernels/scalar_kernels.h"

namespace knob::kernels {
namespace {

/// The reference kernels for element type T, as a table (built at compile time).
template <class T>
constexpr KernelTable<T> make_scalar_table() {
  KernelTable<T> table{};
  table.isa = Isa::scalar;
  table.width = 1;
  table.add = &scalar::add<T>;
  table.sub = &scalar::sub<T>;
  table.mul = &scalar::mul<T>;
  table.div = &scalar::div<T>;
  table.add_scalar = &scalar::add_scalar<T>;
  table.mul_scalar = &scalar::mul_scalar<T>;
  table.div_scalar = &scalar::div_scalar<T>;
  table.rsub_scalar = &scalar::rsub_scalar<T>;
  table.rdiv_scalar = &scalar::rdiv_scalar<T>;
  table.pow_scalar = &scalar::pow_scalar<T>;
  table.neg = &scalar::neg<T>;
  table.exp = &scalar::exp<T>;
  table.log = &scalar::log<T>;
  table.sqrt = &scalar::sqrt<T>;
  table.tanh = &scalar::tanh<T>;
  table.sigmoid = &scalar::sigmoid<T>;
  table.relu = &scalar::relu<T>;
  table.erf = &scalar::erf<T>;
  table.gelu_erf = &scalar::gelu_erf<T>;
  table.gelu_tanh = &scalar::gelu_tanh<T>;
  table.sum = &scalar::sum<T>;
  table.max = &scalar::max<T>;
  table.dot = &scalar::dot<T>;
  table.axpy = &scalar::axpy<T>;
  table.softmax_rows = &scalar::softmax_rows<T>;
  table.log_softmax_rows = &scalar::log_softmax_rows<T>;
  table.gemm = &packed::gemm_scalar<T>;
  return table;
}

}  // namespace

namespace detail {
constinit const IsaTables scalar_tables{make_scalar_table<float>(), make_scalar_table<double>()};
}  // namespace detail

}  // namespace knob::kernels
