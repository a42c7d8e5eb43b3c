/// @file
/// @brief nn::StagedDirectory: a directory of files written as one unit — all of the new files
/// or none of them — by one process at a time.
///
/// A model directory is several files that only make sense together: `config.json` must
/// describe `model.safetensors`, and `metrics.csv` and the loss curve belong to the run that made
/// those weights. Replacing them one by one would leave a mix after a crash, a full disk or a
/// diverged run. So a writer
///
/// 1. takes an exclusive advisory lock (`flock`) on the *staging directory*
///    `<parent>/.<name>.partial`, a sibling of the target (so renames stay within one file
///    system). A second process writing the same target gets a FileError at once instead of
///    interleaving its files with the first one's;
/// 2. writes every new file into the staging directory (each one atomically, atomic_file.h);
/// 3. commit(): carries the entries of the existing target that the writer does not own over
///    into the staging directory (as hard links: a user's notes or adapters stay), renames the
///    staging directory to `.<name>.old-<pid>-<n>`, exchanges it with the target in one
///    `renameat2(RENAME_EXCHANGE)`, and removes the old directory, which the exchange left at
///    that name (a killed writer's `.old-` directories are removed by the next writer).
///
/// Until commit() the target is not touched at all: a failed, diverged, out-of-space or killed
/// run leaves it exactly as it was, and readers (which take no lock) see the old directory or the
/// new one, never a mix. An existing symbolic link at the target is replaced by the new
/// directory, never written through. A staging directory left by a killed or stopped run is
/// reused by the next writer of the same target: emptied for a fresh start, kept for a resumed
/// run (which continues from the checkpoint it holds).
/// \code
/// StagedDirectory out("runs/model", {"config.json", "model.safetensors"});
/// atomic_write_bytes(out.file("config.json"), config_text);
/// write_safetensors(out.file("model.safetensors"), weights);
/// out.commit();  // runs/model now holds both new files (and whatever else it held)
/// \endcode
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace knob::nn {

/// @brief A locked staging directory that replaces its target directory on commit().
class StagedDirectory {
 public:
  /// @brief What the staging directory starts with.
  enum class Start {
    fresh,   ///< empty: whatever an earlier, unfinished writer left there is removed
    resume,  ///< as an earlier, unfinished writer left it (minus its temporary files)
  };

  /// @brief Lock the target for writing and prepare its staging directory.
  /// @param target the directory to write (created on commit(); its parent is created now).
  /// @param owned the file names this writer produces: on commit() the target's entries with
  /// these names are replaced or, when the writer did not write them, removed; every other entry
  /// is carried over.
  /// @param start fresh or resume (see Start).
  /// @throws FileError naming the target and the reason: another process holds the lock; the
  /// target exists and is not a directory, is a mount point, or is the current directory (or
  /// contains it); its parent cannot be created; the staging directory's name would be too long
  /// or it cannot be created.
  StagedDirectory(const std::string& target, std::vector<std::string> owned,
                  Start start = Start::fresh);
  /// @brief Releases the lock. An uncommitted staging directory is removed, unless keep() was
  /// called, and so are the parent directories the constructor created (when still empty).
  ~StagedDirectory();
  StagedDirectory(const StagedDirectory&) = delete;
  StagedDirectory& operator=(const StagedDirectory&) = delete;

  /// @brief The target directory, as given. @return the path.
  const std::string& target() const { return target_; }
  /// @brief The staging directory (absolute): write the new files here. @return the path.
  const std::string& path() const { return staging_; }
  /// @brief A file of the staging directory. @param name a file name. @return path()/name.
  std::string file(const std::string& name) const;
  /// @brief Does the staging directory hold an entry called `name`?
  /// @param name a file name. @return true when it exists (a link counts, even a dangling one).
  bool has(const std::string& name) const;

  /// @brief Take files from the existing target into the staging directory, for a run that
  /// continues a finished one: each name is removed from the staging directory, then copied from
  /// the target when the target holds it as a regular file.
  /// @param names the file names to take.
  /// @throws FileError when a file cannot be copied.
  void adopt_from_target(const std::vector<std::string>& names);

  /// @brief Leave the uncommitted staging directory in place when this object goes (for a run
  /// that stopped and can be resumed).
  void keep() { keep_ = true; }

  /// @brief Make the staging directory the target, atomically, and release the lock.
  ///
  /// Every file is flushed to disk first; the target's entries that are not `owned` are carried
  /// over (hard links, or copies where the file system cannot link); the target's permission
  /// bits are kept.
  /// @throws FileError naming the target and the reason; the target is then unchanged (the
  /// staging directory stays for a retry).
  void commit();

 private:
  void lock_staging();
  void prepare(Start start);
  void carry_over_unowned_entries() const;

  std::string target_;      // as given
  std::string target_abs_;  // absolute, without a trailing separator
  std::string staging_;     // absolute
  std::vector<std::string> owned_;
  std::vector<std::filesystem::path> created_parents_;  // made by the constructor, outermost first
  int lock_fd_ = -1;
  bool committed_ = false;
  bool keep_ = false;
};

}  // namespace knob::nn
