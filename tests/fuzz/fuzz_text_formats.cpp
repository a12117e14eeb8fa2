// Fuzzes the text inputs of `rnnscope ph` (the `ripser` program's lower-distance, distance and
// point-cloud formats): any bytes are read as each format, as the command reads them, and
// what is accepted goes through persistence and the ripser output writer. Anything but a
// clean rnnscope::Error (a crash, a sanitizer report, another exception) is a finding.
#include "fuzz_file.h"

#include "rnnscope/core/error.h"
#include "rnnscope/topo/inputs.h"

#include <sstream>

using namespace rnnscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fuzz::FuzzFile file("input.txt");  // one file per process: the fuzzer's loop is hot
  const auto& path = file.write(data, size);
  // Memory limit: what a small machine would have, so a count of values claiming a huge
  // matrix is refused by the estimate, not allocated.
  const auto memory = MemoryBudget{}.set_limit_bytes(256.0 * 1024 * 1024).set_raise_hint("--memory-limit GB");
  for (const char* format : {"", "lower-distance", "distance", "point-cloud"}) {
    try {
      const auto input = topo::read_metric_input(path, format, memory);
      // Persistence is cubic in the points: only small inputs go on, enough to reach every
      // reading of the values (ties, zeros, the enclosing radius).
      if (input.distances.size() > 24) continue;
      topo::PersistenceOptions options;
      options.max_dim = 2;
      const auto barcodes = topo::vietoris_rips(input.distances, options);
      std::ostringstream out;
      topo::write_ripser_output(out, input, barcodes, options.threshold);
    } catch (const Error&) {
    }
  }
  return 0;
}
