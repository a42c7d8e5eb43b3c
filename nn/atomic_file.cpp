#include "nn/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <sstream>
#include <system_error>

#include <fmt/format.h>
#include <sys/stat.h>

#include "nn/file_error.h"

namespace knob::nn {

namespace {

/// Fault injection (tests only): bytes to let through in the next write; -1 = off.
std::atomic<std::int64_t> g_fail_after{-1};
/// Makes temporary names unique between threads of one process.
std::atomic<std::uint64_t> g_temp_counter{0};

std::string errno_text(int error) { return std::generic_category().message(error); }

/// The temporary file next to `target`: ".<name>.tmp-<pid>-<counter>" in the same directory, so
/// that the final rename stays within one file system (and so is atomic).
std::filesystem::path temporary_path_for(const std::filesystem::path& target) {
  const std::filesystem::path directory = target.parent_path();
  const std::string name = fmt::format(".{}.tmp-{}-{}", target.filename().string(),
                                       static_cast<long long>(::getpid()), g_temp_counter++);
  return directory.empty() ? std::filesystem::path(name) : directory / name;
}

/// Owns the temporary file while it is being written: unless release() is called, the
/// destructor closes it and deletes it, so no failure path can leave it behind.
class TemporaryFile {
 public:
  TemporaryFile(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  ~TemporaryFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!released_) ::unlink(path_.c_str());
  }

  int fd() const { return fd_; }
  const std::filesystem::path& path() const { return path_; }

  /// Close the descriptor; returns 0 or the errno of a failed close (which can report a
  /// delayed write error, e.g. on network file systems).
  int close() {
    const int result = ::close(fd_);
    fd_ = -1;
    return result == 0 ? 0 : errno;
  }

  /// The file now lives under another name: do not delete it.
  void release() { released_ = true; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  bool released_ = false;
};

/// Create a fresh temporary file next to `target` (never reusing an existing name).
TemporaryFile create_temporary(const std::string& target) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::filesystem::path candidate = temporary_path_for(target);
    const int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return {std::move(candidate), fd};
    if (errno != EEXIST) {
      throw FileError(target, fmt::format("cannot create a temporary file next to it ('{}'): {}",
                                          candidate.string(), errno_text(errno)));
    }
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
                                          bytes.size(), errno_text(errno)));
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
void sync_directory_of(const std::filesystem::path& target) {
  const std::filesystem::path directory =
      target.parent_path().empty() ? std::filesystem::path(".") : target.parent_path();
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void atomic_write_bytes(const std::string& path, std::string_view bytes) {
  TemporaryFile temporary = create_temporary(path);

  // A replaced file keeps its permissions (a new one gets 0666 minus the umask from open()).
  struct stat existing {};
  if (::stat(path.c_str(), &existing) == 0 && S_ISREG(existing.st_mode)) {
    ::fchmod(temporary.fd(), existing.st_mode & 07777);
  }

  write_all(path, temporary.fd(), bytes);
  if (::fsync(temporary.fd()) != 0) {
    throw FileError(path, "fsync of the temporary file failed: " + errno_text(errno));
  }
  if (const int error = temporary.close(); error != 0) {
    throw FileError(path, "closing the temporary file failed: " + errno_text(error));
  }
  if (::rename(temporary.path().c_str(), path.c_str()) != 0) {
    throw FileError(path, fmt::format("cannot replace it with '{}': {}", temporary.path().string(),
                                      errno_text(errno)));
  }
  temporary.release();
  sync_directory_of(path);
}

void atomic_write(const std::string& path, const std::function<void(std::ostream&)>& write) {
  std::ostringstream content;
  write(content);  // an exception here propagates before anything touches the disk
  if (!content) throw FileError(path, "the content could not be formatted (stream error)");
  atomic_write_bytes(path, content.view());
}

namespace testing {

void fail_next_write_after(std::int64_t bytes) { g_fail_after = bytes < 0 ? -1 : bytes; }

}  // namespace testing

}  // namespace knob::nn
