# libFuzzer targets, built only with -DKNOB_FUZZ=ON (clang; see cmake/Sanitizers.cmake, which
# sets the sanitizer flags and includes this file at the end of the top-level CMakeLists.txt,
# once every knob target exists). The programs go to <build>/fuzz/. Run them with
# fuzz/run_all.sh.
#
#   fuzz_safetensors  nn::parse_safetensors() on arbitrary bytes (+ a write/read round trip)
#   fuzz_config       nn::TransformerConfig::from_json() on arbitrary text (+ a round trip)
#   fuzz_state_dict   a safetensors file loaded into a tiny Transformer (load_state_dict) and as
#                     IA³ vectors (ia3::apply_vectors), then one forward pass
#   fuzz_adapter      IA³ adapter files: knob's (ia3::load_adapter) and PEFT's directory
#                     (ia3::import_peft), then attached to a tiny Transformer
#   fuzz_patterns     ia3::check_pattern() and SelectorMatcher on a pattern and module paths
#   fuzz_cli          the knob command line, run_cli(), one argument per input line
#   fuzz_commands     whole knob commands (train, eval, grads, compare, finetune, export-peft,
#                     import-peft) run on damaged fixture files and hostile output paths
#   make_seed_corpus  writes fuzz/corpus/ (an ordinary program, not a fuzzer)

set(_knob_fuzz_dir ${CMAKE_CURRENT_LIST_DIR})

add_library(knob_fuzz_fixtures STATIC ${_knob_fuzz_dir}/fixtures.cpp)
target_link_libraries(knob_fuzz_fixtures PUBLIC knob::nn knob::ia3 PRIVATE knob_warnings)
target_include_directories(knob_fuzz_fixtures PUBLIC ${_knob_fuzz_dir})

function(knob_add_fuzzer name)
  add_executable(${name} ${_knob_fuzz_dir}/${name}.cpp ${ARGN})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/fuzz)
  target_link_libraries(${name} PRIVATE knob_fuzz_fixtures knob_warnings)
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
endfunction()

knob_add_fuzzer(fuzz_safetensors)
knob_add_fuzzer(fuzz_config)
knob_add_fuzzer(fuzz_state_dict)
knob_add_fuzzer(fuzz_adapter)
knob_add_fuzzer(fuzz_patterns)

# The command line: the knob program's object library (all of it but main(), tools/knob), compiled
# once in this tree and linked here, plus the fuzzer's own source.
if(TARGET knob_cli)
  foreach(target fuzz_cli fuzz_commands)
    knob_add_fuzzer(${target})
    target_link_libraries(${target} PRIVATE knob_cli)
  endforeach()
endif()

add_executable(make_seed_corpus ${_knob_fuzz_dir}/make_seed_corpus.cpp)
target_link_libraries(make_seed_corpus PRIVATE knob_fuzz_fixtures knob_warnings)
set_target_properties(make_seed_corpus PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/fuzz)
