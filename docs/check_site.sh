#!/usr/bin/env bash
# Checks a built documentation site: the html/ folder Doxygen wrote, with MathJax copied in
# (cmake/Docs.cmake runs this as the last step of the `docs` target).
#
#  1. Nothing is loaded from another host. In every HTML page, each <script src>, <link href>,
#     <img src>, <iframe src>, <embed src>, <source src>, <audio src>, <video src>, <track src>,
#     <input src> and <object data> is a path inside the site (a `data:` URL is also allowed),
#     and so is every url(...) and @import in the style sheets and <style> blocks. A URL with a
#     scheme (https:, http:, file:, ...) or a protocol-relative //host/... fails.
#  2. Everything a page loads exists: each such local path, resolved from the page's folder.
#  3. The formulas render: a page with math (Doxygen writes \( ... \) or \[ ... \]) loads
#     MathJax.js, and the parts its MathJax configuration names (jax: input/TeX, output/SVG;
#     extensions: tex2jax.js, TeX/AMSmath.js, ...) are in the MathJax folder.
#
# Usage: docs/check_site.sh <html dir>
# Exit status 0 when the site passes; 1 with one line per problem ("page: what is wrong").
set -euo pipefail

if [[ $# -ne 1 || ! -f "$1/index.html" ]]; then
  echo "usage: $0 <html dir holding index.html>" >&2
  exit 2
fi
cd "$1"

# Every page and style sheet, as NUL-separated paths relative to the site.
pages=()
while IFS= read -r -d '' f; do pages+=("${f#./}"); done < <(find . -type f -name '*.html' -print0)
sheets=()
while IFS= read -r -d '' f; do
  sheets+=("${f#./}")
done < <(find . -path ./mathjax -prune -o -type f -name '*.css' -print0)

# The awk program reads each file as a sequence of tags (the record separator is "<"), so a
# tag split over several lines is still one record.
awk -v pages_count="${#pages[@]}" '
function problem(file, message) {
  printf "%s: %s\n", file, message
  problems++
}
function folder_of(path) {
  return (path ~ /\//) ? substr(path, 1, match(path, /\/[^\/]*$/) - 1) : "."
}
function exists(path,   line, status) {
  if (path in known) return known[path]
  status = (getline line < path)
  close(path)
  # getline returns 0 for an empty file and -1 for a missing one (or a folder).
  known[path] = (status >= 0)
  return known[path]
}
# A loaded URL: remote ones are reported; local ones must exist.
function check_url(file, what, url,   local) {
  if (url == "" || url ~ /^(data|javascript|about):/ || url ~ /^#/) return
  if (url ~ /^[A-Za-z][A-Za-z0-9+.-]*:/ || url ~ /^\/\//) {
    problem(file, "loads " what " from another host: " url)
    return
  }
  local = url
  sub(/[?#].*$/, "", local)
  if (local ~ /^\//) {
    problem(file, "loads " what " by an absolute path (not portable): " url)
    return
  }
  if (!exists(folder_of(file) "/" local)) problem(file, "loads " what " that is missing: " url)
}
function attribute(tag, name,   m, value_re) {
  # the value: in double quotes, in single quotes, or bare
  value_re = "(\"[^\"]*\"|" q "[^" q "]*" q "|[^ \t\r\n>\"" q "]+)"
  if (!match(tag, "[ \t\r\n]" name "[ \t\r\n]*=[ \t\r\n]*" value_re)) return ""
  m = substr(tag, RSTART, RLENGTH)
  sub(/^[^=]*=[ \t\r\n]*/, "", m)
  if (m ~ /^"/ || substr(m, 1, 1) == q) m = substr(m, 2, length(m) - 2)
  return m
}
function check_css(file, text,   m) {
  while (match(text, "(url\\([ \t]*[\"" q "]?[^\"" q ") \t]+|@import[ \t]+[\"" q "][^\"" q "]+)")) {
    m = substr(text, RSTART, RLENGTH)
    text = substr(text, RSTART + RLENGTH)
    sub("^(url\\([ \t]*[\"" q "]?|@import[ \t]+[\"" q "])", "", m)
    check_url(file, "a style sheet resource", m)
  }
}
BEGIN { RS = "<"; q = "\047"; problems = 0 }
FNR == 1 {
  if (NR > 1) finish_page(previous)
  previous = FILENAME
  has_math = 0; mathjax = ""; config = ""
}
FILENAME ~ /\.css$/ { check_css(FILENAME, (FNR > 1 ? "<" : "") $0); next }
{
  tag = $0           # the tag itself, up to its ">"
  text_after = ""    # the text that follows it, up to the next tag
  if (index(tag, ">")) {
    text_after = substr(tag, index(tag, ">") + 1)
    tag = substr(tag, 1, index(tag, ">") - 1)
  }
  name = tolower(tag)
  sub(/[ \t\r\n\/].*$/, "", name)
  if (index(text_after, "\\(") || index(text_after, "\\[")) has_math = 1
  check_css(FILENAME, attribute(tag, "style"))
  if (name == "style") check_css(FILENAME, text_after)
  if (name == "script") {
    src = attribute(tag, "src")
    if (src != "") {
      check_url(FILENAME, "a script", src)
      if (src ~ /(^|\/)MathJax\.js([?#].*)?$/) { mathjax = src; sub(/[?#].*$/, "", mathjax) }
    }
    if (attribute(tag, "type") == "text/x-mathjax-config") config = config text_after
  } else if (name == "link") {
    check_url(FILENAME, "a linked file (" attribute(tag, "rel") ")", attribute(tag, "href"))
  } else if (name ~ /^(img|iframe|embed|source|audio|video|track|input)$/) {
    check_url(FILENAME, "an <" name ">", attribute(tag, "src"))
  } else if (name == "object") {
    check_url(FILENAME, "an <object>", attribute(tag, "data"))
  }
}
# At the end of a page: formulas need MathJax, and MathJax needs the parts its config names.
function finish_page(page,   root, rest, m) {
  if (page ~ /\.css$/) return
  if (has_math && mathjax == "") problem(page, "has formulas but does not load MathJax.js")
  if (mathjax == "" || (mathjax ~ /^[A-Za-z][A-Za-z0-9+.-]*:/ || mathjax ~ /^\/\//)) return
  root = folder_of(folder_of(page) "/" mathjax)
  rest = config
  while (match(rest, /"(input|output)\/[A-Za-z-]+"/)) {
    m = substr(rest, RSTART + 1, RLENGTH - 2)
    rest = substr(rest, RSTART + RLENGTH)
    if (!exists(root "/jax/" m "/jax.js")) problem(page, "MathJax has no " m " (jax/" m "/jax.js)")
  }
  rest = config
  while (match(rest, /"[A-Za-z0-9\/_-]+\.js"/)) {
    m = substr(rest, RSTART + 1, RLENGTH - 2)
    rest = substr(rest, RSTART + RLENGTH)
    if (!exists(root "/extensions/" m)) problem(page, "MathJax has no extension " m)
  }
}
END {
  if (NR > 0) finish_page(previous)
  if (problems > 0) {
    printf "docs/check_site.sh: %d problem(s) in the site\n", problems
    exit 1
  }
  printf "docs/check_site.sh: %d pages load nothing from other hosts; every local file they " \
    "load exists\n", pages_count
}
' "${pages[@]}" "${sheets[@]}"
