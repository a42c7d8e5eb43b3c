# Sanitizer and fuzzing builds. Included from the top-level CMakeLists.txt before any target is
# defined, so the flags below reach every knob library, program, test and fuzz target.
#
#   -DKNOB_SANITIZE=address,undefined   AddressSanitizer + UndefinedBehaviorSanitizer (any list
#                                       that -fsanitize= accepts); the first finding aborts the
#                                       process, so a test with a finding fails.
#   -DKNOB_FUZZ=ON                      libFuzzer targets in fuzz/ (clang only); implies
#                                       KNOB_SANITIZE=address,undefined when that is empty.
#
# Typical use (what .ci/reliability.sh does):
#   cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKNOB_SANITIZE=address,undefined
#   cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DKNOB_FUZZ=ON -DKNOB_BUILD_TESTS=OFF

set(KNOB_SANITIZE "" CACHE STRING
    "Comma-separated sanitizers for every knob target, e.g. address,undefined (empty: none)")
option(KNOB_FUZZ "Build the libFuzzer targets in fuzz/ (needs clang)" OFF)

if(KNOB_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "KNOB_FUZZ needs clang (libFuzzer), e.g. -DCMAKE_CXX_COMPILER=clang++-14; "
                        "this is ${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION}")
  endif()
  if(KNOB_SANITIZE STREQUAL "")
    set(KNOB_SANITIZE "address,undefined")
  endif()
endif()

if(NOT KNOB_SANITIZE STREQUAL "")
  # Stop at the first finding (UBSan would otherwise print and carry on), and keep frame
  # pointers so the reports have readable stacks.
  set(_knob_sanitizer_flags -fsanitize=${KNOB_SANITIZE} -fno-omit-frame-pointer
      -fno-sanitize-recover=all)
  add_compile_options(${_knob_sanitizer_flags})
  # GCC's -Wmaybe-uninitialized gives false positives on instrumented code (e.g. inside
  # libstdc++'s <regex> at -O1); the ordinary builds keep the warning.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-maybe-uninitialized)
  endif()
  add_link_options(-fsanitize=${KNOB_SANITIZE})
  message(STATUS "knob: building with -fsanitize=${KNOB_SANITIZE}")
endif()

if(KNOB_FUZZ)
  # Coverage instrumentation for everything; only the fuzz targets link libFuzzer's main().
  add_compile_options(-fsanitize=fuzzer-no-link)
  # The fuzz targets use targets defined later in the top-level file (knob_nn, the knob
  # program's sources): define them once the top-level file is done.
  cmake_language(DEFER CALL include ${PROJECT_SOURCE_DIR}/fuzz/fuzz_targets.cmake)
endif()
