/// @file
/// @brief nn::MetricsLog: header checks, number formatting, flushed rows.
#include "nn/metrics_log.h"

#include <cmath>
#include <filesystem>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "autograd/error.h"
#include "nn/file_error.h"

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

MetricsLog::MetricsLog(const std::string& path, std::vector<std::string> columns, bool append)
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

  std::error_code error;
  const bool keep_rows = append && std::filesystem::exists(path, error) &&
                         std::filesystem::file_size(path, error) > 0 && !error;
  if (keep_rows) {
    std::ifstream existing(path);
    std::string first_line;
    std::getline(existing, first_line);
    if (first_line != header) {
      throw FileError(path, fmt::format("cannot append: its header is '{}' but this log's is '{}'",
                                        first_line, header));
    }
    file_.open(path, std::ios::app);
  } else {
    file_.open(path, std::ios::trunc);
  }
  if (!file_) throw FileError(path, "cannot open for writing");
  if (!keep_rows) {
    file_ << header << '\n';
    file_.flush();
  }
  if (!file_) throw FileError(path, "cannot write the CSV header");
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
  file_ << row << '\n';
  file_.flush();
  if (!file_) throw FileError(path_, fmt::format("writing row {} failed", rows_written_ + 1));
  ++rows_written_;
}

}  // namespace knob::nn
