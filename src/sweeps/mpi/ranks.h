// The ranks of a sweep run under an MPI launcher (mpirun, srun): rank and size, a barrier and
// an agreement, over OpenMPI. Outside a launcher (no launcher variables in the environment)
// MPI is not initialised at all and the process is rank 0 of 1. Private to the LibTorch
// library (the sweep request), so the CLI program itself never loads MPI.
#pragma once

namespace rnnscope::sweeps {

class MpiRanks {
 public:
  MpiRanks();   // MPI_Init when launched by an MPI launcher and not yet initialised
  ~MpiRanks();  // MPI_Finalize when this object initialised it
  MpiRanks(const MpiRanks&) = delete;
  MpiRanks& operator=(const MpiRanks&) = delete;

  // Started by an MPI launcher (even as its only rank): the launcher gave this process one slot.
  bool launched() const { return launched_; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  void barrier() const;
  // Whether `mine` holds on every rank (what rank 0 decided, checked by all).
  bool all(bool mine) const;

 private:
  bool initialised_here_ = false;
  bool launched_ = false;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace rnnscope::sweeps
