/// @file
/// @brief Choosing the kernel table at run time: which instruction sets were built, which ones
/// this CPU supports, and which one is active (`KNOB_SIMD` or the best available).
///
/// Compiled with the library's ordinary flags (no -m options): nothing here may run a SIMD
/// instruction. It only reads the constant tables of isa_tables.h and hands them out.
#include <atomic>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <vector>

#include <fmt/format.h>
#include <xsimd/xsimd.hpp>

#include "autograd/error.h"
#include "autograd/kernels/isa_tables.h"
#include "autograd/kernels/kernels.h"

// kernels.cmake defines KNOB_HAVE_<ISA>=1 on this file for every kernels_<isa>.cpp it compiles.
#ifndef KNOB_HAVE_SSE4_2
#define KNOB_HAVE_SSE4_2 0
#endif
#ifndef KNOB_HAVE_AVX2
#define KNOB_HAVE_AVX2 0
#endif
#ifndef KNOB_HAVE_AVX512
#define KNOB_HAVE_AVX512 0
#endif
#ifndef KNOB_HAVE_NEON
#define KNOB_HAVE_NEON 0
#endif

namespace knob::kernels {
namespace {

/// Every instruction set, best first (the order available_isas() reports them in).
constexpr Isa kAllIsasBestFirst[] = {Isa::avx512, Isa::avx2, Isa::sse4_2, Isa::neon, Isa::scalar};

/// The tables compiled into this library for `isa`, or nullptr if that TU was not built.
const detail::IsaTables* built_tables(Isa isa) {
  switch (isa) {
    case Isa::scalar:
      return &detail::scalar_tables;
#if KNOB_HAVE_SSE4_2
    case Isa::sse4_2:
      return &detail::sse4_2_tables;
#endif
#if KNOB_HAVE_AVX2
    case Isa::avx2:
      return &detail::avx2_tables;
#endif
#if KNOB_HAVE_AVX512
    case Isa::avx512:
      return &detail::avx512_tables;
#endif
#if KNOB_HAVE_NEON
    case Isa::neon:
      return &detail::neon_tables;
#endif
    default:
      return nullptr;
  }
}

#if defined(__x86_64__) || defined(_M_X64)
/// The register state the operating system saves on a context switch (XCR0, read with XGETBV).
///
/// CPUID says what the *CPU* can do; the OS must also agree to save the wide registers, or the
/// first AVX instruction faults. xsimd 8 only looks at CPUID, so we check XCR0 ourselves:
/// bits 1-2 (SSE, AVX state) for AVX2, and also bits 5-7 (opmask, upper ZMM) for AVX-512.
unsigned long long os_saved_register_state() {
  unsigned eax = 0;
  unsigned edx = 0;
  __asm__("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));  // only valid if CPUID says OSXSAVE...
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}

/// CPUID leaf 1, ECX bit 27: the OS enabled XSAVE/XGETBV.
bool os_uses_xsave() {
  unsigned eax = 1;
  unsigned ebx = 0;
  unsigned ecx = 0;
  unsigned edx = 0;
  __asm__("cpuid" : "+a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "2"(0u));
  return ((ecx >> 27) & 1u) != 0;  // ...which is why we ask this first
}
#endif

/// Does this CPU (and OS) support `isa`? Says nothing about whether it was built.
bool cpu_supports(Isa isa) {
  const auto cpu = xsimd::available_architectures();
#if defined(__x86_64__) || defined(_M_X64)
  const unsigned long long xcr0 = os_uses_xsave() ? os_saved_register_state() : 0;
  const bool os_saves_avx = (xcr0 & 0x6) == 0x6;
  const bool os_saves_avx512 = (xcr0 & 0xE6) == 0xE6;
#else
  const bool os_saves_avx = false;
  const bool os_saves_avx512 = false;
#endif
  switch (isa) {
    case Isa::scalar:
      return true;
    case Isa::sse4_2:
      return cpu.sse4_2 != 0;
    case Isa::avx2:
      return cpu.fma3_avx2 != 0 && os_saves_avx;
    case Isa::avx512:  // kernels_avx512.cpp: -mavx512f -mavx512cd -mavx512dq -mavx512bw -mfma
      return cpu.avx512f != 0 && cpu.avx512cd != 0 && cpu.avx512dq != 0 && cpu.avx512bw != 0 &&
             cpu.fma3_avx2 != 0 && os_saves_avx512;
    case Isa::neon:
      return cpu.neon64 != 0;
  }
  return false;
}

/// available_isas() as a bit set (bit i = Isa(i)), worked out once.
unsigned available_isa_bits() {
  static const unsigned bits = [] {
    unsigned result = 0;
    for (Isa isa : kAllIsasBestFirst) {
      if (built_tables(isa) != nullptr && cpu_supports(isa)) result |= 1u << static_cast<int>(isa);
    }
    return result;
  }();
  return bits;
}

bool is_available(Isa isa) { return (available_isa_bits() >> static_cast<int>(isa)) & 1u; }

/// "avx2, sse4_2, scalar"
std::string available_list() {
  std::string list;
  for (Isa isa : available_isas()) {
    if (!list.empty()) list += ", ";
    list += isa_name(isa);
  }
  return list;
}

/// Throws unless `isa` is available; `what` starts the message ("KNOB_SIMD=avx512", ...).
void require_available(Isa isa, std::string_view what) {
  if (is_available(isa)) return;
  const std::string_view reason = built_tables(isa) == nullptr
                                      ? "this build of knob has no {} kernels"
                                      : "this CPU does not support {}";
  throw ValueError(fmt::format("{}: {} (available: {})", what,
                               fmt::format(fmt::runtime(reason), isa_name(isa)), available_list()));
}

/// The first choice: KNOB_SIMD if it is set and not empty, else the best available.
Isa initial_isa() {
  const char* requested = std::getenv("KNOB_SIMD");  // NOLINT(concurrency-mt-unsafe): read once
  if (requested == nullptr || *requested == '\0') return available_isas().front();
  const std::string what = fmt::format("KNOB_SIMD={}", requested);
  Isa isa{};
  try {
    isa = parse_isa(requested);
  } catch (const ValueError& e) {
    throw ValueError(fmt::format("{}: {}", what, e.what()));
  }
  require_available(isa, what);
  return isa;
}

/// The active tables; nullptr until the first call to active_isa() / set_active_isa().
std::atomic<const detail::IsaTables*> g_active_tables{nullptr};

/// The active tables, choosing them on first use. If two threads race on the first call both
/// compute the same answer, so it does not matter who wins.
const detail::IsaTables& active_tables() {
  const detail::IsaTables* tables = g_active_tables.load(std::memory_order_acquire);
  if (tables == nullptr) {
    const Isa isa = initial_isa();  // may throw: a bad KNOB_SIMD is reported on every use
    const detail::IsaTables* expected = nullptr;
    g_active_tables.compare_exchange_strong(expected, built_tables(isa), std::memory_order_acq_rel);
    tables = g_active_tables.load(std::memory_order_acquire);
  }
  return *tables;
}

template <class T>
const KernelTable<T>& pick(const detail::IsaTables& tables) {
  if constexpr (std::is_same_v<T, float>) {
    return tables.float_kernels;
  } else {
    static_assert(std::is_same_v<T, double>, "kernels exist for float and double only");
    return tables.double_kernels;
  }
}

}  // namespace

std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::scalar:
      return "scalar";
    case Isa::sse4_2:
      return "sse4_2";
    case Isa::avx2:
      return "avx2";
    case Isa::avx512:
      return "avx512";
    case Isa::neon:
      return "neon";
  }
  return "unknown";
}

Isa parse_isa(std::string_view name) {
  for (Isa isa : kAllIsasBestFirst) {
    if (name == isa_name(isa)) return isa;
  }
  throw ValueError(fmt::format(
      "unknown instruction set '{}' (expected one of: avx512, avx2, sse4_2, neon, scalar)", name));
}

std::vector<Isa> available_isas() {
  std::vector<Isa> isas;
  for (Isa isa : kAllIsasBestFirst) {
    if (is_available(isa)) isas.push_back(isa);
  }
  return isas;
}

Isa active_isa() { return active_tables().float_kernels.isa; }

void set_active_isa(Isa isa) {
  require_available(isa, fmt::format("set_active_isa({})", isa_name(isa)));
  g_active_tables.store(built_tables(isa), std::memory_order_release);
}

template <class T>
const KernelTable<T>& active() {
  return pick<T>(active_tables());
}

template <class T>
const KernelTable<T>& table_for(Isa isa) {
  require_available(isa, fmt::format("kernel table for {}", isa_name(isa)));
  return pick<T>(*built_tables(isa));
}

template const KernelTable<float>& active<float>();
template const KernelTable<double>& active<double>();
template const KernelTable<float>& table_for<float>(Isa);
template const KernelTable<double>& table_for<double>(Isa);

}  // namespace knob::kernels
