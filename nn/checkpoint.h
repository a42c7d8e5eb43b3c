/// @file
/// @brief Training checkpoints: everything a run needs to continue exactly where it stopped.
///
/// A training step depends on four things besides the code: the parameters, the optimizer's
/// state (Adam's moments and step counts, the learning rate), how many steps have been taken
/// (the schedule's position), and every random generator (the data stream, dropout masks).
/// A checkpoint holds all four, so a run stopped after step s and resumed from its checkpoint
/// produces the same losses and weights, bit for bit, as a run that never stopped.
///
/// The file is one safetensors file (docs/spec.md §3), written atomically:
/// | key | holds |
/// |---|---|
/// | `model.<name>` | every parameter of the model, frozen or not (f32/f64) |
/// | `optimizer.<key>` | Optimizer::state(): `step`, `lr`, `<slot>.<parameter>` |
/// | `rng.<name>` | the four state words of each generator, as I64 [4] (bits of the u64) |
/// | `step` | training steps done, I64 scalar |
/// and `__metadata__` `{"format": "knob-checkpoint", "version": "1"}`. The model's own
/// generators (each Dropout's mask generator) are saved as `rng.model.<module path>`.
/// \code
/// std::vector<NamedGenerator> gens = {{"data", &data_gen}};
/// for (std::int64_t step = start; step < steps; ++step) {
///   ...  // one training step
///   if ((step + 1) % 100 == 0) save_checkpoint("run/ckpt.safetensors", model, opt, step + 1,
///   gens);
/// }
/// // later, in a new process, after building the same model and optimizer:
/// std::int64_t start = load_checkpoint("run/ckpt.safetensors", model, opt, gens);
/// \endcode
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "autograd/random.h"
#include "nn/module.h"
#include "nn/optimizer.h"

namespace knob::nn {

/// @brief A generator saved in a checkpoint under `rng.<name>`.
using NamedGenerator = std::pair<std::string, Generator*>;

/// @brief Write a checkpoint of a training run after `step` steps (atomically: the previous
/// file at `path`, if any, stays intact when writing fails).
/// @param path the file to create or replace (its directory must exist).
/// @param model the model; all its parameters and its dropout generators are saved.
/// @param optimizer the optimizer; its whole state() is saved.
/// @param step how many training steps have been done (≥ 0).
/// @param generators the run's other generators (the data stream, ...), by unique name.
/// @throws ValueError for a negative step, a null or repeated generator name; FileError naming
/// `path` when the file cannot be written.
void save_checkpoint(const std::string& path, Module& model, const Optimizer& optimizer,
                     std::int64_t step, const std::vector<NamedGenerator>& generators = {});

/// @brief Restore a checkpoint into a model and optimizer built the same way as the saved ones.
///
/// Everything is validated before anything changes: the file's format, every parameter's name
/// and shape (as Module::load_state_dict()), the optimizer's keys, and one `rng.<name>` for
/// each generator given and each dropout of the model. On any problem nothing is modified.
/// @param path the checkpoint file.
/// @param model receives the parameters and its dropout generators' states.
/// @param optimizer receives the optimizer state.
/// @param generators receive their saved states, by name.
/// @return the number of training steps done when the checkpoint was written (resume from it).
/// @throws FileError naming `path` and the problem: unreadable or not a knob checkpoint,
/// missing/unexpected/mis-shaped parameters, optimizer state that does not fit, a missing or
/// malformed generator state, unexpected keys.
std::int64_t load_checkpoint(const std::string& path, Module& model, Optimizer& optimizer,
                             const std::vector<NamedGenerator>& generators = {});

}  // namespace knob::nn
