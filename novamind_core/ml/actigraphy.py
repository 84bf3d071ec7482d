"""Actigraphy transformer in the style of PAT (Ruan et al. 2024, arXiv:2411.15240; docs/science.md §9).

One week of minute-level activity counts (10,080 values) is scaled as ``(log1p(counts) - 3) / 2.5``, cut into
patches of 18 minutes (560 tokens), embedded linearly and given fixed sine/cosine positions
(``PE(pos, 2i) = sin(pos / 10000^(2i/d))``, ``PE(pos, 2i+1) = cos(...)``; Vaswani et al. 2017), then passed
through a transformer encoder (pre-norm).

* Pretraining: a masked autoencoder (He et al. 2022, CVPR): a random 90% of patches are hidden, the encoder sees
  only the visible 10% (56 tokens), a small decoder gets mask tokens at the hidden positions and reconstructs their
  scaled values; loss = mean squared error on the hidden patches.
* Fine-tuning: the encoder on all 560 tokens, mean-pooled, a linear head for the binary sleep/circadian
  disturbance label, binary cross-entropy.
* Embedding: the mean-pooled encoder output (``d_model`` values), exposed as optional features ``pat_emb_<k>``.

Sizes are configurable; the default (``d_model=32``, 2 layers, 2 heads, ~30 k parameters) is smaller than PAT-S
(~0.29 M) so it trains on a laptop CPU. Published AUCs of such models on real data are modest (depression about
0.6 on NHANES, Ruan et al. 2024): the output is a research signal, not a diagnosis.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from novamind_core.domain.errors import NovamindError, ValidationError
from novamind_core.ml.calibration import binary_metrics

MINUTES_PER_WEEK = 10_080
PATCH_MINUTES = 18
N_TOKENS = MINUTES_PER_WEEK // PATCH_MINUTES  # 560
LOG_CENTER, LOG_SCALE = 3.0, 2.5  # scaling of log1p(counts); counts/min while awake are ~10^2-10^3


def scale_counts(counts: np.ndarray) -> np.ndarray:
    """``(log1p(max(counts, 0)) - 3) / 2.5`` as float32, NaN (missing minutes) -> 0 counts."""
    c = np.nan_to_num(np.asarray(counts, np.float32), nan=0.0)
    return ((np.log1p(np.maximum(c, 0.0)) - LOG_CENTER) / LOG_SCALE).astype(np.float32)


def to_weeks(counts: np.ndarray) -> np.ndarray:
    """Check and shape minute counts as (n, 10080); a single week may be given as (10080,)."""
    a = np.asarray(counts, np.float32)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2 or a.shape[1] != MINUTES_PER_WEEK:
        raise ValidationError(f"actigraphy input must be weeks of {MINUTES_PER_WEEK} minute counts, got shape "
                              f"{tuple(np.shape(counts))}", field="counts")
    return a


def sincos_positions(n_positions: int, d_model: int) -> np.ndarray:
    """Fixed sinusoidal position encodings (n_positions, d_model)."""
    pos = np.arange(n_positions)[:, None]
    i = np.arange(d_model // 2)[None, :]
    angle = pos / np.power(10000.0, 2 * i / d_model)
    pe = np.zeros((n_positions, d_model), np.float32)
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle)
    return pe


@lru_cache(maxsize=1)
def _torch_modules():
    import torch
    from torch import nn

    def encoder_stack(d: int, heads: int, ff: int, layers: int, dropout: float):
        layer = nn.TransformerEncoderLayer(d, heads, ff, dropout=dropout, batch_first=True, norm_first=True)
        return nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)

    class PATEncoder(nn.Module):
        def __init__(self, d_model: int, n_heads: int, ff: int, n_layers: int, dropout: float = 0.1):
            super().__init__()
            self.embed = nn.Linear(PATCH_MINUTES, d_model)
            self.register_buffer("pos", torch.from_numpy(sincos_positions(N_TOKENS, d_model)), persistent=False)
            self.encoder = encoder_stack(d_model, n_heads, ff, n_layers, dropout)
            self.norm = nn.LayerNorm(d_model)

        def forward(self, patches, keep_idx=None):
            """patches (B, 560, 18); keep_idx (B, k) tokens to encode (MAE) or None for all."""
            x = self.embed(patches) + self.pos
            if keep_idx is not None:
                x = torch.gather(x, 1, keep_idx.unsqueeze(-1).expand(-1, -1, x.shape[-1]))
            return self.norm(self.encoder(x))

    class PATDecoder(nn.Module):
        def __init__(self, d_model: int, d_dec: int, n_heads: int):
            super().__init__()
            self.proj = nn.Linear(d_model, d_dec)
            self.mask_token = nn.Parameter(torch.zeros(1, 1, d_dec))
            self.register_buffer("pos", torch.from_numpy(sincos_positions(N_TOKENS, d_dec)), persistent=False)
            self.decoder = encoder_stack(d_dec, n_heads, 2 * d_dec, 1, 0.0)
            self.out = nn.Linear(d_dec, PATCH_MINUTES)

        def forward(self, encoded, keep_idx):
            b = encoded.shape[0]
            full = self.mask_token.expand(b, N_TOKENS, -1).clone()
            full.scatter_(1, keep_idx.unsqueeze(-1).expand(-1, -1, full.shape[-1]), self.proj(encoded))
            return self.out(self.decoder(full + self.pos))

    return torch, PATEncoder, PATDecoder


@dataclass(frozen=True)
class ActigraphyPrediction:
    p_disturbance: float
    embedding: tuple[float, ...]


class ActigraphyTransformer:
    """PAT-style encoder with MAE pretraining and a fine-tuned disturbance head (scikit-learn-like).

    Parameters
    ----------
    d_model, n_layers, n_heads, ff_dim, decoder_dim : sizes (small by default)
    mask_ratio : fraction of patches hidden in pretraining (0.9 as in PAT)
    pretrain_epochs, finetune_epochs, batch_size, learning_rate : training settings
    random_state : seed
    """

    def __init__(self, d_model: int = 32, n_layers: int = 2, n_heads: int = 2, ff_dim: int = 64,
                 decoder_dim: int = 32, mask_ratio: float = 0.9, pretrain_epochs: int = 10, finetune_epochs: int = 8,
                 batch_size: int = 32, learning_rate: float = 1e-3, random_state: int = 0) -> None:
        if not 0 < mask_ratio < 1:
            raise ValidationError("mask_ratio must be between 0 and 1", field="mask_ratio", value=mask_ratio)
        self.d_model = d_model
        self.n_layers = n_layers
        self.n_heads = n_heads
        self.ff_dim = ff_dim
        self.decoder_dim = decoder_dim
        self.mask_ratio = mask_ratio
        self.pretrain_epochs = pretrain_epochs
        self.finetune_epochs = finetune_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.random_state = random_state

    def get_params(self) -> dict:
        return {k: getattr(self, k) for k in ("d_model", "n_layers", "n_heads", "ff_dim", "decoder_dim", "mask_ratio",
                                              "pretrain_epochs", "finetune_epochs", "batch_size", "learning_rate",
                                              "random_state")}

    def _build(self):
        torch, Enc, _ = _torch_modules()
        enc = Enc(self.d_model, self.n_heads, self.ff_dim, self.n_layers)
        head = torch.nn.Linear(self.d_model, 1)
        return torch, enc, head

    @staticmethod
    def _patches(torch, weeks: np.ndarray):
        return torch.from_numpy(scale_counts(weeks).reshape(-1, N_TOKENS, PATCH_MINUTES))

    def pretrain(self, counts: np.ndarray, progress=None) -> ActigraphyTransformer:
        """Masked-autoencoder pretraining on unlabelled weeks (n, 10080); keeps the encoder, drops the decoder."""
        torch, _, Dec = _torch_modules()
        torch.manual_seed(self.random_state)
        torch_, enc, head = self._build()
        dec = Dec(self.d_model, self.decoder_dim, self.n_heads)
        params = list(enc.parameters()) + list(dec.parameters())
        opt = torch.optim.AdamW(params, lr=self.learning_rate, weight_decay=0.01)
        X = self._patches(torch, to_weeks(counts))
        n_keep = max(1, int(round(N_TOKENS * (1 - self.mask_ratio))))
        gen = torch.Generator().manual_seed(self.random_state)
        self.pretrain_loss_ = []
        for epoch in range(self.pretrain_epochs):
            enc.train()
            dec.train()
            order = torch.randperm(X.shape[0], generator=gen)
            total, count = 0.0, 0
            for start in range(0, X.shape[0], self.batch_size):
                xb = X[order[start:start + self.batch_size]]
                noise = torch.rand(xb.shape[0], N_TOKENS, generator=gen)
                keep = torch.argsort(noise, dim=1)[:, :n_keep]
                recon = dec(enc(xb, keep), keep)
                hidden = torch.ones(xb.shape[0], N_TOKENS, dtype=torch.bool)
                hidden.scatter_(1, keep, False)
                loss = ((recon - xb) ** 2).mean(dim=-1)[hidden].mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += float(loss.detach()) * xb.shape[0]
                count += xb.shape[0]
            self.pretrain_loss_.append(round(total / count, 5))
            if progress:
                progress(f"actigraphy: pretrain epoch {epoch + 1}/{self.pretrain_epochs} "
                         f"masked-patch MSE {total / count:.4f}")
        self.encoder_ = enc
        self.head_ = head
        return self

    def fit(self, counts: np.ndarray, y: np.ndarray, validation: tuple[np.ndarray, np.ndarray] | None = None,
            progress=None) -> ActigraphyTransformer:
        """Fine-tune encoder + head on labelled weeks (pretraining first if :meth:`pretrain` was not called).

        With ``validation`` the epoch with the best validation AUC is kept.
        """
        torch, _, _ = _torch_modules()
        if not hasattr(self, "encoder_"):
            self.pretrain(counts, progress)
        torch.manual_seed(self.random_state + 1)
        enc, head = self.encoder_, self.head_
        opt = torch.optim.AdamW(list(enc.parameters()) + list(head.parameters()), lr=self.learning_rate,
                                weight_decay=0.01)
        X = self._patches(torch, to_weeks(counts))
        yt = torch.from_numpy(np.asarray(y, np.float32))
        gen = torch.Generator().manual_seed(self.random_state + 1)
        loss_fn = torch.nn.BCEWithLogitsLoss()
        best, best_state = -np.inf, None
        self.finetune_history_ = []
        for epoch in range(self.finetune_epochs):
            enc.train()
            head.train()
            order = torch.randperm(X.shape[0], generator=gen)
            for start in range(0, X.shape[0], self.batch_size):
                b = order[start:start + self.batch_size]
                logit = head(enc(X[b]).mean(dim=1)).squeeze(-1)
                loss = loss_fn(logit, yt[b])
                opt.zero_grad()
                loss.backward()
                opt.step()
            if validation is not None:
                from novamind_core.ml.calibration import roc_auc

                auc = roc_auc(validation[1], self.predict_proba(validation[0]))
                self.finetune_history_.append(round(float(auc), 4))
                if progress:
                    progress(f"actigraphy: fine-tune epoch {epoch + 1}/{self.finetune_epochs} validation AUC {auc:.3f}")
                if auc > best:
                    best = auc
                    best_state = ({k: v.detach().clone() for k, v in enc.state_dict().items()},
                                  {k: v.detach().clone() for k, v in head.state_dict().items()})
            elif progress:
                progress(f"actigraphy: fine-tune epoch {epoch + 1}/{self.finetune_epochs}")
        if best_state is not None:
            enc.load_state_dict(best_state[0])
            head.load_state_dict(best_state[1])
        enc.eval()
        head.eval()
        self.fitted_ = True
        return self

    def _check(self) -> None:
        if not getattr(self, "fitted_", False):
            raise NovamindError("ActigraphyTransformer is not fitted: call fit() or load one from the registry")

    def _forward(self, counts: np.ndarray, batch: int = 64):
        torch, _, _ = _torch_modules()
        X = self._patches(torch, to_weeks(counts))
        self.encoder_.eval()
        embs, probs = [], []
        with torch.no_grad():
            for start in range(0, X.shape[0], batch):
                e = self.encoder_(X[start:start + batch]).mean(dim=1)
                embs.append(e.numpy())
                probs.append(torch.sigmoid(self.head_(e).squeeze(-1)).numpy())
        return np.concatenate(embs), np.concatenate(probs)

    def embed(self, counts: np.ndarray) -> np.ndarray:
        """Mean-pooled encoder embeddings (n, d_model) of weeks of minute counts."""
        if not hasattr(self, "encoder_"):
            raise NovamindError("ActigraphyTransformer has no encoder yet: pretrain or fit it first")
        return self._forward(counts)[0]

    def predict_proba(self, counts: np.ndarray) -> np.ndarray:
        """P(sleep/circadian disturbance) per week (n,)."""
        if not hasattr(self, "encoder_"):
            raise NovamindError("ActigraphyTransformer has no encoder yet: pretrain or fit it first")
        return self._forward(counts)[1]

    def features(self, counts_week: np.ndarray) -> dict[str, float]:
        """Optional model features for one week: ``pat_p_disturbance`` and ``pat_emb_0..d-1``."""
        self._check()
        emb, p = self._forward(counts_week)
        return {"pat_p_disturbance": float(p[0]), **{f"pat_emb_{k}": float(v) for k, v in enumerate(emb[0])}}

    def evaluate(self, counts: np.ndarray, y: np.ndarray) -> dict:
        return binary_metrics(np.asarray(y), self.predict_proba(counts))

    @property
    def n_parameters(self) -> int:
        return int(sum(p.numel() for p in self.encoder_.parameters()) + sum(p.numel() for p in self.head_.parameters()))

    def to_files(self) -> dict[str, bytes]:
        torch, _, _ = _torch_modules()
        buf = io.BytesIO()
        torch.save({"encoder": self.encoder_.state_dict(), "head": self.head_.state_dict()}, buf)
        cfg = {"params": self.get_params(), "patch_minutes": PATCH_MINUTES, "n_tokens": N_TOKENS}
        return {"weights.pt": buf.getvalue(), "config.json": json.dumps(cfg, indent=1).encode("utf-8")}

    @classmethod
    def from_files(cls, read) -> ActigraphyTransformer:
        cfg = json.loads(read("config.json"))
        model = cls(**cfg["params"])
        torch, enc, head = model._build()
        state = torch.load(io.BytesIO(read("weights.pt")), weights_only=True)
        enc.load_state_dict(state["encoder"])
        head.load_state_dict(state["head"])
        enc.eval()
        head.eval()
        model.encoder_, model.head_, model.fitted_ = enc, head, True
        return model
