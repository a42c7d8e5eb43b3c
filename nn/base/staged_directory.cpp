/// @file
/// @brief nn::StagedDirectory: the lock, the staging directory, carrying entries over and the
/// atomic exchange.
#include "nn/base/staged_directory.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <thread>

#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "nn/base/file_error.h"
#include "nn/base/os_error.h"

namespace knob::nn {

namespace {

namespace fs = std::filesystem;

/// Remove the directories `dirs` (outermost first) that are still empty, innermost first.
void remove_empty_directories(const std::vector<fs::path>& dirs) {
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) ::rmdir(it->c_str());
}

constexpr std::size_t kNameMax = 255;  // NAME_MAX of Linux file systems
constexpr const char* kStagingSuffix = ".partial";

/// Makes the names of removed old directories unique within the process.
std::atomic<std::uint64_t> g_trash_counter{0};

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/// `target` as an absolute path without "." / ".." parts or a trailing separator.
fs::path absolute_target(const std::string& target) {
  if (target.empty()) throw FileError("(empty path)", "an output directory needs a name");
  std::error_code ec;
  fs::path path = fs::absolute(target, ec).lexically_normal();
  if (ec) throw FileError(target, "cannot resolve the path: " + ec.message());
  if (path.filename().empty()) path = path.parent_path();  // "dir/" -> "dir"
  if (path == path.root_path()) throw FileError(target, "cannot replace the root directory");
  return path;
}

/// FNV-1a: a fixed 64-bit digest of a name (the same in every process and on every machine).
std::uint64_t name_digest(std::string_view name) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : name) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

/// The staging directory's name for a target called `name`: ".<name>.partial", or, when that
/// would pass NAME_MAX, the name cut short with a digest of the whole name appended.
std::string staging_name_for(const std::string& target, const std::string& name) {
  if (name.size() > kNameMax) {
    throw FileError(target, fmt::format("cannot use it as a directory: {} ({} bytes; the limit is "
                                        "{})",
                                        os_reason(ENAMETOOLONG), name.size(), kNameMax));
  }
  const std::string full = fmt::format(".{}{}", name, kStagingSuffix);
  if (full.size() <= kNameMax) return full;
  return fmt::format(".{}-{:016x}{}", name.substr(0, 200), name_digest(name), kStagingSuffix);
}

/// Refuse a target that is the working directory or one of its ancestors: replacing it would
/// leave this process (and the shell that started it) in a deleted directory.
void refuse_working_directory(const std::string& target, const struct stat& info) {
  std::error_code ec;
  for (fs::path dir = fs::current_path(ec); !ec && !dir.empty(); dir = dir.parent_path()) {
    struct stat here {};
    if (::stat(dir.c_str(), &here) == 0 && same_file(here, info)) {
      throw FileError(target,
                      "is the current directory or contains it; knob replaces an output "
                      "directory as a whole, so run it from elsewhere or write to a subdirectory");
    }
    if (dir == dir.root_path()) break;
  }
}

/// Create `dir` and its missing ancestors. @return the directories created, outermost first.
std::vector<fs::path> create_parents(const std::string& target, const fs::path& dir) {
  std::vector<fs::path> missing;
  struct stat info {};
  for (fs::path p = dir; !p.empty() && ::lstat(p.c_str(), &info) != 0; p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.root_path()) break;
  }
  std::vector<fs::path> created;
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0777) == 0) {
      created.push_back(*it);
    } else if (errno != EEXIST) {
      const int error = errno;
      remove_empty_directories(created);
      throw FileError(target, fmt::format("cannot create its parent directory '{}': {}",
                                          it->string(), os_reason(error)));
    }
  }
  if (::stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    remove_empty_directories(created);
    throw FileError(target, fmt::format("cannot use '{}' as its parent directory: {}", dir.string(),
                                        os_reason(ENOTDIR)));
  }
  return created;
}

/// Check what is at the target now (nothing, a directory, or a link to replace).
void check_target(const std::string& target, const fs::path& absolute) {
  struct stat info {};
  if (::lstat(absolute.c_str(), &info) != 0) {
    if (errno == ENOENT) return;
    throw FileError(target, "cannot use it as a directory: " + os_reason(errno));
  }
  if (S_ISLNK(info.st_mode)) return;  // replaced by the new directory, never followed
  if (!S_ISDIR(info.st_mode)) throw FileError(target, "exists and is not a directory");
  struct stat parent {};
  if (::stat(absolute.parent_path().c_str(), &parent) == 0 && parent.st_dev != info.st_dev) {
    throw FileError(target,
                    "is a mount point, which cannot be replaced as a whole; write to a "
                    "directory inside it");
  }
  refuse_working_directory(target, info);
}

/// Remove every entry of `dir` (not `dir` itself); links are removed, never followed.
void empty_directory(const fs::path& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    fs::remove_all(entry.path(), ec);
    if (ec) throw FileError(entry.path().string(), "cannot remove it: " + ec.message());
  }
  if (ec) throw FileError(dir.string(), "cannot list it: " + ec.message());
}

/// Remove the temporary files (".<name>.tmp-<pid>-<n>", atomic_file.h) a killed writer left.
/// Only the lock holder writes in a staging directory, so every such file is stale.
void remove_temporaries(const fs::path& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with('.') && name.find(".tmp-") != std::string::npos) {
      fs::remove_all(entry.path(), ec);
    }
  }
}

/// ".<name>.old-": how the names of replaced directories on their way out start (the name cut
/// short, so that the whole stays within NAME_MAX).
std::string old_directory_prefix(const fs::path& target) {
  return fmt::format(".{}.old-", target.filename().string().substr(0, 200));
}

/// A fresh name beside `target` for its old directory: "<prefix><pid>-<counter>".
fs::path old_directory_path(const fs::path& target) {
  return target.parent_path() /
         fmt::format("{}{}-{}", old_directory_prefix(target), ::getpid(), g_trash_counter++);
}

/// Remove the old directories ".<name>.old-<pid>-<n>" that a writer killed in the middle of a
/// commit left beside the target (those whose process no longer exists).
void remove_stale_old_directories(const fs::path& target) {
  const std::string prefix = old_directory_prefix(target);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(target.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    long long pid = 0;
    const char* digits = name.c_str() + prefix.size();
    const auto [end, error] = std::from_chars(digits, name.c_str() + name.size(), pid);
    if (error != std::errc() || end == digits || *end != '-' || pid <= 0) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    std::error_code ignored;
    fs::remove_all(entry.path(), ignored);
  }
}

/// Flush every regular file of `dir` (a directory tree) and the directory itself to disk.
void sync_tree(const fs::path& dir) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file(ec) && !it->is_directory(ec)) continue;
    const int fd = ::open(it->path().c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) continue;
    const int result = ::fsync(fd);
    const int error = errno;
    ::close(fd);
    if (result != 0 && error != EINVAL) {
      throw FileError(it->path().string(), "flushing it to disk failed: " + os_reason(error));
    }
  }
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

/// Give `to` the same content as the file or link `from`: a hard link where possible, else a
/// copy (another file system below, or one without hard links).
void link_or_copy(const fs::path& from, const fs::path& to, bool is_link) {
  if (::linkat(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), 0) == 0) return;
  std::error_code ec;
  if (is_link) {
    fs::copy_symlink(from, to, ec);
  } else {
    fs::copy_file(from, to, ec);
  }
  if (ec) {
    throw FileError(from.string(),
                    fmt::format("cannot carry it over into the new directory: {}", ec.message()));
  }
}

/// Take the lock of an existing directory that is about to be replaced: its holder is the writer
/// that committed it, finishing that commit, for a moment (wait up to 2 s), so that two commits
/// of one target never overlap.
int lock_old_directory(const std::string& target, const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) throw FileError(target, "cannot open it: " + os_reason(errno));
  for (int attempt = 0; attempt < 200; ++attempt) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return fd;
    if (errno != EWOULDBLOCK && errno != EINTR) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const int error = errno;
  ::close(fd);
  throw FileError(target, "cannot lock it for replacement: " + os_reason(error));
}

/// Put the directory `incoming` in the place of `path` (which exists). One atomic exchange where
/// the file system offers it; otherwise two renames (readers may then find no directory for a
/// moment). @return where the old directory (or link) is now, to be removed.
fs::path exchange(const std::string& target, const fs::path& incoming, const fs::path& path) {
  if (::renameat2(AT_FDCWD, incoming.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) == 0) {
    return incoming;
  }
  if (errno != EINVAL && errno != ENOSYS) {
    throw FileError(target, "cannot replace it with the new directory: " + os_reason(errno));
  }
  const fs::path aside = old_directory_path(path);
  if (::rename(path.c_str(), aside.c_str()) != 0) {
    throw FileError(target, "cannot move it aside: " + os_reason(errno));
  }
  if (::rename(incoming.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::rename(aside.c_str(), path.c_str());
    throw FileError(target, "cannot replace it with the new directory: " + os_reason(error));
  }
  return aside;
}

/// Replace the existing `path` by the complete staging directory `staging`, and remove the old
/// directory. The staging directory first moves to a name of the old directories' kind: were the
/// process killed after the exchange, the staging name must not hold the old directory, which
/// the next resumed run would take for its own unfinished one. Killed before the exchange, the
/// new directory goes the way of an old one and `path` stays as it was.
void replace_existing(const std::string& target, const fs::path& staging, const fs::path& path) {
  const fs::path incoming = old_directory_path(path);
  if (::rename(staging.c_str(), incoming.c_str()) != 0) {
    throw FileError(target, "cannot move the new directory into place: " + os_reason(errno));
  }
  fs::path old;
  try {
    old = exchange(target, incoming, path);
  } catch (...) {
    // Back to the staging name for a retry, unless another writer has taken that name meanwhile.
    ::renameat2(AT_FDCWD, incoming.c_str(), AT_FDCWD, staging.c_str(), RENAME_NOREPLACE);
    throw;
  }
  std::error_code ignored;
  fs::remove_all(old, ignored);
}

}  // namespace

StagedDirectory::StagedDirectory(const std::string& target, std::vector<std::string> owned,
                                 Start start)
    : target_(target), owned_(std::move(owned)) {
  const fs::path absolute = absolute_target(target);
  target_abs_ = absolute.string();
  staging_ =
      (absolute.parent_path() / staging_name_for(target, absolute.filename().string())).string();
  created_parents_ = create_parents(target, absolute.parent_path());
  try {
    check_target(target, absolute);
    lock_staging();
  } catch (...) {
    remove_empty_directories(created_parents_);
    throw;
  }
  remove_stale_old_directories(absolute);
  try {
    prepare(start);
  } catch (...) {
    ::close(lock_fd_);
    throw;
  }
}

StagedDirectory::~StagedDirectory() {
  if (!committed_ && !keep_) {
    std::error_code ignored;
    fs::remove_all(staging_, ignored);
    remove_empty_directories(created_parents_);  // a failed writer leaves no trace
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void StagedDirectory::lock_staging() {
  for (int attempt = 0; attempt < 20; ++attempt) {
    if (::mkdir(staging_.c_str(), 0777) != 0 && errno != EEXIST) {
      throw FileError(target_, fmt::format("cannot create the staging directory '{}': {}", staging_,
                                           os_reason(errno)));
    }
    const int fd = ::open(staging_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      if (errno != ELOOP && errno != ENOTDIR) {
        throw FileError(target_, fmt::format("cannot open '{}': {}", staging_, os_reason(errno)));
      }
      ::unlink(staging_.c_str());  // a file or a link in its place: not ours to follow
      continue;
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      ::close(fd);
      if (error == EWOULDBLOCK) {
        throw FileError(target_, fmt::format("another process is writing it (it holds the lock "
                                             "on '{}'); wait for it to finish or choose another "
                                             "output",
                                             staging_));
      }
      throw FileError(target_, fmt::format("cannot lock '{}': {}", staging_, os_reason(error)));
    }
    struct stat locked {
    }, named{};
    if (::fstat(fd, &locked) == 0 && ::lstat(staging_.c_str(), &named) == 0 &&
        same_file(locked, named)) {
      lock_fd_ = fd;
      return;
    }
    ::close(fd);  // the directory was renamed or removed by its last writer meanwhile: again
  }
  throw FileError(target_, fmt::format("cannot lock '{}': it keeps changing", staging_));
}

void StagedDirectory::prepare(Start start) {
  if (start == Start::fresh) {
    empty_directory(staging_);
  } else {
    remove_temporaries(staging_);
  }
}

std::string StagedDirectory::file(const std::string& name) const {
  return (fs::path(staging_) / name).string();
}

bool StagedDirectory::has(const std::string& name) const {
  struct stat info {};
  return ::lstat(file(name).c_str(), &info) == 0;
}

void StagedDirectory::adopt_from_target(const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    const fs::path from = fs::path(target_abs_) / name;
    std::error_code ec;
    fs::remove(file(name), ec);
    if (!fs::is_regular_file(from, ec)) continue;
    fs::copy_file(from, file(name), ec);
    if (ec) throw FileError(from.string(), "cannot copy it to continue the run: " + ec.message());
  }
}

void StagedDirectory::carry_over_unowned_entries() const {
  const fs::path target(target_abs_);
  std::error_code ec;
  auto it = fs::recursive_directory_iterator(target, ec);
  for (; !ec && it != fs::end(it); it.increment(ec)) {
    const fs::path relative = it->path().lexically_relative(target);
    const fs::path destination = fs::path(staging_) / relative;
    const fs::file_status status = it->symlink_status(ec);
    if (ec) break;
    if (it.depth() == 0) {
      const std::string name = relative.string();
      if (std::find(owned_.begin(), owned_.end(), name) != owned_.end() || has(name)) {
        it.disable_recursion_pending();
        continue;
      }
    }
    if (fs::is_directory(status)) {
      if (::mkdir(destination.c_str(), 0777) != 0 ||
          ::chmod(destination.c_str(), static_cast<mode_t>(status.permissions())) != 0) {
        throw FileError(it->path().string(),
                        "cannot carry it over into the new directory: " + os_reason(errno));
      }
    } else if (fs::is_regular_file(status) || fs::is_symlink(status)) {
      link_or_copy(it->path(), destination, fs::is_symlink(status));
    } else {
      throw FileError(it->path().string(),
                      "cannot carry it over into the new directory: it is not a file, a link "
                      "or a directory");
    }
  }
  if (ec) throw FileError(target_, "cannot list it: " + ec.message());
}

void StagedDirectory::commit() {
  if (committed_) throw FileError(target_, "StagedDirectory::commit called twice");
  sync_tree(staging_);
  const fs::path target(target_abs_);
  struct stat info {};
  if (::lstat(target.c_str(), &info) != 0) {
    if (::rename(staging_.c_str(), target.c_str()) != 0) {
      throw FileError(target_, "cannot move the new directory into place: " + os_reason(errno));
    }
  } else {
    int old_lock = -1;
    if (S_ISDIR(info.st_mode)) {
      carry_over_unowned_entries();
      ::chmod(staging_.c_str(), info.st_mode & 07777);
      old_lock = lock_old_directory(target_, target);
    }
    try {
      replace_existing(target_, staging_, target);
    } catch (...) {
      if (old_lock >= 0) ::close(old_lock);
      throw;
    }
    if (old_lock >= 0) ::close(old_lock);
  }
  committed_ = true;
  const int parent = ::open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (parent >= 0) {
    ::fsync(parent);
    ::close(parent);
  }
  ::close(lock_fd_);
  lock_fd_ = -1;
}

}  // namespace knob::nn
