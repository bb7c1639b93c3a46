from . import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TrialStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRIAL_STATUS_UNSPECIFIED: _ClassVar[TrialStatus]
    TRIAL_STATUS_COMPLETED: _ClassVar[TrialStatus]
    TRIAL_STATUS_FAILED: _ClassVar[TrialStatus]
    TRIAL_STATUS_CANCELLED: _ClassVar[TrialStatus]
TRIAL_STATUS_UNSPECIFIED: TrialStatus
TRIAL_STATUS_COMPLETED: TrialStatus
TRIAL_STATUS_FAILED: TrialStatus
TRIAL_STATUS_CANCELLED: TrialStatus

class TrainRequest(_message.Message):
    __slots__ = ("trial_id", "model", "params", "dataset_fingerprint", "feature_columns", "target_column", "windows")
    class ParamsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _types_pb2.ParamValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_types_pb2.ParamValue, _Mapping]] = ...) -> None: ...
    TRIAL_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    DATASET_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    FEATURE_COLUMNS_FIELD_NUMBER: _ClassVar[int]
    TARGET_COLUMN_FIELD_NUMBER: _ClassVar[int]
    WINDOWS_FIELD_NUMBER: _ClassVar[int]
    trial_id: str
    model: str
    params: _containers.MessageMap[str, _types_pb2.ParamValue]
    dataset_fingerprint: str
    feature_columns: _containers.RepeatedScalarFieldContainer[str]
    target_column: str
    windows: _containers.RepeatedCompositeFieldContainer[_types_pb2.Window]
    def __init__(self, trial_id: _Optional[str] = ..., model: _Optional[str] = ..., params: _Optional[_Mapping[str, _types_pb2.ParamValue]] = ..., dataset_fingerprint: _Optional[str] = ..., feature_columns: _Optional[_Iterable[str]] = ..., target_column: _Optional[str] = ..., windows: _Optional[_Iterable[_Union[_types_pb2.Window, _Mapping]]] = ...) -> None: ...

class Report(_message.Message):
    __slots__ = ("window", "final")
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    FINAL_FIELD_NUMBER: _ClassVar[int]
    window: WindowReport
    final: FinalReport
    def __init__(self, window: _Optional[_Union[WindowReport, _Mapping]] = ..., final: _Optional[_Union[FinalReport, _Mapping]] = ...) -> None: ...

class WindowReport(_message.Message):
    __slots__ = ("window_id", "predictions", "metrics", "fit_seconds", "predict_seconds", "logs", "error")
    class MetricsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    WINDOW_ID_FIELD_NUMBER: _ClassVar[int]
    PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    FIT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    PREDICT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    LOGS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    window_id: str
    predictions: bytes
    metrics: _containers.ScalarMap[str, float]
    fit_seconds: float
    predict_seconds: float
    logs: _containers.RepeatedScalarFieldContainer[str]
    error: _types_pb2.ModelError
    def __init__(self, window_id: _Optional[str] = ..., predictions: _Optional[bytes] = ..., metrics: _Optional[_Mapping[str, float]] = ..., fit_seconds: _Optional[float] = ..., predict_seconds: _Optional[float] = ..., logs: _Optional[_Iterable[str]] = ..., error: _Optional[_Union[_types_pb2.ModelError, _Mapping]] = ...) -> None: ...

class FinalReport(_message.Message):
    __slots__ = ("status", "windows_done", "seconds", "error")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    WINDOWS_DONE_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    status: TrialStatus
    windows_done: int
    seconds: float
    error: _types_pb2.ModelError
    def __init__(self, status: _Optional[_Union[TrialStatus, str]] = ..., windows_done: _Optional[int] = ..., seconds: _Optional[float] = ..., error: _Optional[_Union[_types_pb2.ModelError, _Mapping]] = ...) -> None: ...

class CancelTrialRequest(_message.Message):
    __slots__ = ("trial_id",)
    TRIAL_ID_FIELD_NUMBER: _ClassVar[int]
    trial_id: str
    def __init__(self, trial_id: _Optional[str] = ...) -> None: ...

class CancelTrialResponse(_message.Message):
    __slots__ = ("cancelled",)
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    cancelled: bool
    def __init__(self, cancelled: _Optional[bool] = ...) -> None: ...
