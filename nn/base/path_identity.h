/// @file
/// @brief Is an output one of the inputs? Paths compared by file identity and by name, so that a
/// command never replaces the files it reads (`knob grads --batch b --out b`, `knob finetune
/// --model m --method full --out m`, an adapter written over the model's weights...).
#pragma once

#include <string>
#include <vector>

namespace knob::nn {

/// @brief A path given to a command, with the option that named it.
struct PathArgument {
  std::string option;  ///< e.g. "--batch" (used in messages)
  std::string path;    ///< the path as given
};

/// @brief Do two paths name the same file or directory?
///
/// Yes when both exist and are the same file (equal `st_dev` and `st_ino`, links followed; for
/// `b` also the link itself: an output that is a link to an input counts as that input), or when
/// their absolute forms, with `.`, `..` and the links of existing directories resolved, are
/// equal (for a path that does not exist yet).
/// @param a a path (an input). @param b a path (an output, possibly a link).
/// @return true when they are the same.
bool same_path(const std::string& a, const std::string& b);

/// @brief The paths of `names` inside `dir`, each labelled "<option> (<name>)".
/// @param option the option naming the directory. @param dir the directory.
/// @param names file names. @return the directory itself and one entry per name.
std::vector<PathArgument> directory_and_files(const std::string& option, const std::string& dir,
                                              const std::vector<std::string>& names);

/// @brief Refuse to run when an output is one of the inputs (same_path()).
/// @param inputs every file and directory the command reads (empty paths are skipped).
/// @param outputs every file and directory it writes (empty paths are skipped).
/// @throws FileError naming the output, the input and both options, e.g.
/// `b.safetensors: --out is also the input --batch; writing it would replace what is read`.
void refuse_outputs_over_inputs(const std::vector<PathArgument>& inputs,
                                const std::vector<PathArgument>& outputs);

}  // namespace knob::nn
