/// @file
/// @brief nn::MetricsLog: header checks, number formatting, flushed rows.
#include "nn/train/metrics_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "autograd/error.h"
#include "nn/base/atomic_file.h"
#include "nn/base/file_error.h"
#include "nn/base/os_error.h"

namespace knob::nn {

std::string csv_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return fmt::format("{}", value);  // shortest text that parses back to the same double
}

namespace {

std::string join_header(const std::vector<std::string>& columns) {
  std::string header;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) header += ',';
    header += columns[i];
  }
  return header;
}

}  // namespace

namespace {

/// The rows of an existing log to keep when appending: its header (which must be `header`) and
/// each complete row whose first value is at most `keep_through`.
std::string rows_to_keep(const std::string& path, const std::string& content,
                         const std::string& header, double keep_through) {
  const std::size_t header_end = content.find('\n');
  const std::string first_line = content.substr(0, header_end);
  if (first_line != header) {
    throw FileError(path, fmt::format("cannot append: its header is '{}' but this log's is '{}'",
                                      first_line.substr(0, 200), header));
  }
  std::string kept = header + "\n";
  std::size_t start = header_end == std::string::npos ? content.size() : header_end + 1;
  while (start < content.size()) {
    const std::size_t end = content.find('\n', start);
    if (end == std::string::npos) break;  // a row cut short by a killed writer
    const std::string row = content.substr(start, end - start);
    const double first = std::strtod(row.c_str(), nullptr);  // 0 for junk: kept, as before
    if (!(first > keep_through)) kept += row + "\n";
    start = end + 1;
  }
  return kept;
}

/// Longest existing log knob appends to (a million rows take about 60 MB).
constexpr std::uintmax_t kMaxAppendBytes = std::uintmax_t{1} << 30;

/// The whole content of a file (read through a link), or "" when it does not exist or is empty.
std::string existing_content(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) return "";
  if (!std::filesystem::is_regular_file(status)) {
    throw FileError(path, "cannot append to it: it is not a regular file");
  }
  if (std::filesystem::file_size(path, ec) > kMaxAppendBytes) {
    throw FileError(path,
                    fmt::format("cannot append to it: larger than {} bytes", kMaxAppendBytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "cannot read it to append to it: " + os_reason(errno));
  std::string content{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw FileError(path, "cannot read it to append to it");
  return content;
}

/// Write all of `text` to `fd` (a short write is continued; a failure names the reason).
void write_text(const std::string& path, int fd, const std::string& text, const char* what) {
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw FileError(path, fmt::format("writing {} failed: {}", what, os_reason(errno)));
    written += static_cast<std::size_t>(n);
  }
}

}  // namespace

MetricsLog::MetricsLog(const std::string& path, std::vector<std::string> columns, bool append,
                       double keep_rows_through)
    : path_(path), columns_(std::move(columns)) {
  if (columns_.empty()) throw ValueError(fmt::format("MetricsLog {}: no columns given", path));
  std::set<std::string> seen;
  for (const std::string& column : columns_) {
    if (column.empty() || column.find_first_of(",\"\r\n") != std::string::npos) {
      throw ValueError(fmt::format(
          "MetricsLog {}: column name '{}' must be non-empty without commas, quotes or line "
          "breaks",
          path, column));
    }
    if (!seen.insert(column).second) {
      throw ValueError(fmt::format("MetricsLog {}: column '{}' appears twice", path, column));
    }
  }
  const std::string header = join_header(columns_);
  const std::string content = append ? existing_content(path) : std::string();
  // A fresh file (or the rows kept) replaces whatever is at `path` atomically: a link there is
  // replaced, never followed, and a failure keeps the old file.
  atomic_write_bytes(path, content.empty()
                               ? header + "\n"
                               : rows_to_keep(path, content, header, keep_rows_through));
  fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
  if (fd_ < 0) throw FileError(path, "cannot open it for writing: " + os_reason(errno));
}

MetricsLog::~MetricsLog() {
  if (fd_ >= 0) ::close(fd_);
}

void MetricsLog::log(const std::vector<double>& values) {
  if (values.size() != columns_.size()) {
    throw ValueError(fmt::format("MetricsLog {}: got {} values for the {} columns ({})", path_,
                                 values.size(), columns_.size(), join_header(columns_)));
  }
  std::string row;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) row += ',';
    row += csv_number(values[i]);
  }
  write_text(path_, fd_, row + '\n', fmt::format("row {}", rows_written_ + 1).c_str());
  ++rows_written_;
}

}  // namespace knob::nn
