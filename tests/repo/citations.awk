# Finds citations of repository paths that do not exist (run by tests/repo/check_citations.sh).
#
# Input (awk -v): tracked_list, a file naming every path in the repository, one per line,
# relative to the root (the current directory). Every one of them whose comment syntax is known
# is scanned: by extension (.md, .h, .hpp, .cpp, .cc, .py, .sh, .cmake, .in, CMakeLists.txt), or
# by a `#!` first line for a script without one (such as .ci/run).
# Output: one line per problem, "file:line: what is wrong"; exit status 1 if there was any.
#
# What is scanned: a Markdown file's whole text; a source file's comments only (C++ `//` and
# `/* */`; `#` comments in shell, Python, CMake and Doxyfile, where `#` starts the line or
# follows a blank; Python docstrings). Code itself is not scanned: a string such as
# "fuzz/config.json" is a name for messages, not a citation.
#
# What is a citation:
#  1. A path that starts with a top-level folder of the repository (`nn/layers/linear.h`,
#     `tests/golden/`, `.ci/run`) and is not glued to something before it: `knob/nn/layers/linear.h`,
#     `build/tutorials/04_mlp` and `https://host/nn/x` are not repository paths (the part after
#     a `/` is never taken on its own). So `build/...` and `$KNOB_BUILD_DIR/...` mentions, which
#     name build outputs, are not checked. A path with a placeholder is not checked either:
#     `*`, `?`, `<...>`, `{...}`, `$`, or a part written in capitals such as `NN_topic`, `DIR`.
#     Trailing punctuation (`.`, `,`, `:`, `;`, `)`) is not part of the path.
#  2. A bare Markdown file name (`ia3.md`, `README.md`, not preceded by a `/`): some tracked
#     file must have that name.
#  3. In Markdown, outside fenced code blocks: the target of an inline link `[text](target)` or
#     of a reference definition `[label]: target`, resolved from the Markdown file's folder
#     (URLs with a scheme, `//host/...`, `mailto:` and Doxygen's `@ref` are skipped). The target
#     must be in the repository (never outside it); `target#anchor` (and `#anchor` alone)
#     must name an anchor of the target Markdown file: `<a name="...">`, `<a id="...">`, `{#...}`
#     or a heading's GitHub id (lower case, punctuation dropped, spaces to `-`).
#  4. A section sign after a cited Markdown path, `docs/spec.md §4` or `§1–§2` or `§1–2`: the
#     file must have a heading numbered so (`## 4. ...`).

BEGIN {
  if (tracked_list == "") {
    print "citations.awk: set tracked_list" > "/dev/stderr"
    exit 2
  }
  load_tracked()
  problems = 0
  for (i = 1; i <= tracked_count; i++) {
    kind = kind_of(tracked[i])
    if (kind != "") scan_file(tracked[i], kind)
  }
  if (problems > 0) {
    printf "%d citation(s) of paths that are not in the repository (rules: %s)\n", problems,
      "tests/repo/citations.awk"
    exit 1
  }
  print "every cited repository path exists"
  exit 0
}

# ------------------------------------------------------------------------------------------
# The repository: files, the folders that hold them, and the top-level folders.
# ------------------------------------------------------------------------------------------
function load_tracked(   path, n, parts, i, prefix, tops, t) {
  while ((getline path < tracked_list) > 0) {
    tracked[++tracked_count] = path
    exists[path] = 1
    n = split(path, parts, "/")
    basenames[parts[n]] = 1
    prefix = ""
    for (i = 1; i < n; i++) {
      prefix = (i == 1) ? parts[1] : prefix "/" parts[i]
      exists[prefix] = 1
      if (i == 1) top[parts[1]] = 1
    }
  }
  close(tracked_list)
  tops = ""
  for (t in top) {
    gsub(/\./, "\\.", t)
    tops = tops (tops == "" ? "" : "|") t
  }
  # A path: a top-level folder, "/", then path characters (placeholder characters included, so
  # that a path with a placeholder is seen whole and skipped).
  path_re = "(" tops ")/[A-Za-z0-9_.+/*?<>{}$-]*"
  glue_re = "[A-Za-z0-9_./$-]"
}

function report(file, line, message) {
  printf "%s:%d: %s\n", file, line, message
  problems++
}

# ------------------------------------------------------------------------------------------
# Reading one file: which text on each line is checked.
# ------------------------------------------------------------------------------------------
# "markdown", "c", "python", "hash" (# comments), or "" for a file that is not scanned.
function kind_of(file,   first) {
  if (file ~ /\.md$/) return "markdown"
  if (file ~ /\.(h|hpp|cpp|cc)$/) return "c"
  if (file ~ /\.py$/) return "python"
  if (file ~ /\.(sh|cmake|in)$/ || file ~ /(^|\/)CMakeLists\.txt$/) return "hash"
  if (file ~ /\.[^\/]*$/) return ""
  first = ""
  getline first < file
  close(file)
  if (first !~ /^#!/) return ""
  return first ~ /python/ ? "python" : "hash"
}

function scan_file(file, kind,   line, n, in_block, in_fence, in_doc, text, rest, i, j) {
  n = 0
  in_block = 0
  in_fence = 0
  in_doc = 0
  while ((getline line < file) > 0) {
    n++
    if (kind == "markdown") {
      if (line ~ /^[ \t]*(```|~~~)/) in_fence = !in_fence
      check_text(file, n, line)
      if (!in_fence) check_links(file, n, line)
    } else if (kind == "c") {
      text = ""
      rest = line
      while (rest != "") {
        if (in_block) {
          j = index(rest, "*/")
          if (j == 0) { text = text " " rest; rest = "" }
          else { text = text " " substr(rest, 1, j - 1); rest = substr(rest, j + 2); in_block = 0 }
        } else {
          i = index(rest, "//")
          j = index(rest, "/*")
          if (i > 0 && (j == 0 || i < j)) { text = text " " substr(rest, i + 2); rest = "" }
          else if (j > 0) { rest = substr(rest, j + 2); in_block = 1 }
          else rest = ""
        }
      }
      if (text != "") check_text(file, n, text)
    } else {
      text = ""
      if (kind == "python" && (in_doc || line ~ /"""/)) {
        text = line
        if (gsub(/"""/, "\"\"\"", line) % 2 == 1) in_doc = !in_doc
      } else if (match(line, /(^|[ \t])#/)) {
        text = substr(line, RSTART + RLENGTH)
      }
      if (text != "") check_text(file, n, text)
    }
  }
  close(file)
}

# ------------------------------------------------------------------------------------------
# Rules 1, 2 and 4: paths and Markdown file names in running text.
# ------------------------------------------------------------------------------------------
function check_text(file, n, text,   rest, start, token, before, after) {
  rest = text
  before = ""
  while (match(rest, path_re)) {
    start = RSTART
    token = substr(rest, RSTART, RLENGTH)
    before = (start > 1) ? substr(rest, start - 1, 1) : ""
    after = substr(rest, RSTART + RLENGTH)
    rest = after
    if (before != "" && before ~ glue_re) continue
    check_path_token(file, n, token, after)
  }
  rest = text
  while (match(rest, /[A-Za-z0-9_-]+\.md/)) {
    token = substr(rest, RSTART, RLENGTH)
    before = (RSTART > 1) ? substr(rest, RSTART - 1, 1) : ""
    after = substr(rest, RSTART + RLENGTH)
    rest = after
    if (before != "" && before ~ glue_re) continue
    if (substr(after, 1, 1) ~ /[A-Za-z0-9_]/) continue
    if (!(token in basenames)) {
      report(file, n, "cites " token ", but no file in the repository has that name")
    }
  }
}

function check_path_token(file, n, token, after,   k, parts, i, clean) {
  k = index(token, "</")  # an HTML closing tag right after the path
  if (k > 0) token = substr(token, 1, k - 1)
  if (token ~ /[*?<>{}$]/) return
  k = split(token, parts, "/")
  for (i = 1; i <= k; i++) if (parts[i] ~ /^[A-Z][A-Z]+(_|$)/) return
  clean = token
  while (clean ~ /[.,:;)-]$/) clean = substr(clean, 1, length(clean) - 1)
  if (clean != token) after = ""  # punctuation ended the sentence: no section follows
  sub(/\/+$/, "", clean)
  if (!(clean in exists)) {
    report(file, n, "cites " clean ", which is not in the repository")
    return
  }
  if (clean ~ /\.md$/) check_sections(file, n, clean, after)
}

# Rule 4: "§N", "§N–M", "§N–§M" right after a Markdown path names numbered headings of it.
function check_sections(file, n, target, after,   m, numbers, count, i) {
  if (!match(after, /^[ `]*§[0-9]+((–|-)(§)?[0-9]+)?/)) return
  m = substr(after, RSTART, RLENGTH)
  gsub(/[^0-9]+/, " ", m)
  count = split(m, numbers, " ")
  load_anchors(target)
  for (i = 1; i <= count; i++) {
    if (!((target SUBSEP numbers[i]) in section)) {
      report(file, n, "cites " target " §" numbers[i] ", but " target " has no section " \
        numbers[i])
    }
  }
}

# ------------------------------------------------------------------------------------------
# Rule 3: Markdown link targets.
# ------------------------------------------------------------------------------------------
function check_links(file, n, line,   rest, target) {
  rest = line
  while (match(rest, /\]\([^) \t]+\)/)) {
    target = substr(rest, RSTART + 2, RLENGTH - 3)
    rest = substr(rest, RSTART + RLENGTH)
    check_link_target(file, n, target)
  }
  if (match(line, /^[ \t]*\[[^]]+\]:[ \t]+[^ \t]+/)) {
    target = line
    sub(/^[ \t]*\[[^]]+\]:[ \t]+/, "", target)
    sub(/[ \t].*$/, "", target)
    check_link_target(file, n, target)
  }
}

function check_link_target(file, n, target,   hash, anchor, path, resolved) {
  if (target ~ /^[A-Za-z][A-Za-z0-9+.-]*:/ || target ~ /^\/\// || target ~ /^@ref/) return
  sub(/^</, "", target)
  sub(/>$/, "", target)
  anchor = ""
  hash = index(target, "#")
  if (hash > 0) {
    anchor = substr(target, hash + 1)
    path = substr(target, 1, hash - 1)
  } else {
    path = target
  }
  if (path == "") {
    resolved = file
  } else {
    resolved = resolve(dirname(file), path)
    if (resolved == "") {
      report(file, n, "links to " target ", which is outside the repository")
      return
    }
    if (!(resolved in exists)) {
      report(file, n, "links to " target " (" resolved "), which is not in the repository")
      return
    }
  }
  if (anchor != "" && resolved ~ /\.md$/) {
    load_anchors(resolved)
    if (!((resolved SUBSEP anchor) in anchors)) {
      report(file, n, "links to " target ", but " resolved " has no anchor '" anchor "'")
    }
  }
}

function dirname(path) {
  if (path !~ /\//) return "."
  sub(/\/[^\/]*$/, "", path)
  return path
}

# `from`/`path` with "." and ".." resolved; "" when it leaves the repository.
function resolve(from, path,   parts, k, i, stack, depth, out) {
  if (path ~ /^\//) return ""
  k = split(from "/" path, parts, "/")
  depth = 0
  for (i = 1; i <= k; i++) {
    if (parts[i] == "" || parts[i] == ".") continue
    if (parts[i] == "..") {
      if (depth == 0) return ""
      depth--
      continue
    }
    stack[++depth] = parts[i]
  }
  out = ""
  for (i = 1; i <= depth; i++) out = out (i == 1 ? "" : "/") stack[i]
  return out
}

# ------------------------------------------------------------------------------------------
# A Markdown file's anchors and numbered sections (read once per file).
# ------------------------------------------------------------------------------------------
function load_anchors(md,   line, fence, m, id, slug, title) {
  if (md in anchors_loaded) return
  anchors_loaded[md] = 1
  fence = 0
  while ((getline line < md) > 0) {
    if (line ~ /^[ \t]*(```|~~~)/) fence = !fence
    if (fence) continue
    m = line
    while (match(m, /<a (name|id)="[^"]+"/)) {
      id = substr(m, RSTART, RLENGTH)
      sub(/^<a (name|id)="/, "", id)
      sub(/"$/, "", id)
      anchors[md SUBSEP id] = 1
      m = substr(m, RSTART + RLENGTH)
    }
    if (line !~ /^#+[ \t]/) continue
    title = line
    sub(/^#+[ \t]+/, "", title)
    if (match(title, /\{#[^}]+\}/)) {
      anchors[md SUBSEP substr(title, RSTART + 2, RLENGTH - 3)] = 1
      title = substr(title, 1, RSTART - 1)
    }
    if (match(title, /^[0-9]+[.)]?[ \t]/)) {
      id = substr(title, 1, RLENGTH)
      gsub(/[^0-9]/, "", id)
      section[md SUBSEP id] = 1
    }
    slug = tolower(title)
    gsub(/[][!"#$%&'()*+,.\/:;<=>?@\\^`{|}~]/, "", slug)
    gsub(/[ \t]/, "-", slug)
    if ((md SUBSEP slug) in anchors) slug = slug "-" (++slug_repeats[md SUBSEP slug])
    anchors[md SUBSEP slug] = 1
  }
  close(md)
}
