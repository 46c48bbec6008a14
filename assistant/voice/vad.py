"""Voice activity: Silero VAD v6, the ONNX model bundled with faster-whisper, one 32 ms frame at a time."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import ModelUnavailable

if TYPE_CHECKING:
    import numpy as np

FRAME = 512  # 32 ms at 16 kHz: Silero VAD's frame


def _silero_path() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("faster_whisper")  # find the asset without importing ctranslate2
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable("Silero VAD ships with faster-whisper, which is not installed: pip install faster-whisper.")
    path = Path(next(iter(spec.submodule_search_locations))) / "assets" / "silero_vad_v6.onnx"
    if not path.is_file():
        raise ModelUnavailable(f"Silero VAD model missing at {path}. Reinstall faster-whisper.")
    return path


class SileroVAD:
    """Silero VAD v6 (the ONNX file bundled with faster-whisper), fed one 32 ms frame at a time."""

    _CONTEXT = 64  # samples of the previous frame the model sees at 16 kHz

    def __init__(self) -> None:
        import numpy as np
        import onnxruntime

        if hasattr(onnxruntime, "disable_telemetry_events"):
            onnxruntime.disable_telemetry_events()
        options = onnxruntime.SessionOptions()
        options.inter_op_num_threads = options.intra_op_num_threads = 1
        options.log_severity_level = 4
        self._session = onnxruntime.InferenceSession(
            str(_silero_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._np = np
        self.reset()

    def reset(self) -> None:
        np = self._np
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros((1, self._CONTEXT), dtype=np.float32)

    def __call__(self, frame: "np.ndarray") -> float:
        """Probability that this 512-sample frame is speech."""
        np = self._np
        frame = frame.reshape(1, -1)
        if frame.shape[1] < FRAME:
            frame = np.pad(frame, ((0, 0), (0, FRAME - frame.shape[1])))
        out, self._h, self._c = self._session.run(
            None, {"input": np.concatenate([self._context, frame], axis=1), "h": self._h, "c": self._c}
        )
        self._context = frame[:, -self._CONTEXT :]
        return float(np.ravel(out)[0])
