/// @file
/// @brief The AVX-512 kernel table (x86-64; compiled with -mavx512f -mavx512cd -mavx512dq
/// -mavx512bw -mfma, see kernels.cmake).
///
/// **ODR hazard — read this before adding code to any kernels_<isa>.cpp.** This file is compiled
/// with AVX-512 enabled and linked into the same library as everything else. An inline function
/// or template instantiated here (std::min, std::vector<T>::size, fmt::format, a helper in a
/// header...) is emitted as a *weak* symbol compiled with AVX-512 instructions, and the linker
/// keeps just one copy of each weak symbol for the whole program. If it keeps this one, code in
/// another file that calls "the same" function crashes with SIGILL on a CPU without AVX-512.
/// So in these files:
///  - everything we define is in an unnamed namespace (the headers scalar_kernels.h, simd.h and
///    simd_kernels.h put theirs in one too), so no other file can ever link to it;
///  - we include only xsimd and our own kernel headers, and use no standard-library templates
///    (no <vector>, <string>, <algorithm>, fmt, std::function);
///  - xsimd's own templates are instantiated for *this* architecture type (xsimd::avx512dq), so
///    their symbols differ from the AVX2 ones — as long as they are inlined, which is why
///    kernels.cmake compiles these files with optimisation even in Debug builds (at -O0 some
///    xsimd helpers shared between architectures, such as SSE register constructors, are emitted
///    out of line);
///  - the only thing other files see is the constant table below, initialised at compile time:
///    reading it executes no AVX-512 instruction. dispatch.cpp lets a kernel from it run only
///    after checking that the CPU supports AVX-512.
/// A quick check after changing these files: `nm -C kernels_avx512.cpp.o | grep ' [WT] '` should
/// list nothing (our kernels are all local; the table is data, `D`).

// GCC 12 warns "__Y is used uninitialized" inside its own AVX-512 intrinsics
// (_mm512_undefined_ps() is written as `__m512 __Y = __Y;` on purpose). The warning is attributed
// to the intrinsics header, so it has to be silenced before xsimd includes it.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "autograd/kernels/isa_tables.h"
#include "autograd/kernels/simd_kernels.h"

namespace knob::kernels::detail {

// xsimd::avx512dq: xsimd 8.1 needs the DQ instructions even for a float horizontal sum, so plain
// xsimd::avx512f does not compile. xsimd::avx512bw would add only byte/word integer kernels
// (useless for float and double, and they fail to build at -O0 with GCC), but xsimd 8.1 defines
// the avx512dq register types only when -mavx512bw is on, so the file is compiled with it and
// dispatch.cpp requires BW as well.
constinit const IsaTables avx512_tables{
    simd::make_simd_table<xsimd::avx512dq, float>(Isa::avx512),
    simd::make_simd_table<xsimd::avx512dq, double>(Isa::avx512)};

}  // namespace knob::kernels::detail
