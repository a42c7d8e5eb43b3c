# The SIMD kernel layer: scalar reference kernels, one translation unit per instruction set, and
# the run-time dispatch between them. Included from autograd/CMakeLists.txt; sets
# KNOB_KERNEL_SOURCES (absolute paths) for the knob_autograd target.
#
# Each kernels_<isa>.cpp is compiled with its own -m flags and only ever *called* after
# dispatch.cpp has checked that the CPU supports that instruction set. Read the "ODR hazard" note
# in kernels_avx512.cpp before adding code to those files.

set(KNOB_KERNEL_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/dispatch.cpp
  ${CMAKE_CURRENT_LIST_DIR}/gemm_workspace.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kernels_scalar.cpp)
set(KNOB_KERNEL_DEFINITIONS)  # KNOB_HAVE_<ISA>=1 for dispatch.cpp, one per ISA built

# Add kernels_<isa>.cpp, compiled with the flags given after the name.
#
# The ISA files are always optimised, even in Debug builds: at -O0 the compiler emits every
# small xsimd helper as a weak symbol (the ODR hazard of kernels_avx512.cpp, e.g. an SSE
# register constructor compiled for AVX2), and xsimd 8.1's AVX-512 code does not even compile
# at -O0 with GCC (some intrinsics are macros there).
function(knob_add_kernel_isa isa)
  set(source ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/kernels_${isa}.cpp)
  set(optimise "$<$<NOT:$<CONFIG:Release,RelWithDebInfo,MinSizeRel>>:-O2>")
  set_source_files_properties(${source} PROPERTIES COMPILE_OPTIONS "${ARGN};${optimise}")
  string(TOUPPER "${isa}" isa_upper)
  set(KNOB_KERNEL_SOURCES ${KNOB_KERNEL_SOURCES} ${source} PARENT_SCOPE)
  set(KNOB_KERNEL_DEFINITIONS ${KNOB_KERNEL_DEFINITIONS} KNOB_HAVE_${isa_upper}=1 PARENT_SCOPE)
endfunction()

string(TOLOWER "${CMAKE_SYSTEM_PROCESSOR}" _knob_cpu)
if(_knob_cpu MATCHES "^(x86_64|amd64)$")
  knob_add_kernel_isa(sse4_2 -msse4.2)
  knob_add_kernel_isa(avx2 -mavx2 -mfma)
  # AVX-512 F+CD+DQ+BW; dispatch.cpp checks exactly these (plus FMA) on the CPU. (No -mavx512vl:
  # xsimd 8 cannot detect VL, so we must not let the compiler use it.)
  knob_add_kernel_isa(avx512 -mavx512f -mavx512cd -mavx512dq -mavx512bw -mfma)
elseif(_knob_cpu MATCHES "^(aarch64|arm64)$")
  knob_add_kernel_isa(neon)  # NEON is part of every aarch64 CPU: no flags needed
endif()

set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/dispatch.cpp PROPERTIES
  COMPILE_DEFINITIONS "${KNOB_KERNEL_DEFINITIONS}")
