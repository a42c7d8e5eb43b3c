/// @file
/// @brief Atomic file replacement: readers see the old file or the complete new one, never half.
///
/// Saving a model must never leave a truncated file where a good one used to be (a full disk, a
/// crash or Ctrl-C in the middle of a write). The classic recipe, used here:
///
/// 1. write the new content to a temporary file in the *same directory* as the target
///    (a rename is only atomic within one file system);
/// 2. flush it and `fsync` it, so the bytes are on disk before the name points at them;
/// 3. `rename` it over the target (POSIX guarantees this replaces the name atomically);
/// 4. `fsync` the directory, so the rename itself survives a crash.
///
/// If anything fails before step 3, the temporary file is removed and the target is untouched.
/// Where the file system allows it, the temporary starts unnamed (Linux's O_TMPFILE) and gets its
/// temporary name only once complete, so even a process killed mid-write leaves nothing behind;
/// otherwise a temporary left by a killed process is removed by the next write of the same file
/// (its name records the writer's process id, so a live writer's file is never touched).
///
/// What is at `path` decides what "replace" means:
/// - nothing, a regular file, or a symbolic link: replaced by the new file; a link is replaced
///   itself, never written through (the file it points to is left alone);
/// - a character device or a pipe (`/dev/null`, `/dev/stdout`, a FIFO): written into, since
///   there is no file to keep (and `/dev/full` then reports "No space left on device");
/// - a directory, a socket or a block device: a FileError.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace knob::nn {

/// @brief Replace (or create) the file at `path` with what `write` puts into a stream.
///
/// The content is first collected in memory (knob's files are small), so an exception thrown
/// by `write` leaves the disk untouched and propagates unchanged. Then it is written as
/// atomic_write_bytes() does.
/// @param path the file to create or replace; its directory must exist.
/// @param write fills the stream with the new content.
/// @throws FileError naming `path` when the file cannot be written (the old file is kept).
void atomic_write(const std::string& path, const std::function<void(std::ostream&)>& write);

/// @brief Replace (or create) the file at `path` with exactly `bytes`, atomically.
///
/// A new file gets the usual permissions (0666 minus the umask); a replaced file keeps its
/// permission bits.
/// @param path the file to create or replace; its directory must exist.
/// @param bytes the complete new content.
/// @throws FileError naming `path` and the system's reason (e.g. "No space left on device")
///         when the file cannot be written (the old file is kept and no temporary file is left
///         behind), or when `path` is a directory, a socket or a block device.
void atomic_write_bytes(const std::string& path, std::string_view bytes);

/// @brief Create the directory `path` and its missing parents (nothing to do when it exists).
/// @param path the directory an output goes into.
/// @throws FileError naming `path` and the system's reason, e.g. "Not a directory" when a file
///         stands where a directory is expected, or "Read-only file system".
void ensure_directory(const std::string& path);

namespace testing {

/// @brief Fault injection for tests: make the next atomic write fail after `bytes` bytes.
///
/// The next call of atomic_write() / atomic_write_bytes() writes at most `bytes` bytes to its
/// temporary file and then fails as a real write error would (FileError, temporary file
/// removed). The setting applies to one write only. Not meant for use outside tests.
/// @param bytes how many bytes to let through; negative switches fault injection off.
void fail_next_write_after(std::int64_t bytes);

}  // namespace testing

}  // namespace knob::nn
