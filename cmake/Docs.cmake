# The documentation site: `cmake --build <build> --target docs` runs Doxygen over the public
# headers, the README, docs/*.md and the lessons, and writes <build>/docs/html/index.html.
# Included from the top-level CMakeLists.txt.
#
#   -DKNOB_BUILD_DOCS=AUTO|ON|OFF  AUTO (the default): a `docs` target whenever Doxygen is
#                                  found, decided afresh at every configure; ON: configuring
#                                  fails, naming the packages to install, unless Doxygen and
#                                  MathJax are there; OFF: no `docs` target.
#   -DKNOB_MATHJAX_DIR=<dir>       a MathJax 2 tree (default: Debian's libjs-mathjax)
#
# The site loads nothing from other hosts and works offline: MathJax, which typesets the
# formulas in the reader's browser, is copied from KNOB_MATHJAX_DIR into html/mathjax/, and
# docs/check_site.sh, the target's last step, fails if any page loads a script, style sheet or
# image from another host, or a local file that is missing (MathJax's included).
# Any Doxygen warning (an undocumented public declaration, a missing @param or @return, a broken
# link between pages) fails the target too: docs/Doxyfile.in sets WARN_AS_ERROR.
# Needs Debian's `doxygen` (>= 1.9.4), `libjs-mathjax` and, for the class diagrams, `graphviz`.

find_package(Doxygen 1.9.4 QUIET OPTIONAL_COMPONENTS dot)

# Before AUTO existed, KNOB_BUILD_DOCS was a BOOL option whose default, frozen in the cache at
# the first configure, was whether Doxygen was there then: a build directory made before
# Doxygen was installed never got the target. Such a cached OFF becomes AUTO.
get_property(_knob_docs_help CACHE KNOB_BUILD_DOCS PROPERTY HELPSTRING)
if(_knob_docs_help STREQUAL "Add the 'docs' target (Doxygen documentation site)"
   AND NOT KNOB_BUILD_DOCS)
  unset(KNOB_BUILD_DOCS CACHE)
endif()
set(KNOB_BUILD_DOCS AUTO CACHE STRING
    "The 'docs' target: AUTO (when Doxygen is found), ON (required) or OFF")
set_property(CACHE KNOB_BUILD_DOCS PROPERTY STRINGS AUTO ON OFF)
set(KNOB_MATHJAX_DIR /usr/share/javascript/mathjax CACHE PATH
    "A MathJax 2 tree for the documentation's formulas (Debian: libjs-mathjax)")

string(TOUPPER "${KNOB_BUILD_DOCS}" _knob_docs_mode)
if(_knob_docs_mode MATCHES "^(OFF|FALSE|NO|0)$")
  return()
endif()
set(_knob_docs_required FALSE)
if(_knob_docs_mode MATCHES "^(ON|TRUE|YES|1)$")
  set(_knob_docs_required TRUE)
elseif(NOT _knob_docs_mode STREQUAL "AUTO")
  message(FATAL_ERROR "KNOB_BUILD_DOCS must be AUTO, ON or OFF, not '${KNOB_BUILD_DOCS}'")
endif()

# What is missing, as Debian packages.
set(_knob_docs_missing "")
if(NOT DOXYGEN_FOUND)
  list(APPEND _knob_docs_missing doxygen)
endif()
set(_knob_mathjax_version "")
if(EXISTS "${KNOB_MATHJAX_DIR}/MathJax.js")
  file(STRINGS "${KNOB_MATHJAX_DIR}/MathJax.js" _knob_mathjax_version LIMIT_COUNT 1
       REGEX "MathJax\\.version=\"2\\.[0-9.]+\"")
  string(REGEX MATCH "2\\.[0-9.]+" _knob_mathjax_version "${_knob_mathjax_version}")
endif()
if(NOT _knob_mathjax_version)
  list(APPEND _knob_docs_missing libjs-mathjax)
endif()
if(NOT TARGET Doxygen::dot)
  list(APPEND _knob_docs_missing graphviz)  # only the class diagrams need it
endif()
list(JOIN _knob_docs_missing " " _knob_docs_packages)
set(_knob_docs_install "sudo apt-get install ${_knob_docs_packages}")

if(NOT DOXYGEN_FOUND OR NOT _knob_mathjax_version)
  string(CONCAT _knob_docs_why "the documentation needs Doxygen >= 1.9.4 and MathJax 2 "
                "(${KNOB_MATHJAX_DIR}/MathJax.js)")
  if(_knob_docs_required)
    message(FATAL_ERROR "knob: KNOB_BUILD_DOCS=ON, but ${_knob_docs_why}. Install them with\n"
                        "  ${_knob_docs_install}\nthen configure again.")
  endif()
  if(NOT DOXYGEN_FOUND)
    message(STATUS "knob: Doxygen >= 1.9.4 not found, so there is no 'docs' target "
                   "(${_knob_docs_install}, then configure again)")
    return()
  endif()
  # Doxygen is there, MathJax is not: the target exists and says what to install.
  message(STATUS "knob: MathJax 2 not found in ${KNOB_MATHJAX_DIR}: the 'docs' target will "
                 "ask for it (${_knob_docs_install})")
  add_custom_target(docs
    COMMAND ${CMAKE_COMMAND} -E echo "knob docs: ${_knob_docs_why}. Install: ${_knob_docs_install}"
    COMMAND ${CMAKE_COMMAND} -E echo "then configure again (cmake ${CMAKE_BINARY_DIR})."
    COMMAND ${CMAKE_COMMAND} -E false
    VERBATIM)
  return()
endif()

set(KNOB_DOCS_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/docs)
set(_knob_html ${KNOB_DOCS_OUTPUT_DIR}/html)
if(TARGET Doxygen::dot)
  set(KNOB_DOCS_HAVE_DOT YES)
  get_filename_component(KNOB_DOCS_DOT_DIR "${DOXYGEN_DOT_EXECUTABLE}" DIRECTORY)
else()
  set(KNOB_DOCS_HAVE_DOT NO)
  set(KNOB_DOCS_DOT_DIR "")
  message(STATUS "knob: Graphviz 'dot' not found: the docs will have no class diagrams")
endif()
configure_file(${PROJECT_SOURCE_DIR}/docs/Doxyfile.in ${KNOB_DOCS_OUTPUT_DIR}/Doxyfile @ONLY)

# Every lesson's program becomes an example page named "<lesson folder>/main.cpp", so that the
# lesson's link to main.cpp lands on its listing (docs/doxygen_markdown_filter.sh rewrites the
# link). CONFIGURE_DEPENDS: a new lesson folder re-runs CMake and joins the list.
file(GLOB _knob_lesson_programs CONFIGURE_DEPENDS RELATIVE ${PROJECT_SOURCE_DIR}/tutorials
     ${PROJECT_SOURCE_DIR}/tutorials/*/main.cpp)
set(_knob_examples "// Generated by cmake/Docs.cmake: one example page per lesson program.\n\n")
foreach(_program IN LISTS _knob_lesson_programs)
  get_filename_component(_lesson ${_program} DIRECTORY)
  string(REGEX MATCH "^[0-9]+" _number ${_lesson})
  string(APPEND _knob_examples
         "/**\n@example ${_program}\nThe program of lesson ${_lesson} (target `tutorial_${_number}`), "
         "to read beside tutorials/${_lesson}/README.md.\n*/\n\n")
endforeach()
file(CONFIGURE OUTPUT ${KNOB_DOCS_OUTPUT_DIR}/lesson_programs.dox CONTENT "${_knob_examples}")

# The part of MathJax 2 the site uses (docs/Doxyfile.in: TeX input, SVG output, the TeX
# extensions; the menu's files and English messages): about 2.5 MB of the package's 54.
set(_knob_mathjax_copy
  COMMAND ${CMAKE_COMMAND} -E copy ${KNOB_MATHJAX_DIR}/MathJax.js ${_knob_html}/mathjax/MathJax.js)
foreach(_part extensions jax/input/TeX jax/element/mml jax/output/SVG/autoload
              jax/output/SVG/fonts/TeX localization/en)
  list(APPEND _knob_mathjax_copy
    COMMAND ${CMAKE_COMMAND} -E copy_directory ${KNOB_MATHJAX_DIR}/${_part}
            ${_knob_html}/mathjax/${_part})
endforeach()
list(APPEND _knob_mathjax_copy
  COMMAND ${CMAKE_COMMAND} -E copy ${KNOB_MATHJAX_DIR}/jax/output/SVG/config.js
          ${KNOB_MATHJAX_DIR}/jax/output/SVG/jax.js ${_knob_html}/mathjax/jax/output/SVG/)

string(CONCAT _knob_docs_comment "Doxygen: knob's documentation site (any warning is an error), "
              "with MathJax ${_knob_mathjax_version} from ${KNOB_MATHJAX_DIR}")
add_custom_target(docs
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${_knob_html}  # no stale pages
  COMMAND Doxygen::doxygen ${KNOB_DOCS_OUTPUT_DIR}/Doxyfile
  ${_knob_mathjax_copy}
  COMMAND bash ${PROJECT_SOURCE_DIR}/docs/check_site.sh ${_knob_html}
  COMMAND ${CMAKE_COMMAND} -E echo "knob docs: ${_knob_html}/index.html"
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  COMMENT "${_knob_docs_comment}"
  VERBATIM)
