// MPI ranks for sweeps (src/sweeps/mpi/ranks.h).
#include "sweeps/mpi/ranks.h"

#include "rnnscope/core/error.h"

// The C API only: OpenMPI's mpi.h otherwise pulls in its deprecated C++ bindings, which
// need libmpi_cxx.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <dlfcn.h>

#include <cstdlib>

namespace rnnscope::sweeps {
namespace {

// Launchers announce themselves in the environment: OpenMPI's mpirun, PMIx and PMI (srun).
bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"}) {
    if (std::getenv(name)) return true;
  }
  return false;
}

}  // namespace

MpiRanks::MpiRanks() {
  int initialised = 0;
  MPI_Initialized(&initialised);
  launched_ = initialised || launched_by_mpi();
  if (!initialised) {
    if (!launched_) return;
    // OpenMPI loads its own components with dlopen and they look up libmpi's symbols
    // globally; this library is itself dlopen()ed RTLD_LOCAL (the CLI's plugin), so promote
    // the already loaded libmpi to global scope first.
    ::dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
    require(MPI_Init(nullptr, nullptr) == MPI_SUCCESS, "MPI_Init failed (launched by mpirun?)");
    initialised_here_ = true;
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiRanks::~MpiRanks() {
  if (initialised_here_) MPI_Finalize();
}

void MpiRanks::barrier() const {
  if (size_ > 1) MPI_Barrier(MPI_COMM_WORLD);
}

bool MpiRanks::all(bool mine) const {
  if (size_ == 1) return mine;
  int in = mine ? 1 : 0, out = 0;
  MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  return out == 1;
}

}  // namespace rnnscope::sweeps
