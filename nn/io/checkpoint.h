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
/// and `__metadata__` `{"format": "knob-checkpoint", "version": "1"}` plus `run.<name>` for each
/// hyper-parameter of the run (RunSetting: the learning rate, batch size, tasks, number of
/// steps, seed, model config, ...), so that a resume with other settings is caught. The model's
/// own generators (each Dropout's mask generator) are saved as `rng.model.<module path>`.
///
/// A checkpoint only ever holds a usable state: saving refuses NaN or infinite parameters or
/// optimizer state (so a diverged run never replaces the last good checkpoint), and loading
/// refuses them too, along with incomplete optimizer state and invalid generator states.
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
#include "nn/layers/module.h"
#include "nn/optim/optimizer.h"

namespace knob::nn {

/// @brief A generator saved in a checkpoint under `rng.<name>`.
using NamedGenerator = std::pair<std::string, Generator*>;

/// @brief One hyper-parameter of a training run, recorded in its checkpoint (`run.<name>`) and
/// compared when the run is resumed.
struct RunSetting {
  std::string name;         ///< e.g. "lr", "batch", "tasks"
  std::string value;        ///< its value as text; compared exactly (write doubles round-trip)
  bool may_change = false;  ///< a resume with another value is allowed (and reported)
};

/// @brief Write a checkpoint of a training run after `step` steps (atomically: the previous
/// file at `path`, if any, stays intact when writing fails).
/// @param path the file to create or replace (its directory must exist).
/// @param model the model; all its parameters and its dropout generators are saved.
/// @param optimizer the optimizer; its whole state() is saved.
/// @param step how many training steps have been done (≥ 0).
/// @param generators the run's other generators (the data stream, ...), by unique name.
/// @param run the run's hyper-parameters, by unique name.
/// @throws ValueError for a negative step, a null or repeated generator or setting name, or a
/// parameter or optimizer buffer holding NaN or infinity (nothing is written then); FileError
/// naming `path` when the file cannot be written.
void save_checkpoint(const std::string& path, Module& model, const Optimizer& optimizer,
                     std::int64_t step, const std::vector<NamedGenerator>& generators = {},
                     const std::vector<RunSetting>& run = {});

/// @brief Restore a checkpoint into a model and optimizer built the same way as the saved ones.
///
/// Everything is validated before anything changes: the file's format; every parameter's name
/// and shape (as Module::load_state_dict()) and that it is finite; the optimizer's keys and
/// shapes, that its state is finite and, once it has taken a step, complete (every parameter
/// that requires grad has all of Optimizer::state_slots()); one valid `rng.<name>` (I64 [4], not
/// all zero) for each generator given and each dropout of the model; and the run's settings:
/// each of `run` must be recorded with the same value, except those that `may_change`, whose
/// differences are reported through `changed`. On any problem nothing is modified.
/// @param path the checkpoint file.
/// @param model receives the parameters and its dropout generators' states.
/// @param optimizer receives the optimizer state.
/// @param generators receive their saved states, by name.
/// @param run the settings of the run being resumed.
/// @param changed when not null, receives one line per setting that may change and did, e.g.
/// `steps: 30 in the checkpoint, 40 now`.
/// @return the number of training steps done when the checkpoint was written (resume from it).
/// @throws FileError naming `path` and every problem found: unreadable or not a knob checkpoint,
/// missing/unexpected/mis-shaped or non-finite parameters, optimizer state that does not fit,
/// is non-finite or incomplete, a missing or invalid generator state, settings that differ or
/// are not recorded, unexpected keys.
std::int64_t load_checkpoint(const std::string& path, Module& model, Optimizer& optimizer,
                             const std::vector<NamedGenerator>& generators = {},
                             const std::vector<RunSetting>& run = {},
                             std::vector<std::string>* changed = nullptr);

}  // namespace knob::nn
