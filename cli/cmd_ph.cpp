// `rnnscope ph INPUT`: Vietoris–Rips persistence barcodes (library: rnnscope/topo).
#include <iostream>
#include <memory>

#include "commands.h"
#include "rnnscope/requests/ph.h"
#include "rnnscope/topo/text_formats.h"
#include "validators.h"

namespace rnnscope::cli {
namespace {

struct PhArgs {
  requests::PhRequest request;
  bool print = false;
};

void run_ph(const PhArgs& args) {
  const auto result = requests::run_ph(args.request);
  if (args.print || args.request.out.empty())
    topo::write_ripser_output(std::cout, result.input, result.barcodes, args.request.threshold);
}

}  // namespace

void add_ph_command(CLI::App& app) {
  auto args = std::make_shared<PhArgs>();
  auto* cmd = app.add_subcommand(
      "ph", "Persistent homology: Vietoris–Rips barcodes of a point cloud or distance matrix");
  cmd->add_option("INPUT", args->request.input,
                  "FILE.h5:/DATASET (a point cloud [n, d], a distance matrix [n, n], or a 1-D lower "
                  "triangle), or a text file in a `ripser` format (see --format)")
      ->required();
  cmd->add_option("--format", args->request.format,
                  "lower-distance | distance | point-cloud. Text files default to lower-distance "
                  "(the numbers d(1,0), d(2,0), d(2,1), d(3,0), … in any line layout, no diagonal; n from "
                  "their count, as the `ripser` program reads them). An HDF5 dataset is never classified "
                  "by its values: without --format, its string attribute `format` states it, else its "
                  "shape where only one reading exists (1-D -> lower triangle; 2-D not square -> point "
                  "cloud); a square 2-D dataset needs --format")
      ->check(CLI::IsMember({"lower-distance", "distance", "point-cloud"}));
  cmd->add_option("--dim", args->request.max_dim, "highest homology dimension (0 = components, 1 = loops, 2 = voids)")
      ->capture_default_str()
      ->check(CLI::Range(0, 8));
  cmd->add_option("--threshold", args->request.threshold,
                  "largest edge length of the filtration (default: the enclosing radius, beyond "
                  "which nothing changes)");
  cmd->add_option("--threads", args->request.threads, "worker threads for the parallel phases (0 = all cores)")
      ->capture_default_str()
      ->check(at_least_zero());
  add_memory_limit_option(cmd, args->request.memory_limit_gb, "a computation");
  cmd->add_option("--out", args->request.out,
                  "write BARS.h5: /dim0, /dim1, … as [k, 2] float64 (birth, death; death = inf for "
                  "classes that never die); atomic");
  cmd->add_flag("--force", args->request.force, "overwrite an existing --out file");
  cmd->add_flag("--print", args->print,
                "print the barcodes in the `ripser` program's text layout (the default without --out), "
                "so `diff <(rnnscope ph F --print) <(ripser F)` compares the two");
  cmd->footer(
      "Bars of zero length are omitted, as in `ripser`. Coefficients are Z/2.\n"
      "Examples:\n"
      "  rnnscope ph cloud.h5:/points --dim 2 --out bars.h5\n"
      "  rnnscope ph matrix.txt --format distance --print");
  cmd->callback([args] { run_ph(*args); });
}

}  // namespace rnnscope::cli
