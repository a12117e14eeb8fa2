"""Writes the seed inputs of the text and HDF5 fuzz targets (tests/fuzz/corpus/), the way users
write them: numpy text files and h5py datasets. Run once by hand; the files are committed."""
import pathlib

import h5py
import numpy as np

corpus = pathlib.Path(__file__).parent / "corpus"
rng = np.random.default_rng(0)
cloud = rng.normal(size=(7, 2)).round(3)
dist = np.sqrt(((cloud[:, None] - cloud[None]) ** 2).sum(-1)).round(4)
lower = [dist[i, :i] for i in range(1, len(dist))]

text = corpus / "text_formats"
np.savetxt(text / "cloud.csv", cloud, delimiter=",", fmt="%.3f")
np.savetxt(text / "distance.txt", dist, fmt="%.4f")
(text / "lower.txt").write_text("".join(" ".join(f"{v:.4f}" for v in row) + "\n" for row in lower))
(text / "lower_ripser.txt").write_text("\n" + "".join(",".join(f"{v:.4f}" for v in row) + "\n" for row in lower))

h5 = corpus / "hdf5"
with h5py.File(h5 / "cloud.h5", "w") as f:
    f["data"] = cloud
    f["data"].attrs["format"] = "point-cloud"
with h5py.File(h5 / "distance.h5", "w") as f:
    f["data"] = dist
    f["data"].attrs["format"] = "distance"
with h5py.File(h5 / "lower.h5", "w") as f:
    f["data"] = np.concatenate(lower).astype(np.float32)
with h5py.File(h5 / "recordings.h5", "w") as f:
    f["activity"] = rng.normal(size=(3, 4, 2))
    f["inputs"] = rng.normal(size=(3, 4, 1)).astype(np.float32)
    f["condition"] = np.array([0, 1, 0])
    f["times"] = np.arange(4) * 10.0
    f["trial_info/coherence"] = np.array([6.4, 12.8, 6.4])
    f.attrs["dt"] = 10.0
