// Poisson-coded inputs for `snn train` until image data arrive: a classification task of
// noisy rate patterns. Each class has a prototype that sets every input channel "on" (rate_on_hz)
// with probability active_fraction, else "off" (rate_off_hz); a sample is its class's prototype
// with each channel's state flipped with probability `flip`. A sample is a static rate vector,
// shown for sample_ms (simulator.h InputRates with one row); sequences of rate vectors (an
// image row by row) take the same path with more rows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rnnscope::snn {

struct PatternParams {
  int64_t classes = 4;
  int64_t train_samples = 120;
  int64_t test_samples = 80;
  double active_fraction = 0.25;
  double rate_on_hz = 40, rate_off_hz = 2;
  double flip = 0.1;
  double sample_ms = 100;  // each sample's presentation
  double rest_ms = 20;     // silence of the input channels between samples (background stays)
  int64_t epochs = 1;      // unsupervised passes over the training samples with STDP on
};

struct PatternSet {
  std::vector<int32_t> labels;  // [samples], class s mod classes: balanced
  std::vector<float> rates_hz;  // [samples, n_inputs]
};

// The samples of `split` ("train" or "test": independent draws around the same prototypes).
PatternSet make_patterns(const PatternParams& params, int64_t n_inputs, const std::string& split, uint64_t seed);

}  // namespace rnnscope::snn
