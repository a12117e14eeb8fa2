// Bindings of the latent-geometry analyses (geometry/decoders.h, geometry/subspaces.h) on
// numpy arrays: float64 matrices through pybind11's Eigen caster, labels as int64 arrays.
#include "bindings.h"
#include "convert.h"

#include "rnnscope/core/error.h"
#include "rnnscope/geometry/subspaces.h"

#include <pybind11/eigen.h>
#include <pybind11/stl.h>

namespace py = pybind11;

namespace rnnscope::python {
namespace {

using Labels = py::array_t<int64_t, py::array::c_style | py::array::forcecast>;
using geometry::Matrix;

std::vector<int64_t> labels_of(const Labels& y) { return {y.data(), y.data() + y.size()}; }

geometry::DecoderOptions decoder_options(double l2, int folds, uint64_t seed) {
  geometry::DecoderOptions o;
  o.l2 = l2;
  o.folds = folds;
  o.seed = seed;
  return o;
}

py::dict decoder_dict(const geometry::LinearDecoder& d) {
  py::dict out;
  out["classes"] = to_numpy(d.classes, {static_cast<int64_t>(d.classes.size())});
  out["normals"] = d.normals;
  out["intercepts"] = d.intercepts;
  return out;
}

py::dict decode(const Matrix& x, const Labels& y, double l2, int folds, uint64_t seed) {
  const auto labels = labels_of(y);
  geometry::Decoding d;
  {
    py::gil_scoped_release release;
    d = geometry::decode(x, labels, decoder_options(l2, folds, seed));
  }
  py::dict out = decoder_dict(d.decoder);
  out["accuracy"] = d.accuracy;
  out["chance"] = d.chance;
  out["fold_accuracy"] = to_numpy(d.fold_accuracy, {static_cast<int64_t>(d.fold_accuracy.size())});
  out["fold_chance"] = to_numpy(d.fold_chance, {static_cast<int64_t>(d.fold_chance.size())});
  return out;
}

py::dict cross_decode(const Matrix& x_a, const Labels& y_a, const Matrix& x_b, const Labels& y_b, double l2) {
  const auto a = labels_of(y_a), b = labels_of(y_b);
  geometry::CrossDecoding d;
  {
    py::gil_scoped_release release;
    d = geometry::cross_decode(x_a, a, x_b, b, decoder_options(l2, 2, 0));
  }
  py::dict out;
  out["accuracy"] = d.accuracy;
  out["chance"] = d.chance;
  return out;
}

py::dict procrustes(const Matrix& a, const Matrix& b, const std::optional<Matrix>& x, const std::optional<Labels>& y,
                    const std::optional<Eigen::VectorXd>& intercepts, const std::optional<Labels>& classes) {
  const geometry::ScaledRotation map = geometry::procrustes_with_scale(a, b);
  py::dict out;
  out["rotation"] = map.rotation();
  out["scale"] = map.scale;
  out["relative_residual"] = map.relative_residual;
  if (x && y) {
    geometry::LinearDecoder from{{}, a, intercepts ? *intercepts : Eigen::VectorXd::Zero(a.rows()), {}};
    if (classes) {
      from.classes = labels_of(*classes);
    } else {
      for (int64_t c = 0; c < a.rows(); ++c) from.classes.push_back(c);
    }
    require(static_cast<Eigen::Index>(from.classes.size()) == a.rows() && from.intercepts.size() == a.rows(),
            "procrustes: classes and intercepts need one entry per row of a (" + std::to_string(a.rows()) + ")");
    const auto labels = labels_of(*y);
    out["accuracy"] = geometry::transformed(from, map).accuracy(*x, labels);
    out["chance"] = geometry::constant_accuracy(geometry::most_frequent(labels), labels);
  }
  return out;
}

}  // namespace

void bind_geometry(py::module_& m) {
  m.def("decode", &decode, py::arg("x"), py::arg("y"), py::kw_only(), py::arg("l2"), py::arg("folds"), py::arg("seed"),
        "Cross-validated one-vs-rest L2 logistic decoding (geometry/decoders.h).");
  m.def("cross_decode", &cross_decode, py::arg("x_a"), py::arg("y_a"), py::arg("x_b"), py::arg("y_b"), py::kw_only(),
        py::arg("l2"), "A decoder fitted on set A, tested on set B (geometry/decoders.h).");
  m.def("orthogonalization_index", &geometry::orthogonalization_index, py::arg("normals"),
        "Mean over pairs of rows of 1 - |cos| (geometry/subspaces.h).");
  m.def("procrustes", &procrustes, py::arg("a"), py::arg("b"), py::kw_only(), py::arg("x"), py::arg("y"),
        py::arg("intercepts"), py::arg("classes"),
        "Rotation and common scale mapping decoder matrix a onto b; with x and y, the accuracy of the mapped decoder.");
}

}  // namespace rnnscope::python
