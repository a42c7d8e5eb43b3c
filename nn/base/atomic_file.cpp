#include "nn/base/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <filesystem>
#include <sstream>
#include <utility>

#include <fmt/format.h>
#include <sys/stat.h>

#include "nn/base/file_error.h"
#include "nn/base/os_error.h"

namespace knob::nn {

namespace {

namespace fs = std::filesystem;

/// Fault injection (tests only): bytes to let through in the next write; -1 = off.
std::atomic<std::int64_t> g_fail_after{-1};
/// Makes temporary names unique between threads of one process.
std::atomic<std::uint64_t> g_temp_counter{0};

/// The longest file name Linux file systems accept (NAME_MAX).
constexpr std::size_t kNameMax = 255;
/// Room kept for the ".tmp-<pid>-<counter>" suffix of a temporary's name.
constexpr std::size_t kSuffixRoom = 40;

fs::path directory_of(const fs::path& target) {
  return target.parent_path().empty() ? fs::path(".") : target.parent_path();
}

/// ".<name>.tmp-": how every temporary name for `target` starts. A long name is cut, so that
/// the temporary's own name stays within NAME_MAX whenever the target's does.
std::string temporary_prefix(const fs::path& target) {
  std::string name = target.filename().string();
  name.resize(std::min(name.size(), kNameMax - kSuffixRoom));
  return fmt::format(".{}.tmp-", name);
}

/// A fresh temporary name next to `target`: "<prefix><pid>-<counter>" in the same directory, so
/// that the final rename stays within one file system (and so is atomic).
fs::path temporary_path_for(const fs::path& target) {
  return directory_of(target) / fmt::format("{}{}-{}", temporary_prefix(target),
                                            static_cast<long long>(::getpid()), g_temp_counter++);
}

/// Remove the temporaries that earlier, killed writers of `target` left behind: those whose
/// process no longer exists. (A live writer's temporary, even another user's, is kept.)
void remove_stale_temporaries(const fs::path& target) {
  const std::string prefix = temporary_prefix(target);
  DIR* dir = ::opendir(directory_of(target).c_str());
  if (dir == nullptr) return;  // creating the new temporary will report the problem
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name(entry->d_name);
    if (!name.starts_with(prefix)) continue;
    const std::string_view rest = name.substr(prefix.size());
    long long pid = 0;
    const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
    if (error != std::errc() || end == rest.data() || *end != '-' || pid <= 0) continue;
    if (pid == ::getpid()) continue;  // another thread of this process is writing it
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // still alive
    ::unlinkat(::dirfd(dir), entry->d_name, 0);
  }
  ::closedir(dir);
}

/// Can an unnamed file (O_TMPFILE) be given a name through /proc/self/fd?
bool can_name_unnamed_files() {
  static const bool available = ::access("/proc/self/fd", X_OK) == 0;
  return available;
}

/// Owns the temporary file while it is being written: unless install() succeeds, the destructor
/// closes it and deletes it, so no failure path can leave it behind.
///
/// Where the file system allows it the file starts unnamed (O_TMPFILE) and is only linked under
/// a temporary name once complete: a process killed while writing then leaves nothing at all.
class TemporaryFile {
 public:
  TemporaryFile(fs::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  TemporaryFile(TemporaryFile&& other) noexcept
      : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {
    other.path_.clear();
  }
  ~TemporaryFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }

  int fd() const { return fd_; }

  /// Give the complete file the name `target`, replacing whatever is there (a file or a
  /// symbolic link: the link itself is replaced, never the file it points to).
  void install(const std::string& target) {
    if (path_.empty()) link_under_temporary_name(target);
    const int result = ::close(fd_);  // can report a delayed write error (network file systems)
    fd_ = -1;
    if (result != 0) {
      throw FileError(target, "closing the temporary file failed: " + os_reason(errno));
    }
    if (::rename(path_.c_str(), target.c_str()) != 0) {
      throw FileError(
          target, fmt::format("cannot replace it with '{}': {}", path_.string(), os_reason(errno)));
    }
    path_.clear();  // it is the target now
  }

 private:
  void link_under_temporary_name(const std::string& target) {
    const std::string self = fmt::format("/proc/self/fd/{}", fd_);
    for (int attempt = 0; attempt < 100; ++attempt) {
      fs::path candidate = temporary_path_for(target);
      if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, candidate.c_str(), AT_SYMLINK_FOLLOW) == 0) {
        path_ = std::move(candidate);
        return;
      }
      if (errno != EEXIST) {
        throw FileError(target, fmt::format("cannot name the new file '{}': {}", candidate.string(),
                                            os_reason(errno)));
      }
    }
    throw FileError(target, "cannot name the new file: every temporary name tried exists");
  }

  fs::path path_;  // empty while the file is unnamed
  int fd_ = -1;
};

/// The message for a temporary file that cannot be created next to `target`.
FileError creation_error(const std::string& target, const fs::path& candidate, int error) {
  return FileError(target, fmt::format("cannot create a temporary file next to it ('{}'): {}",
                                       candidate.string(), os_reason(error)));
}

/// Create a fresh temporary file next to `target` (never reusing an existing name).
TemporaryFile create_temporary(const std::string& target) {
#ifdef O_TMPFILE
  if (can_name_unnamed_files()) {
    const int fd = ::open(directory_of(target).c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    if (fd >= 0) return {fs::path(), fd};
    // Not supported here (or failing): the named route below reports a real problem.
  }
#endif
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path candidate = temporary_path_for(target);
    const int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return {std::move(candidate), fd};
    if (errno != EEXIST) throw creation_error(target, candidate, errno);
  }
  throw FileError(target, "cannot create a temporary file next to it: every name tried exists");
}

/// Write all of `bytes` (write() may write less than asked, or be interrupted by a signal).
/// With fault injection armed, stop after `limit` bytes and report a failure.
void write_all(const std::string& target, int fd, std::string_view bytes) {
  const std::int64_t fail_after = g_fail_after.exchange(-1);
  const bool inject = fail_after >= 0;
  const std::size_t limit =
      inject ? std::min(bytes.size(), static_cast<std::size_t>(fail_after)) : bytes.size();
  std::size_t written = 0;
  while (written < limit) {
    const ssize_t n = ::write(fd, bytes.data() + written, limit - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw FileError(target, fmt::format("write failed after {} of {} bytes: {}", written,
                                          bytes.size(), os_reason(errno)));
    }
    written += static_cast<std::size_t>(n);
  }
  if (inject) {
    throw FileError(target, fmt::format("write failed after {} of {} bytes: injected failure "
                                        "(testing::fail_next_write_after)",
                                        written, bytes.size()));
  }
}

/// Make a completed rename durable: fsync the directory that holds the new name. Best effort:
/// the new content is already in place, so a failure here is not reported.
void sync_directory_of(const fs::path& target) {
  const int fd = ::open(directory_of(target).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

/// A character device or a pipe (`/dev/null`, `/dev/stdout`, a FIFO) is written into, not
/// replaced: there is no file to keep, and replacing a device node would break the system.
void write_in_place(const std::string& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) throw FileError(path, "cannot open it for writing: " + os_reason(errno));
  try {
    write_all(path, fd, bytes);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) throw FileError(path, "closing it failed: " + os_reason(errno));
}

}  // namespace

void atomic_write_bytes(const std::string& path, std::string_view bytes) {
  if (path.empty()) throw FileError("(empty path)", "an output file needs a name");
  struct stat existing {};
  const bool exists = ::lstat(path.c_str(), &existing) == 0;
  if (!exists && errno != ENOENT) {  // a file where a directory is expected, a name too long...
    throw FileError(path, "cannot write it: " + os_reason(errno));
  }
  if (exists) {
    if (S_ISDIR(existing.st_mode)) throw FileError(path, "is a directory, not a file");
    struct stat resolved {};
    if (::stat(path.c_str(), &resolved) == 0 &&
        (S_ISCHR(resolved.st_mode) || S_ISFIFO(resolved.st_mode))) {
      write_in_place(path, bytes);
      return;
    }
    if (!S_ISREG(existing.st_mode) && !S_ISLNK(existing.st_mode)) {
      throw FileError(path, "exists and is not a regular file (a socket or a block device)");
    }
  }
  remove_stale_temporaries(path);
  TemporaryFile temporary = create_temporary(path);
  // A replaced file keeps its permissions (a new one gets 0666 minus the umask from open()).
  if (exists && S_ISREG(existing.st_mode)) ::fchmod(temporary.fd(), existing.st_mode & 07777);

  write_all(path, temporary.fd(), bytes);
  if (::fsync(temporary.fd()) != 0) {
    throw FileError(path, "fsync of the temporary file failed: " + os_reason(errno));
  }
  temporary.install(path);
  sync_directory_of(path);
}

void atomic_write(const std::string& path, const std::function<void(std::ostream&)>& write) {
  std::ostringstream content;
  write(content);  // an exception here propagates before anything touches the disk
  if (!content) throw FileError(path, "the content could not be formatted (stream error)");
  atomic_write_bytes(path, content.view());
}

void ensure_directory(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) throw FileError(path, "cannot create the directory: " + ec.message());
  if (!fs::is_directory(path, ec)) throw FileError(path, "exists and is not a directory");
}

namespace testing {

void fail_next_write_after(std::int64_t bytes) { g_fail_after = bytes < 0 ? -1 : bytes; }

}  // namespace testing

}  // namespace knob::nn
