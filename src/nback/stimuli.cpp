// N-back objects and their views (include/rnnscope/nback/stimuli.h): exemplar choice and the
// renderer, an inverse-mapped affine warp with bilinear sampling.
#include "rnnscope/nback/stimuli.h"

#include "rnnscope/core/error.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace rnnscope::nback {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Bilinear interpolation of image [rows, cols] at continuous pixel coordinates (x, y), where
// pixel (i, j) covers [j, j+1) × [i, i+1); zero outside the image.
float sample(const float* image, int64_t rows, int64_t cols, double x, double y) {
  const double u = x - 0.5, v = y - 0.5;  // to pixel-centre coordinates
  const double j0 = std::floor(u), i0 = std::floor(v);
  const double fu = u - j0, fv = v - i0;
  auto at = [&](double i, double j) -> double {
    if (i < 0 || j < 0 || i >= static_cast<double>(rows) || j >= static_cast<double>(cols)) return 0.0;
    return image[static_cast<int64_t>(i) * cols + static_cast<int64_t>(j)];
  };
  return static_cast<float>((1 - fv) * ((1 - fu) * at(i0, j0) + fu * at(i0, j0 + 1)) +
                            fv * ((1 - fu) * at(i0 + 1, j0) + fu * at(i0 + 1, j0 + 1)));
}

}  // namespace

std::vector<ParamSpec> stimulus_params() {
  return {
      ParamSpec("categories", ParamKind::number_list, Json::array({0, 1, 7, 8}),
                "Fashion-MNIST labels of the object categories (default: T-shirt/top, Trouser, Sneaker, Bag)")
          .with_min(0).with_max(data::kFashionMnistClasses - 1),
      ParamSpec("identities", ParamKind::integer, 2, "identities (fixed exemplar images) per category").with_min(1).with_max(1000),
      ParamSpec("grid", ParamKind::integer, 2, "locations are the cells of a grid x grid canvas (2: the 4 quadrants)")
          .with_min(1).with_max(8),
      ParamSpec("cell_size", ParamKind::integer, 32, "pixels per side of a cell (>= the image side, 28)").with_min(1).with_max(256),
      ParamSpec("rotation_deg", ParamKind::number, 10.0, "training views: rotation angle uniform in [-this, this] degrees")
          .with_min(0).with_max(90),
      ParamSpec("heldout_rotation_deg", ParamKind::number, 20.0,
                "held-out views: |angle| uniform in (rotation_deg, this] degrees, either sign")
          .with_min(0).with_max(180),
      ParamSpec("scale_min", ParamKind::number, 0.9, "views: scale uniform in [scale_min, scale_max]").with_min(0.1).with_max(4),
      ParamSpec("scale_max", ParamKind::number, 1.1, "views: scale uniform in [scale_min, scale_max]").with_min(0.1).with_max(4),
      ParamSpec("shift_px", ParamKind::number, 2.0, "views: shift uniform in [-this, this] pixels on each axis").with_min(0).with_max(64),
      ParamSpec("noise_std", ParamKind::number, 0.05, "views: Gaussian pixel noise std (intensities in [0, 1]), clipped to [0, 1]")
          .with_min(0).with_max(1),
  };
}

StimulusConfig StimulusConfig::from_params(const Json& resolved) {
  StimulusConfig c;
  for (const Json& v : resolved.at("categories")) {
    require(v.is_number_integer() || (v.is_number() && v.get<double>() == std::floor(v.get<double>())),
            "stimuli.categories: " + v.dump() + " is not an integer label");
    c.categories.push_back(static_cast<int>(v.get<double>()));
  }
  require(!c.categories.empty(), "stimuli.categories must name at least one Fashion-MNIST label");
  require(std::set<int>(c.categories.begin(), c.categories.end()).size() == c.categories.size(),
          "stimuli.categories " + resolved.at("categories").dump() + " repeats a label; each category once");
  c.identities = resolved.at("identities").get<int>();
  c.grid = resolved.at("grid").get<int>();
  c.cell_size = resolved.at("cell_size").get<int>();
  c.rotation_deg = resolved.at("rotation_deg").get<double>();
  c.heldout_rotation_deg = resolved.at("heldout_rotation_deg").get<double>();
  c.scale_min = resolved.at("scale_min").get<double>();
  c.scale_max = resolved.at("scale_max").get<double>();
  c.shift_px = resolved.at("shift_px").get<double>();
  c.noise_std = resolved.at("noise_std").get<double>();
  require(c.heldout_rotation_deg > c.rotation_deg,
          "stimuli.heldout_rotation_deg = " + std::to_string(c.heldout_rotation_deg) +
              " must be > rotation_deg = " + std::to_string(c.rotation_deg) + " (held-out views rotate further)");
  require(c.scale_min <= c.scale_max, "stimuli.scale_min = " + std::to_string(c.scale_min) +
                                          " must be <= scale_max = " + std::to_string(c.scale_max));
  return c;
}

View draw_view(const StimulusConfig& config, ViewKind kind, Rng& rng) {
  View v;
  if (kind == ViewKind::training) {
    v.rotation_deg = rng.uniform(-config.rotation_deg, config.rotation_deg);
  } else {
    // uniform(low, high) is [low, high); 1 − u makes the magnitude (rotation_deg, heldout], so
    // a held-out angle never equals the largest training angle.
    const double magnitude = config.heldout_rotation_deg -
                             rng.uniform() * (config.heldout_rotation_deg - config.rotation_deg);
    v.rotation_deg = rng.bernoulli(0.5) ? magnitude : -magnitude;
  }
  v.scale = rng.uniform(config.scale_min, config.scale_max);
  v.shift_x = rng.uniform(-config.shift_px, config.shift_px);
  v.shift_y = rng.uniform(-config.shift_px, config.shift_px);
  v.noise_seed = rng.next_u64();
  return v;
}

StimulusSet::StimulusSet(const StimulusConfig& config, const data::LabelledImages& images, uint64_t seed)
    : config_(config), rows_(images.rows), cols_(images.cols) {
  require(images.rows <= config.cell_size && images.cols <= config.cell_size,
          "stimuli.cell_size = " + std::to_string(config.cell_size) + " is smaller than the images (" +
              std::to_string(images.rows) + " x " + std::to_string(images.cols) + ")");
  for (int c = 0; c < config.n_categories(); ++c) {
    const int label = config.categories[static_cast<size_t>(c)];
    std::vector<int64_t> members;
    for (int64_t i = 0; i < images.count; ++i) {
      if (images.labels[static_cast<size_t>(i)] == label) members.push_back(i);
    }
    require(static_cast<int64_t>(members.size()) >= config.identities,
            "stimuli: label " + std::to_string(label) + " has " + std::to_string(members.size()) +
                " images, fewer than identities = " + std::to_string(config.identities));
    // A partial Fisher–Yates shuffle: the first `identities` members are a uniform draw
    // without replacement.
    Rng rng = Rng::derive(seed, "nback.exemplars", static_cast<uint64_t>(label));
    for (int k = 0; k < config.identities; ++k) {
      const auto pick = k + rng.integer(static_cast<int64_t>(members.size()) - k);
      std::swap(members[static_cast<size_t>(k)], members[static_cast<size_t>(pick)]);
      exemplar_indices_.push_back(members[static_cast<size_t>(k)]);
      const uint8_t* image = images.image(members[static_cast<size_t>(k)]);
      for (int64_t p = 0; p < images.image_size(); ++p) exemplars_.push_back(image[p] / 255.0f);
    }
  }
}

void StimulusSet::render(const Object& object, const View& view, float* out) const {
  const int64_t side = config_.canvas_size(), cell = config_.cell_size;
  std::fill(out, out + side * side, 0.0f);
  const float* image = exemplars_.data() + static_cast<int64_t>(object.identity) * rows_ * cols_;
  const int64_t top = (object.location / config_.grid) * cell, left = (object.location % config_.grid) * cell;
  // The inverse map: canvas point p samples the image at R(θ)(p − c)/s + the image centre, c the
  // cell centre plus the shift. Drawing q ↦ s R(−θ) q + c turns the image by −θ in these y-down
  // coordinates, which is θ counter-clockwise on screen.
  const double theta = view.rotation_deg * kPi / 180.0;
  const double cos_t = std::cos(theta), sin_t = std::sin(theta);
  const double cx = static_cast<double>(left) + cell / 2.0 + view.shift_x;
  const double cy = static_cast<double>(top) + cell / 2.0 + view.shift_y;
  for (int64_t i = top; i < top + cell; ++i) {
    for (int64_t j = left; j < left + cell; ++j) {
      const double dx = (static_cast<double>(j) + 0.5 - cx) / view.scale;
      const double dy = (static_cast<double>(i) + 0.5 - cy) / view.scale;
      const double x = cos_t * dx - sin_t * dy + cols_ / 2.0;
      const double y = sin_t * dx + cos_t * dy + rows_ / 2.0;
      out[i * side + j] = sample(image, rows_, cols_, x, y);
    }
  }
  if (config_.noise_std > 0) {
    Rng rng(view.noise_seed);
    for (int64_t p = 0; p < side * side; ++p) {
      out[p] = std::clamp(out[p] + static_cast<float>(config_.noise_std * rng.normal()), 0.0f, 1.0f);
    }
  }
}

}  // namespace rnnscope::nback
