#!/usr/bin/python3
"""PyTorch round trips of mlc's safetensors files.

For each NAME.mlc.safetensors in DIR (default tests/testdata/torch), written by
`go test ./tests -run TorchRoundTrip -torch.write` with NAME.in.safetensors beside it:

  1. builds the model's PyTorch replica, an nn.Sequential, from the file's metadata alone
     (mlc.torch: its modules, and the layouts of its input and output);
  2. mlc -> PyTorch: loads mlc's weights into it (load_state_dict, strict), predicts the
     inputs x of NAME.in.safetensors and compares with mlc's outputs there;
  3. PyTorch -> mlc: initialises a second replica the PyTorch way (seeded) and writes its
     state_dict by hand (json header + numpy bytes) to NAME.torch.safetensors;
  4. writes PyTorch's outputs on x with both weights to NAME.out.safetensors
     (torch_of_mlc, torch_of_torch), which tests/torch_test.go compares with mlc's.

No safetensors package: the header is read with json and the data with numpy. Run with
Debian's PyTorch: /usr/bin/python3 tests/torch/roundtrip.py.
"""
import argparse
import glob
import json
import os
import struct
import sys
import warnings

import numpy as np
import torch
import torch.nn as nn

DTYPES = {"F32": np.float32, "F64": np.float64}
NAMES = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64"}


def read_safetensors(path):
    """The metadata and the tensors (numpy arrays) of a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    body = data[8 + n:]
    tensors = {}
    for name, t in header.items():
        lo, hi = t["data_offsets"]
        dt = np.dtype(DTYPES[t["dtype"]]).newbyteorder("<")
        tensors[name] = np.frombuffer(body[lo:hi], dtype=dt).reshape(t["shape"]).astype(DTYPES[t["dtype"]])
    return meta, tensors


def write_safetensors(path, tensors, meta):
    """Writes numpy arrays as a safetensors file: header padded to 8 bytes, little-endian data."""
    header = {"__metadata__": meta}
    blobs, at = [], 0
    for name, a in tensors.items():
        a = np.asarray(a, order="C")  # not ascontiguousarray, which makes a scalar [1]
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": NAMES[a.dtype], "shape": list(a.shape), "data_offsets": [at, at + len(b)]}
        blobs.append(b)
        at += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-(8 + len(h)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


class Sin(nn.Module):
    """mlc's sin activation; torch.nn has none."""

    def forward(self, x):
        return torch.sin(x)


CUSTOM = {"Sin": Sin}


def build(spec, dtype):
    """The nn.Sequential of mlc.torch's modules, each torch.nn's class with the arguments given."""
    mods = []
    for m in spec["modules"]:
        args = dict(m)
        typ = args.pop("type")
        if isinstance(args.get("padding"), list):
            args["padding"] = tuple(args["padding"])
        mods.append((CUSTOM.get(typ) or getattr(nn, typ))(**args))
    return nn.Sequential(*mods).to(dtype).eval()


def to_torch(x, layout):
    """Rows of mlc's inputs as PyTorch's: [N, *shape] with the axes permuted (series channels first)."""
    n = x.shape[0]
    return torch.from_numpy(np.ascontiguousarray(x)).reshape(n, *layout["shape"]).permute(0, *[p + 1 for p in layout["perm"]])


def from_torch(y, layout):
    """PyTorch's outputs as rows of mlc's (a flattened series is unflattened first)."""
    shape, perm = layout["shape"], layout["perm"]
    y = y.reshape(y.shape[0], *[shape[p] for p in perm])
    inv = np.argsort(perm)
    return y.permute(0, *[int(i) + 1 for i in inv]).reshape(y.shape[0], -1).detach().numpy()


def differences(got, want):
    """Max |got - want|, and that over max |want|."""
    abs_ = float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64))))
    return abs_, abs_ / float(np.max(np.abs(want)))


def elementwise(got, exact):
    """Max |got - exact| / |exact| over the values with |exact| >= 1e-3 max |exact|."""
    exact = exact.astype(np.float64)
    keep = np.abs(exact) >= 1e-3 * np.max(np.abs(exact))
    return float(np.max(np.abs(got.astype(np.float64)[keep] - exact[keep]) / np.abs(exact[keep])))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", nargs="?", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "torch"))
    ap.add_argument("-seed", type=int, default=1, help="seed of PyTorch's initialisation")
    args = ap.parse_args()
    torch.set_num_threads(1)
    # PyTorch pads a copy of the input for padding='same' with an even kernel, and says so.
    warnings.filterwarnings("ignore", message="Using padding='same'")
    paths = sorted(glob.glob(os.path.join(args.dir, "*.mlc.safetensors")))
    if not paths:
        sys.exit(f"no *.mlc.safetensors in {args.dir}: run go test ./tests -run TorchRoundTrip -torch.write first")
    print(f"torch {torch.__version__}, numpy {np.__version__}")
    print("mlc -> PyTorch, mlc's weights: max |mlc - PyTorch|, and over max |y|; for float32, the largest")
    print("elementwise relative error of each against the same network in float64 (values >= 1e-3 max |y|)")
    print(f"{'case':<16} {'max abs':>9} {'normwise':>9} {'PyTorch32':>10} {'mlc32':>9}")
    for path in paths:
        name = os.path.basename(path)[: -len(".mlc.safetensors")]
        base = os.path.join(args.dir, name)
        meta, weights = read_safetensors(path)
        spec = json.loads(meta["mlc.torch"])
        dtype = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}[next(iter(weights.values())).dtype]
        _, io = read_safetensors(base + ".in.safetensors")
        x = to_torch(io["x"], spec["input"])

        # The model's coefficients (param statements, loss-term weights) are not the network's:
        # they go around it, and into the PyTorch side's file unchanged.
        coefs = {k: weights.pop(k) for k in spec.get("coefficients", [])}

        # mlc -> PyTorch
        net = build(spec, dtype)
        net.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in weights.items()}, strict=True)
        with torch.no_grad():
            torch_of_mlc = from_torch(net(x), spec["output"])
        a, r = differences(torch_of_mlc, io["mlc"])
        line = f"{name:<16} {a:>9.3g} {r:>9.3g}"
        if dtype == torch.float32:
            # The same weights and inputs in float64: how far each float32 result is from it.
            exact = build(spec, torch.float64)
            exact.load_state_dict({k: torch.from_numpy(v.astype(np.float64)) for k, v in weights.items()})
            with torch.no_grad():
                y64 = from_torch(exact(x.double()), spec["output"])
            line += f" {elementwise(torch_of_mlc, y64):>10.3g} {elementwise(io['mlc'], y64):>9.3g}"
        print(line)

        # PyTorch -> mlc: the replica's own initialisation, written by hand.
        torch.manual_seed(args.seed)
        net2 = build(spec, dtype)
        state = {k: v.detach().numpy() for k, v in net2.state_dict().items()}
        state.update(coefs)
        write_safetensors(base + ".torch.safetensors", state,
                          {"format": "pt", "written_by": f"tests/torch/roundtrip.py, torch {torch.__version__}"})
        with torch.no_grad():
            torch_of_torch = from_torch(net2(x), spec["output"])
        write_safetensors(base + ".out.safetensors", {"torch_of_mlc": torch_of_mlc, "torch_of_torch": torch_of_torch},
                          {"written_by": f"tests/torch/roundtrip.py, torch {torch.__version__}"})
    print("PyTorch -> mlc: go test ./tests -run TorchRoundTrip -v")


if __name__ == "__main__":
    main()
