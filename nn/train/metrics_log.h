/// @file
/// @brief nn::MetricsLog: a CSV file with one row of numbers per logging call.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace knob::nn {

/// @brief Writes training metrics as CSV: a header of column names, then one row per log().
///
/// Every row is flushed at once, so the file can be watched (or plotted) while training runs
/// and nothing is lost if the run is interrupted. Numbers are written in the shortest form that
/// reads back to the same double (`0.1`, `120`, `3.0000000000000004`); NaN and infinities as
/// `nan`, `inf`, `-inf`.
/// \code
/// MetricsLog log("metrics.csv", {"step", "loss", "lr", "tokens_per_s", "seconds"});
/// log.log({120, 1.234, 3e-4, 53210, 2.5});
/// // metrics.csv:
/// // step,loss,lr,tokens_per_s,seconds
/// // 120,1.234,0.0003,53210,2.5
/// \endcode
class MetricsLog {
 public:
  /// @brief Open (create or truncate) `path` and write the header.
  ///
  /// With `append`, an existing non-empty file is kept and new rows go after its rows (for a
  /// resumed run); its first line must then equal the header. Rows whose first value is above
  /// `keep_rows_through` are dropped first (a run resumed from its checkpoint at step s keeps the
  /// rows up to s and writes the later ones again, so each step has exactly one row), and so is
  /// a last line cut short by a killed writer.
  ///
  /// The file is never written through a symbolic link: a link at `path` is replaced by a new
  /// file (with append, one holding the rows read through the link).
  /// @param path the CSV file.
  /// @param columns column names: non-empty, unique, without commas, quotes or line breaks.
  /// @param append keep an existing file with the same header.
  /// @param keep_rows_through with append: the largest first-column value of the rows kept.
  /// @throws ValueError on bad column names; FileError (nn/base/file_error.h) naming the file and
  /// the system's reason when it cannot be opened or, with append, has a different header.
  MetricsLog(const std::string& path, std::vector<std::string> columns, bool append = false,
             double keep_rows_through = std::numeric_limits<double>::infinity());
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  /// @brief Write one row and flush it.
  /// @param values one number per column, in column order.
  /// @throws ValueError when the count differs from the column count; FileError naming the file
  /// and the system's reason when the write fails (disk full, file too large...).
  void log(const std::vector<double>& values);

  /// @brief The column names. @return the header, in order.
  const std::vector<std::string>& columns() const { return columns_; }
  /// @brief The file being written. @return its path.
  const std::string& path() const { return path_; }
  /// @brief Rows written by this object (not counting rows kept by append).
  /// @return the count.
  std::size_t rows_written() const { return rows_written_; }

 private:
  std::string path_;
  std::vector<std::string> columns_;
  int fd_ = -1;  // opened for appending
  std::size_t rows_written_ = 0;
};

/// @brief One CSV value as MetricsLog writes it (shortest round-trip form; nan/inf/-inf).
/// @param value the number. @return its text.
std::string csv_number(double value);

}  // namespace knob::nn
