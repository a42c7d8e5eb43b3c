#!/bin/sh
# Doxygen input filter for the Markdown pages (FILTER_PATTERNS in docs/Doxyfile.in). The pages
# are written for GitHub; this turns the two kinds of link that Doxygen would not follow into
# links that work on the documentation site. The file on disk is not changed.
#
# - A link to a section, [text](../docs/spec.md#spec-files) or [text](#spec-files), becomes
#   [text](@ref spec-files). Doxygen does not resolve "<page>.md#<anchor>", but it knows the anchor:
#   the page declares it as <a name="spec-files"></a> (anchor names are unique across the site).
# - In a lesson, tutorials/<lesson>/README.md, the link to its program, [`main.cpp`](main.cpp),
#   becomes a link to the example page "<lesson>/main.cpp" (written by cmake/Docs.cmake).
#
# Usage (by Doxygen): doxygen_markdown_filter.sh <Markdown file>
case "$1" in
  */tutorials/*/README.md) lesson=$(basename "$(dirname "$1")") ;;
  *) lesson="" ;;
esac
if [ -n "$lesson" ]; then
  program="s#\]\(main\.cpp\)#](@ref ${lesson}/main.cpp)#g"
else
  program=""
fi
exec sed -E -e 's#\]\(([^)# ]*\.md)?\#([A-Za-z0-9_-]+)\)#](@ref \2)#g' -e "$program" "$1"
