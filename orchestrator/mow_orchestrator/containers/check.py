"""Check that an image serves the mow.v1 protocol before a study relies on it.

Starts one container with the same hardening as a run, then: health SERVING,
Describe, a tiny dataset upload, one window of training, the report, and the
removal of the container.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from mow_model_sdk._proto.mow.v1 import report_service_pb2, types_pb2
from mow_model_sdk.arrow_io import ipc_to_predictions

from ..client import EncodedDataset, row_range
from ..config import DockerSection
from ..errors import ModelServerError, ModelStartError
from .docker import DockerBackend, list_containers


@dataclass(frozen=True)
class CheckStep:
    name: str
    seconds: float
    detail: str


def check_image(settings: DockerSection, *, start_timeout_s: float = 60.0,
                on_step: Callable[[CheckStep], None] = lambda step: None) -> list[CheckStep]:
    """Run the checks; raises ModelStartError naming the first step that failed."""
    steps: list[CheckStep] = []

    def step(name: str, started: float, detail: str) -> None:
        steps.append(CheckStep(name, time.perf_counter() - started, detail))
        on_step(steps[-1])

    run_id = f"check-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="mow-check-") as logs:
        backend = DockerBackend(settings, run_id=run_id, study="check-image", log_dir=Path(logs),
                                start_timeout_s=start_timeout_s)
        t = time.perf_counter()
        try:
            backend.prepare()
            model = backend.start(0)
        except BaseException:
            backend.stop_all()  # the socket folder too
            raise
        try:
            step("serving", t, f"{model.description} reports SERVING")
            t = time.perf_counter()
            described = model.client.describe()
            if not described.models:
                raise ModelStartError(f"{settings.image}: Describe lists no models")
            spec = described.models[0]
            step("describe", t, f"{described.sdk_language} SDK {described.sdk_version}, models: "
                 + ", ".join(m.name for m in described.models))
            t = time.perf_counter()
            x = np.linspace(0.0, 1.0, 64)
            dataset = EncodedDataset.from_table(pa.table({"x": x, "y": 2 * x + 1}))
            model.client.ensure_dataset(dataset)
            step("upload", t, f"{dataset.ipc.size} bytes")
            t = time.perf_counter()
            request = report_service_pb2.TrainRequest(
                trial_id=run_id, model=spec.name, dataset_fingerprint=dataset.fingerprint,
                feature_columns=["x"], target_column="y",
                windows=[types_pb2.Window(id="w0", train=row_range(0, 48), validation=row_range(48, 64))],
            )
            reports = list(model.client.train(request))
            window = next((r.window for r in reports if r.HasField("window")), None)
            if window is None or not reports[-1].HasField("final"):
                raise ModelStartError(f"{settings.image}: Train did not stream a window report and a final report")
            if window.HasField("error"):
                raise ModelStartError(
                    f"{settings.image}: model {spec.name} failed on a tiny dataset: {window.error.type}: {window.error.message}"
                )
            n = len(ipc_to_predictions(window.predictions))
            if n != 16:
                raise ModelStartError(f"{settings.image}: {n} predictions for 16 validation rows")
            status = report_service_pb2.TrialStatus.Name(reports[-1].final.status)
            step("train", t, f"model {spec.name}: 1 window, 16 predictions, {status}")
        except ModelServerError as exc:
            raise ModelStartError(f"{settings.image}: {exc}") from None
        finally:
            t = time.perf_counter()
            backend.stop(model)
            backend.stop_all()
        if list_containers(run_id):
            raise ModelStartError(f"{settings.image}: the container was not removed")
        step("shutdown", t, "container stopped and removed")
    return steps
