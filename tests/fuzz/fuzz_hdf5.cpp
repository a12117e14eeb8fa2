// Fuzzes the HDF5 readers: any bytes, written to a file, are read as the project reads its
// HDF5 inputs — a dataset for `rnnscope ph` (format stated or not), recordings for `fit-ltr`,
// and a run's model.h5 / history.h5 read whole. Anything but a clean rnnscope::Error is a
// finding. HDF5 itself (Debian's libhdf5, uninstrumented) parses the container.
#include "fuzz_file.h"

#include "rnnscope/core/error.h"
#include "rnnscope/decomp/recordings.h"
#include "rnnscope/runs/run_directory.h"
#include "rnnscope/topo/inputs.h"

using namespace rnnscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::FuzzFile file("input.h5");  // one file per process: the fuzzer's loop is hot
  const auto& path = file.write(data, size);
  const auto memory = MemoryBudget{}.set_limit_bytes(256.0 * 1024 * 1024).set_raise_hint("--memory-limit GB");
  const auto guard = [](auto&& read) {
    try {
      read();
    } catch (const Error&) {
    }
  };
  for (const char* format : {"", "distance", "point-cloud"}) {
    guard([&] { topo::read_metric_input(path + ":/data", format, memory); });
  }
  guard([&] { decomp::read_recordings(path); });
  guard([&] { runs::read_h5_contents(path); });
  guard([&] { h5::read_attributes(path, "/data"); });
  return 0;
}
