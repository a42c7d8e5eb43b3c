/// @file
/// @brief Scratch memory for the packed GEMM: one growing, 64-byte aligned buffer per thread.
///
/// The packed GEMM (gemm_packed.h) copies panels of A and B into contiguous buffers before it
/// multiplies them. Allocating those buffers on every call would cost a malloc per matrix
/// product; instead each thread keeps one buffer that only ever grows, so after the first few
/// products of a training step no call allocates at all.
///
/// This function is compiled with the library's ordinary flags (gemm_workspace.cpp) and called
/// from the per-instruction-set kernel files: an ordinary out-of-line function is safe to call
/// from them (see "ODR hazard" in kernels_avx512.cpp), while a thread_local object defined there
/// would not be.
#pragma once

#include <cstddef>

namespace knob::kernels::detail {

/// @brief The calling thread's GEMM scratch buffer, at least `bytes` long and 64-byte aligned.
///
/// The contents are unspecified; the pointer stays valid until this thread calls the function
/// again with a larger size, or exits.
/// @param bytes the size needed.
/// @return the buffer.
void* gemm_workspace(std::size_t bytes);

/// @brief How many times gemm_workspace() had to allocate (grow) on any thread, for tests and
/// for `knob bench`'s allocation count.
/// @return the count since the program started.
std::size_t gemm_workspace_allocations();

}  // namespace knob::kernels::detail
