// The objects of the N-back tasks (Lei, Ito & Bashivan, NeurIPS 2024, "Geometry of naturalistic
// object representations in recurrent neural network models of working memory"): an object has
// a category, an identity (one fixed exemplar image of that category) and a location (a cell of
// a grid on a larger canvas: the 4 quadrants by default). Published: ShapeNet renderings at
// several view angles, held-out angles for validation. Here: Fashion-MNIST photographs
// (data/idx.h); a "view" is a controlled rendering of the exemplar — rotation, scale, shift and
// pixel noise — and held-out views are those rotated beyond the training range.
#pragma once

#include "rnnscope/core/params.h"
#include "rnnscope/core/rng.h"
#include "rnnscope/data/idx.h"

#include <cstdint>
#include <vector>

namespace rnnscope::nback {

// The `[stimuli]` keys: categories (Fashion-MNIST labels), identities per category, grid
// (locations = grid²), cell_size, and the view ranges. Defaults follow the paper's counts
// (4 categories × 2 identities × 4 locations).
std::vector<ParamSpec> stimulus_params();

struct StimulusConfig {
  std::vector<int> categories;   // Fashion-MNIST labels, distinct
  int identities = 2;            // exemplars per category
  int grid = 2;                  // the canvas is grid × grid cells; locations = grid²
  int cell_size = 32;            // pixels per cell side (>= the exemplar image's side)
  double rotation_deg = 10;      // training views: |angle| <= rotation_deg
  double heldout_rotation_deg = 20;  // held-out views: rotation_deg < |angle| <= this
  double scale_min = 0.9;        // both kinds of view: scale uniform in [scale_min, scale_max]
  double scale_max = 1.1;
  double shift_px = 2;           // both: shift uniform in [-shift_px, shift_px] on each axis
  double noise_std = 0.05;       // both: Gaussian pixel noise (intensities in [0, 1]), then clipped

  // From a table resolved against stimulus_params(); Error for repeated categories or
  // scale_min > scale_max.
  static StimulusConfig from_params(const Json& resolved);

  int n_categories() const { return static_cast<int>(categories.size()); }
  int n_identities() const { return n_categories() * identities; }  // over all categories
  int n_locations() const { return grid * grid; }
  int canvas_size() const { return grid * cell_size; }
};

// One rendering of an exemplar. The noise is drawn from noise_seed when rendered, so a frame
// is fully described by these numbers.
struct View {
  double rotation_deg = 0;  // counter-clockwise
  double scale = 1;
  double shift_x = 0;       // pixels, right
  double shift_y = 0;       // pixels, down
  uint64_t noise_seed = 0;
};

enum class ViewKind { training, heldout };
// A view drawn from the training or the held-out range of `config` (disjoint: the held-out
// rotations are larger in magnitude than every training rotation).
View draw_view(const StimulusConfig& config, ViewKind kind, Rng& rng);

// category: index into config.categories; identity: index over all identities
// (category · identities + exemplar), so two objects with equal identity have equal category.
struct Object {
  int category = 0;
  int identity = 0;
  int location = 0;  // grid cell, row-major: 0 = top left, 1 = top right, …
};

// The exemplars of every identity, chosen from an image set, and the renderer.
class StimulusSet {
 public:
  // Picks `identities` distinct images of each category from `images`, by the seed (the
  // exemplars are a function of (images, config, seed)). Error: a category absent from the
  // images' labels or with fewer images than identities, images larger than a cell.
  StimulusSet(const StimulusConfig& config, const data::LabelledImages& images, uint64_t seed);

  const StimulusConfig& config() const { return config_; }
  // The index in the image set of identity i's exemplar.
  int64_t exemplar_index(int identity) const { return exemplar_indices_.at(static_cast<size_t>(identity)); }

  // Renders the object under the view into out [canvas_size, canvas_size] (row-major, values
  // in [0, 1]): the exemplar rotated and scaled about its centre, shifted, bilinearly sampled
  // into its location's cell (nothing outside the cell), then pixel noise over the canvas.
  void render(const Object& object, const View& view, float* out) const;

 private:
  StimulusConfig config_;
  int64_t rows_ = 0;
  int64_t cols_ = 0;
  std::vector<int64_t> exemplar_indices_;  // per identity
  std::vector<float> exemplars_;           // per identity: rows · cols intensities in [0, 1]
};

}  // namespace rnnscope::nback
