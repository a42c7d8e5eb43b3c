#!/bin/sh
# Doxygen input filter for the lessons' README.md files (FILTER_PATTERNS in docs/Doxyfile.in).
#
# A lesson links to its program as [`main.cpp`](main.cpp). On the documentation site the
# programs are example pages named <lesson folder>/main.cpp (written by cmake/Docs.cmake), so
# the link is rewritten to an @ref to that page; the file on disk is not changed.
#
# Usage (by Doxygen): doxygen_lesson_filter.sh tutorials/NN_topic/README.md
lesson=$(basename "$(dirname "$1")")
exec sed -e "s#](main\.cpp)#](@ref ${lesson}/main.cpp)#g" "$1"
