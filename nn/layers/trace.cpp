#include "nn/layers/trace.h"

#include <fmt/format.h>

#include "autograd/error.h"

namespace knob::nn {

namespace {
thread_local ActivationTrace* recording = nullptr;  // this thread's trace, if any
}  // namespace

ActivationTrace::ActivationTrace() {
  if (recording != nullptr) {
    throw ValueError("ActivationTrace: this thread is already recording a trace");
  }
  recording = this;
}

ActivationTrace::~ActivationTrace() { recording = nullptr; }

void ActivationTrace::add(std::string_view name, const Tensor& t) {
  std::string full;
  for (const std::string& scope : scopes_) full += scope + ".";
  full += name;
  for (const auto& [seen, tensor] : tensors_) {
    if (seen == full) {
      throw ValueError(
          fmt::format("ActivationTrace: '{}' recorded twice (a module run twice in "
                      "one scope?)",
                      full));
    }
  }
  tensors_.emplace_back(std::move(full), t);
}

void ActivationTrace::push(std::string name) { scopes_.push_back(std::move(name)); }

void ActivationTrace::pop() {
  if (!scopes_.empty()) scopes_.pop_back();
}

bool tracing() { return recording != nullptr; }

void trace(std::string_view name, const Tensor& t) {
  if (recording != nullptr) recording->add(name, t);
}

TraceScope::TraceScope(std::string_view name) {
  if (recording == nullptr) return;
  recording->push(std::string(name));
  entered_ = true;
}

TraceScope::TraceScope(std::string_view name, std::size_t index) {
  if (recording == nullptr) return;
  recording->push(fmt::format("{}.{}", name, index));
  entered_ = true;
}

TraceScope::~TraceScope() {
  if (entered_ && recording != nullptr) recording->pop();
}

}  // namespace knob::nn
