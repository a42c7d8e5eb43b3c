#include "autograd/anomaly.h"

#include <cmath>
#include <cstdlib>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace knob {

namespace {

// KNOB_DETECT_ANOMALY, read once per process: set and not "0" means on.
bool anomaly_mode_from_environment() {
  static const bool on = [] {
    const char* value = std::getenv("KNOB_DETECT_ANOMALY");
    return value != nullptr && *value != '\0' && std::string_view(value) != "0";
  }();
  return on;
}

// Where the first non-finite value of a floating tensor is, and how many there are.
struct NonFinite {
  std::int64_t first = -1;  // flat index, -1 when every value is finite
  std::int64_t count = 0;
  double value = 0.0;
};

template <class T>
NonFinite scan(const T* data, std::int64_t n) {
  NonFinite found;
  for (std::int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(data[i])) {
      if (found.first < 0) {
        found.first = i;
        found.value = static_cast<double>(data[i]);
      }
      ++found.count;
    }
  }
  return found;
}

NonFinite scan(const Tensor& t) {
  if (!t.defined()) return {};
  switch (t.dtype()) {
    case DType::f32:
      return scan(t.data<float>(), t.numel());
    case DType::f64:
      return scan(t.data<double>(), t.numel());
    default:
      return {};  // integer tensors cannot hold NaN or infinity
  }
}

// Flat index of the first value for which `is_bad` holds, or -1.
template <class Predicate>
std::int64_t find_first(const Tensor& t, Predicate is_bad) {
  if (!t.defined()) return -1;
  auto search = [&]<class T>(const T* data) -> std::int64_t {
    for (std::int64_t i = 0; i < t.numel(); ++i) {
      if (is_bad(static_cast<double>(data[i]))) return i;
    }
    return -1;
  };
  if (t.dtype() == DType::f32) return search(t.data<float>());
  if (t.dtype() == DType::f64) return search(t.data<double>());
  return -1;
}

std::int64_t first_nan(const Tensor& t) {
  return find_first(t, [](double v) { return std::isnan(v); });
}

bool holds_infinity(const Tensor& t) {
  return find_first(t, [](double v) { return std::isinf(v); }) >= 0;
}

// Flat row-major index → "[i,j,k]".
std::string index_str(std::int64_t flat, const Shape& shape) {
  Shape index(shape.size(), 0);
  for (std::size_t axis = shape.size(); axis-- > 0;) {
    if (shape[axis] > 0) {
      index[axis] = flat % shape[axis];
      flat /= shape[axis];
    }
  }
  return fmt::format("[{}]", fmt::join(index, ","));
}

std::string value_str(double value) {
  if (std::isnan(value)) return "nan";
  return value > 0 ? "inf" : "-inf";
}

[[noreturn]] void report(const std::string& op, AnomalyPhase phase, const std::string& what,
                         const Tensor& t, const NonFinite& found, const std::string& note) {
  throw AnomalyError(op, phase, what, t.shape(), t.dtype(), found.first, found.count, found.value,
                     note);
}

}  // namespace

const char* anomaly_phase_name(AnomalyPhase phase) {
  return phase == AnomalyPhase::forward ? "forward" : "backward";
}

AnomalyError::AnomalyError(std::string op, AnomalyPhase phase, const std::string& what, Shape shape,
                           DType dtype, std::int64_t first_bad, std::int64_t bad_count,
                           double value, const std::string& note)
    : Error(fmt::format("anomaly in {} of '{}': {} {} ({}) holds {} at index {} ({} of {} values "
                        "non-finite){}{}",
                        anomaly_phase_name(phase), op, what, shape_str(shape), dtype_name(dtype),
                        value_str(value), index_str(first_bad, shape), bad_count,
                        shape_numel(shape), note.empty() ? "" : "; ", note)),
      op_(std::move(op)),
      phase_(phase),
      shape_(std::move(shape)),
      first_bad_(first_bad) {}

bool& detail::anomaly_flag() {
  thread_local bool enabled = anomaly_mode_from_environment();
  return enabled;
}

bool anomaly_mode_enabled() { return detail::anomaly_flag(); }

AnomalyGuard::AnomalyGuard(bool enabled) : previous_(detail::anomaly_flag()) {
  detail::anomaly_flag() = enabled;
}

AnomalyGuard::~AnomalyGuard() { detail::anomaly_flag() = previous_; }

void detail::check_op_output(const std::string& op, const Tensor& output,
                             const TensorList& inputs) {
  const NonFinite found = scan(output);
  if (found.first < 0) return;

  // Did an input already hold a non-finite value? Then the op may only have passed it on.
  std::string note;
  bool input_had_infinity = false;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const NonFinite in = scan(inputs[i]);
    if (in.first < 0) continue;
    input_had_infinity = input_had_infinity || holds_infinity(inputs[i]);
    if (note.empty()) {
      note = fmt::format("input {} already held {} at index {}", i, value_str(in.value),
                         index_str(in.first, inputs[i].shape()));
    }
  }
  // A NaN is always reported (at the first NaN, even if an infinity comes before it) ...
  if (const std::int64_t nan_at = first_nan(output); nan_at >= 0) {
    report(op, AnomalyPhase::forward, "output", output,
           NonFinite{nan_at, found.count, std::nan("")}, note);
  }
  // ... an infinity only when this op created it; masked_fill writes one on purpose (a mask).
  if (input_had_infinity || op == "masked_fill") return;
  report(op, AnomalyPhase::forward, "output", output, found, note);
}

void detail::check_gradient(const std::string& op, std::size_t input_index,
                            const Tensor& gradient) {
  const NonFinite found = scan(gradient);
  if (found.first < 0) return;
  report(op, AnomalyPhase::backward, fmt::format("gradient for input {}", input_index), gradient,
         found, "");
}

void detail::check_seed_gradient(const Tensor& gradient) {
  const NonFinite found = scan(gradient);
  if (found.first < 0) return;
  report("backward", AnomalyPhase::backward, "starting gradient (grad_output)", gradient, found,
         "");
}

}  // namespace knob
