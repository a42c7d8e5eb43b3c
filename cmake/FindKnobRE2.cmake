# Finds RE2 (Debian: libre2-dev), the regular-expression engine knob uses for patterns read from
# files (IA3 target_modules): its matching time is linear in the text, whatever the pattern.
# Defines the imported target re2::re2. Used by the build and by knob's installed package
# config, so it looks in the three places RE2 may describe itself:
#   1. RE2's own CMake package (newer RE2 releases install one: re2Config.cmake);
#   2. pkg-config's re2.pc (what Debian 12's libre2-dev ships);
#   3. the header and the library themselves.
if(TARGET re2::re2)
  return()
endif()

find_package(re2 CONFIG QUIET)
if(TARGET re2::re2)
  return()
endif()

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(KNOB_RE2 QUIET IMPORTED_TARGET GLOBAL re2)
  if(TARGET PkgConfig::KNOB_RE2)
    add_library(re2::re2 ALIAS PkgConfig::KNOB_RE2)
    return()
  endif()
endif()

find_path(KNOB_RE2_INCLUDE_DIR re2/re2.h)
find_library(KNOB_RE2_LIBRARY NAMES re2)
if(NOT KNOB_RE2_INCLUDE_DIR OR NOT KNOB_RE2_LIBRARY)
  message(FATAL_ERROR "knob needs RE2: install it with `apt-get install libre2-dev` "
                      "(scripts/common.sh does this), or set CMAKE_PREFIX_PATH to where it is")
endif()
find_package(Threads REQUIRED)
add_library(re2::re2 UNKNOWN IMPORTED GLOBAL)
set_target_properties(re2::re2 PROPERTIES IMPORTED_LOCATION "${KNOB_RE2_LIBRARY}"
                      INTERFACE_INCLUDE_DIRECTORIES "${KNOB_RE2_INCLUDE_DIR}"
                      INTERFACE_LINK_LIBRARIES Threads::Threads)
