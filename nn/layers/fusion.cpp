#include "nn/layers/fusion.h"

#include <atomic>

namespace knob::nn {

namespace {
std::atomic<bool> fusion{true};
}  // namespace

bool fusion_enabled() { return fusion.load(std::memory_order_relaxed); }

void set_fusion_enabled(bool enabled) { fusion.store(enabled, std::memory_order_relaxed); }

FusionGuard::FusionGuard(bool enabled) : previous_(fusion_enabled()) {
  set_fusion_enabled(enabled);
}

FusionGuard::~FusionGuard() { set_fusion_enabled(previous_); }

}  // namespace knob::nn
