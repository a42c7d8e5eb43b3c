# The libraries knob's own code needs, found the same way by the project's build and by the
# student kit's (exercises/kit/CMakeLists.txt): xsimd, fmt, nlohmann_json and RE2 (re2::re2).
find_package(xsimd REQUIRED)
# Debian's xsimd 8.1 package names "xtl" as a link dependency of the header-only xsimd target
# without finding it, which becomes a bogus `-lxtl`; drop it unless an xtl target really exists.
if(TARGET xsimd AND NOT TARGET xtl)
  get_target_property(_xsimd_links xsimd INTERFACE_LINK_LIBRARIES)
  if(_xsimd_links)
    list(REMOVE_ITEM _xsimd_links xtl)
    set_property(TARGET xsimd PROPERTY INTERFACE_LINK_LIBRARIES "${_xsimd_links}")
  endif()
endif()
find_package(fmt REQUIRED)
find_package(nlohmann_json REQUIRED)
include(${CMAKE_CURRENT_LIST_DIR}/FindKnobRE2.cmake)  # re2::re2
